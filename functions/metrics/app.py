"""The scheduled metrics run: the steps of the state machine (plan, the seller list by
registry shard, the stores' benchmark shards, per-seller counts by part of the list, the
stores' benchmarks pass by pass, per-seller snapshot and reports by part), each read and
answered by `csinsights.steps`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights import steps
from csinsights.compute import MetricsRun
from csinsights.config import PerSettings, Settings
from csinsights.observability import logger, metrics
from csinsights.store.reports import ReportsStore
from csinsights.store.run import RunStore


def _run(settings: Settings) -> MetricsRun:
    return MetricsRun(RunStore(settings=settings), ReportsStore(settings=settings))


run = PerSettings(_run)


@logger.inject_lambda_context
def plan_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduled (EventBridge) or asked for a past day (`{"as_of": "2026-11-20T00:00:00Z"}`)."""
    planned = steps.plan(run(), event)
    logger.info("run planned", as_of_day=planned["as_of_day"], shards=len(planned["shards"]))
    return planned


@logger.inject_lambda_context
@metrics.log_metrics
def list_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """One registry shard: `{"shard", "as_of_day"}`."""
    listed = steps.list_sellers(run(), event)
    metrics.add_metric(name="SellersPlanned", unit=MetricUnit.Count, value=listed["sellers"])
    return listed


@logger.inject_lambda_context
def shards_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps.benchmark_shards(run(), event)


@logger.inject_lambda_context
def sellers_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """One part of the seller list: `{"key", "as_of_day", "benchmark_shards"}`."""
    return steps.count_sellers(run(), event)


@logger.inject_lambda_context
def benchmarks_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps.benchmarks(run(), event)


@logger.inject_lambda_context
@metrics.log_metrics
def publish_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Snapshots and insights reports for one part of the seller list."""
    published = steps.publish_sellers(run(), event)
    metrics.add_metric(name="SellersPublished", unit=MetricUnit.Count, value=published["published"])
    return published
