"""The scheduled metrics run: the steps of the state machine (plan, per-seller counts,
per-store benchmarks, per-seller snapshot and reports)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights.compute import MetricsRun
from csinsights.config import PerSettings, Settings
from csinsights.domain.asof import last_complete_day, parse_as_of
from csinsights.observability import logger, metrics
from csinsights.store.reports import ReportsStore
from csinsights.store.run import RunStore


def _services(settings: Settings) -> tuple[MetricsRun, ReportsStore]:
    reports = ReportsStore(settings=settings)
    return MetricsRun(RunStore(settings=settings), reports), reports


services = PerSettings(_services)


def _day(event: dict[str, Any]) -> date:
    return date.fromisoformat(event["as_of_day"])


@logger.inject_lambda_context
@metrics.log_metrics
def plan_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduled (EventBridge) or asked for a past day (`{"as_of": "2026-11-20T00:00:00Z"}`)."""
    run, store = services()
    if event.get("as_of"):
        day = parse_as_of(event["as_of"])
    elif event.get("time"):
        day = last_complete_day(datetime.fromisoformat(event["time"]))
    else:
        day = last_complete_day(datetime.now(UTC))
    sellers = run.plan()
    key = store.run_sellers_key(day)
    items = [{"seller_id": s, "stores": stores} for s, stores in sellers.items()]
    store.put(key, json.dumps(items), "application/json")
    all_stores = sorted({s for stores in sellers.values() for s in stores})
    metrics.add_metric(name="SellersPlanned", unit=MetricUnit.Count, value=len(items))
    logger.info(
        "run planned", as_of_day=day.isoformat(), sellers=len(items), stores=len(all_stores)
    )
    return {
        "as_of_day": day.isoformat(),
        "sellers_bucket": store.bucket,
        "sellers_key": key,
        "stores": [{"store_id": s, "as_of_day": day.isoformat()} for s in all_stores],
    }


@logger.inject_lambda_context
def sellers_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A batch of the distributed map: `{"Items": [...], "BatchInput": {"as_of_day"}}`."""
    run, _ = services()
    day = date.fromisoformat(event["BatchInput"]["as_of_day"])
    active = sum(
        bool(run.compute_seller(item["seller_id"], item["stores"], day)) for item in event["Items"]
    )
    return {"sellers": len(event["Items"]), "active": active}


@logger.inject_lambda_context
def benchmarks_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run, _ = services()
    run.compute_store_benchmarks(event["store_id"], _day(event))
    return {"store_id": event["store_id"]}


@logger.inject_lambda_context
@metrics.log_metrics
def publish_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Snapshots and insights reports for a batch of sellers."""
    run, _ = services()
    day = date.fromisoformat(event["BatchInput"]["as_of_day"])
    published = sum(
        run.publish_seller(item["seller_id"], item["stores"], day) is not None
        for item in event["Items"]
    )
    metrics.add_metric(name="SellersPublished", unit=MetricUnit.Count, value=published)
    return {"published": published}
