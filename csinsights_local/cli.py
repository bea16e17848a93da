"""`csinsights`: the product on a developer's machine, and an operator's tools.

csinsights demo [--once]          local stack, sample + generated events, summary
csinsights ingest EVENTS.jsonl    ingest an archive into a fresh local stack
csinsights replay EVENTS.jsonl    an archive through ingest and the run as of a day
csinsights serve [--events F]     the local stack and the API over HTTP; it ingests what
                                  reaches its queue, and serves an archive as it ended
csinsights token SELLER_ID        a bearer token the local API accepts (or --operator)
csinsights rejected list|replay   inspect / replay kept invalid events (the running local
                                  stack, or any endpoint and table)
csinsights import EVENTS.jsonl    a backfill: the archive ordered by seller, store and time,
                                  sent to an ingest queue (the running local stack's, or any)

Archives are JSON Lines: one event (a JSON object) per line, each line sent as one queue
message exactly as written (a UTF-8 byte order mark starting the file is left out of line
1, nothing else). Convert a JSON array or pretty-printed JSON with `jq -c '.[]' FILE` (an
array) or `jq -c . FILE` (one or more objects).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from tqdm import tqdm

from csinsights.compute import TREND_DAYS
from csinsights.domain.asof import end_of, last_complete_day, parse_as_of, timestamp
from csinsights.domain.catalogue import BENCHMARK_WINDOW, WINDOWS
from csinsights.store.ports import RejectedPort
from csinsights_local.archive import ArchiveError, Entry, read_archive
from csinsights_local.bulk import bulk_order
from csinsights_local.demo import cmd_demo
from csinsights_local.pipeline import (
    IngestSummary,
    event_days,
    ingest_direct,
    ingest_via_queue,
    stored_counts,
)
from csinsights_local.run import listed_sellers, run_metrics
from csinsights_local.server import local_stack

ROOT = Path(__file__).resolve().parent.parent
BULK_HELP = (
    "ingest in the order `csinsights import` sends a backfill (seller, store, time): "
    "the same figures, fewer writes"
)
EVENTS_DIR = ROOT / "events"


def read_jsonl(path: Path) -> list[Entry]:
    """An archive's lines, each to be sent as written (see `csinsights_local.archive`)."""
    return read_archive(path)


def report_rejected(summary: IngestSummary, out: Any = None) -> None:
    """The rejected lines (the first few, then a count), for the person who ran it."""
    out = out or sys.stderr
    if summary.rejected:
        print(f"{summary.rejected} of {summary.received} lines rejected:", file=out)
        for line in summary.rejected_lines():
            print(f"  {line}", file=out)


def cmd_ingest(args: argparse.Namespace) -> int:
    items = read_jsonl(Path(args.events))
    if args.bulk:
        items = bulk_order(items)
    with local_stack() as (_, deployment):
        summary = ingest_via_queue(deployment, items, progress=True)
        report_rejected(summary)
        print(
            json.dumps(
                {
                    "ingest": summary.as_dict(),
                    "rejected_reasons": dict(summary.reasons),
                    "rejected_lines": summary.examples,
                    "rejected_lines_not_listed": summary.not_listed,
                    "stored": dict(stored_counts(deployment)),
                },
                indent=2,
            )
        )
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from csinsights_local.replay import replay_events

    items = read_jsonl(Path(args.events))
    result = replay_events(
        items,
        args.as_of,
        args.window_days,
        alerts=args.alerts,
        bulk=not args.archive_order,
        progress=True,
        on_ingested=report_rejected,
        emulated_aws=args.emulated_aws,
    )
    json.dump(result, sys.stdout, indent=2 if args.pretty else None)
    sys.stdout.write("\n")
    if not result["sellers"]:
        as_of = timestamp(end_of(parse_as_of(args.as_of)))
        why = (
            f"every accepted event occurred at or after {as_of} (is --as-of too early?)"
            if result["ingest"]["accepted"]
            else "no event was accepted"
        )
        print(f"csinsights replay: no seller as of {as_of}: {why}", file=sys.stderr)
    return 0


