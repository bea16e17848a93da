"""Print the API's OpenAPI document, generated from the resolver (`make openapi`)."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from csinsights.api.openapi import DOCS_PATH as DOCS
from csinsights.api.openapi import DOCUMENT

# The Swagger UI is at DOCS: served by the local server only, it needs no identity.


def _resolver() -> Any:
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from functions.api.app import app

    return app


@cache
def serve_docs() -> None:
    """The Swagger UI at /v1/docs, on the local server only. API Gateway routes no such
    path, so the deployed function does not build it: the OpenAPI models it imports are
    the largest part of the API's cold start. "Try it out" keeps the token given."""
    _resolver().enable_swagger(path=DOCS, persist_authorization=True, **DOCUMENT)


def render() -> str:
    schema = _resolver().get_openapi_json_schema(**DOCUMENT)
    return json.dumps(json.loads(schema), indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
