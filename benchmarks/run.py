"""`python -m benchmarks [--quick]`: DynamoDB cost of ingest and of the scheduled run, and
replay throughput, measured on the local stack (in-process moto).

1. Ingest cost: a generated stream (with duplicates) through the real ingest handler in
   SQS-shaped batches of 100; requests by operation, write units, read units, per event;
   beside it a naive exactly-once baseline (one transaction per event) on its own table.
2. Scheduled run reads: the same sellers and days at 1x and 10x the orders per day, each
   in a fresh stack; requests and read units of the run, per seller-store and in total.
3. Replay throughput: events per second through `replay_events` (fresh stack, ingest, run).
4. Lookups: DynamoDB requests and read units per metric lookup through the real API
   handler at 1x and 10x stored history, and the handler's in-process latency against a
   bare GetItem (lookups.py).
5. Cold start: the import time of each handler module in a fresh interpreter against
   `import boto3` (coldstart.py).
6. Cost model: dollars per million events ingested and per million lookups, from the
   figures above and stated prices (costmodel.py).
7. Reply-due alert runs: requests and read units per run per 1,000 open contacts, live and
   as of an instant, publishing and in the steady state (alerts.py; alone:
   `python -m benchmarks.alerts`).
8. Scale: each invocation's items read, requests and memory as the marketplace grows 16x
   (the metrics run and the live alert run on the embedded store), a million-seller
   store's benchmark steps, and the invocations at the specification's target size
   (scale.py; alone: `python -m benchmarks.scale`).

Prints a table and writes benchmarks/results.json. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

from benchmarks import scale
from benchmarks.alerts import alert_cost, alert_rows
from benchmarks.coldstart import cold_start
from benchmarks.contacts_report import contacts_report_cost
from benchmarks.costmodel import cost_model
from benchmarks.lookups import GOAL_REQUESTS_PER_LOOKUP, HISTORY_DAYS, LookupConfig, lookup_cost
from benchmarks.meter import Meter, Phase, table_sizes
from benchmarks.sizes import item_size, self_check
from csinsights_local.bulk import bulk_order
from csinsights_local.generator import StreamShape, generate
from csinsights_local.pipeline import ingest_direct
from csinsights_local.replay import replay_events
from csinsights_local.run import METRICS_STEPS, listed_sellers, run_metrics
from csinsights_local.stack import FAKE_CREDENTIALS, REGION, Deployment, deploy

HERE = Path(__file__).resolve().parent
INGEST = "IngestFunction"
RUN_FUNCTIONS = tuple(METRICS_STEPS)
"""The metrics run's functions, each metered in its own phase (plan, the seller list's parts,
the benchmark shards, the sellers' counts, the benchmark passes, publishing)."""
SELLERS_FUNCTION = "MetricsSellersFunction"
GOAL_WRU_PER_EVENT = 2.0
GOAL_REQUESTS_PER_EVENT = 1.0
GOAL_LIVE_WRU_PER_EVENT = 2.5  # a live stream, table WRU upper bound
GOAL_BACKFILL_WRU_PER_EVENT = 3.0  # a shuffled archive, bulk-imported
RATIO_REQUESTS_TOLERANCE = 0.10  # 10x/1x requests must stay within 1 +- 10%
RATIO_READS_LIMIT = 2.0  # 10x/1x read units: 10 would mean reads grow with events


def _end_day() -> date:
    """The generator's default last day, or yesterday if the clock is earlier (the ingest
    handler rejects events more than 5 minutes in the future)."""
    return min(date(2026, 11, 25), datetime.now(UTC).date() - timedelta(days=1))


@dataclass(frozen=True)
class Config:
    mode: str
    shape: StreamShape
    """The step-1 stream; also the 10x stream of step 2 (its 1x has a tenth of the
    orders per day) and the stream replayed in step 3."""
    min_events: int
    many_sellers: StreamShape
    """A stream spread over many seller-stores (sensitivity of the per-event cost)."""
    lookups: LookupConfig
    """Snapshots stored at 1x and 10x history, latency samples."""
    coldstart_runs: int


def config(quick: bool) -> Config:
    end = _end_day()
    if quick:
        return Config(
            "quick",
            StreamShape(sellers=3, days=14, orders_per_day=10.0, end=end),
            1500,
            StreamShape(sellers=20, days=4, orders_per_day=1.0, end=end),
            LookupConfig(days_1x=3, days_10x=30, calls=100),
            1,
        )
    return Config(
        "full",
        StreamShape(sellers=6, end=end),
        10_000,
        StreamShape(sellers=50, days=7, orders_per_day=1.0, end=end),
        LookupConfig(days_1x=5, days_10x=50, calls=300),
        3,
    )


def _environment() -> None:
    os.environ.update(FAKE_CREDENTIALS)  # never reach a real account
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CustomerServiceInsights")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "benchmarks")


