"""Where a running local stack can be found: `csinsights serve` writes a small state file
(endpoint, region, table, ingest queue) while it runs, so the operator's tools
(`csinsights rejected list|replay`) reach it with no variables set by hand.

The file lives at `$CSINSIGHTS_STATE_FILE`, else `$XDG_STATE_HOME/csinsights/local-stack.json`
(`~/.local/state/...`). It names the process that wrote it; a file whose process has gone
is stale and is not used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalStack:
    endpoint: str
    region: str
    table: str
    queue_url: str
    pid: int


def state_file() -> Path:
    explicit = os.environ.get("CSINSIGHTS_STATE_FILE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "csinsights" / "local-stack.json"


@contextmanager
def announced(stack: LocalStack) -> Iterator[Path]:
    """The state file written for the duration (removed after, if still ours)."""
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(stack), indent=2) + "\n")
    try:
        yield path
    finally:
        current = running()
        if current is None or current.pid == stack.pid:
            with suppress(FileNotFoundError):
                path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def running() -> LocalStack | None:
    """The local stack the state file describes, if its process still runs."""
    try:
        stack = LocalStack(**json.loads(state_file().read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return stack if _alive(stack.pid) else None
