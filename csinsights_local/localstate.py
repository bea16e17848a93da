"""Where a running local stack can be found: `csinsights serve` writes a small state file
(endpoint, region, table, ingest queue) while it runs, so the operator's tools
(`csinsights rejected list|replay`) reach it with no variables set by hand.

The file lives at `$CSINSIGHTS_STATE_FILE`, else `$XDG_STATE_HOME/csinsights/local-stack.json`
(`~/.local/state/...`). It names the process that wrote it; a file whose process has gone
is stale and is not used. It announces one stack: a second `serve` started while the
first runs leaves the file to the first and says how to reach itself.
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
def announced(stack: LocalStack) -> Iterator[LocalStack | None]:
    """The state file written for the duration, and removed after if still ours. A file
    naming another running stack is never overwritten: this one is then not announced,
    and the running one is yielded (the first `csinsights serve` stays the one the tools
    find, and the second leaves its entry alone when it stops)."""
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    other = _claim(path, stack)
    if other is not None:
        yield other
        return
    try:
        yield None
    finally:
        current = running()
        if current is None or current.pid == stack.pid:
            with suppress(FileNotFoundError):
                path.unlink()


def _claim(path: Path, stack: LocalStack) -> LocalStack | None:
    """Write `stack` to `path` unless a running stack is announced there (returned then).
    The file appears whole or not at all (written aside, then linked, which fails if the
    name exists), so two stacks starting together cannot both claim it."""
    draft = path.with_name(f".{path.name}.{stack.pid}")
    draft.write_text(json.dumps(asdict(stack), indent=2) + "\n")
    try:
        for _ in range(10):
            try:
                os.link(draft, path)
                return None
            except FileExistsError:
                current = running()
                if current is not None:
                    return current
                with suppress(FileNotFoundError):  # stale (or unreadable): replaced
                    path.unlink()
        raise RuntimeError(f"{path}: could not be claimed")
    finally:
        draft.unlink()


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
