"""The scheduled metrics run: the steps of the state machine (plan, per-seller counts,
per-store benchmarks, per-seller snapshot and reports), each read and answered by
`csinsights.steps`."""

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
@metrics.log_metrics
def plan_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduled (EventBridge) or asked for a past day (`{"as_of": "2026-11-20T00:00:00Z"}`)."""
    planned = run().plan(steps.run_day(event))
    metrics.add_metric(name="SellersPlanned", unit=MetricUnit.Count, value=planned.sellers)
    logger.info(
        "run planned",
        as_of_day=planned.as_of_day.isoformat(),
        sellers=planned.sellers,
        stores=len(planned.stores),
    )
    return steps.plan_output(planned)


@logger.inject_lambda_context
def sellers_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A batch of the distributed map: `{"Items": [...], "BatchInput": {"as_of_day"}}`."""
    return steps.count_sellers(run(), event)


@logger.inject_lambda_context
def benchmarks_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps.benchmark_store(run(), event)


@logger.inject_lambda_context
@metrics.log_metrics
def publish_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Snapshots and insights reports for a batch of sellers."""
    published = steps.publish_sellers(run(), event)
    metrics.add_metric(name="SellersPublished", unit=MetricUnit.Count, value=published["published"])
    return published
