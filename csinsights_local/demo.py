"""`csinsights demo`: the whole system on a developer's machine. The local stack from the
template, the events/ samples and a generated marketplace ingested through the queue and the
handler, the scheduled computation, a table of the sellers' metrics, and the API served."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from csinsights.domain.catalogue import BENCHMARK_WINDOW, CATALOGUE
from csinsights_local.generator import StreamShape, generate
from csinsights_local.pipeline import (
    IngestSummary,
    ingest_direct,
    ingest_via_queue,
    stored_counts,
)
from csinsights_local.replay import documents
from csinsights_local.run import run_metrics
from csinsights_local.serve import serve_until_interrupted
from csinsights_local.server import local_stack

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = ROOT / "events"


def sample_events() -> list[dict[str, Any]]:
    samples = []
    for path in sorted(EVENTS_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "event_id" in data:
            samples.append(data)
    return samples


def print_summary(summary: IngestSummary, out: Any = sys.stdout) -> None:
    print("Ingest summary", file=out)
    for name, value in summary.as_dict().items():
        print(f"  {name:<11} {value:>8}", file=out)
    for reason, count in summary.reasons.most_common():
        print(f"    rejected: {reason} x{count}", file=out)
    for example in summary.examples[:3]:
        fields = ", ".join(f"{e['field']}: {e['message']}" for e in example["errors"] or [])
        print(f"      e.g. {example['reason']}: {fields}", file=out)


def cmd_demo(args: argparse.Namespace) -> int:
    shape = StreamShape(sellers=args.sellers, days=args.days, seed=args.seed)
    stream = generate(shape)
    bad = [
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
    items: list[Any] = [*sample_events(), *stream]
    print("Starting the local stack (moto) from infra/template.yaml ...")
    with local_stack() as (endpoint, deployment):
        print(f"  endpoint {endpoint}; table {deployment.outputs['EventsTableName']}")
        live, history = items[:300] + bad, items[300:]
        print(
            f"Publishing {len(live)} deliveries (the events/ samples, the newest generated "
            "events and a few invalid ones) to the ingest queue; the poller delivers them ..."
        )
        summary = ingest_via_queue(deployment, live)
        print(
            f"Delivering the rest of the history, {len(history)} events, in SQS batches of "
            "100 straight to the handler ..."
        )
        summary = summary + ingest_direct(deployment, history)
        print(
            f"(a generated stream of {shape.sellers} sellers x {len(shape.stores)} stores x "
            f"{shape.days} days, shuffled, with repeated deliveries)"
        )
        print_summary(summary)
        print("Stored")
        for kind, count in sorted(stored_counts(deployment).items()):
            print(f"  {kind:<16} {count:>8}")
        as_of = (shape.end + timedelta(days=1)).isoformat() + "T00:00:00Z"
        print(
            f"Running the scheduled computation as of {as_of} (plan, seller counts, "
            "store benchmarks, snapshots and reports) ..."
        )
        plan = run_metrics(deployment, as_of)
        docs = documents(deployment, plan, BENCHMARK_WINDOW)
        print_table(docs[: args.table_sellers])
        bucket = deployment.outputs["ReportsBucketName"]
        print(
            f"Reports: s3://{bucket}/reports/<seller>/insights/{plan['as_of_day']}/"
            "insights.{json,csv,html}"
        )
        sellers = [d["seller_id"] for d in docs]
        serve_demo(deployment, "SELLER001" if "SELLER001" in sellers else sellers[0], args.once)
    return 0


def serve_demo(deployment: Any, seller: str, once: bool) -> None:
    """The API over HTTP: a token, a curl per route, a survey report downloaded."""
    import urllib.request

    from csinsights_local.serve import ReportWorker, start_server
    from csinsights_local.tokens import issue

    server, url = start_server(deployment)
    worker = ReportWorker(deployment)
    worker.start()
    token = issue(seller)
    print(f"\nServing on {url}")
    print(f"A token for {seller} (make more with: .venv/bin/csinsights token SELLER_ID):")
    print(f"  export TOKEN={token}")
    auth = '-H "Authorization: Bearer $TOKEN"'
    base = f"{url}/v1/sellers/{seller}"
    print("Try:")
    for route in (
        f"{base}/metrics",
        f"{base}/metrics?stores=US,CA&window_days=7",
        f"{base}/metrics/history?metric=response_within_24h_rate&from=2026-11-01&to=2026-11-30",
        f"{url}/v1/stores/US/benchmarks",
        f"{base}/contacts/overdue",
        f"{base}/reports",
    ):
        print(f"  curl {auth} '{route}'")
    print(
        f"  curl {auth} -H 'Content-Type: application/json' -X POST"
        f' -d \'{{"type":"survey_responses","days":90}}\' \'{base}/reports\''
    )

    def call(path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
            url + path,
            data=json.dumps(body).encode() if body else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST" if body else "GET",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    report = call(f"/v1/sellers/{seller}/reports", {"type": "survey_responses", "days": 90})
    for _ in range(60):
        report = call(f"/v1/sellers/{seller}/reports/{report['report_id']}")
        if report["status"] == "ready":
            break
        time.sleep(0.5)
    link = report.get("download", {}).get("url")
    if link:
        with urllib.request.urlopen(link, timeout=30) as response:  # noqa: S310
            lines = response.read().decode().count("\n")
        print(
            f"Survey responses report {report['report_id']}: {report['rows']} responses, "
            f"downloaded ({lines} lines). Link, valid {report['download']['expires_in']} s:"
        )
        print(f"  {link}")
    other = "SELLER002" if seller != "SELLER002" else "SELLER001"
    try:
        call(f"/v1/sellers/{other}/metrics")
    except Exception as exc:  # noqa: BLE001 - shown, not handled
        print(f"Another seller's metrics with {seller}'s token: {exc}")
    if not once:
        print("Serving until Ctrl-C ...", flush=True)
    serve_until_interrupted(server, worker, forever=not once)


MARK = {"good": "ok", "fair": "!", "poor": "X", "na": "-", None: ""}


def print_table(docs: list[dict[str, Any]], out: Any = sys.stdout) -> None:
    """Seller x store rows (and the collective 'ALL'), each metric with its status mark."""
    header = f"{'seller':<10} {'store':<5} " + " ".join(f"{m.short_label:>13}" for m in CATALOGUE)
    print(header, file=out)
    print("-" * len(header), file=out)
    for doc in docs:
        rows = [("ALL", doc["metrics"])] + [(s["store_id"], s["metrics"]) for s in doc["by_store"]]
        for store, metrics in rows:
            cells = []
            for metric in CATALOGUE:
                m = metrics[metric.name]
                value = "NA" if m["value"] is None else f"{m['value']:g}"
                cells.append(f"{value + ' ' + MARK[m.get('status')]:>13}")
            print(f"{doc['seller_id']:<10} {store:<5} " + " ".join(cells), file=out)
    print("status: ok good, ! fair, X poor, - not available", file=out)
