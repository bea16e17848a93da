"""Cold start: what importing each handler module costs in a fresh interpreter.

Each module is imported by `python -X importtime -c "import <module>"` in a subprocess
(cwd = the repository, an environment with only PATH, HOME, fake credentials, the region
and POWERTOOLS_TRACE_DISABLED=true), and the output is read as a tree:

- total: the sum of the cumulative microseconds of the top-level entries (interpreter
  start-up, `site`, and the module itself), so `import boto3` measured the same way is a
  like-for-like baseline;
- the heaviest imports the handler module makes itself (its direct children in the tree:
  whatever it is the first to import, a package's own parents included);
- the self time of every module under the handler, summed by top-level package (what
  dominates: botocore, pydantic, aws_lambda_powertools, ...).

The median of `runs` runs is reported (by total); the breakdowns are those of that run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csinsights_local.stack import FAKE_CREDENTIALS

ROOT = Path(__file__).resolve().parent.parent
HANDLER_MODULES = (
    "functions.ingest.app",
    "functions.metrics.app",
    "functions.api.app",
    "functions.reports.app",
    "functions.alerts.app",
)
BASELINE = "boto3"
GOAL_RATIO = 1.3
EDITABLE_FINDER = "__editable___"


@dataclass
class Node:
    name: str
    self_us: int
    cumulative_us: int
    children: list[Node] = field(default_factory=list)

    def walk(self) -> list[Node]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def parse_importtime(text: str) -> list[Node]:
    """The top-level entries of `-X importtime` output, each with its subtree.

    CPython prints `import time: {self} | {cumulative} | {'  ' * depth}{name}` when a
    module finishes loading (post-order): an entry at depth d owns the entries at depth
    d + 1 printed since the previous entry at depth <= d."""
    pending: dict[int, list[Node]] = {}
    for line in text.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|", 2)
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header
        raw = parts[2][1:] if parts[2].startswith(" ") else parts[2]
        depth = (len(raw) - len(raw.lstrip(" "))) // 2
        node = Node(raw.strip(), int(parts[0]), int(parts[1]))
        node.children = pending.pop(depth + 1, [])
        pending.setdefault(depth, []).append(node)
    return pending.get(0, [])


def _environment() -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(FAKE_CREDENTIALS)
    env["POWERTOOLS_TRACE_DISABLED"] = "true"
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    return env


def import_once(module: str) -> list[Node]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"import {module} failed: {done.stderr.strip().splitlines()[-1:]}")
    roots = parse_importtime(done.stderr)
    if not any(r.name == module for r in roots):
        raise RuntimeError(f"import {module}: no top-level entry in the -X importtime output")
    return roots


def _package(name: str) -> str:
    return name.split(".", 1)[0]


def summarise(module: str, roots: list[Node], top: int = 5) -> dict[str, Any]:
    (target,) = [r for r in roots if r.name == module]
    total = sum(r.cumulative_us for r in roots)
    by_package: dict[str, int] = {}
    for node in target.walk()[1:]:
        key = EDITABLE_FINDER if node.name.startswith(EDITABLE_FINDER) else _package(node.name)
        by_package[key] = by_package.get(key, 0) + node.self_us
    heaviest = sorted(target.children, key=lambda n: n.cumulative_us, reverse=True)[:top]
    return {
        "total_us": total,
        "module_us": target.cumulative_us,
        "startup_us": total - target.cumulative_us,
        "modules_imported": len(target.walk()),
        "heaviest_imports": [{"name": n.name, "cumulative_us": n.cumulative_us} for n in heaviest],
        "self_us_by_package": dict(
            sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:8]
        ),
    }


def measure(module: str, runs: int) -> dict[str, Any]:
    samples = [summarise(module, import_once(module)) for _ in range(runs)]
    totals = [s["total_us"] for s in samples]
    median = statistics.median_low(totals)
    chosen = samples[totals.index(median)]
    return chosen | {"runs": runs, "totals_us": totals}


def cold_start(runs: int) -> dict[str, Any]:
    baseline = measure(BASELINE, runs)
    handlers = {}
    for module in HANDLER_MODULES:
        found = measure(module, runs)
        found["ratio_to_boto3"] = found["total_us"] / baseline["total_us"]
        handlers[module] = found
    return {
        "method": "python -X importtime -c 'import <module>' in a fresh interpreter, "
        "cwd = the repository; total = sum of the top-level cumulative times "
        "(start-up and site included); median of the runs",
        "python": sys.executable,
        "runs": runs,
        "goal_ratio_to_boto3": GOAL_RATIO,
        "boto3": baseline,
        "handlers": handlers,
    }
