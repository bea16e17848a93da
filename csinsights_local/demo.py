"""`csinsights demo`: the whole system on a developer's machine, showing what a seller gets.

The local stack from the template; the events/ samples and about four months of a
generated marketplace, ingested through the queue and the handler; the scheduled run as of
each of the last 28 days (so history and trends have points, and the last three complete
months rank the top performers); every seller's figures, each store's comparisons (withheld
where too few sellers stand behind them); every report written to demo-output/; then the
API served with its Swagger UI (or, with --once, not served).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from tqdm import tqdm

from csinsights.domain.catalogue import BENCHMARK_WINDOW, WITHIN_24H
from csinsights_local.alerts import run_alerts, subscribe_alerts
from csinsights_local.backfill import ingest_backfill
from csinsights_local.bulk import bulk_order
from csinsights_local.demo_print import (
    print_benchmarks,
    print_history,
    print_summary,
    print_table,
)
from csinsights_local.generator import StreamShape, generate
from csinsights_local.pipeline import IngestSummary, ingest_via_queue, stored_counts
from csinsights_local.replay import deployed_documents
from csinsights_local.reports import contacts_report
from csinsights_local.run import RunResult, run_metrics
from csinsights_local.serve import (
    ReportWorker,
    proxy_event,
    serve_until_interrupted,
    start_server,
    start_workers,
)
from csinsights_local.server import local_stack
from csinsights_local.stack import Deployment
from csinsights_local.tokens import issue, verify

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = ROOT / "events"
OUTPUT = ROOT / "demo-output"
ONCE_NOTE = "--once: the API is not served; run `make demo` to try it"
STORES = ("US", "CA", "MX")
STORE_SELLERS = (8, 6, 3)
"""Sellers per store: MX has fewer than the privacy floor (5), so its comparisons are
withheld."""
END = date(2026, 11, 25)
LIVE = 300
"""How many of the newest deliveries go through the ingest queue; the rest straight to
the handler in SQS batches (the queue's emulation is slow for a long backlog)."""
INGEST_CHUNK = 1000
ALERT_SECONDS = 60.0
EVENTS_FILE = "events.jsonl"
"""Seconds between two reply-due alert runs while the demo serves (as `csinsights serve`)."""
INVALID: list[Any] = [
    "{not json",
    {
        "event_id": "bad-1",
        "type": "order.shipped",
        "seller_id": "SELLER001",
        "store_id": "US",
        "occurred_at": "2026-11-20T10:00:00Z",
        "data": {},
    },
    {
        "event_id": "bad-2",
        "type": "survey.vote",
        "seller_id": "SELLER001",
        "store_id": "US",
        "occurred_at": "2026-11-20T10:00:00Z",
        "data": {"order_id": "x", "vote": "yes", "rating": 5},
    },
]


def history_days(end: date, months: int) -> int:
    """Days from the first of the month `months` complete months before the day after
    `end` (the last run's as-of), through `end`: what top performers rank."""
    first = date(end.year, end.month, 1)
    for _ in range(months):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return (end - first).days + 1


def sample_events() -> list[dict[str, Any]]:
    samples = []
    for path in sorted(EVENTS_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "event_id" in data:
            samples.append(data)
    return samples


@dataclass
class Steps:
    """The wall time of each step of the demo, printed at the end."""

    times: list[tuple[str, float]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.times.append((name, time.perf_counter() - start))

    def print(self) -> None:
        total = time.perf_counter() - self.started
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.times)
        print(f"Wall time: {parts}; total {total:.1f} s")


class LocalApi:
    """The API function called in this process as API Gateway would call it, with the
    claims its authorizer would give a token's holder (no HTTP server needed)."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    def call(
        self, seller: str | None, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        claims = verify(issue(seller, operator=seller is None))
        headers = {"Content-Type": "application/json"}
        event = proxy_event(
            "POST" if body else "GET", path, headers, json.dumps(body) if body else None, claims
        )
        response = self.deployment.invoke("ApiFunction", event)
        return int(response["statusCode"]), json.loads(response.get("body") or "{}")


def demo_items(shape: StreamShape) -> list[Any]:
    """What the demo ingests besides its few invalid lines: the events/ samples and the
    generated marketplace, as delivered (shuffled, with repeats)."""
    return [*sample_events(), *generate(shape)]


def run_days(last_as_of: date, runs: int) -> list[date]:
    """The days of the demo's scheduled runs, oldest first."""
    return [last_as_of - timedelta(days=runs - 1 - i) for i in range(runs)]


def demo_shape(args: argparse.Namespace) -> StreamShape:
    stores = STORES[: args.stores]
    return StreamShape(
        sellers=args.sellers,
        stores=stores,
        store_sellers=tuple(min(n, args.sellers) for n in STORE_SELLERS[: len(stores)]),
        days=args.days or history_days(END, 3),
        end=END,
        orders_per_day=args.orders_per_day,
        # Enough contacts and votes on self-fulfilled orders for most sellers to be ranked
        # each month (a denominator of at least 5), at a volume the emulation runs quickly.
        contact_rate=0.4,
        pre_sale_per_day=0.1,
        vote_rate=0.7,
        self_fulfilled_shares=(0.5, 0.7, 0.9),
        seed=args.seed,
    )


def ingest(deployment: Deployment, items: list[Any]) -> IngestSummary:
    live, history = items[:LIVE] + INVALID, items[LIVE:]
    print(
        f"Publishing {len(live)} deliveries (the events/ samples, the newest generated events "
        "and a few invalid ones) to the ingest queue; the poller delivers them. The other "
        f"{len(history)}, a backfill, go in bulk order (seller, store, time: as `csinsights "
        "import` sends one) in batches of 100 to the product's ingest, committed item by "
        "item (moto copies its table for every item of a transaction) ..."
    )
    summary = ingest_via_queue(deployment, live)
    history = bulk_order(history)
    with tqdm(total=len(history), desc="ingest", unit="event", file=sys.stderr) as bar:
        for start in range(0, len(history), INGEST_CHUNK):
            chunk = history[start : start + INGEST_CHUNK]
            summary = summary + ingest_backfill(deployment, chunk)
            bar.update(len(chunk))
    return summary


def daily_runs(deployment: Deployment, last_as_of: date, runs: int) -> RunResult:
    """The scheduled run as of each of the `runs` days up to `last_as_of`, oldest first, as
    the schedule would have run them; returns the last run."""
    days = run_days(last_as_of, runs)
    print(
        f"Running the scheduled computation (plan, seller counts, store benchmarks, snapshots "
        f"and reports) as of each of {runs} days, {days[0]} to {days[-1]} (midnight UTC) ..."
    )
    runs_made = [
        run_metrics(deployment, f"{day.isoformat()}T00:00:00Z")
        for day in tqdm(days, desc="daily runs", unit="run", file=sys.stderr)
    ]
    return runs_made[-1]


def request_reports(api: LocalApi, deployment: Deployment, seller: str) -> dict[str, Any]:
    """A survey responses report requested through the API and built by the worker."""
    _, report = api.call(seller, f"/v1/sellers/{seller}/reports", {"type": "survey_responses"})
    ReportWorker(deployment).drain()
    _, report = api.call(seller, f"/v1/sellers/{seller}/reports/{report['report_id']}")
    link = report.get("download", {}).get("url")
    if link:
        with urllib.request.urlopen(link, timeout=30) as response:  # noqa: S310 - local S3
            lines = response.read().decode().count("\n")
        print(
            f"Survey responses report {report['report_id']} for {seller}: {report['rows']} "
            f"responses, downloaded through its pre-signed link ({lines} lines)"
        )
    return report


def acting_in_time(deployment: Deployment, seller: str, last_day: date) -> None:
    """The contacts report of the last 28 days (every contact-based figure rebuilt row by
    row), and a reply-due alert run at the end of the last day, its alerts read from a
    queue subscribed to the bus as a seller's notification service would be."""
    report = contacts_report(deployment, seller, as_of=last_day.isoformat(), days=28)
    with urllib.request.urlopen(report["download"]["url"], timeout=30) as response:  # noqa: S310
        lines = response.read().decode().splitlines()
    print(f"\nContacts report {report['report_id']} for {seller}: {report['rows']} contacts")
    for line in lines[:4]:
        print(f"  {line}")
    inbox = subscribe_alerts(deployment)
    at = datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC) + timedelta(days=1)
    published = run_alerts(deployment, as_of=at)
    arrived = inbox.read()
    print(
        f"Reply-due alerts as of {at:%Y-%m-%dT%H:%M:%SZ}: {len(published)} published to the "
        f"bus, {len(arrived)} arrived on a subscribed queue"
    )
    if arrived:
        print(f"  {json.dumps(arrived[0], sort_keys=True)}")
    again = run_alerts(deployment, as_of=at)
    print(f"  the same run again publishes {len(again)} (one alert per contact and threshold)")


def write_events(items: list[Any], out: Path) -> Path:
    """The events the demo ingested (the samples and the generated marketplace, as
    delivered: shuffled, with repeats) as a JSON Lines archive under `out`."""
    path = out / EVENTS_FILE
    with path.open("w") as file:
        for item in items:
            file.write(json.dumps(item) + "\n")
    return path


def write_reports(deployment: Deployment, out: Path) -> list[Path]:
    """Every report the stack holds, at its bucket key under `out`."""
    s3 = boto3.client("s3")
    bucket = deployment.outputs["ReportsBucketName"]
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="reports/")
        for item in page.get("Contents", [])
    ]
    paths = []
    for key in tqdm(keys, desc="demo-output", unit="file", file=sys.stderr):
        path = out / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        paths.append(path)
    return paths


