"""Ingest handler: SQS batches of marketplace events, partial batch responses."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights.config import PerSettings
from csinsights.ingest import Ingestor, Message, Result
from csinsights.observability import logger, metrics
from csinsights.store.ingest import IngestStore


class RetryLater(Exception):
    """The event's group did not commit; SQS redelivers it (then the dead-letter queue)."""


class GroupedBatchProcessor(BatchProcessor):
    """Hands the whole batch to the handler at once, so events are committed per seller
    store in one transaction instead of one request per event, then reports each record."""

    def process(self) -> list[tuple]:  # type: ignore[type-arg]
        records = [SQSRecord(raw) for raw in self.records]
        results: dict[str, Result] = self.handler(records)
        entries = []
        for record in records:
            result = results[record.message_id]
            if result.status == "retry":
                exc = RetryLater(result.reason)
                entries.append(self.failure_handler(record, (RetryLater, exc, None)))
            else:
                entries.append(self.success_handler(record, result))
        return entries


processor = GroupedBatchProcessor(event_type=EventType.SQS)
ingestor = PerSettings(lambda settings: Ingestor(IngestStore(settings=settings)))


def handle_batch(records: list[SQSRecord]) -> dict[str, Result]:
    results = ingestor().ingest([Message(r.message_id, r.body) for r in records])
    counts: dict[str, int] = {}
    for message_id, result in results.items():
        counts[result.status] = counts.get(result.status, 0) + 1
        if result.status == "rejected":
            logger.warning(
                "event rejected",
                message_id=message_id,
                reason=result.reason,
                errors=result.errors,
            )
    logger.info("batch ingested", **counts)
    for status, count in counts.items():
        metrics.add_metric(name=f"Events{status.capitalize()}", unit=MetricUnit.Count, value=count)
    return results


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=handle_batch, processor=processor, context=context
    )
