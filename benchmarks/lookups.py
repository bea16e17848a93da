"""Metric lookups through the real API handler: DynamoDB requests and read units per
lookup at 1x and 10x history, and the handler's in-process latency.

One fresh stack (a small stream: lookups read what the run published, not the events);
`run_metrics` for the last `days_1x` days up to the stream's end, every lookup measured
(1x history); then for the `days_10x - days_1x` days before them (a backfill, so the
latest snapshot is the same item at both scales), every lookup measured again (10x).
Each lookup goes through `Deployment.invoke("ApiFunction", event)` with a REST proxy
event carrying S1's (SELLER001) Cognito claims and is attributed to its own meter phase;
S3 and SQS requests the API function makes are counted too (none expected).

Latency: after the counts, the meter's hooks are removed and the handler is called
directly (`functions.api.app.handler`, the function's environment set once, its output
sent to a buffer) `calls` times each for the latest document and an `as_of` document,
interleaved with a bare `GetItem` (and a bare `Query ... Limit 1`) of the same snapshot
item through a plain boto3 client of another session. Both sides go through moto in this
process: the ratio is the handler's own work (routing, validation, the document) over a
read, not AWS latency.
"""

from __future__ import annotations

import io
import math
import statistics
import sys
import time
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import boto3

from benchmarks.meter import Meter
from csinsights_local.generator import StreamShape, generate
from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.stack import ROOT, Deployment, FakeLambdaContext, deploy

API = "ApiFunction"
SELLER = "SELLER001"
"""S1: the generator's first seller."""
GOAL_REQUESTS_PER_LOOKUP = 1
HISTORY_DAYS = 28
HISTORY_METRIC = "late_contacts"
STORES_PARAM = "US,DE"


@dataclass(frozen=True)
class LookupConfig:
    days_1x: int
    days_10x: int
    calls: int
    """Latency samples per measured call."""
    repeats: int = 3
    """Metered calls of each lookup (the figure is the mean per call)."""


def _api_events() -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests import api_events  # the REST proxy event builder the API tests use

    return api_events


def lookups(latest: date) -> dict[str, dict[str, Any]]:
    """Each measured lookup: name -> REST proxy event (S1's claims)."""
    ev = _api_events()
    claims = ev.seller_claims(SELLER)
    seller = {"seller_id": SELLER}
    metrics = "/v1/sellers/{seller_id}/metrics"

    def get(resource: str, path: dict[str, str], query: dict[str, str] | None = None) -> Any:
        return ev.api_event("GET", resource, path, query, claims=claims)

    return {
        "metrics (latest)": get(metrics, seller),
        "metrics as_of": get(metrics, seller, {"as_of": (latest - timedelta(days=1)).isoformat()}),
        f"metrics stores={STORES_PARAM}": get(metrics, seller, {"stores": STORES_PARAM}),
        "metrics window_days=7": get(metrics, seller, {"window_days": "7"}),
        f"history {HISTORY_DAYS} d": get(
            metrics + "/history",
            seller,
            {
                "metric": HISTORY_METRIC,
                "from": (latest - timedelta(days=HISTORY_DAYS - 1)).isoformat(),
                "to": latest.isoformat(),
            },
        ),
        "store benchmarks": get("/v1/stores/{store_id}/benchmarks", {"store_id": "US"}),
    }


def _count_other_services(session: Any) -> Counter[str]:
    """Requests to S3 and SQS made from `session` (register before any client exists)."""
    seen: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        seen[f"{model.service_model.service_name}:{model.name}"] += 1

    session.events.register("before-call.s3.*", count)
    session.events.register("before-call.sqs.*", count)
    return seen