@contextmanager
def metered_moto(peek: bool) -> Iterator[Meter]:
    """A fresh moto with a metered default boto3 session (installed before any client
    exists: moto resets the default session when it starts)."""
    with mock_aws():
        boto3.setup_default_session(region_name=REGION)
        peek_client = boto3.session.Session(region_name=REGION).client("dynamodb")
        meter = Meter(peek_client if peek else None)
        meter.install(boto3.DEFAULT_SESSION)
        meter.unmetered = peek_client
        yield meter


def instrument(
    deployment: Deployment, meter: Meter, calls: Counter[str] | None = None
) -> dict[str, float]:
    """Attribute each function's DynamoDB calls to a phase named after it; returns the
    wall seconds spent in each function (filled as they run); `calls` counts the
    invocations of each function."""
    walls: Counter[str] = Counter()
    counts: Counter[str] = Counter() if calls is None else calls
    original: Callable[[str, dict[str, Any]], Any] = deployment.invoke

    def invoke(function: str, event: dict[str, Any]) -> Any:
        previous, meter.phase = meter.phase, function
        started = time.perf_counter()
        try:
            return original(function, event)
        finally:
            walls[function] += time.perf_counter() - started
            counts[function] += 1
            meter.phase = previous

    deployment.invoke = invoke  # type: ignore[method-assign]
    return walls


def _require_metered(phase: Phase, what: str) -> None:
    if phase.total_requests == 0:
        raise RuntimeError(f"{what}: no DynamoDB request was metered; the hook is not installed")


def _per(value: float, count: int) -> float:
    return value / count if count else float("nan")


