"""The metrics run's steps as the state machine calls them: each takes its state's input
and returns its output (`infra/template.yaml`, `MetricsRunStateMachine`). The functions'
handlers and the local run (`csinsights_local.run`) both call these, so the payloads are
read in one place.

- `plan`: scheduled (`{"time": ...}`), or for a past day (`{"as_of": "2026-11-20T00:00:00Z"}`
  or a date); writes the seller list and returns where it is and every store;
- `count_sellers` and `publish_sellers`: a batch of the distributed maps over the seller
  list, `{"Items": [{"seller_id", "stores"}, ...], "BatchInput": {"as_of_day"}}`;
- `benchmark_store`: one store, `{"store_id", "as_of_day"}`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from csinsights.compute import MetricsRun, RunPlan
from csinsights.domain.asof import last_complete_day, parse_as_of


def run_day(event: dict[str, Any], now: datetime | None = None) -> date:
    """The day a run computes as of the end of: asked for, or the schedule's last complete
    day (a late start still computes the right day)."""
    if event.get("as_of"):
        return parse_as_of(event["as_of"])
    if event.get("time"):
        return last_complete_day(datetime.fromisoformat(event["time"]))
    return last_complete_day(now or datetime.now(UTC))


def plan(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    return plan_output(run.plan(run_day(event)))


def plan_output(planned: RunPlan) -> dict[str, Any]:
    day = planned.as_of_day.isoformat()
    return {
        "as_of_day": day,
        "sellers_bucket": planned.sellers_bucket,
        "sellers_key": planned.sellers_key,
        "stores": [{"store_id": s, "as_of_day": day} for s in planned.stores],
    }


def _batch_day(event: dict[str, Any]) -> date:
    return date.fromisoformat(event["BatchInput"]["as_of_day"])


def count_sellers(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    day = _batch_day(event)
    active = sum(
        bool(run.compute_seller(item["seller_id"], item["stores"], day)) for item in event["Items"]
    )
    return {"sellers": len(event["Items"]), "active": active}


def benchmark_store(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    run.compute_store_benchmarks(event["store_id"], date.fromisoformat(event["as_of_day"]))
    return {"store_id": event["store_id"]}


def publish_sellers(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    day = _batch_day(event)
    published = sum(
        run.publish_seller(item["seller_id"], item["stores"], day) is not None
        for item in event["Items"]
    )
    return {"published": published}
