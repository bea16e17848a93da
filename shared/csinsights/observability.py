"""Logger and metrics shared by every function (service name from the environment)."""

import warnings

from aws_lambda_powertools import Logger, Metrics

# A request or step that records no business metric is normal, not a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()