def _seed(deployment: Any, items: list[Any], as_of: str | None, history_days: int) -> str:
    """Ingest an archive, then the scheduled run as of `as_of` — by default the end of the
    archive's last day (a past archive is served as it ended, not as of yesterday) — and as
    of each day before it that the history needs (`history_days` in all, none before the
    archive's first day). Returns what was computed, for the person who started it."""
    summary = ingest_direct(deployment, items, progress=True)
    report_rejected(summary)
    span = event_days(items)
    yesterday = last_complete_day(datetime.now(UTC))
    if as_of is not None:
        day, why = parse_as_of(as_of), "--as-of"
    elif span is not None and span[1] <= yesterday:
        day, why = span[1], "the end of the archive's last day"
    elif span is not None:
        day, why = yesterday, "the end of yesterday: the archive's last day is not over"
    else:
        day, why = yesterday, "no event accepted: the end of yesterday"
    # No history before the archive's first day (nor any for an archive of no event).
    first = max(day - timedelta(days=history_days - 1), min(span[0], day)) if span else day
    days = [first + timedelta(days=n) for n in range((day - first).days + 1)]
    for each in tqdm(days, desc="daily runs", unit="run", file=sys.stderr, leave=False):
        run = run_metrics(deployment, timestamp(end_of(each)))
    sellers = listed_sellers(deployment, run.output)
    counts = ", ".join(f"{count} {name}" for name, count in summary.as_dict().items())
    runs = f"{len(days)} daily run{'s' if len(days) > 1 else ''} from {days[0]}"
    return (
        f"Computed as of {timestamp(end_of(day))} ({why}; history: {runs}): "
        f"{len(sellers)} seller{'' if len(sellers) == 1 else 's'}; ingest: {counts}"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from csinsights_local.serve import (
        serve_until_interrupted,
        start_server,
        start_workers,
        stop_on_signal,
    )

    items = read_jsonl(Path(args.events)) if args.events else None
    # Stopped by a signal as by Ctrl-C: the stack shuts down and its state file goes.
    signal.signal(signal.SIGTERM, stop_on_signal)
    with local_stack(announce=True) as (_, deployment):
        computed = None
        if items is not None:
            computed = _seed(deployment, items, args.as_of, args.history_days)
        server, url = start_server(deployment, args.port, args.as_of)
        workers = start_workers(deployment, args.alert_seconds)
        print(f"Serving on {url}", flush=True)
        print(
            f"OpenAPI: {url}/v1/docs (Swagger UI); tokens: csinsights token SELLER_ID",
            flush=True,
        )
        if computed is not None:
            print(computed, flush=True)
        serve_until_interrupted(server, workers)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from csinsights_local.tokens import issue

    if not args.seller_id and not args.operator:
        raise UsageError("a seller id (csinsights token SELLER_ID) or --operator is required")
    print(issue(args.seller_id, operator=args.operator, ttl=args.ttl))
    return 0


class CommandError(Exception):
    """A command cannot go on: its message is printed, with no traceback."""

    exit_code = 1


class UsageError(CommandError):
    """Bad input to a command."""

    exit_code = 2


@contextmanager
def aws_errors() -> Iterator[None]:
    """What the AWS SDK raises (no endpoint, no credentials, no such table), as a message."""
    from botocore.exceptions import BotoCoreError, ClientError

    from csinsights.errors import Busy, StoreFault

    try:
        yield
    except Busy as exc:
        cause = exc.__cause__ or exc
        where = os.environ.get("AWS_ENDPOINT_URL") or "AWS"
        raise CommandError(f"{where} did not answer ({cause}): is the stack running?") from None
    except StoreFault as exc:
        raise CommandError(str(exc.__cause__ or exc)) from None
    except (BotoCoreError, ClientError) as exc:
        raise CommandError(str(exc)) from None


def _target(
    args: argparse.Namespace, needs_queue: bool = False, needs_table: bool = True
) -> tuple[str | None, str | None]:
    """The table (and ingest queue) to work on: as given, else the running local stack's
    (its state file), whose endpoint, region and credentials then apply too."""
    from csinsights_local.localstate import running, state_file
    from csinsights_local.stack import FAKE_CREDENTIALS, REGION

    table, queue_url = getattr(args, "table", None), getattr(args, "queue_url", None)
    local = None
    if (needs_table and table is None) or (needs_queue and queue_url is None):
        local = running()
        if local is None:
            missing = "--table" if needs_table and table is None else "--queue-url"
            raise UsageError(
                f"no {missing} given and no local stack running (none announced in "
                f"{state_file()}): start one with `csinsights serve`, or pass {missing}"
            )
        table = table or (local.table if needs_table else None)
        queue_url = queue_url or local.queue_url
    if local is not None or args.endpoint_url:
        # An emulated endpoint: any credentials do, and its region is the stack's.
        for name, value in FAKE_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url or (local and local.endpoint) or ""
    region = args.region or (local.region if local else None)
    if region:
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region
    elif boto3.Session().region_name is None:
        if args.endpoint_url:
            os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = REGION
        else:
            raise UsageError("no AWS region configured: pass --region (or set AWS_REGION)")
    return table, queue_url


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else datetime.now(UTC).date()
    except ValueError:
        raise UsageError(f"--day {text!r}: expected a date, YYYY-MM-DD") from None


def _repository(table: str) -> RejectedPort:
    from csinsights.config import Settings
    from csinsights.store.rejected import RejectedEvents

    return RejectedEvents(settings=Settings(table_name=table))


def cmd_rejected_list(args: argparse.Namespace) -> int:
    day = _day(args.day)
    table, _ = _target(args)
    assert table is not None
    with aws_errors():
        kept = [rejected.public() for rejected in _repository(table).list_rejected(day)]
        print(json.dumps(kept, indent=2))
    return 0


def cmd_rejected_replay(args: argparse.Namespace) -> int:
    """Send kept bodies back to the ingest queue (after the producer or contract is fixed)."""
    day = _day(args.day)
    table, queue_url = _target(args, needs_queue=True)
    assert table is not None
    repository = _repository(table)
    replayed = 0
    with aws_errors():
        sqs = boto3.client("sqs")
        for kept in repository.list_rejected(day):
            if kept.truncated:
                continue
            if args.message_id and kept.message_id not in args.message_id:
                continue
            sqs.send_message(QueueUrl=queue_url, MessageBody=kept.body)
            repository.delete_rejected(day, kept.message_id)
            replayed += 1
    print(json.dumps({"replayed": replayed}))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """A backfill onto a running stack's ingest queue, in bulk order."""
    from csinsights_local.bulk import send_archive

    items = read_jsonl(Path(args.events))
    _, queue_url = _target(args, needs_queue=True, needs_table=False)
    assert queue_url is not None
    with aws_errors():
        result = send_archive(boto3.client("sqs"), queue_url, items, progress=True)
    for problem in result["unsendable"][:10]:
        print(
            f"  line {problem['line']}: {problem['reason']}: {problem['message']}", file=sys.stderr
        )
    print(json.dumps({"sent": result["sent"], "unsendable": len(result["unsendable"])}))
    return 0


def _at_least_one(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text}: at least 1")
    return number


AS_OF_FORMS = "a date (2026-11-19) or a UTC midnight (2026-11-20T00:00:00Z)"


def _positive(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"{text}: a number above 0")
    return number


def _as_of_argument(text: str) -> str:
    """An as-of the product reads; the API's words for one it cannot (never Python's)."""
    try:
        parse_as_of(text)
    except ValueError as exc:
        said = str(exc)
        reason = said.removeprefix("as_of ") if said.startswith("as_of ") else None
        raise argparse.ArgumentTypeError(
            f"{text!r}: {reason or 'expected ' + AS_OF_FORMS}"
        ) from None
    except OverflowError:  # the midnight that starts 0001-01-01 ends no day
        raise argparse.ArgumentTypeError(f"{text!r}: no day ends at that midnight") from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csinsights", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="run the whole system locally on generated events",
        description="The local stack from the template; the events/ samples and a generated "
        "marketplace ingested; the scheduled run as of each of the last days; figures, "
        "comparisons and reports (written to --output, with the events as events.jsonl, "
        "which `csinsights serve --events` serves again); then the API, until Ctrl-C.",
    )
    demo.add_argument(
        "--once", action="store_true", help="exit after printing, the API not served (for CI)"
    )
    demo.add_argument(
        "--sellers", type=_at_least_one, default=8, help="sellers in the marketplace (default 8)"
    )
    demo.add_argument(
        "--stores",
        type=int,
        default=3,
        choices=range(1, 4),
        help="stores: 1 (US), 2 (and CA) or 3 (and MX; the default)",
    )
    demo.add_argument(
        "--days",
        type=_at_least_one,
        help="days of history (default: from 1 August, 3 complete months)",
    )
    demo.add_argument(
        "--orders-per-day",
        type=_positive,
        default=1.5,
        help="orders a day per seller and store (default 1.5)",
    )
    demo.add_argument(
        "--runs",
        type=_at_least_one,
        default=28,
        help="daily scheduled runs, the last days' (default 28: the history of 4 weeks)",
    )
    demo.add_argument(
        "--seed", type=int, default=7, help="the generator's seed: the same seed, the same events"
    )
    demo.add_argument(
        "--table-sellers",
        type=_at_least_one,
        default=4,
        help="sellers shown in the printed table (default 4; all are in metrics-table.txt)",
    )
    demo.add_argument(
        "--output",
        default="demo-output",
        help="where the reports and events.jsonl are written (emptied first)",
    )
    demo.set_defaults(func=cmd_demo)

    archive = "a JSON Lines file: one event (a JSON object) per line, any order, repeats allowed"
    ingest = sub.add_parser(
        "ingest",
        help="ingest a JSON Lines archive into a fresh local stack",
        description="Publish each line of a JSON Lines archive to the ingest queue of a fresh "
        "local stack; prints the counts, the rejected lines (line, reason, fields) and what "
        "is stored.",
    )
    ingest.add_argument("events", help=archive)
    ingest.add_argument("--bulk", action="store_true", help=BULK_HELP)
    ingest.set_defaults(func=cmd_ingest)

    replay = sub.add_parser(
        "replay",
        help="a JSON Lines archive through ingest and the scheduled run as of T",
        description="Each line of a JSON Lines archive through the product's ingest (as its "
        "queue message), in bulk order unless --archive-order, then the scheduled run as "
        "of T in the steps of the template's state machine; prints one JSON document: the "
        "ingest counts and one metrics document per seller. Runs on the embedded store "
        "(in memory) unless --emulated-aws. Rejected lines and progress go to stderr.",
    )
    replay.add_argument("events", help=archive)
    replay.add_argument(
        "--as-of",
        required=True,
        type=_as_of_argument,
        help="a UTC midnight (2026-11-20T00:00:00Z) or a date (its end)",
    )
    replay.add_argument("--window-days", type=int, default=BENCHMARK_WINDOW, choices=list(WINDOWS))
    replay.add_argument("--pretty", action="store_true")
    order = replay.add_mutually_exclusive_group()
    order.add_argument(
        "--archive-order",
        action="store_true",
        help="ingest the lines in the archive's order (as a live stream delivers them); "
        "the same figures, more writes, about half the speed",
    )
    order.add_argument(
        "--bulk",
        dest="archive_order",
        action="store_false",
        help="ingest in bulk order (the default): " + BULK_HELP,
    )
    replay.add_argument(
        "--alerts",
        action="store_true",
        help="run the reply-due alert function once at T too; adds what it published",
    )
    replay.add_argument(
        "--emulated-aws",
        action="store_true",
        help="through the template deployed into the local AWS emulation (the real handlers, "
        "DynamoDB, S3) instead of the embedded store: the same output, for small archives",
    )
    replay.set_defaults(func=cmd_replay)

    serve = sub.add_parser("serve", help="the local stack and the API over HTTP on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="the port (default: any free one)")
    serve.add_argument(
        "--events",
        help="a JSON Lines archive (one event per line) to ingest first, then compute as of "
        "--as-of and the days before it its history needs",
    )
    serve.add_argument(
        "--as-of",
        type=_as_of_argument,
        help="compute, and serve overdue contacts, as of T (default: the end of the archive's "
        "last day, no later than the end of yesterday; overdue contacts live)",
    )
    serve.add_argument(
        "--history-days",
        type=_at_least_one,
        default=TREND_DAYS,
        help=f"with --events: days of history computed, ending at --as-of, none before the "
        f"archive's first day (default {TREND_DAYS}, the insights page's trend)",
    )
    serve.add_argument(
        "--alert-seconds",
        type=float,
        default=60.0,
        help="seconds between two reply-due alert runs (deployed: every 15 minutes)",
    )
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser(
        "token",
        help="a bearer token the local API server accepts",
        description="A token for a seller (its own data only), or with --operator for an "
        "operator (any seller's); one of the two is required.",
    )
    token.add_argument("seller_id", nargs="?", help="the seller the token is for")
    token.add_argument("--operator", action="store_true", help="an operator's token")
    token.add_argument(
        "--ttl", type=int, default=3600, help="seconds until it expires (default 3600)"
    )
    token.set_defaults(func=cmd_token)

    rejected = sub.add_parser(
        "rejected",
        help="invalid events kept with their reason",
        description="Without --table, the local stack `csinsights serve` is running.",
    )
    rsub = rejected.add_subparsers(dest="action", required=True)
    listing = rsub.add_parser("list", help="the events rejected on a day")
    resend = rsub.add_parser("replay", help="send kept events back to the ingest queue")
    for command in (listing, resend):
        command.add_argument("--table", help="the events table (default: the local stack's)")
        command.add_argument("--endpoint-url", help="an emulated AWS endpoint to use")
        command.add_argument("--region", help="AWS region (default: configured, or the stack's)")
        command.add_argument("--day", help="YYYY-MM-DD the events were rejected (default today)")
    listing.set_defaults(func=cmd_rejected_list)
    resend.add_argument("--queue-url", help="the ingest queue (default: the local stack's)")
    resend.add_argument("--message-id", action="append", help="only these (repeatable)")
    resend.set_defaults(func=cmd_rejected_replay)

    backfill = sub.add_parser(
        "import",
        help="a backfill: an archive sent to an ingest queue in bulk order",
        description="Send every line of a JSON Lines archive, exactly as written, to an "
        "ingest queue, ordered by seller, store, time and event id: a shuffled archive then "
        "costs ingest about what a live stream costs (the figures are the same in any order). "
        "Without --queue-url, the local stack `csinsights serve` is running. Prints the lines "
        "sent; lines SQS would refuse are listed on stderr, not sent.",
    )
    backfill.add_argument("events", help=archive)
    backfill.add_argument("--queue-url", help="the ingest queue (default: the local stack's)")
    backfill.add_argument("--endpoint-url", help="an emulated AWS endpoint to use")
    backfill.add_argument("--region", help="AWS region (default: configured, or the stack's)")
    backfill.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = " ".join(x for x in ("csinsights", args.command, getattr(args, "action", "")) if x)
    try:
        return int(args.func(args))
    except ArchiveError as exc:
        print(f"{command}: error: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"{command}: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
