"""Run the scheduled computation on a local stack, step by step as the state machine does:
plan, per-seller counts in batches, per-store benchmarks, per-seller publication."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import boto3

from csinsights_local.stack import Deployment

T = TypeVar("T")
SELLER_BATCH = 50  # the state machine's ItemBatcher.MaxItemsPerBatch


def _retrying(retries: int, call: Callable[[], T]) -> T:
    """Like a state machine task's Retry: the same input, tried again after a failure."""
    for _ in range(retries):
        try:
            return call()
        except Exception:  # noqa: BLE001, S112 - any task failure is retried
            continue
    return call()


def run_metrics(
    deployment: Deployment, as_of: str | None = None, retries: int = 0
) -> dict[str, Any]:
    """`as_of`: a UTC midnight or a date; default the scheduled day (end of yesterday).

    `retries`: how many times a failed step is tried again before the run fails (the state
    machine retries each task, and each map whose item reader fails, 3 times)."""

    def step(function: str, event: dict[str, Any]) -> Any:
        return _retrying(retries, lambda: deployment.invoke(function, event))

    def read_sellers(plan: dict[str, Any]) -> Any:  # a distributed map's item reader
        s3 = boto3.client("s3")
        body = s3.get_object(Bucket=plan["sellers_bucket"], Key=plan["sellers_key"])["Body"]
        return json.loads(body.read())

    plan_event: dict[str, Any] = {"as_of": as_of} if as_of else {"detail-type": "Scheduled Event"}
    plan = step("MetricsPlanFunction", plan_event)
    sellers = _retrying(retries, lambda: read_sellers(plan))
    batch_input = {"as_of_day": plan["as_of_day"]}
    for start in range(0, len(sellers), SELLER_BATCH):
        step(
            "MetricsSellersFunction",
            {"Items": sellers[start : start + SELLER_BATCH], "BatchInput": batch_input},
        )
    for store in plan["stores"]:
        step("MetricsBenchmarksFunction", store)
    sellers = _retrying(retries, lambda: read_sellers(plan))  # the Publish map reads it again
    for start in range(0, len(sellers), SELLER_BATCH):
        step(
            "MetricsPublishFunction",
            {"Items": sellers[start : start + SELLER_BATCH], "BatchInput": batch_input},
        )
    return {**plan, "sellers": sellers}
