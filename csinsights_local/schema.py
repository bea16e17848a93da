"""Print the ingest contract as JSON Schema (the content of docs/event-schema.json).

python -m csinsights_local.schema > docs/event-schema.json
"""

from __future__ import annotations

import json
import sys

from csinsights.models.events import event_json_schema


def render() -> str:
    """The schema exactly as committed in docs/event-schema.json."""
    return json.dumps(event_json_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
