"""Fair use: a seller's report requests are limited per UTC day (default 20); beyond them
the API answers 429 with `Retry-After` (the seconds until the next UTC day) in the
documented error shape. Another seller is unaffected, a refused or failed request costs
nothing, and the next day starts again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest

from csinsights.config import Settings
from csinsights.errors import Busy, QuotaExceeded
from csinsights.queries import Queries
from csinsights.quota import seconds_until_next_day
from tests.api_events import api_event
from tests.faults import Fault, inject
from tests.integration.api_client import REPORTS, S1, S2, SURVEY_REQUEST, Api

LIMIT = 20


@pytest.fixture(autouse=True)
def fresh_day(api: Api) -> Iterator[None]:
    """Every test starts with no request counted, an empty queue and the template's
    environment."""
    environment = api.stack.function_environments["ApiFunction"]
    saved = dict(environment)
    yield
    environment.clear()
    environment.update(saved)
    table = boto3.resource("dynamodb").Table(api.stack.outputs["EventsTableName"])
    for seller in ("S1", "S2"):
        for item in table.query(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": f"QUOTA#{seller}"}
        )["Items"]:
            table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    queued(api)


def queued(api: Api) -> list[str]:
    """The sellers of the report requests queued since the last look (drained)."""
    sqs = boto3.client("sqs")
    url = api.stack.outputs["ReportRequestsQueueUrl"]
    sellers = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sellers.append(json.loads(message["Body"])["seller_id"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return sellers


def request(api: Api, seller: str = "S1", body: str = SURVEY_REQUEST) -> tuple[int, dict]:
    claims = S1 if seller == "S1" else S2
    return api.call("POST", REPORTS, {"seller_id": seller}, claims=claims, body=body)


def counted(api: Api, seller: str) -> int:
    day = datetime.now(UTC).date().isoformat()
    item = boto3.client("dynamodb").get_item(
        TableName=api.stack.outputs["EventsTableName"],
        Key={"pk": {"S": f"QUOTA#{seller}"}, "sk": {"S": day}},
    )
    return int(item.get("Item", {}).get("requests", {"N": "0"})["N"])


def test_the_template_default_is_twenty_a_day(api: Api) -> None:
    assert api.stack.function_environments["ApiFunction"]["REPORT_REQUESTS_PER_DAY"] == "20"
    assert Settings(table_name="t").report_requests_per_day == LIMIT


def test_twenty_pass_the_twenty_first_is_429_until_the_next_utc_day(api: Api) -> None:
    for _ in range(LIMIT):
        status, payload = request(api)
        assert status == 202, payload
    event = api_event("POST", REPORTS, {"seller_id": "S1"}, claims=S1, body=SURVEY_REQUEST)
    at_most = seconds_until_next_day(datetime.now(UTC))  # the API answers after this
    response = api.stack.invoke("ApiFunction", event)
    at_least = seconds_until_next_day(datetime.now(UTC))  # ... and before this
    assert response["statusCode"] == 429
    (retry_after,) = response["multiValueHeaders"]["Retry-After"]
    assert at_least <= int(retry_after) <= at_most
    status, payload = request(api)  # through the client: documented in the OpenAPI document
    assert status == 429
    assert payload["code"] == "quota_exceeded"
    assert set(payload) == {"code", "message"}
    assert queued(api) == ["S1"] * LIMIT
    assert counted(api, "S1") == LIMIT


def test_another_seller_is_unaffected(api: Api) -> None:
    for _ in range(LIMIT):
        assert request(api)[0] == 202
    assert request(api)[0] == 429
    for _ in range(LIMIT):
        status, payload = request(api, "S2")
        assert status == 202, payload
    assert request(api, "S2")[0] == 429
    assert sorted(queued(api)) == ["S1"] * LIMIT + ["S2"] * LIMIT


def test_invalid_requests_cost_nothing(api: Api) -> None:
    refused = [
        (json.dumps({"type": "survey_responses", "days": 0}), 422),
        (json.dumps({"type": "invoices"}), 422),
        ("not json", 422),
        (json.dumps({"type": "survey_responses", "stores": ["JP"]}), 404),
    ]
    for body, status in refused * 6:
        assert request(api, body=body)[0] == status
    assert counted(api, "S1") == 0
    for _ in range(LIMIT):
        assert request(api)[0] == 202
    assert request(api)[0] == 429


def test_the_limit_is_a_setting(api: Api) -> None:
    api.stack.function_environments["ApiFunction"]["REPORT_REQUESTS_PER_DAY"] = "2"
    assert [request(api)[0] for _ in range(3)] == [202, 202, 429]
    assert queued(api) == ["S1", "S1"]


def _queries(api: Api) -> Queries:
    settings = Settings(
        table_name=api.stack.outputs["EventsTableName"],
        reports_bucket=api.bucket,
        report_requests_queue_url=api.stack.outputs["ReportRequestsQueueUrl"],
    )
    return Queries.from_settings(settings)


def test_the_next_utc_day_starts_again(api: Api) -> None:
    queries = _queries(api)
    last_second = datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC)
    for _ in range(LIMIT):
        queries.request_report("S1", "survey_responses", None, 90, now=last_second)
    with pytest.raises(QuotaExceeded) as refused:
        queries.request_report("S1", "survey_responses", None, 90, now=last_second)
    assert refused.value.retry_after == 1
    next_day = datetime(2026, 11, 21, tzinfo=UTC)
    queries.request_report("S1", "survey_responses", None, 90, now=next_day)
    assert queued(api) == ["S1"] * (LIMIT + 1)
    counters = boto3.resource("dynamodb").Table(api.stack.outputs["EventsTableName"])
    item = counters.get_item(Key={"pk": "QUOTA#S1", "sk": "2026-11-20"})["Item"]
    assert item["requests"] == LIMIT
    assert item["expires_at"] == int(datetime(2026, 11, 22, tzinfo=UTC).timestamp())


def test_a_busy_counter_is_a_503_and_queues_nothing(api: Api) -> None:
    with inject() as faults:
        faults.armed.append(Fault("dynamodb", "UpdateItem", 1, "ThrottlingException"))
        status, payload = request(api)
    assert faults.injected == 1
    assert status == 503
    assert payload["code"] == "unavailable"
    assert queued(api) == []
    assert counted(api, "S1") == 0


def test_a_request_that_cannot_be_queued_is_given_back(api: Api) -> None:
    with inject() as faults:
        faults.armed.append(Fault("sqs", "SendMessage", 1, "RequestThrottled"))
        status, _ = request(api)
    assert status == 503
    assert counted(api, "S1") == 0
    queries = _queries(api)
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with inject() as faults:
        faults.armed.append(Fault("sqs", "SendMessage", 1, "RequestThrottled"))
        faults.armed.append(Fault("dynamodb", "UpdateItem", 2, "ThrottlingException"))
        with pytest.raises(Busy):
            queries.request_report("S1", "survey_responses", None, 90, now=now)
    assert faults.injected == 2  # the give-back failed too: the request stays counted
    counters = boto3.resource("dynamodb").Table(api.stack.outputs["EventsTableName"])
    assert counters.get_item(Key={"pk": "QUOTA#S1", "sk": "2026-11-20"})["Item"]["requests"] == 1


def test_contacts_reports_count_against_the_same_day(api: Api) -> None:
    contacts = json.dumps({"type": "contacts", "days": 7})
    for i in range(LIMIT):
        status, payload = request(api, body=contacts if i % 2 else SURVEY_REQUEST)
        assert status == 202, payload
    status, payload = request(api, body=contacts)
    assert status == 429
    assert payload["code"] == "quota_exceeded"
    assert len(queued(api)) == LIMIT