def print_outputs(paths: list[Path], out: Path, day: str) -> None:
    latest = sorted(p for p in paths if p.name == "insights.html" and p.parent.name == day)
    others = len(paths) - len(latest)
    print(f"\nReports written to {out}/ ({len(paths)} files). Open in a browser:")
    for path in latest:
        print(f"  {path}")
    print(f"  (and {others} more: each day's insights.json/.csv/.html, the requested reports)")


def cmd_demo(args: argparse.Namespace) -> int:
    steps = Steps()
    shape = demo_shape(args)
    with steps.step("generate"):
        items = demo_items(shape)
    per_store = ", ".join(
        f"{store} {sum(shape.sells_in(i, t) for i in range(shape.sellers))}"
        for t, store in enumerate(shape.stores)
    )
    print(
        f"A generated marketplace: {shape.sellers} sellers (per store: {per_store}), "
        f"{shape.days} days to {shape.end}, {len(items)} deliveries, shuffled, with repeats"
    )
    print("Starting the local stack (moto) from infra/template.yaml ...")
    with ExitStack() as running:
        with steps.step("stack"):
            endpoint, deployment = running.enter_context(local_stack(announce=True))
        return _demo(args, steps, shape, items, endpoint, deployment)


def _demo(
    args: argparse.Namespace,
    steps: Steps,
    shape: StreamShape,
    items: list[Any],
    endpoint: str,
    deployment: Deployment,
) -> int:
    print(f"  table {deployment.outputs['EventsTableName']}")
    with steps.step("ingest"):
        summary = ingest(deployment, items)
    print_summary(summary)
    print("Stored")
    for kind, count in sorted(stored_counts(deployment).items()):
        print(f"  {kind:<16} {count:>8}")
    with steps.step(f"{args.runs} daily runs"):
        plan = daily_runs(deployment, shape.end + timedelta(days=1), args.runs)
    docs = deployed_documents(deployment, plan, BENCHMARK_WINDOW)
    out = Path(args.output).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    events = write_events(items, out)
    table = out / "metrics-table.txt"
    with table.open("w") as file:
        print_table(docs, file)
    print(f"\nMetrics of the {BENCHMARK_WINDOW} days as of {docs[0].as_of}:")
    print_table(docs[: args.table_sellers])
    if len(docs) > args.table_sellers:
        print(f"showing {args.table_sellers} of {len(docs)} sellers; all in {table}")
    api = LocalApi(deployment)
    benchmarks = [api.call(None, f"/v1/stores/{s}/benchmarks")[1] for s in shape.stores]
    print_benchmarks(benchmarks, docs)
    sellers = [d.seller_id for d in docs]
    seller = "SELLER001" if "SELLER001" in sellers else sellers[0]
    status, history = api.call(
        seller,
        f"/v1/sellers/{seller}/metrics/history?metric={WITHIN_24H}"
        f"&from={shape.end - timedelta(days=args.runs - 1)}&to={shape.end}",
    )
    if status == 200:
        print_history(history)
    with steps.step("reports"):
        request_reports(api, deployment, seller)
        acting_in_time(deployment, seller, shape.end)
        other = next((s for s in sellers if s != seller), seller)
        status, body = api.call(seller, f"/v1/sellers/{other}/metrics")
        print(f"{other}'s metrics with {seller}'s token: {status} {body.get('code')}")
        paths = write_reports(deployment, out)
    print_outputs(paths, out, plan.output["as_of_day"])
    print(
        f"The events: {events} ({len(items)} lines; `csinsights serve --events {events}` "
        "serves this marketplace again)"
    )
    steps.print()
    if args.once:
        print(ONCE_NOTE)
        return 0
    serve(deployment, endpoint, seller)
    return 0


