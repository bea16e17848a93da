"""Run event streams through the real ingest handler of a deployed local stack.

What is delivered is what the queue would carry: an archive line's text exactly (an event
given as a dict is serialised once, as its producer would). Batches keep to the limits
production keeps to: a `SendMessageBatch` of at most 10 messages and 256 KiB, a handler
invocation of at most 100 records and Lambda's 6 MB payload.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import boto3

from csinsights.ingest import Ingestor, Message, Result, Validated, validate
from csinsights.models.events import MarketplaceEvent
from csinsights.store.ports import IngestPort
from csinsights_local.archive import Line, Unsendable
from csinsights_local.driver import (
    MAX_INVOKE_BYTES,
    MAX_SEND_BATCH_BYTES,
    QueueDriver,
    batches,
    sqs_record,
)
from csinsights_local.stack import Deployment

INGEST = "IngestFunction"
LISTED = 10
"""Rejected lines a summary lists (every one is counted)."""


@dataclass
class IngestSummary:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    retried: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)
    """The first rejected lines, by line: `line` (1-based, in the input), `reason`,
    `errors`; `not_listed` counts the others."""

    def __add__(self, other: IngestSummary) -> IngestSummary:
        return IngestSummary(
            self.received + other.received,
            self.accepted + other.accepted,
            self.duplicates + other.duplicates,
            self.rejected + other.rejected,
            self.retried + other.retried,
            self.reasons + other.reasons,
            _first(self.examples + other.examples),
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }

    @property
    def not_listed(self) -> int:
        return sum(self.reasons.values()) - len(self.examples)

    def note_rejected(
        self, line: int | None, reason: str, errors: Sequence[Mapping[str, str]]
    ) -> None:
        self.reasons[reason] += 1
        listed = {"line": line, "reason": reason, "errors": [dict(e) for e in errors]}
        self.examples = _first([*self.examples, listed])

    def rejected_lines(self) -> list[str]:
        """One text line per listed rejection, then how many more there are."""
        out = []
        for example in self.examples:
            fields = "; ".join(f"{e['field']}: {e['message']}" for e in example["errors"] or [])
            out.append(f"line {example['line']}: {example['reason']}: {fields}")
        more = self.not_listed
        if more > 0:
            out.append(f"... and {more} more rejected line{'s' if more > 1 else ''}")
        return out


def _first(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(examples, key=lambda e: e["line"] or 0)[:LISTED]


@dataclass(frozen=True)
class Delivery:
    line: int
    body: str


def _deliveries(items: Sequence[Any], summary: IngestSummary) -> list[Delivery]:
    """Message bodies to send, numbered by their line (or position); lines SQS would
    refuse are counted as rejected in `summary` instead."""
    out = []
    for position, item in enumerate(items, start=1):
        if isinstance(item, Unsendable):
            summary.rejected += 1
            errors = [{"field": "(line)", "message": item.message}]
            summary.note_rejected(item.number, item.reason, errors)
        elif isinstance(item, Line):
            out.append(Delivery(item.number, item.body))
        else:
            body = item if isinstance(item, str) else json.dumps(item)
            out.append(Delivery(position, body))
    return out


def summarize(
    deployment: Deployment, summary: IngestSummary, lines: dict[str, int], since: int = 0
) -> IngestSummary:
    """Count outcomes from what the ingest function logged, as one would in CloudWatch;
    `lines` maps message ids to the line each message came from."""
    for line in deployment.logs.get(INGEST, [])[since:]:
        if line.get("message") == "batch ingested":
            summary.accepted += line.get("accepted", 0)
            summary.duplicates += line.get("duplicate", 0)
            summary.rejected += line.get("rejected", 0)
            summary.retried += line.get("retry", 0)
        elif line.get("message") == "event rejected":
            summary.note_rejected(
                lines.get(line.get("message_id", "")),
                line.get("reason", "?"),
                line.get("errors") or [],
            )
    return summary


@contextmanager
def _progress(total: int, shown: bool) -> Iterator[Any]:
    """A progress bar on stderr (only on a terminal, and only when asked)."""
    from tqdm import tqdm

    with tqdm(
        total=total, unit="event", file=sys.stderr, disable=None if shown else True, leave=False
    ) as bar:
        yield bar


def ingest_via_queue(
    deployment: Deployment, items: Sequence[Any], publish_chunk: int = 500, progress: bool = False
) -> IngestSummary:
    """Publish to the ingest queue and let the poller deliver batches to the handler.

    Published in chunks the poller drains as they come, as a live queue runs: the
    emulated queue's receive scans every message it holds, so a deep backlog is slow.
    """
    summary = IngestSummary(received=len(items))
    deliveries = _deliveries(items, summary)
    sqs = boto3.client("sqs")
    url = deployment.queue_url()
    since = len(deployment.logs.get(INGEST, []))
    driver = QueueDriver(sqs, url, lambda event: deployment.invoke(INGEST, event))
    lines: dict[str, int] = {}
    with _progress(len(deliveries), progress) as bar:
        for chunk_start in range(0, len(deliveries), publish_chunk):
            chunk = deliveries[chunk_start : chunk_start + publish_chunk]
            for batch in batches(chunk, lambda d: d.body, 10, MAX_SEND_BATCH_BYTES):
                response = sqs.send_message_batch(
                    QueueUrl=url,
                    Entries=[{"Id": str(i), "MessageBody": d.body} for i, d in enumerate(batch)],
                )
                if response.get("Failed"):
                    raise RuntimeError(f"the ingest queue refused messages: {response['Failed']}")
                for sent in response.get("Successful", []):
                    lines[sent["MessageId"]] = batch[int(sent["Id"])].line
            driver.drain()
            bar.update(len(chunk))
    return summarize(deployment, summary, lines, since)


def ingest_direct(
    deployment: Deployment, items: Sequence[Any], batch_size: int = 100, progress: bool = False
) -> IngestSummary:
    """Hand SQS-shaped batches straight to the handler (no queue round trips), retrying
    reported failures as the poller would; for archives too large to queue quickly."""
    summary = IngestSummary(received=len(items))
    deliveries = _deliveries(items, summary)
    since = len(deployment.logs.get(INGEST, []))
    arn = "arn:aws:sqs:us-east-1:123456789012:replay"
    lines: dict[str, int] = {}
    pending = []
    for delivery in deliveries:
        message_id = str(uuid.uuid4())
        lines[message_id] = delivery.line
        message = {"MessageId": message_id, "ReceiptHandle": "replay", "Body": delivery.body}
        pending.append(sqs_record(message, arn, "us-east-1"))
    with _progress(len(pending), progress) as bar:
        for _ in range(5):
            failed: list[dict[str, Any]] = []
            for chunk in batches(pending, json.dumps, batch_size, MAX_INVOKE_BYTES):
                response = deployment.invoke(INGEST, {"Records": chunk}) or {}
                ids = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
                failed.extend(r for r in chunk if r["messageId"] in ids)
                bar.update(len(chunk) - len(ids))
            pending = failed
            if not pending:
                break
    return summarize(deployment, summary, lines, since)


def ingest_embedded(
    store: IngestPort, items: Sequence[Any], batch_size: int = 100, progress: bool = False
) -> IngestSummary:
    """The same batches `ingest_direct` hands the handler, handed to the product's own
    `Ingestor` over `store` (the embedded store, or a local backfill's); what it reports
    is counted as the handler logs it, and what it asks to retry is delivered again, as
    the queue would.

    Each body is judged by the product's `validate`, as the handler judges it; a body the
    same as the one before it (a repeated delivery, side by side in bulk order) is the same
    text, so it is judged once."""
    summary = IngestSummary(received=len(items))
    deliveries = enumerate(_deliveries(items, summary))
    pending = [(Message(f"m{number}", d.body), d.line) for number, d in deliveries]
    ingestor = Ingestor(store)
    now = datetime.now(UTC)
    last: tuple[str, MarketplaceEvent | Result] | None = None

    def judged(message: Message) -> Validated:
        nonlocal last
        if last is None or last[0] != message.body:
            last = (message.body, validate(message.body, now))
        return message, last[1]

    with _progress(len(pending), progress) as bar:
        for _ in range(5):
            failed: list[tuple[Message, int]] = []
            for chunk in batches(pending, lambda m: m[0].body, batch_size, MAX_INVOKE_BYTES):
                results = ingestor.ingest_validated([judged(m) for m, _ in chunk], now)
                retried = len(failed)
                for message, line in chunk:
                    result = results[message.message_id]
                    if result.status == "accepted":
                        summary.accepted += 1
                    elif result.status == "duplicate":
                        summary.duplicates += 1
                    elif result.status == "rejected":
                        summary.rejected += 1
                        summary.note_rejected(line, result.reason or "?", result.errors)
                    else:
                        summary.retried += 1
                        failed.append((message, line))
                bar.update(len(chunk) - (len(failed) - retried))
            pending = failed
            if not pending:
                break
    return summary


def event_days(items: Sequence[Any], now: datetime | None = None) -> tuple[date, date] | None:
    """The first and last UTC day of the events ingest accepts among `items` (judged by the
    product's `validate`, as the handler judges them), or None when it accepts none."""
    now = now or datetime.now(UTC)
    days: list[date] = []
    for delivery in _deliveries(items, IngestSummary()):
        judged = validate(delivery.body, now)
        if not isinstance(judged, Result):
            days.append(judged.occurred_at.astimezone(UTC).date())
    return (min(days), max(days)) if days else None


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
