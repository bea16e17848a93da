"""Logger and metrics shared by every function (service name from the environment)."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
