"""Ingest handler: SQS batches of marketplace events, partial batch responses.

The batch is committed per seller store (one transaction for all of a store's events), not
record by record, so the handler hands the whole batch to the ingestor and builds the
partial batch response (`batchItemFailures`) from its results itself.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSEvent, SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights.config import PerSettings
from csinsights.ingest import Ingestor, Message, Result
from csinsights.observability import logger, metrics
from csinsights.store.ingest import IngestStore


class RetryLater(Exception):
    """No record of the batch committed: failing the invocation makes Lambda retry the whole
    batch and back off its polling, as it should while the store is throttled."""


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
    logger.info("batch ingested", extra=counts)
    for status, count in counts.items():
        metrics.add_metric(name=f"Events{status.capitalize()}", unit=MetricUnit.Count, value=count)
    return results


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = list(SQSEvent(event).records)
    results = handle_batch(records)
    retry = [r.message_id for r in records if results[r.message_id].status == "retry"]
    if records and len(retry) == len(records):
        raise RetryLater(f"all {len(records)} records must be retried")
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in retry]}
