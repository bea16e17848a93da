"""Print the API's OpenAPI document, generated from the resolver (`make openapi`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def render() -> str:
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from functions.api.app import app

    schema = app.get_openapi_json_schema(
        title="Customer Service Insights API",
        version="1.0.0",
        description="Metrics lookups, trends, store benchmarks and report downloads. "
        "Every route needs a Cognito token; a seller reads only its own data.",
        security_schemes={
            "SellerPool": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "description": "Cognito user-pool token (claims custom:seller_id, custom:role)",
            }
        },
        security=[{"SellerPool": []}],
    )
    return json.dumps(json.loads(schema), indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
