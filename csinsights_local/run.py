"""Run the scheduled computation on a local stack, step by step as the state machine does:
plan, per-seller counts in batches, per-store benchmarks, per-seller publication."""

from __future__ import annotations

import json
from typing import Any

import boto3

from csinsights_local.stack import Deployment

SELLER_BATCH = 50  # the state machine's ItemBatcher.MaxItemsPerBatch


def run_metrics(deployment: Deployment, as_of: str | None = None) -> dict[str, Any]:
    """`as_of`: a UTC midnight or a date; default the scheduled day (end of yesterday)."""
    plan_event: dict[str, Any] = {"as_of": as_of} if as_of else {"detail-type": "Scheduled Event"}
    plan = deployment.invoke("MetricsPlanFunction", plan_event)
    s3 = boto3.client("s3")
    body = s3.get_object(Bucket=plan["sellers_bucket"], Key=plan["sellers_key"])["Body"].read()
    sellers = json.loads(body)
    batch_input = {"as_of_day": plan["as_of_day"]}
    for start in range(0, len(sellers), SELLER_BATCH):
        deployment.invoke(
            "MetricsSellersFunction",
            {"Items": sellers[start : start + SELLER_BATCH], "BatchInput": batch_input},
        )
    for store in plan["stores"]:
        deployment.invoke("MetricsBenchmarksFunction", store)
    for start in range(0, len(sellers), SELLER_BATCH):
        deployment.invoke(
            "MetricsPublishFunction",
            {"Items": sellers[start : start + SELLER_BATCH], "BatchInput": batch_input},
        )
    return {**plan, "sellers": sellers}
