"""`python -m benchmarks.replay_speed [--events N ...]`: how fast `csinsights replay` goes,
against the fastest way to put the same events into the same emulation.

For each size, a generated stream (sellers grow with the size, so the table grows as a
real archive's would) is replayed with `replay_events`: a fresh local stack from the
template, every event through the real ingest handler in SQS-shaped batches, then the
scheduled run; events per second, wall time. Beside it, the same events written with
boto3's `batch_writer` into a fresh moto table (one item per event, no handler, no
run, moto's own code): the floor of what moto itself costs per event. The replay ingests
in bulk order (`csinsights_local.bulk`), as `csinsights replay` does; with
`--archive-order`, in the archive's order (`replay --archive-order`). The ratio is replay
time over batch_writer time (goal: at most 3 at every size; a ratio that grows with the
size means per-event cost grows with the archive). Deploying the template into a fresh
moto is timed apart too (a fixed cost, in the replay's time), and the ratio without it is
shown beside. Times are measured, never asserted on.

This machine's speed drifts between runs (the floor alone has taken from 2.2 s to 4.6 s
for 10,000 events), so `--repeat N` measures each size in N fresh processes, one after
the other, each paying its own imports as `csinsights replay` does, and shows the median
ratio and the range of the N.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from csinsights_local import moto_speedups
from csinsights_local.generator import StreamShape, generate
from csinsights_local.replay import replay_events
from csinsights_local.stack import FAKE_CREDENTIALS, REGION, deploy

GOAL_RATIO = 3.0
END = date(2026, 11, 25)
SIZES = (10_000, 100_000)


def stream_of(events: int) -> list[dict[str, Any]]:
    """About `events` generated events (35 days, ~1,800 events per seller), cut to size."""
    sellers = max(1, round(events / 1_800))
    stream = generate(StreamShape(sellers=sellers, end=END))
    while len(stream) < events:
        sellers += max(1, sellers // 10)
        stream = generate(StreamShape(sellers=sellers, end=END))
    return stream[:events]


def batch_writer_seconds(stream: list[dict[str, Any]]) -> float:
    with mock_aws(), moto_speedups.applied(False):
        dynamodb = boto3.resource("dynamodb", region_name=REGION)
        table = dynamodb.create_table(
            TableName="raw-events",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
        started = time.perf_counter()
        with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as writer:
            for event in stream:
                writer.put_item(
                    Item={
                        "pk": f"{event['seller_id']}#{event['store_id']}",
                        "sk": event["event_id"],
                        "body": json.dumps(event),
                    }
                )
        return time.perf_counter() - started


def replay_seconds(stream: list[dict[str, Any]], bulk: bool) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    result = replay_events(stream, END.isoformat(), bulk=bulk, progress=True)
    return time.perf_counter() - started, result


def deploy_seconds() -> float:
    """The template into a fresh moto, as a replay starts (after one deployment, so that
    what is imported once per process is not counted)."""
    with mock_aws():
        deploy()
    with mock_aws():
        started = time.perf_counter()
        deploy()
        return time.perf_counter() - started


def measure(events: int, bulk: bool = True) -> dict[str, Any]:
    stream = stream_of(events)
    floor = batch_writer_seconds(stream)
    replay, result = replay_seconds(stream, bulk)
    fixed = deploy_seconds()
    return {
        "events": len(stream),
        "order": "bulk" if bulk else "archive",
        "sellers": len(result["sellers"]),
        "ingest": result["ingest"],
        "replay_seconds": round(replay, 1),
        "replay_events_per_second": round(len(stream) / replay, 1),
        "deploy_seconds": round(fixed, 1),
        "batch_writer_seconds": round(floor, 1),
        "batch_writer_events_per_second": round(len(stream) / floor, 1),
        "ratio": round(replay / floor, 2),
        "ratio_without_deploy": round((replay - fixed) / floor, 2),
        "goal_ratio": GOAL_RATIO,
    }


def repeated(events: int, bulk: bool, runs: int) -> dict[str, Any]:
    """`measure` in `runs` fresh processes, one after the other: every run's row, and the
    median of each figure."""
    rows = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "row.json"
            order = [] if bulk else ["--archive-order"]
            command = [sys.executable, "-m", "benchmarks.replay_speed", "--events", str(events)]
            arguments = [*command, *order, "--output", str(output)]
            subprocess.run(arguments, check=True, stdout=subprocess.DEVNULL)
            rows.extend(json.loads(output.read_text()))
    median = {
        name: round(statistics.median(row[name] for row in rows), 2)
        for name in rows[0]
        if isinstance(rows[0][name], float)
    }
    return {**rows[0], **median, "runs": rows}


def _range(rows: list[dict[str, Any]]) -> str:
    ratios = [row["ratio"] for row in rows]
    return f"{min(ratios):.2f}-{max(ratios):.2f}"


def render(rows: list[dict[str, Any]]) -> str:
    header = (
        f"{'events':>8} {'order':>8} {'replay ev/s':>12} {'batch_writer ev/s':>18} "
        f"{'ratio':>6} {'without deploy':>15} {'runs':>5} {'ratio range':>12}  verdict"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        verdict = "PASS" if row["ratio"] <= GOAL_RATIO else "FAIL"
        runs = row.get("runs", [row])
        lines.append(
            f"{row['events']:>8} {row['order']:>8} {row['replay_events_per_second']:>12.1f} "
            f"{row['batch_writer_events_per_second']:>18.1f} {row['ratio']:>6.2f} "
            f"{row['ratio_without_deploy']:>15.2f} {len(runs):>5} {_range(runs):>12}  {verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replay_speed", description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--output", type=Path, help="also write the rows as JSON here")
    parser.add_argument(
        "--archive-order",
        action="store_true",
        help="replay in the archive's order (`replay --archive-order`), not in bulk order",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure each size in this many fresh processes; show the median (default 1)",
    )
    args = parser.parse_args(argv)
    os.environ.update(FAKE_CREDENTIALS)  # never reach a real account
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    rows = []
    for events in args.events:
        print(f"replay speed: {events} events ...", file=sys.stderr, flush=True)
        if args.repeat > 1:
            rows.append(repeated(events, not args.archive_order, args.repeat))
        else:
            rows.append(measure(events, bulk=not args.archive_order))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if args.output:
        args.output.write_text(json.dumps(rows, indent=2) + "\n")
    print(render(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
