"""Faults while a requested survey responses report is built: a crash or an AWS error at
each AWS call of the worker (the voted-orders queries, the S3 put of the file, the report
record). The request is never lost: the message is reported as a batch item failure (SQS
redelivers it, then parks it in the dead-letter queue), the seller sees the report as
pending with no link until it is complete, and the redelivery builds it whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from csinsights_local.driver import sqs_record
from csinsights_local.stack import Deployment
from tests.api_events import api_event, seller_claims
from tests.builders import order_placed, survey_vote
from tests.faults import inject
from tests.marketplace import ingest
from tests.profiles import PROFILE

SELLER = "A1SELLER"
OTHER = "B2SELLER"


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


EVENTS = [
    event
    for store in ("CA", "US")
    for event in (
        order_placed("o1", days_ago(10), seller=SELLER, store=store),
        order_placed("o2", days_ago(9), seller=SELLER, store=store),
        survey_vote("o1", days_ago(8), vote="no", seller=SELLER, store=store),
        survey_vote("o2", days_ago(7), rating=5, seller=SELLER, store=store),
        order_placed("o1", days_ago(10), seller=OTHER, store=store),
        survey_vote("o1", days_ago(8), vote="yes", seller=OTHER, store=store),
    )
]
CALLS_PER_BUILD = 4  # two voted-orders queries (CA, US), the file, the record (checked below)
ERRORS = {
    "dynamodb": ["crash", "ThrottlingException", "InternalServerError"],
    "s3": ["crash", "SlowDown", "InternalError"],
}
CASES = [
    (index, kind)
    for index in range(CALLS_PER_BUILD)
    for kind in range(3)
    if PROFILE == "soak" or kind == index % 3 or index == 2  # every kind on the S3 put
]


def api(  # type: ignore[no-untyped-def]
    stack: Deployment,
    seller: str,
    method: str,
    resource: str,
    body: str | None = None,
    **params: str,
):
    event = api_event(
        method, resource, {"seller_id": seller, **params}, claims=seller_claims(seller), body=body
    )
    response = stack.invoke("ApiFunction", event)
    return response["statusCode"], json.loads(response["body"])


def requested(stack: Deployment) -> tuple[dict[str, str], dict[str, Any]]:
    """Each seller's request through the API (the faulty build's seller first), and the
    worker's batch holding both messages."""
    ingest(stack, EVENTS)
    report_ids = {}
    for seller in (SELLER, OTHER):
        status, report = api(
            stack,
            seller,
            "POST",
            "/v1/sellers/{seller_id}/reports",
            json.dumps({"type": "survey_responses", "days": 30}),
        )
        assert status == 202, report
        report_ids[seller] = report["report_id"]
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=stack.outputs["ReportRequestsQueueUrl"], MaxNumberOfMessages=10
    )["Messages"]
    assert len(messages) == 2
    arn = "arn:aws:sqs:us-east-1:123456789012:report-requests"
    records = [
        sqs_record(message, arn, "us-east-1")
        for message in sorted(messages, key=lambda m: json.loads(m["Body"])["seller_id"])
    ]
    return report_ids, {"Records": records}


def seen(stack: Deployment, seller: str, report_id: str) -> dict[str, Any]:
    status, report = api(
        stack, seller, "GET", "/v1/sellers/{seller_id}/reports/{report_id}", report_id=report_id
    )
    assert status == 200
    return report


def test_a_clean_build_makes_the_calls_the_matrix_covers(stack: Deployment) -> None:
    report_ids, batch = requested(stack)
    with inject() as faults:
        assert stack.invoke("ReportWorkerFunction", batch) == {"batchItemFailures": []}
    assert len(faults.log) == 2 * CALLS_PER_BUILD  # the first seller's build, then the other's
    assert faults.log[2] == ("s3", "PutObject")
    for seller, report_id in report_ids.items():
        assert seen(stack, seller, report_id)["status"] == "ready"


@pytest.mark.parametrize(("index", "kind"), CASES)
def test_a_failed_build_stays_pending_and_its_redelivery_builds_it_whole(
    stack: Deployment, index: int, kind: int, tally: Any
) -> None:
    report_ids, batch = requested(stack)
    failing, _ = batch["Records"]
    with inject() as faults:
        faults.arm_at(index, lambda service: ERRORS[service][kind])
        response = stack.invoke("ReportWorkerFunction", batch)
    assert faults.injected == 1
    # Only the failed request goes back to the queue; the other seller's is done.
    assert response == {"batchItemFailures": [{"itemIdentifier": failing["messageId"]}]}
    assert seen(stack, OTHER, report_ids[OTHER])["status"] == "ready"
    pending = seen(stack, SELLER, report_ids[SELLER])
    assert pending["status"] == "pending"
    assert "download" not in pending

    redelivery = {"Records": [failing]}
    assert stack.invoke("ReportWorkerFunction", redelivery) == {"batchItemFailures": []}
    ready = seen(stack, SELLER, report_ids[SELLER])
    assert ready["status"] == "ready"
    assert ready["rows"] == 4  # o1 and o2 voted in each of the seller's two stores
    key = f"reports/{SELLER}/survey/{report_ids[SELLER]}.csv"
    csv_text = (
        boto3.client("s3")
        .get_object(Bucket=stack.outputs["ReportsBucketName"], Key=key)["Body"]
        .read()
        .decode()
    )
    lines = csv_text.splitlines()
    assert len(lines) == 1 + 4
    assert sorted(line.split(",")[:2][::-1] for line in lines[1:]) == [
        ["CA", "o1"],
        ["CA", "o2"],
        ["US", "o1"],
        ["US", "o2"],
    ]
    tally["faults injected (survey report worker)"] += faults.injected
