"""The two implementations of the store ports, side by side: the DynamoDB stores on plain
moto (the table, bucket, queue and bus as the template declares them) and the embedded
store. Every test of this folder runs once against each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from csinsights.config import Settings
from csinsights.models.records import ReportRequest
from csinsights.store import codecs
from csinsights.store.alerts import AlertStore
from csinsights.store.ingest import IngestStore
from csinsights.store.ports import (
    AlertPort,
    IngestPort,
    QuotaPort,
    ReadPort,
    RejectedPort,
    ReportRequestsPort,
    ReportsPort,
    RunPort,
)
from csinsights.store.quota import QuotaStore
from csinsights.store.read import ReadStore
from csinsights.store.rejected import RejectedEvents
from csinsights.store.reports import ReportRequests, ReportsStore
from csinsights.store.run import RunStore
from csinsights_local.embedded import EmbeddedStore
from csinsights_local.stack import aws_session
from csinsights_local.template import cloudformation_template

TABLE_PROPERTIES = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


@dataclass
class Stores:
    """Every port, as one implementation gives it; and how to read what left it."""

    kind: str
    ingest: IngestPort
    rejected: RejectedPort
    run: RunPort
    read: ReadPort
    reports: ReportsPort
    requests: ReportRequestsPort
    quota: QuotaPort
    alerts: AlertPort
    queued: Any
    """() -> the report requests sent so far."""


def _table_definition() -> dict[str, Any]:
    properties = cloudformation_template()["Resources"]["EventsTable"]["Properties"]
    return {name: properties[name] for name in TABLE_PROPERTIES}


def _dynamodb() -> Stores:
    session = aws_session()
    dynamodb = session.client("dynamodb")
    dynamodb.create_table(TableName="events", **_table_definition())
    session.client("s3").create_bucket(Bucket="reports")
    sqs = session.client("sqs")
    queue = sqs.create_queue(QueueName="report-requests")["QueueUrl"]
    session.client("events").create_event_bus(Name="bus")
    settings = Settings(
        table_name="events",
        reports_bucket="reports",
        report_requests_queue_url=queue,
        event_bus_name="bus",
    )

    def queued() -> list[ReportRequest]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        return [codecs.report_request_of(m["Body"]) for m in messages.get("Messages", [])]

    return Stores(
        "dynamodb",
        IngestStore(dynamodb, settings),
        RejectedEvents(dynamodb, settings),
        RunStore(dynamodb, settings),
        ReadStore(dynamodb, settings),
        ReportsStore(dynamodb, settings),
        ReportRequests(sqs, settings),
        QuotaStore(dynamodb, settings),
        AlertStore(dynamodb, settings),
        queued,
    )


def _embedded() -> Stores:
    store = EmbeddedStore()
    return Stores(
        "embedded",
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        lambda: list(store.requests),
    )


@pytest.fixture(params=["dynamodb", "embedded"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "embedded":
        yield _embedded()
        return
    with mock_aws():
        yield _dynamodb()
