"""Dollars per million events ingested and per million metric lookups, from the measured
figures and on-demand prices.

Prices as published for us-east-1, read 2026-11; check the pricing pages before relying
on them. Assumptions (each stated in the results too):

- DynamoDB on demand: the measured write units per event (table upper bound + index
  maintenance) and read units per event / per lookup.
- Lambda (arm64, 512 MB as the template sets for the ingest and API functions): one
  request per invocation (ingest: the measured invocations per event, batches of 100);
  duration = the measured in-process handler time per invocation on this machine,
  rounded up to the millisecond. That time includes moto's emulation of each DynamoDB
  call instead of the real network round trip, and this machine's CPU instead of the
  ~0.3 vCPU a 512 MB function gets: a stated stand-in, not a prediction.
- SQS standard, every message under 64 KB (one request unit): per event one SendMessage
  (the EventBridge rule's target delivers events one by one), one tenth of a
  ReceiveMessage and one tenth of a DeleteMessageBatch (the Lambda poller takes and
  deletes up to 10 messages per request). Empty polls of an idle queue are not per event
  and are left out, as are redeliveries.
- API Gateway REST: one request per lookup. S3: the GET requests measured per lookup.
- Not priced: EventBridge (the PutEvents of the producers and the rule), CloudWatch
  Logs / metrics, X-Ray, data transfer, DynamoDB storage and the scheduled run.
"""

from __future__ import annotations

import math
from typing import Any

PRICES_READ = "2026-11"
PRICES_NOTE = (
    "prices as published for us-east-1, read 2026-11; check the pricing pages before "
    "relying on them"
)
PRICES = {
    "dynamodb_on_demand_per_million_wru": 0.625,
    "dynamodb_on_demand_per_million_rru": 0.125,
    "lambda_per_million_requests": 0.20,
    "lambda_arm64_per_gb_second": 0.0000133334,
    "sqs_standard_per_million_requests": 0.40,
    "api_gateway_rest_per_million_requests": 3.50,
    "s3_get_per_thousand_requests": 0.0004,
}
MEMORY_MB = 512
SQS_REQUESTS_PER_EVENT = {"SendMessage": 1.0, "ReceiveMessage": 0.1, "DeleteMessageBatch": 0.1}
MILLION = 1_000_000


def _lambda(invocations_per_unit: float, seconds_per_invocation: float) -> dict[str, float]:
    billed_ms = math.ceil(seconds_per_invocation * 1000)
    gb_seconds = invocations_per_unit * MILLION * billed_ms / 1000 * MEMORY_MB / 1024
    return {
        "requests": invocations_per_unit * PRICES["lambda_per_million_requests"],
        "gb_seconds": gb_seconds * PRICES["lambda_arm64_per_gb_second"],
        "billed_ms_per_invocation": billed_ms,
        "gb_seconds_per_million": gb_seconds,
    }


def ingest_cost(
    wru_per_event: float,
    rru_per_event: float,
    invocations_per_event: float,
    seconds_per_invocation: float,
) -> dict[str, Any]:
    """$ per million events."""
    lam = _lambda(invocations_per_event, seconds_per_invocation)
    sqs_requests = sum(SQS_REQUESTS_PER_EVENT.values())
    lines = {
        "dynamodb_writes": wru_per_event * PRICES["dynamodb_on_demand_per_million_wru"],
        "dynamodb_reads": rru_per_event * PRICES["dynamodb_on_demand_per_million_rru"],
        "lambda_requests": lam["requests"],
        "lambda_duration": lam["gb_seconds"],
        "sqs": sqs_requests * PRICES["sqs_standard_per_million_requests"],
    }
    return {
        "dollars_per_million_events": sum(lines.values()),
        "lines": lines,
        "dynamodb": lines["dynamodb_writes"] + lines["dynamodb_reads"],
        "lambda": lines["lambda_requests"] + lines["lambda_duration"],
        "inputs": {
            "wru_per_event": wru_per_event,
            "rru_per_event": rru_per_event,
            "lambda_invocations_per_event": invocations_per_event,
            "lambda_seconds_per_invocation": seconds_per_invocation,
            "lambda_billed_ms_per_invocation": lam["billed_ms_per_invocation"],
            "lambda_gb_seconds_per_million_events": lam["gb_seconds_per_million"],
            "lambda_memory_mb": MEMORY_MB,
            "sqs_requests_per_event": dict(SQS_REQUESTS_PER_EVENT),
        },
    }


def lookup_cost(
    rru_per_lookup: float, s3_gets_per_lookup: float, seconds_per_invocation: float
) -> dict[str, Any]:
    """$ per million lookups."""
    lam = _lambda(1.0, seconds_per_invocation)
    lines = {
        "api_gateway": PRICES["api_gateway_rest_per_million_requests"],
        "lambda_requests": lam["requests"],
        "lambda_duration": lam["gb_seconds"],
        "dynamodb_reads": rru_per_lookup * PRICES["dynamodb_on_demand_per_million_rru"],
        "s3_get": s3_gets_per_lookup * PRICES["s3_get_per_thousand_requests"] * 1000,
    }
    return {
        "dollars_per_million_lookups": sum(lines.values()),
        "lines": lines,
        "lambda": lines["lambda_requests"] + lines["lambda_duration"],
        "inputs": {
            "rru_per_lookup": rru_per_lookup,
            "s3_gets_per_lookup": s3_gets_per_lookup,
            "lambda_seconds_per_invocation": seconds_per_invocation,
            "lambda_billed_ms_per_invocation": lam["billed_ms_per_invocation"],
            "lambda_memory_mb": MEMORY_MB,
        },
    }


def cost_model(
    step1: dict[str, Any], naive: dict[str, Any], lookups: dict[str, Any]
) -> dict[str, Any]:
    events = step1["events"]
    invocations = step1["handler"]["invocations"]
    product = ingest_cost(
        step1["per_event"]["wru_upper_bound_incl_gsi"],
        step1["per_event"]["rru_total"],
        invocations / events,
        step1["handler"]["seconds_per_invocation_excluding_read_back"],
    )
    # The naive baseline would run behind the same queue and batches; its duration is its
    # measured loop (one transaction per event) per 100 events.
    baseline = ingest_cost(
        naive["per_event"]["wru"],
        0.0,
        invocations / events,
        naive["wall_seconds"] / naive["events"] * 100,
    )
    ten = lookups["10x"]
    s3_gets = {
        name: sum(v for k, v in figures["s3_sqs_requests_by_operation"].items() if "GetObject" in k)
        for name, figures in ten.items()
    }
    mean_seconds = lookups["latency"]["handler_latest"]["mean_ms"] / 1000
    by_lookup = {
        name: lookup_cost(figures["rru_per_lookup"], s3_gets[name], mean_seconds)
        for name, figures in ten.items()
    }
    return {
        "note": PRICES_NOTE,
        "prices": PRICES,
        "prices_read": PRICES_READ,
        "assumptions": __doc__.split("Assumptions (each stated in the results too):", 1)[1]
        .strip()
        .replace("\n  ", " ")
        .replace("\n", " "),
        "ingest_product": product,
        "ingest_naive": baseline,
        "ingest_product_over_naive": product["dollars_per_million_events"]
        / baseline["dollars_per_million_events"],
        "lookups_10x_history": by_lookup,
        "lookup_duration_basis": "mean in-process handler time of the latest-document lookup "
        "(10x history), used for every lookup",
    }
