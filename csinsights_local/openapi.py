"""Print the API's OpenAPI document, generated from the resolver (`make openapi`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def render() -> str:
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from csinsights.api.openapi import DOCUMENT
    from functions.api.app import app

    schema = app.get_openapi_json_schema(**DOCUMENT)
    return json.dumps(json.loads(schema), indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
