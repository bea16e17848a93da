"""Reply-due alert runs: DynamoDB requests and read units per run per 1,000 open contacts.

A fresh metered stack holds `open_contacts` contacts due for an alert (30 h old, spread
over 10 sellers x 2 stores), then as many again of everything a run must not pay for:
answered contacts of the same hours, contacts past 48 h, contacts too young, and their
orders (`noise` times the open contacts). Four runs of the alert state machine
(`run_alert_machine`: the plan function, then the alert function once per partition, each
by its real handler), each run its own meter phase (both functions' calls): live (the
`Waiting` index, an hour of the window a partition) publishing every alert, live again
(nothing new: the steady state every 15 minutes), and the same two as of a past instant
(a registry shard a partition: its seller stores' `Contacts` index, every contact of the
window judged on its events before it). `python -m benchmarks.alerts [--quick]` runs this
case alone.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from benchmarks.meter import Meter
from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import published_alerts, run_alert_machine
from csinsights_local.stack import deploy

SELLER_STORES = [(f"SELLER{s:03}", store) for s in range(1, 11) for store in ("US", "DE")]
PER = 1000
ALERT_FUNCTIONS = ("AlertPlanFunction", "AlertFunction")
"""The alert state machine's functions: the plan, then one invocation per partition."""
RUNS = ("live, publishing", "live, nothing new", "as of, publishing", "as of, nothing new")


def _event(kind: str, seller: str, store: str, at: datetime, n: int, **data: Any) -> dict[str, Any]:
    return {
        "event_id": f"{kind}-{seller}-{store}-{n}-{len(data)}",
        "type": kind,
        "seller_id": seller,
        "store_id": store,
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "data": data,
    }


def stream(now: datetime, open_contacts: int, noise: int) -> list[dict[str, Any]]:
    """`open_contacts` due contacts, and `noise` x as many the run must skip."""
    events = []
    for n in range(open_contacts):
        seller, store = SELLER_STORES[n % len(SELLER_STORES)]
        received = now - timedelta(hours=30, minutes=n % 60)
        events.append(_event("order.placed", seller, store, received - timedelta(hours=1), n,
                             order_id=f"o{n}", fulfillment="seller"))  # fmt: skip
        events.append(_event("contact.received", seller, store, received, n,
                             contact_id=f"c{n}", order_id=f"o{n}", reason="shipping"))  # fmt: skip
        for k in range(noise):
            m = (k + 1) * open_contacts + n
            ages = (30, 60, 5)  # answered in the window, late, too young
            at = now - timedelta(hours=ages[k % 3], minutes=n % 60)
            events.append(_event("contact.received", seller, store, at, m,
                                 contact_id=f"c{m}", reason="other"))  # fmt: skip
            if k % 3 == 0:
                events.append(_event("contact.responded", seller, store,
                                     at + timedelta(hours=1), m, contact_id=f"c{m}"))  # fmt: skip
    return events


def _phase_figures(
    meter: Meter,
    name: str,
    alerts: int,
    put_events: int,
    open_contacts: int,
    invocations: Counter[str],
) -> dict[str, Any]:
    phase = meter.get(name)
    scale = PER / open_contacts
    return {
        "alerts_published": alerts,
        "invocations": {f: invocations[f] for f in ALERT_FUNCTIONS},
        "requests": dict(sorted(phase.requests.items())),
        "requests_per_1000_open": phase.total_requests * scale,
        "rru_per_1000_open": phase.rru * scale,
        "rru_by_operation": dict(phase.rru_by_op),
        "wru_per_1000_open": phase.wru_standard * scale,
        "put_events_per_1000_open": put_events * scale,
        "items_read_per_1000_open": phase.query_items * scale,
    }


def alert_cost(
    metered: Callable[[bool], AbstractContextManager[Meter]],
    open_contacts: int = PER,
    noise: int = 3,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    events = stream(now, open_contacts, noise)
    results: dict[str, Any] = {
        "open_contacts": open_contacts,
        "other_contacts": open_contacts * noise,
        "events": len(events),
        "seller_stores": len(SELLER_STORES),
    }
    with metered(False) as meter:
        put_events: Counter[str] = Counter()
        boto3.DEFAULT_SESSION.events.register(
            "before-call.events.PutEvents", lambda **_: put_events.update([meter.phase])
        )
        deployment = deploy()
        meter.phase = "setup"
        ingest_direct(deployment, events)
        # As of an instant of the window: answered contacts' replies, an hour before it, count.
        as_of = now.replace(second=0, microsecond=0)
        for label in RUNS:
            instant = as_of if label.startswith("as of") else None
            if label == "as of, publishing":  # a fresh set of claims for the as-of runs
                _forget_claims(deployment.outputs["EventsTableName"], meter.unmetered)
            meter.phase = label
            run = run_alert_machine(deployment, instant)
            meter.phase = "setup"
            invocations = Counter(i.function for i in run.invocations)
            results[label] = _phase_figures(
                meter,
                label,
                len(published_alerts(run)),
                put_events[label],
                open_contacts,
                invocations,
            )
        for function in ALERT_FUNCTIONS:
            deployment.logs.pop(function, None)
    return results


def _forget_claims(table: str, client: Any) -> None:
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="begins_with(pk, :a)",
        ExpressionAttributeValues={":a": {"S": "ALERT#"}},
    )
    for page in pages:
        for item in page["Items"]:
            client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})


def alert_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the benchmark table (informative: no goal beyond not growing with the
    contacts a run skips, which `benchmarks/README.md` reads off them)."""
    out = []
    for label in RUNS:
        figures = result[label]
        out.append(
            {
                "name": f"alerts {label}: invocations (plan + partitions)",
                "value": sum(figures["invocations"].values()),
                "unit": "invocations",
                "goal": "",
                "verdict": "info",
            }
        )
        for figure, what, unit in (
            ("requests", "DynamoDB requests", "req"),
            ("rru", "RRU", "RRU"),
            ("wru", "WRU", "WRU"),
            ("put_events", "PutEvents", "req"),
            ("items_read", "items read", "items"),
        ):
            out.append(
                {
                    "name": f"alerts {label}: {what} / 1,000 open contacts",
                    "value": round(figures[f"{figure}_per_1000_open"], 3),
                    "unit": unit,
                    "goal": "",
                    "verdict": "info",
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    from benchmarks.run import _environment, metered_moto, render

    parser = argparse.ArgumentParser(prog="python -m benchmarks.alerts", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 open contacts, not 1,000")
    args = parser.parse_args(argv)
    _environment()
    result = alert_cost(metered_moto, open_contacts=200 if args.quick else PER)
    print(json.dumps(result, indent=2))
    print(render(alert_rows(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