def measure_lookups(
    deployment: Deployment, meter: Meter, other: Counter[str], latest: date, repeats: int, tag: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, event in lookups(latest).items():
        phase_name = f"lookup {tag}: {name}"
        meter.phase = phase_name
        before = Counter(other)
        try:
            for _ in range(repeats):
                response = deployment.invoke(API, event)
                if response.get("statusCode") != 200:
                    raise RuntimeError(f"{name}: HTTP {response.get('statusCode')}: {response}")
        finally:
            meter.phase = "setup"
        phase = meter.get(phase_name)
        if phase.total_requests == 0:
            raise RuntimeError(f"{name}: no DynamoDB request was metered")
        body_bytes = len(response.get("body") or "")
        out[name] = {
            "calls": repeats,
            "requests_per_lookup": phase.total_requests / repeats,
            "requests_by_operation": {k: v / repeats for k, v in sorted(phase.requests.items())},
            "rru_per_lookup": phase.rru / repeats,
            "items_returned_per_lookup": (phase.query_items / repeats) if phase.query_pages else 1,
            "bytes_read_per_lookup": (phase.query_bytes / repeats) if phase.query_pages else None,
            "s3_sqs_requests_per_lookup": sum((other - before).values()) / repeats,
            "s3_sqs_requests_by_operation": {
                k: v / repeats for k, v in sorted((other - before).items())
            },
            "response_bytes": body_bytes,
            "path": event["path"],
            "query": event["queryStringParameters"],
        }
    return out


def _percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _stats(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(_percentile(samples, 0.50) * 1000, 3),
        "p99_ms": round(_percentile(samples, 0.99) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
        "calls": len(samples),
    }


def handler_latency(
    deployment: Deployment, client: Any, latest: date, calls: int
) -> dict[str, Any]:
    """p50 / p99 of the API handler (latest and as_of document) and of bare reads of the
    snapshot item, interleaved; the meter must be uninstalled first."""
    from csinsights_local.stack import _capture_log_streams  # the stack's own log capture

    table = deployment.outputs["EventsTableName"]
    events = lookups(latest)
    latest_event = events["metrics (latest)"]
    as_of = latest - timedelta(days=1)
    as_of_event = events["metrics as_of"]
    key = {"pk": {"S": f"SNAP#{SELLER}"}, "sk": {"S": as_of.isoformat()}}
    samples: dict[str, list[float]] = {
        "handler_latest": [],
        "handler_as_of": [],
        "bare_get_item": [],
        "bare_query_limit_1": [],
    }
    sink = io.StringIO()
    with deployment.environment_of(API):
        module = deployment.handler_module(API)
        context = FakeLambdaContext(deployment.resources[API])
        streams = _capture_log_streams(sink)
        try:
            with redirect_stdout(sink):

                def handler_call(event: dict[str, Any]) -> None:
                    response = module.handler(event, context)
                    if response["statusCode"] != 200:
                        raise RuntimeError(f"latency: HTTP {response['statusCode']}")

                def get_item() -> None:
                    if "Item" not in client.get_item(TableName=table, Key=key):
                        raise RuntimeError("latency: no snapshot item")

                def query() -> None:
                    client.query(
                        TableName=table,
                        KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues={":pk": {"S": f"SNAP#{SELLER}"}},
                        ScanIndexForward=False,
                        Limit=1,
                    )

                steps = {
                    "handler_latest": lambda: handler_call(latest_event),
                    "handler_as_of": lambda: handler_call(as_of_event),
                    "bare_get_item": get_item,
                    "bare_query_limit_1": query,
                }
                for _ in range(5):  # warm up
                    for step in steps.values():
                        step()
                for _ in range(calls):
                    for name, step in steps.items():
                        started = time.perf_counter()
                        step()
                        samples[name].append(time.perf_counter() - started)
                    sink.seek(0)
                    sink.truncate()
        finally:
            for log_handler, stream in streams:
                log_handler.stream = stream
    stats = {name: _stats(values) for name, values in samples.items()}
    bare = stats["bare_get_item"]
    return stats | {
        "ratio_handler_latest_to_get_item": {
            "p50": stats["handler_latest"]["p50_ms"] / bare["p50_ms"],
            "p99": stats["handler_latest"]["p99_ms"] / bare["p99_ms"],
        },
        "ratio_handler_as_of_to_get_item": {
            "p50": stats["handler_as_of"]["p50_ms"] / bare["p50_ms"],
            "p99": stats["handler_as_of"]["p99_ms"] / bare["p99_ms"],
        },
        "ratio_handler_latest_to_bare_query": {
            "p50": stats["handler_latest"]["p50_ms"] / stats["bare_query_limit_1"]["p50_ms"],
            "p99": stats["handler_latest"]["p99_ms"] / stats["bare_query_limit_1"]["p99_ms"],
        },
        "snapshot_key": {"pk": f"SNAP#{SELLER}", "sk": as_of.isoformat()},
    }


def _fresh_clients(deployment: Deployment) -> None:
    """Drop the API's cached clients, as a new container would start: the next call makes
    them from the current default session."""
    from csinsights.api.routes import queries

    deployment.handler_module(API)
    queries.cache_clear()


def _run_days(deployment: Deployment, days: list[date]) -> float:
    started = time.perf_counter()
    for day in days:
        run_metrics(deployment, day.isoformat())
    return time.perf_counter() - started


def lookup_cost(
    cfg: LookupConfig, end: date, metered: Any, shape: StreamShape | None = None
) -> dict[str, Any]:
    """`metered`: the benchmark's `metered_moto` (a fresh moto with a metered default
    session)."""
    shape = shape or StreamShape(sellers=1, days=cfg.days_10x + 6, orders_per_day=1.0, end=end)
    stream = generate(shape)
    first = end - timedelta(days=cfg.days_10x - 1)
    days = [first + timedelta(days=i) for i in range(cfg.days_10x)]
    with metered(peek=False) as meter:
        other = _count_other_services(boto3.DEFAULT_SESSION)
        meter.phase = "setup"
        started = time.perf_counter()
        deployment = deploy()
        _fresh_clients(deployment)
        summary = ingest_direct(deployment, stream)
        setup_seconds = time.perf_counter() - started
        # The last days_1x days first, then the earlier days (a backfill): the latest
        # snapshot is the same item at both scales, only the stored history differs.
        run_1x = _run_days(deployment, days[-cfg.days_1x :])
        one = measure_lookups(deployment, meter, other, days[-1], cfg.repeats, "1x")
        run_rest = _run_days(deployment, days[: -cfg.days_1x])
        ten = measure_lookups(deployment, meter, other, days[-1], cfg.repeats, "10x")
        meter.uninstall(boto3.DEFAULT_SESSION)
        _fresh_clients(deployment)  # the handler's clients were made with the hooks
        latency = handler_latency(deployment, meter.unmetered, days[-1], cfg.calls)
    ratio = {
        name: {
            "requests": ten[name]["requests_per_lookup"] / one[name]["requests_per_lookup"],
            "rru": ten[name]["rru_per_lookup"] / one[name]["rru_per_lookup"],
        }
        for name in one
    }
    return {
        "stream": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(shape).items()}
        | {"events": len(stream), "outcomes": summary.as_dict()},
        "seller": SELLER,
        "snapshots_1x": cfg.days_1x,
        "snapshots_10x": cfg.days_10x,
        "days_1x": [days[-cfg.days_1x].isoformat(), days[-1].isoformat()],
        "days_10x": [days[0].isoformat(), days[-1].isoformat()],
        "setup_seconds": round(setup_seconds, 3),
        "run_seconds": round(run_1x + run_rest, 3),
        "1x": one,
        "10x": ten,
        "ratio_10x_over_1x": ratio,
        "latency": latency,
    }
