"""Faults while a requested report is built, a survey responses or a contacts report: a
crash or an AWS error at each AWS call of the worker (the voted-orders or contacts index
queries, the orders the contacts name, the S3 puts of the files, the report record). The
request is never lost: the message is reported as a batch item failure (SQS redelivers
it, then parks it in the dead-letter queue), the seller sees the report as pending with no
link until it is complete, and the redelivery builds it whole.

Every case starts from the same deployment (the events ingested): deployed once per module
and worker, restored before each case (`tests.state.restore`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from csinsights_local.driver import sqs_record
from csinsights_local.stack import Deployment, deploy
from tests.api_events import api_event, seller_claims
from tests.builders import contact_received, contact_responded, order_placed, survey_vote
from tests.faults import inject
from tests.marketplace import ingest
from tests.profiles import PROFILE
from tests.state import Saved, restore, save

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
        contact_received("c1", days_ago(9), "shipping", "o1", seller=SELLER, store=store),
        contact_responded("c1", days_ago(8), seller=SELLER, store=store),
        contact_received("c2", days_ago(6), "other", "o2", seller=SELLER, store=store),
        order_placed("o1", days_ago(10), seller=OTHER, store=store),
        survey_vote("o1", days_ago(8), vote="yes", seller=OTHER, store=store),
    )
]


@dataclass(frozen=True)
class Kind:
    """A report type as the matrix sees it: its request, the AWS calls of one seller's
    build in order (checked on a clean build), and its CSV file."""

    request: dict[str, Any]
    calls: tuple[tuple[str, str], ...]
    folder: str

    @property
    def puts(self) -> list[int]:
        return [i for i, call in enumerate(self.calls) if call == ("s3", "PutObject")]

    def key(self, report_id: str) -> str:
        return f"reports/{SELLER}/{self.folder}/{report_id}.csv"


QUERY, BATCH_GET = ("dynamodb", "Query"), ("dynamodb", "BatchGetItem")
RECORD, PUT = ("dynamodb", "PutItem"), ("s3", "PutObject")
KINDS = {
    # two voted-orders queries (CA, US), the file, the record
    "survey_responses": Kind(
        {"type": "survey_responses", "days": 30}, (QUERY, QUERY, PUT, RECORD), "survey"
    ),
    # per store (CA, US) the contacts index and the orders the contacts name; CSV, JSON,
    # the record
    "contacts": Kind(
        {"type": "contacts", "days": 30},
        (QUERY, BATCH_GET, QUERY, BATCH_GET, PUT, PUT, RECORD),
        "contacts",
    ),
}
ERRORS = {
    "dynamodb": ["crash", "ThrottlingException", "InternalServerError"],
    "s3": ["crash", "SlowDown", "InternalError"],
}
CASES = [
    (name, index, error)
    for name, kind in KINDS.items()
    for index in range(len(kind.calls))
    for error in range(3)
    if PROFILE == "soak" or error == index % 3 or index in kind.puts  # every error on a put
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


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Deployment, Saved]]:
    """One deployment per module (and worker): the events ingested, saved."""
    with mock_aws():
        stack = deploy()
        ingest(stack, EVENTS)
        yield stack, save(stack)


@pytest.fixture
def stack(deployed: tuple[Deployment, Saved]) -> Deployment:
    """The deployment with the events ingested, as saved."""
    stack, saved = deployed
    restore(stack, saved)
    return stack


def requested(stack: Deployment, kind: Kind) -> tuple[dict[str, str], dict[str, Any]]:
    """Each seller's request through the API (the faulty build's seller first), and the
    worker's batch holding both messages."""
    report_ids = {}
    for seller in (SELLER, OTHER):
        status, report = api(
            stack,
            seller,
            "POST",
            "/v1/sellers/{seller_id}/reports",
            json.dumps(kind.request),
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


@pytest.mark.parametrize("name", KINDS)
def test_a_clean_build_makes_the_calls_the_matrix_covers(stack: Deployment, name: str) -> None:
    kind = KINDS[name]
    report_ids, batch = requested(stack, kind)
    with inject() as faults:
        assert stack.invoke("ReportWorkerFunction", batch) == {"batchItemFailures": []}
    # the first seller's build (the other's follows)
    assert tuple(faults.log[: len(kind.calls)]) == kind.calls
    for seller, report_id in report_ids.items():
        assert seen(stack, seller, report_id)["status"] == "ready"


@pytest.mark.parametrize(("name", "index", "error"), CASES)
def test_a_failed_build_stays_pending_and_its_redelivery_builds_it_whole(
    stack: Deployment, name: str, index: int, error: int, tally: Any
) -> None:
    kind = KINDS[name]
    report_ids, batch = requested(stack, kind)
    failing, _ = batch["Records"]
    with inject() as faults:
        faults.arm_at(index, lambda service: ERRORS[service][error])
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
    assert ready["rows"] == 4  # o1 and o2 voted, c1 and c2 received, in each of two stores
    csv_text = (
        boto3.client("s3")
        .get_object(Bucket=stack.outputs["ReportsBucketName"], Key=kind.key(report_ids[SELLER]))[
            "Body"
        ]
        .read()
        .decode()
    )
    lines = csv_text.splitlines()
    assert len(lines) == 1 + 4
    ids = [line.split(",")[:2] for line in lines[1:]]
    expected = {"survey_responses": ["o1", "o2"], "contacts": ["c1", "c2"]}[name]
    pairs = sorted(sorted(pair) for pair in ids)
    assert pairs == sorted(sorted([store, i]) for store in ("CA", "US") for i in expected)
    tally[f"faults injected ({name} report worker)"] += faults.injected
