"""`csinsights`: the product on a developer's machine, and an operator's tools.

csinsights demo [--once]          local stack, sample + generated events, summary
csinsights ingest EVENTS.jsonl    ingest an archive into a fresh local stack
csinsights rejected list|replay   inspect / replay kept invalid events (any endpoint)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3

from csinsights.domain.catalogue import BENCHMARK_WINDOW, WINDOWS
from csinsights_local.demo import cmd_demo
from csinsights_local.pipeline import (
    ingest_direct,
    ingest_via_queue,
    stored_counts,
)
from csinsights_local.run import run_metrics
from csinsights_local.server import local_stack

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = ROOT / "events"


def read_jsonl(path: Path) -> list[Any]:
    """One event per line; a line that is not JSON is passed on as text (and rejected)."""
    items: list[Any] = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError:
            items.append(line)
    return items


def cmd_ingest(args: argparse.Namespace) -> int:
    items = read_jsonl(Path(args.events))
    with local_stack() as (_, deployment):
        summary = ingest_via_queue(deployment, items)
        print(
            json.dumps(
                {
                    "ingest": summary.as_dict(),
                    "rejected_reasons": dict(summary.reasons),
                    "stored": dict(stored_counts(deployment)),
                },
                indent=2,
            )
        )
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from csinsights_local.replay import replay_events

    items = read_jsonl(Path(args.events))
    result = replay_events(items, args.as_of, args.window_days, alerts=args.alerts)
    json.dump(result, sys.stdout, indent=2 if args.pretty else None)
    sys.stdout.write("\n")
    return 0


def _seed(deployment: Any, items: list[Any], as_of: str | None) -> dict[str, Any]:
    ingest_direct(deployment, items)
    return run_metrics(deployment, as_of)


def cmd_serve(args: argparse.Namespace) -> int:
    from csinsights_local.alerts import AlertSchedule
    from csinsights_local.serve import ReportWorker, serve_until_interrupted, start_server

    with local_stack() as (_, deployment):
        if args.events:
            _seed(deployment, read_jsonl(Path(args.events)), args.as_of)
        server, url = start_server(deployment, args.port, args.as_of)
        worker = ReportWorker(deployment)
        worker.start()
        AlertSchedule(deployment, args.alert_seconds).start()
        print(f"Serving on {url}", flush=True)
        print(
            f"OpenAPI: {url}/v1/docs (Swagger UI); tokens: csinsights token SELLER_ID",
            flush=True,
        )
        serve_until_interrupted(server, worker)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from csinsights_local.tokens import issue

    print(issue(args.seller_id, operator=args.operator, ttl=args.ttl))
    return 0


def _repository(table: str):  # type: ignore[no-untyped-def]
    from csinsights.config import Settings
    from csinsights.store.rejected import RejectedEvents

    return RejectedEvents(settings=Settings(table_name=table))


def cmd_rejected_list(args: argparse.Namespace) -> int:
    day = date.fromisoformat(args.day) if args.day else datetime.now(UTC).date()
    print(json.dumps(_repository(args.table).list_rejected(day), indent=2))
    return 0


def cmd_rejected_replay(args: argparse.Namespace) -> int:
    """Send kept bodies back to the ingest queue (after the producer or contract is fixed)."""
    day = date.fromisoformat(args.day) if args.day else datetime.now(UTC).date()
    repository = _repository(args.table)
    sqs = boto3.client("sqs")
    replayed = 0
    for item in repository.list_rejected(day):
        if item["truncated"]:
            continue
        if args.message_id and item["message_id"] not in args.message_id:
            continue
        sqs.send_message(QueueUrl=args.queue_url, MessageBody=item["body"])
        repository.delete_rejected(day, item["message_id"])
        replayed += 1
    print(json.dumps({"replayed": replayed}))
    return 0


def _as_of_argument(text: str) -> str:
    from csinsights.domain.asof import parse_as_of

    try:
        parse_as_of(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csinsights", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole system locally on generated events")
    demo.add_argument(
        "--once", action="store_true", help="exit after printing, the API not served (for CI)"
    )
    demo.add_argument("--sellers", type=int, default=8)
    demo.add_argument("--stores", type=int, default=3, choices=range(1, 4))
    demo.add_argument(
        "--days", type=int, help="days of history (default: from 1 August, 3 complete months)"
    )
    demo.add_argument("--orders-per-day", type=float, default=1.5, help="per seller and store")
    demo.add_argument("--runs", type=int, default=28, help="daily scheduled runs, the last ones")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--table-sellers", type=int, default=4)
    demo.add_argument("--output", default="demo-output", help="where the reports are written")
    demo.set_defaults(func=cmd_demo)

    ingest = sub.add_parser("ingest", help="ingest a JSONL archive into a fresh local stack")
    ingest.add_argument("events")
    ingest.set_defaults(func=cmd_ingest)

    replay = sub.add_parser(
        "replay", help="events through ingest and the scheduled run as of T; prints documents"
    )
    replay.add_argument("events", help="JSONL: one event per line, any order, repeats allowed")
    replay.add_argument(
        "--as-of",
        required=True,
        type=_as_of_argument,
        help="a UTC midnight (2026-11-20T00:00:00Z) or a date (its end)",
    )
    replay.add_argument("--window-days", type=int, default=BENCHMARK_WINDOW, choices=list(WINDOWS))
    replay.add_argument("--pretty", action="store_true")
    replay.add_argument(
        "--alerts",
        action="store_true",
        help="run the reply-due alert function once at T too; adds what it published",
    )
    replay.set_defaults(func=cmd_replay)

    serve = sub.add_parser("serve", help="the local stack and the API over HTTP on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--events", help="JSONL archive to ingest first")
    serve.add_argument(
        "--as-of",
        type=_as_of_argument,
        help="compute, and serve overdue contacts, as of T (default: the end of yesterday; "
        "overdue contacts live)",
    )
    serve.add_argument(
        "--alert-seconds",
        type=float,
        default=60.0,
        help="seconds between two reply-due alert runs (deployed: every 15 minutes)",
    )
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="a bearer token the local API server accepts")
    token.add_argument("seller_id", nargs="?")
    token.add_argument("--operator", action="store_true")
    token.add_argument("--ttl", type=int, default=3600)
    token.set_defaults(func=cmd_token)

    rejected = sub.add_parser("rejected", help="invalid events kept with their reason")
    rsub = rejected.add_subparsers(dest="action", required=True)
    listing = rsub.add_parser("list")
    listing.add_argument("--table", required=True)
    listing.add_argument("--day", help="YYYY-MM-DD the events were rejected (default today)")
    listing.set_defaults(func=cmd_rejected_list)
    resend = rsub.add_parser("replay")
    resend.add_argument("--table", required=True)
    resend.add_argument("--queue-url", required=True)
    resend.add_argument("--day")
    resend.add_argument("--message-id", action="append", help="only these (repeatable)")
    resend.set_defaults(func=cmd_rejected_replay)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