# ---- step 1 -------------------------------------------------------------------------
def ingest_cost(
    stream: list[dict[str, Any]], as_of: str, with_run: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Step 1, then (`with_run`) the scheduled run on the same stack (step 2's 10x
    figures)."""
    with metered_moto(peek=True) as meter:
        deployment = deploy()
        calls: Counter[str] = Counter()
        walls = instrument(deployment, meter, calls)
        table = deployment.outputs["EventsTableName"]
        started = time.perf_counter()
        summary = ingest_direct(deployment, stream)
        wall = time.perf_counter() - started
        handler_seconds = walls[INGEST]
        invocations = calls[INGEST]
        phase = meter.get(INGEST)
        _require_metered(phase, "ingest")
        peek_seconds = meter.peek_seconds
        final = table_sizes(meter.unmetered, table)
        upper = phase.upper_bound(final)
        events = len(stream)
        kinds = Counter(json.loads(k)["pk"]["S"].split("#", 1)[0] for _, k in final)
        # The meter's item images (behind the GSI and before/after figures) must match
        # the table item for item.
        mismatches = sum(
            1
            for key in final.keys() | meter.images.keys()
            if key not in final
            or key not in meter.images
            or item_size(meter.images[key]) != final[key]
        )
        if mismatches:
            _say(f"warning: {mismatches} item images differ from the table (GSI figures off)")
        ingest = {
            "events": events,
            "outcomes": summary.as_dict() | {"retried": summary.retried},
            "duplicates_in_stream": events - len({e["event_id"] for e in stream}),
            "sqs_batches": -(-events // 100),
            "wall_seconds": round(wall, 3),
            "post_commit_read_back_seconds": round(peek_seconds, 3),
            "events_per_second_excluding_read_back": round(events / (wall - peek_seconds), 1),
            "handler": {
                "invocations": invocations,
                "seconds": round(handler_seconds, 3),
                "seconds_excluding_read_back": round(handler_seconds - peek_seconds, 3),
                "seconds_per_invocation_excluding_read_back": _per(
                    handler_seconds - peek_seconds, invocations
                ),
                "note": "in-process time inside the ingest handler (metered, moto's "
                "DynamoDB emulation included, the meter's read-back excluded)",
            },
            "meter": phase.as_dict(),
            "wru_upper_bound": upper,
            "stored_items": dict(sorted(kinds.items())),
            "largest_item_bytes": max(final.values(), default=0),
            "item_images_checked": {"items": len(final), "mismatches": mismatches},
            "per_event": {
                "requests": _per(phase.total_requests, events),
                "requests_by_operation": {
                    op: _per(n, events) for op, n in sorted(phase.requests.items())
                },
                "wru_upper_bound": _per(upper["wru_total"], events),
                "wru_post_commit": _per(phase.wru_post_commit, events),
                "wru_larger_of_before_after": _per(phase.wru_table_larger_of_before_after, events),
                "wru_gsi": _per(phase.wru_gsi, events),
                "wru_gsi_by_index": {
                    name: _per(units, events)
                    for name, units in sorted(phase.wru_gsi_by_index.items())
                },
                "wru_upper_bound_incl_gsi": _per(upper["wru_total"] + phase.wru_gsi, events),
                "rru_batch_get": _per(phase.rru_by_op["BatchGetItem"], events),
                "rru_total": _per(phase.rru, events),
            },
            "per_transaction": {
                "transactions": phase.requests["TransactWriteItems"],
                "actions": _per(
                    sum(phase.tx_actions.values()), phase.requests["TransactWriteItems"]
                ),
                "events": _per(events, phase.requests["TransactWriteItems"]),
            },
        }
        run = scheduled_run(deployment, meter, walls, as_of) if with_run else {}
        return ingest, run


# ---- step 1, sensitivity ---------------------------------------------------------------
def ingest_variant(stream: list[dict[str, Any]]) -> dict[str, Any]:
    """The table WRU (upper bound) and requests of ingesting `stream`, in a fresh stack
    (no post-commit read-back)."""
    with metered_moto(peek=False) as meter:
        deployment = deploy()
        instrument(deployment, meter)
        summary = ingest_direct(deployment, stream)
        phase = meter.get(INGEST)
        _require_metered(phase, "ingest variant")
        final = table_sizes(meter.unmetered, deployment.outputs["EventsTableName"])
        upper = phase.upper_bound(final)
        events = len(stream)
        transactions = phase.requests["TransactWriteItems"]
        return {
            "events": events,
            "seller_stores": len({(e["seller_id"], e["store_id"]) for e in stream}),
            "outcomes": summary.as_dict() | {"retried": summary.retried},
            "meter": phase.as_dict(),
            "wru_upper_bound": upper,
            "per_event": {
                "requests": _per(phase.total_requests, events),
                "requests_by_operation": {
                    op: _per(n, events) for op, n in sorted(phase.requests.items())
                },
                "wru_upper_bound": _per(upper["wru_total"], events),
                "rru_batch_get": _per(phase.rru_by_op["BatchGetItem"], events),
            },
            "per_transaction": {
                "transactions": transactions,
                "actions": _per(sum(phase.tx_actions.values()), transactions),
                "events": _per(events, transactions),
            },
        }


def ingest_variants(
    stream: list[dict[str, Any]], many_stream: list[dict[str, Any]]
) -> dict[str, Any]:
    """The step-1 events live (in time order) and as a bulk import orders the shuffled
    archive (`csinsights_local.bulk`), and a stream of many seller stores."""
    _say(f"  same events in time order: {len(stream)} events ...")
    live = ingest_variant(sorted(stream, key=lambda e: (e["occurred_at"], e["event_id"])))
    _say(f"  same events as a bulk import orders them: {len(stream)} events ...")
    bulk = ingest_variant(bulk_order(stream))
    _say(f"  many sellers: {len(many_stream)} events ...")
    many = ingest_variant(many_stream)
    return {
        "time_ordered": live | {"stream": "the step-1 events sorted by occurred_at"},
        "bulk_import": bulk
        | {"stream": "the step-1 events in bulk order: seller, store, occurred_at, event id"},
        "many_sellers": many,
    }


def variant_rows(variants: dict[str, Any]) -> list[dict[str, Any]]:
    live, bulk = variants["time_ordered"], variants["bulk_import"]
    out = []
    for name, variant, goal in (
        ("time-ordered (live)", live, GOAL_LIVE_WRU_PER_EVENT),
        ("bulk import of the shuffled archive", bulk, GOAL_BACKFILL_WRU_PER_EVENT),
    ):
        per = variant["per_event"]
        wru = per["wru_upper_bound"]
        out += [
            {
                "name": f"ingest, {name}: requests / event",
                "value": round(per["requests"], 3),
                "unit": "req/event",
                "goal": "",
                "verdict": "info",
            },
            {
                "name": f"ingest, {name}: WRU / event (upper bound)",
                "value": round(wru, 3),
                "unit": "WRU/event",
                "goal": f"<= {goal:g}",
                "verdict": _verdict(wru <= goal),
            },
            {
                "name": f"ingest, {name}: events / transaction",
                "value": round(variant["per_transaction"]["events"], 3),
                "unit": "events",
                "goal": "",
                "verdict": "info",
            },
        ]
    return out


# ---- naive baseline --------------------------------------------------------------------
def naive_baseline(stream: list[dict[str, Any]]) -> dict[str, Any]:
    """Exactly-once counting the simplest way: per event, one transaction of a marker item
    (Put, attribute_not_exists) and a per seller/store/day counter (Update ADD). A
    duplicate cancels its transaction. Its own table, its own moto."""
    with metered_moto(peek=False) as meter:
        client = boto3.client("dynamodb")
        table = "naive-baseline"
        meter.phase = "setup"
        client.create_table(
            TableName=table,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        meter.phase = "naive"
        expires = str(int(datetime(2027, 12, 31, tzinfo=UTC).timestamp()))
        cancelled = 0
        started = time.perf_counter()
        for event in stream:
            day = event["occurred_at"][:10]
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": table,
                                "Item": {
                                    "pk": {"S": f"EVENT#{event['event_id']}"},
                                    "sk": {"S": "EVENT"},
                                    "expires_at": {"N": expires},
                                },
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": table,
                                "Key": {
                                    "pk": {"S": f"COUNT#{event['seller_id']}#{event['store_id']}"},
                                    "sk": {"S": day},
                                },
                                "UpdateExpression": "SET #x = :x ADD #c :one",
                                "ExpressionAttributeNames": {
                                    "#x": "expires_at",
                                    "#c": event["type"],
                                },
                                "ExpressionAttributeValues": {
                                    ":x": {"N": expires},
                                    ":one": {"N": "1"},
                                },
                            }
                        },
                    ]
                )
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                cancelled += 1
        wall = time.perf_counter() - started
        phase = meter.get("naive")
        _require_metered(phase, "naive baseline")
        final = table_sizes(meter.unmetered, table)
        upper = phase.upper_bound(final)
        events = len(stream)
        # A cancelled transaction is priced like a committed one (failed conditional
        # writes consume capacity); the figure without them is kept for reference.
        wru_if_cancelled_free = upper["wru_total"] * (events - cancelled) / events
        return {
            "events": events,
            "cancelled_duplicates": cancelled,
            "wall_seconds": round(wall, 3),
            "meter": phase.as_dict(),
            "wru_upper_bound": upper,
            "largest_item_bytes": max(final.values(), default=0),
            "per_event": {
                "requests": _per(phase.total_requests, events),
                "wru": _per(upper["wru_total"], events),
                "wru_if_cancelled_transactions_were_free": _per(wru_if_cancelled_free, events),
            },
        }


# ---- step 2 -------------------------------------------------------------------------
def scheduled_run(
    deployment: Deployment, meter: Meter, walls: dict[str, float], as_of: str
) -> dict[str, Any]:
    """The whole metrics state machine on `deployment` (`run_metrics`), each function's
    DynamoDB calls in its own meter phase."""
    calls: Counter[str] = Counter()
    started = time.perf_counter()
    result = run_metrics(deployment, as_of)
    wall = time.perf_counter() - started
    calls.update(i.function for i in result.invocations)
    listed = listed_sellers(deployment, result.output)
    sellers = len(listed)
    pairs = sum(len(stores) for stores in listed.values())
    steps = {name: meter.get(name) for name in RUN_FUNCTIONS}
    _require_metered(steps[SELLERS_FUNCTION], "scheduled run")
    requests = sum(p.total_requests for p in steps.values())
    rru = sum(p.rru for p in steps.values())
    wru = sum(p.wru_standard for p in steps.values())
    in_calls = sum(p.seconds_in_calls for p in steps.values())
    sellers_step = steps[SELLERS_FUNCTION]
    parts = calls[SELLERS_FUNCTION]
    return {
        "as_of": as_of,
        "sellers": sellers,
        "seller_stores": pairs,
        "wall_seconds": round(wall, 3),
        "wall_seconds_by_step": {k: round(walls.get(k, 0.0), 3) for k in RUN_FUNCTIONS},
        "invocations_by_step": {k: calls[k] for k in RUN_FUNCTIONS},
        "run_shape": result.shape(),
        "seconds_in_dynamodb_calls": round(in_calls, 3),
        "steps": {name: p.as_dict() for name, p in steps.items()},
        "total": {
            "requests": requests,
            "requests_by_operation": dict(
                sum((p.requests for p in steps.values()), Counter()).most_common()
            ),
            "rru": rru,
            "wru": wru,
            "requests_per_seller": _per(requests, sellers),
            "rru_per_seller": _per(rru, sellers),
            "wall_seconds_per_seller": _per(wall, sellers),
            "wall_seconds_per_seller_outside_dynamodb": _per(wall - in_calls, sellers),
        },
        "sellers_step": {
            "invocations": parts,
            "note": "one invocation per part of the seller list (a registry shard's sellers); "
            "the figures are summed over them",
            "requests": sellers_step.total_requests,
            "rru": sellers_step.rru,
            "requests_per_seller_store": _per(sellers_step.total_requests, pairs),
            "rru_per_seller_store": _per(sellers_step.rru, pairs),
            "aggregate_items_per_seller_store": _per(sellers_step.query_items, pairs),
            "aggregate_bytes_per_seller_store": _per(sellers_step.query_bytes, pairs),
            "wall_seconds_per_seller": _per(walls.get(SELLERS_FUNCTION, 0.0), sellers),
        },
    }


def run_reads_1x(stream: list[dict[str, Any]], as_of: str) -> dict[str, Any]:
    with metered_moto(peek=False) as meter:
        deployment = deploy()
        walls = instrument(deployment, meter)
        summary = ingest_direct(deployment, stream)
        return {"events": len(stream), "outcomes": summary.as_dict()} | scheduled_run(
            deployment, meter, walls, as_of
        )


# ---- step 3 -------------------------------------------------------------------------
def replay_throughput(stream: list[dict[str, Any]], as_of: str) -> dict[str, Any]:
    started = time.perf_counter()
    out = replay_events(stream, as_of)
    wall = time.perf_counter() - started
    return {
        "events": len(stream),
        "wall_seconds": round(wall, 3),
        "events_per_second": round(len(stream) / wall, 1),
        "ingest": out["ingest"],
        "seller_documents": len(out["sellers"]),
    }


# ---- report ---------------------------------------------------------------------------
def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def rows(
    step1: dict[str, Any],
    naive: dict[str, Any],
    step2: dict[str, Any],
    step3: dict[str, Any],
    lookups: dict[str, Any],
    cold: dict[str, Any],
    cost: dict[str, Any],
) -> list[dict[str, Any]]:
    ingest = step1["per_event"]
    base = naive["per_event"]
    one, ten = step2["1x"], step2["10x"]
    ratio = step2["ratio_10x_over_1x"]
    out: list[dict[str, Any]] = []

    def row(
        name: str, value: float, unit: str, goal: str = "", verdict: str = "info", digits: int = 3
    ) -> None:
        out.append(
            {
                "name": name,
                "value": round(value, digits),
                "unit": unit,
                "goal": goal,
                "verdict": verdict,
            }
        )

    row("ingest: events (duplicates incl.)", step1["events"], "events", digits=0)
    row(
        "ingest: requests / event",
        ingest["requests"],
        "req/event",
        f"<= {GOAL_REQUESTS_PER_EVENT:g}",
        _verdict(ingest["requests"] <= GOAL_REQUESTS_PER_EVENT),
    )
    for op, per_event in ingest["requests_by_operation"].items():
        row(f"ingest:   {op} / event", per_event, "req/event")
    row(
        "ingest: WRU / event (upper bound)",
        ingest["wru_upper_bound"],
        "WRU/event",
        f"<= {GOAL_WRU_PER_EVENT:g}",
        _verdict(ingest["wru_upper_bound"] <= GOAL_WRU_PER_EVENT),
    )
    row(
        "ingest: WRU / event (post-commit sizes)",
        ingest["wru_post_commit"],
        "WRU/event",
        f"<= {GOAL_WRU_PER_EVENT:g}",
        _verdict(ingest["wru_post_commit"] <= GOAL_WRU_PER_EVENT),
    )
    row(
        "ingest: GSI WRU / event (index maintenance)",
        ingest["wru_gsi"],
        "WRU/event",
    )
    row(
        "ingest: WRU / event incl. GSI (upper bound)",
        ingest["wru_upper_bound_incl_gsi"],
        "WRU/event",
        f"<= {GOAL_WRU_PER_EVENT:g}",
        _verdict(ingest["wru_upper_bound_incl_gsi"] <= GOAL_WRU_PER_EVENT),
    )
    row("ingest: RRU / event (BatchGetItem)", ingest["rru_batch_get"], "RRU/event")
    row("ingest: events / transaction (commit group)", step1["per_transaction"]["events"], "events")
    out.extend(variant_rows(step1["variants"]))
    many = step1["variants"]["many_sellers"]
    label = f"ingest, {many['seller_stores']} seller-stores"
    row(f"{label}: events", many["events"], "events", digits=0)
    row(
        f"{label}: requests / event",
        many["per_event"]["requests"],
        "req/event",
        f"<= {GOAL_REQUESTS_PER_EVENT:g}",
        _verdict(many["per_event"]["requests"] <= GOAL_REQUESTS_PER_EVENT),
    )
    row(
        f"{label}: WRU / event (upper bound)",
        many["per_event"]["wru_upper_bound"],
        "WRU/event",
        f"<= {GOAL_WRU_PER_EVENT:g}",
        _verdict(many["per_event"]["wru_upper_bound"] <= GOAL_WRU_PER_EVENT),
    )
    row("naive: requests / event", base["requests"], "req/event")
    row("naive: WRU / event", base["wru"], "WRU/event")
    row("product/naive: requests", ingest["requests"] / base["requests"], "ratio")
    row("product/naive: WRU (upper bound)", ingest["wru_upper_bound"] / base["wru"], "ratio")
    row(
        "product/naive: WRU incl. product GSI",
        ingest["wru_upper_bound_incl_gsi"] / base["wru"],
        "ratio",
    )
    row(
        "ingest: throughput (ingest_direct, metered)",
        step1["events_per_second_excluding_read_back"],
        "events/s",
        digits=1,
    )
    row("run 1x: events ingested", one["events"], "events", digits=0)
    row("run 10x: events ingested", ten["events"], "events", digits=0)
    row(
        "run 1x: sellers step requests / seller-store",
        one["sellers_step"]["requests_per_seller_store"],
        "req",
    )
    row(
        "run 10x: sellers step requests / seller-store",
        ten["sellers_step"]["requests_per_seller_store"],
        "req",
    )
    row(
        "run 10x/1x: sellers step requests",
        ratio["sellers_step_requests"],
        "ratio",
        "~1.0 (+-10%)",
        _verdict(abs(ratio["sellers_step_requests"] - 1) <= RATIO_REQUESTS_TOLERANCE),
    )
    row(
        "run 1x: sellers step RRU / seller-store",
        one["sellers_step"]["rru_per_seller_store"],
        "RRU",
    )
    row(
        "run 10x: sellers step RRU / seller-store",
        ten["sellers_step"]["rru_per_seller_store"],
        "RRU",
    )
    row(
        "run 10x/1x: sellers step RRU",
        ratio["sellers_step_rru"],
        "ratio",
        f"<= {RATIO_READS_LIMIT:g} (10 = linear)",
        _verdict(ratio["sellers_step_rru"] <= RATIO_READS_LIMIT),
    )
    row("run 1x: total requests", one["total"]["requests"], "req", digits=0)
    row("run 10x: total requests", ten["total"]["requests"], "req", digits=0)
    row(
        "run 10x/1x: total requests",
        ratio["total_requests"],
        "ratio",
        "~1.0 (+-10%)",
        _verdict(abs(ratio["total_requests"] - 1) <= RATIO_REQUESTS_TOLERANCE),
    )
    row("run 1x: total RRU", one["total"]["rru"], "RRU", digits=1)
    row("run 10x: total RRU", ten["total"]["rru"], "RRU", digits=1)
    row(
        "run 10x/1x: total RRU",
        ratio["total_rru"],
        "ratio",
        f"<= {RATIO_READS_LIMIT:g} (10 = linear)",
        _verdict(ratio["total_rru"] <= RATIO_READS_LIMIT),
    )
    row("run 1x: wall time / seller", one["total"]["wall_seconds_per_seller"], "s/seller", digits=2)
    row(
        "run 10x: wall time / seller", ten["total"]["wall_seconds_per_seller"], "s/seller", digits=2
    )
    row(
        "run 10x/1x: wall time / seller",
        ratio["wall_seconds_per_seller"],
        "ratio",
        digits=2,
    )
    row(
        "run 1x: wall / seller outside DynamoDB calls",
        one["total"]["wall_seconds_per_seller_outside_dynamodb"],
        "s/seller",
        digits=2,
    )
    row(
        "run 10x: wall / seller outside DynamoDB calls",
        ten["total"]["wall_seconds_per_seller_outside_dynamodb"],
        "s/seller",
        digits=2,
    )
    row("replay: end-to-end throughput", step3["events_per_second"], "events/s", digits=1)
    row("replay: wall time", step3["wall_seconds"], "s", digits=1)

    # ---- lookups ----
    one, ten = lookups["1x"], lookups["10x"]
    row("lookup 1x: snapshots stored for S1", lookups["snapshots_1x"], "snapshots", digits=0)
    row("lookup 10x: snapshots stored for S1", lookups["snapshots_10x"], "snapshots", digits=0)
    for name in ten:
        for label, figures in (("1x", one), ("10x", ten)):
            requests = figures[name]["requests_per_lookup"]
            row(
                f"lookup {label}: {name} requests",
                requests,
                "req/lookup",
                f"{GOAL_REQUESTS_PER_LOOKUP:g}",
                _verdict(requests == GOAL_REQUESTS_PER_LOOKUP),
            )
        row(
            f"lookup 10x/1x: {name} requests",
            lookups["ratio_10x_over_1x"][name]["requests"],
            "ratio",
            "1.0",
            _verdict(lookups["ratio_10x_over_1x"][name]["requests"] == 1),
        )
        for label, figures in (("1x", one), ("10x", ten)):
            read = figures[name]["items_returned_per_lookup"]
            items = f" ({read:g} snapshots read)" if read != 1 else ""
            row(f"lookup {label}: {name} RRU{items}", figures[name]["rru_per_lookup"], "RRU/lookup")
    latency = lookups["latency"]
    for key, label in (
        ("handler_latest", "API handler, latest document"),
        ("handler_as_of", "API handler, as_of document"),
        ("bare_get_item", "bare GetItem of the snapshot"),
        ("bare_query_limit_1", "bare Query Limit 1 of the snapshot"),
    ):
        row(f"latency: {label} p50", latency[key]["p50_ms"], "ms", digits=2)
        row(f"latency: {label} p99", latency[key]["p99_ms"], "ms", digits=2)
    for key, label in (
        ("ratio_handler_latest_to_get_item", "handler latest / bare GetItem"),
        ("ratio_handler_as_of_to_get_item", "handler as_of / bare GetItem"),
        ("ratio_handler_latest_to_bare_query", "handler latest / bare Query"),
    ):
        row(f"latency: {label} p50", latency[key]["p50"], "ratio", digits=2)
        row(f"latency: {label} p99", latency[key]["p99"], "ratio", digits=2)

    # ---- cold start ----
    goal = cold["goal_ratio_to_boto3"]
    row("cold start: import boto3", cold["boto3"]["total_us"] / 1000, "ms", digits=1)
    for module, found in cold["handlers"].items():
        row(f"cold start: import {module}", found["total_us"] / 1000, "ms", digits=1)
        row(
            f"cold start: {module} / boto3",
            found["ratio_to_boto3"],
            "ratio",
            f"<= {goal:g}",
            _verdict(found["ratio_to_boto3"] <= goal),
            digits=2,
        )

    # ---- cost model ----
    product, base = cost["ingest_product"], cost["ingest_naive"]
    row("cost: ingest, product", product["dollars_per_million_events"], "$/M events", digits=2)
    row("cost:   DynamoDB (WRU incl. GSI + RRU)", product["dynamodb"], "$/M events", digits=2)
    row("cost:   Lambda (requests + GB-s)", product["lambda"], "$/M events", digits=3)
    row("cost:   SQS", product["lines"]["sqs"], "$/M events", digits=2)
    row("cost: ingest, naive baseline", base["dollars_per_million_events"], "$/M events", digits=2)
    row("cost:   naive DynamoDB (WRU)", base["dynamodb"], "$/M events", digits=2)
    row("cost:   naive Lambda (requests + GB-s)", base["lambda"], "$/M events", digits=3)
    row("cost: ingest product/naive", cost["ingest_product_over_naive"], "ratio", digits=3)
    by_lookup = cost["lookups_10x_history"]
    latest = by_lookup["metrics (latest)"]
    row(
        "cost: lookup metrics (latest)",
        latest["dollars_per_million_lookups"],
        "$/M lookups",
        digits=2,
    )
    row("cost:   API Gateway REST", latest["lines"]["api_gateway"], "$/M lookups", digits=2)
    row("cost:   Lambda (requests + GB-s)", latest["lambda"], "$/M lookups", digits=3)
    row("cost:   DynamoDB (RRU)", latest["lines"]["dynamodb_reads"], "$/M lookups", digits=3)
    row("cost:   S3 GET", latest["lines"]["s3_get"], "$/M lookups", digits=3)
    history = by_lookup[f"history {HISTORY_DAYS} d"]
    row(
        f"cost: lookup history {HISTORY_DAYS} d",
        history["dollars_per_million_lookups"],
        "$/M lookups",
        digits=2,
    )
    return out


def render(table: list[dict[str, Any]]) -> str:
    headers = ("name", "value", "unit", "goal", "verdict")
    cells = [[str(r[h]) if h != "value" else f"{r['value']:g}" for h in headers] for r in table]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for c in cells:
        lines.append(
            "  ".join(
                (v.rjust(w) if i == 1 else v.ljust(w))
                for i, (v, w) in enumerate(zip(c, widths, strict=True))
            )
        )
    return "\n".join(lines)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="smaller streams (about a minute)")
    parser.add_argument("--output", type=Path, help="results file (default: results.json)")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted(CASES),
        help="run only these cases and print their figures (results.json is left alone "
        "unless --output is given)",
    )
    args = parser.parse_args(argv)
    if args.only:
        return only(args.only, args.quick, args.output)
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    self_check()
    _environment()
    cfg = config(args.quick)
    as_of = cfg.shape.end.isoformat()
    stream = generate(cfg.shape)
    if len(stream) < cfg.min_events:
        raise RuntimeError(f"stream has {len(stream)} events, fewer than {cfg.min_events}")
    one_shape = replace(cfg.shape, orders_per_day=cfg.shape.orders_per_day / 10)
    stream_1x = generate(one_shape)

    _say(f"[1/9] ingest cost + 10x run: {len(stream)} events ...")
    step1, run_10x = ingest_cost(stream, as_of)
    _say("[2-3/9] the same events live and bulk-ordered, and many sellers ...")
    many_stream = generate(cfg.many_sellers)
    step1["variants"] = ingest_variants(stream, many_stream)
    step1["variants"]["many_sellers"]["stream"] = _shape(cfg.many_sellers)
    _say(f"[4/9] naive baseline: {len(stream)} events ...")
    naive = naive_baseline(stream)
    _say(f"[5/9] 1x run: {len(stream_1x)} events ...")
    run_1x = run_reads_1x(stream_1x, as_of)
    run_10x = {"events": len(stream), "outcomes": step1["outcomes"]} | run_10x
    step2 = {
        "shape_1x": _shape(one_shape),
        "shape_10x": _shape(cfg.shape),
        "1x": run_1x,
        "10x": run_10x,
        "ratio_10x_over_1x": {
            "events": run_10x["events"] / run_1x["events"],
            "sellers_step_requests": run_10x["sellers_step"]["requests_per_seller_store"]
            / run_1x["sellers_step"]["requests_per_seller_store"],
            "sellers_step_rru": run_10x["sellers_step"]["rru_per_seller_store"]
            / run_1x["sellers_step"]["rru_per_seller_store"],
            "total_requests": run_10x["total"]["requests"] / run_1x["total"]["requests"],
            "total_rru": run_10x["total"]["rru"] / run_1x["total"]["rru"],
            "wall_seconds_per_seller": run_10x["total"]["wall_seconds_per_seller"]
            / run_1x["total"]["wall_seconds_per_seller"],
        },
    }
    _say(f"[6/9] replay throughput: {len(stream)} events ...")
    step3 = replay_throughput(stream, as_of)
    lk = cfg.lookups
    _say(
        f"[7/8] lookups at {lk.days_1x} and {lk.days_10x} snapshots, {lk.calls} latency samples ..."
    )
    started_step = time.perf_counter()
    lookups = lookup_cost(lk, cfg.shape.end, metered_moto)
    lookups["wall_seconds"] = round(time.perf_counter() - started_step, 1)
    _say(f"[8/9] cold start: {cfg.coldstart_runs} run(s) per module ...")
    started_step = time.perf_counter()
    cold = cold_start(cfg.coldstart_runs)
    cold["wall_seconds"] = round(time.perf_counter() - started_step, 1)
    _say("[9/9] contacts report of a large seller ...")
    contacts = _contacts_report(cfg.mode == "quick")
    cost = cost_model(step1, naive, lookups)
    _say("[+] reply-due alert runs per 1,000 open contacts (python -m benchmarks.alerts) ...")
    alerts = alert_cost(metered_moto, open_contacts=200 if args.quick else 1000)
    _say("[+] scale: each invocation's work at 1x, 4x, 16x (python -m benchmarks.scale) ...")
    scaled = scale.scale_cost(args.quick)

    table = (
        rows(step1, naive, step2, step3, lookups, cold, cost)
        + alert_rows(alerts)
        + contacts_report_rows(contacts)
        + scale.rows(scaled)
    )
    runtime = time.perf_counter() - started
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    results = {
        "command": command,
        "mode": cfg.mode,
        "started_at": started_at.isoformat(timespec="seconds"),
        "runtime_seconds": round(runtime, 1),
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            **{p: version(p) for p in ("moto", "boto3", "botocore", "aws-lambda-powertools")},
        },
        "stream": _shape(cfg.shape) | {"events": len(stream)},
        "goals": {
            "wru_per_event": GOAL_WRU_PER_EVENT,
            "requests_per_event": GOAL_REQUESTS_PER_EVENT,
            "run_requests_ratio_tolerance": RATIO_REQUESTS_TOLERANCE,
            "run_reads_ratio_limit": RATIO_READS_LIMIT,
            "requests_per_lookup": GOAL_REQUESTS_PER_LOOKUP,
            "lookup_requests_ratio_10x_over_1x": 1.0,
            "cold_start_ratio_to_boto3": cold["goal_ratio_to_boto3"],
            "scale_largest_invocation_ratio_16x_over_1x": scale.GOAL_RATIO,
            "scale_peak_mib_an_invocation": scale.GOAL_PEAK_MIB,
            "scale_seconds_an_invocation": scale.GOAL_SECONDS,
        },
        "table": table,
        "step1_ingest": step1,
        "step1_naive_baseline": naive,
        "step2_scheduled_run": step2,
        "step3_replay": step3,
        "step4_lookups": lookups,
        "step5_cold_start": cold,
        "step6_cost_model": cost,
        "alert_runs": alerts,
        "step9_contacts_report": contacts,
        "scale": scaled,
    }
    output = args.output or HERE / "results.json"
    output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(render(table))
    print(f"\n{command}: {runtime:.1f} s on {os.cpu_count()} CPUs; results in {_display(output)}")
    return 0


def _contacts_report(quick: bool) -> dict[str, Any]:
    return contacts_report_cost(*((500, (2_000, 20_000)) if quick else (2_000, (10_000, 100_000))))


def contacts_report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    small, large = report["large"][0], report["large"][-1]
    end_to_end = report["end_to_end"]
    return [
        {"name": name, "value": value, "unit": unit, "goal": goal, "verdict": verdict}
        for name, value, unit, goal, verdict in (
            (
                f"contacts report: peak memory, {large['contacts']:,} contacts",
                large["peak_traced_mib"],
                "MiB",
                "",
                "info",
            ),
            (
                f"contacts report: CPU time, {large['contacts']:,} contacts (traced)",
                large["cpu_seconds_traced"],
                "s",
                "",
                "info",
            ),
            (
                f"contacts report: peak {large['contacts']:,} / {small['contacts']:,} contacts",
                report["peak_ratio_largest_over_smallest"],
                "ratio",
                "< 2",
                _verdict(report["peak_ratio_largest_over_smallest"] < 2),
            ),
            (
                f"contacts report: end to end, {end_to_end['contacts']:,} contacts (moto)",
                end_to_end["worker_wall_seconds"],
                "s",
                "",
                "info",
            ),
        )
    ]


def only(cases: list[str], quick: bool, output: Path | None) -> int:
    """Some cases alone, e.g. what the Contacts index costs ingest, or the large report."""
    self_check()
    _environment()
    cfg = config(quick)
    results: dict[str, Any] = {
        "command": "python -m benchmarks"
        + (" --quick" if quick else "")
        + " --only "
        + " ".join(cases),
        "mode": cfg.mode,
    }
    if "ingest" in cases:
        stream = generate(cfg.shape)
        _say(f"ingest cost: {len(stream)} events ...")
        ingest, _ = ingest_cost(stream, cfg.shape.end.isoformat(), with_run=False)
        results["step1_ingest"] = ingest
        print(json.dumps({"events": len(stream), "per_event": ingest["per_event"]}, indent=2))
    if "ingest_variants" in cases:
        stream, many_stream = generate(cfg.shape), generate(cfg.many_sellers)
        variants = ingest_variants(stream, many_stream)
        results["step1_variants"] = variants
        print(render(variant_rows(variants)))
    if "contacts_report" in cases:
        _say("contacts report of a large seller ...")
        results["step9_contacts_report"] = _contacts_report(quick)
        print(render(contacts_report_rows(results["step9_contacts_report"])))
    if output is not None:
        output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


CASES = ("ingest", "ingest_variants", "contacts_report")


def _shape(shape: StreamShape) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(shape).items()}


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
