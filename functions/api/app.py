"""The metrics API: API Gateway REST (Cognito authorizer) → Powertools resolver (whose
OpenAPI document keeps only the schemas the API answers with: `csinsights.api.resolver`),
composed of one Router per route group and one for the error answers. (The Swagger UI is
served by the local server only: `csinsights_local.openapi.serve_docs`.)"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights.api import errors
from csinsights.api.bodies import with_canonical_media_type
from csinsights.api.resolver import Resolver
from csinsights.api.routes import contacts, reports, stores
from csinsights.api.routes import metrics as metrics_routes
from csinsights.observability import logger, metrics

app = Resolver(enable_validation=True, response_validation_error_http_code=500)
ROUTERS = (errors.router, metrics_routes.router, stores.router, contacts.router, reports.router)
for router in ROUTERS:
    app.include_router(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(with_canonical_media_type(event), context)
