"""Run event streams through the real ingest handler of a deployed local stack."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3

from csinsights_local.driver import QueueDriver, sqs_record
from csinsights_local.stack import Deployment

INGEST = "IngestFunction"


@dataclass
class IngestSummary:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    retried: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def __add__(self, other: IngestSummary) -> IngestSummary:
        return IngestSummary(
            self.received + other.received,
            self.accepted + other.accepted,
            self.duplicates + other.duplicates,
            self.rejected + other.rejected,
            self.retried + other.retried,
            self.reasons + other.reasons,
            (self.examples + other.examples)[:5],
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }


def _body(item: Any) -> str:
    return item if isinstance(item, str) else json.dumps(item)


def summarize(deployment: Deployment, received: int, since: int = 0) -> IngestSummary:
    """Count outcomes from what the ingest function logged, as one would in CloudWatch."""
    summary = IngestSummary(received=received)
    for line in deployment.logs.get(INGEST, [])[since:]:
        if line.get("message") == "batch ingested":
            summary.accepted += line.get("accepted", 0)
            summary.duplicates += line.get("duplicate", 0)
            summary.rejected += line.get("rejected", 0)
            summary.retried += line.get("retry", 0)
        elif line.get("message") == "event rejected":
            summary.reasons[line.get("reason", "?")] += 1
            if len(summary.examples) < 5:
                summary.examples.append(
                    {"reason": line.get("reason"), "errors": line.get("errors")}
                )
    return summary


def ingest_via_queue(
    deployment: Deployment, items: list[Any], publish_chunk: int = 500
) -> IngestSummary:
    """Publish to the ingest queue and let the poller deliver batches to the handler.

    Published in chunks the poller drains as they come, as a live queue runs: the
    emulated queue's receive scans every message it holds, so a deep backlog is slow.
    """
    sqs = boto3.client("sqs")
    url = deployment.queue_url()
    since = len(deployment.logs.get(INGEST, []))
    driver = QueueDriver(sqs, url, lambda event: deployment.invoke(INGEST, event))
    for chunk_start in range(0, len(items), publish_chunk):
        chunk = items[chunk_start : chunk_start + publish_chunk]
        for start in range(0, len(chunk), 10):
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "MessageBody": _body(item)}
                    for i, item in enumerate(chunk[start : start + 10])
                ],
            )
        driver.drain()
    return summarize(deployment, len(items), since)


def ingest_direct(deployment: Deployment, items: list[Any], batch_size: int = 100) -> IngestSummary:
    """Hand SQS-shaped batches straight to the handler (no queue round trips), retrying
    reported failures as the poller would; for archives too large to queue quickly."""
    since = len(deployment.logs.get(INGEST, []))
    arn = "arn:aws:sqs:us-east-1:123456789012:replay"
    pending = [
        {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "replay", "Body": _body(item)}
        for item in items
    ]
    for _ in range(5):
        failed: list[dict[str, Any]] = []
        for start in range(0, len(pending), batch_size):
            chunk = pending[start : start + batch_size]
            event = {"Records": [sqs_record(m, arn, "us-east-1") for m in chunk]}
            response = deployment.invoke(INGEST, event) or {}
            ids = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            failed.extend(m for m in chunk if m["MessageId"] in ids)
        pending = failed
        if not pending:
            break
    return summarize(deployment, len(items), since)


def stored_counts(deployment: Deployment) -> Counter[str]:
    """What the table holds, by kind of item (a scan: local use only)."""
    client = boto3.client("dynamodb")
    kinds: Counter[str] = Counter()
    names = {
        "ORDER": "orders",
        "CONTACT": "contacts",
        "AGG": "aggregate items",
        "SELLERS": "seller stores",
        "REJECTED": "rejected events",
    }
    for page in client.get_paginator("scan").paginate(
        TableName=deployment.outputs["EventsTableName"], ProjectionExpression="pk"
    ):
        for item in page["Items"]:
            kinds[names.get(item["pk"]["S"].split("#", 1)[0], "other")] += 1
    return kinds