def serve(deployment: Deployment, endpoint: str, seller: str) -> None:
    """The API over HTTP, its Swagger UI, a token and a curl per route; until Ctrl-C."""
    server, url = start_server(deployment)
    workers = start_workers(deployment, ALERT_SECONDS)
    token = issue(seller)
    print(f"\nServing the API on {url} (the AWS emulation, moto, on {endpoint})")
    print(f"Swagger UI: {url}/v1/docs (Authorize with the token below, then Try it out)")
    print(f"A token for {seller} (make more with: .venv/bin/csinsights token SELLER_ID):")
    print(f"  export TOKEN={token}")
    auth = '-H "Authorization: Bearer $TOKEN"'
    base = f"{url}/v1/sellers/{seller}"
    print("Try:")
    for route in (
        f"{base}/metrics",
        f"{base}/metrics?stores=US,CA&window_days=7",
        f"{base}/metrics/history?metric={WITHIN_24H}&from=2026-10-29&to=2026-11-25",
        f"{url}/v1/stores/US/benchmarks",
        f"{url}/v1/stores/MX/benchmarks",
        f"{base}/contacts/overdue",
        f"{base}/reports",
    ):
        print(f"  curl {auth} '{route}'")
    print(
        f"  curl {auth} -H 'Content-Type: application/json' -X POST"
        f' -d \'{{"type":"survey_responses","days":90}}\' \'{base}/reports\''
    )
    print("Serving until Ctrl-C ...", flush=True)
    serve_until_interrupted(server, workers)
