"""Builds requested survey responses reports from the report requests queue."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights.config import PerSettings
from csinsights.observability import logger
from csinsights.repository import Repository
from csinsights.storage import ReportStore
from csinsights.survey_report import SurveyReportBuilder

processor = BatchProcessor(event_type=EventType.SQS)
builder = PerSettings(
    lambda settings: SurveyReportBuilder(
        Repository(settings=settings), ReportStore(settings=settings)
    )
)


def build(record: SQSRecord) -> None:
    request = json.loads(record.body)
    report = builder().build(request)
    logger.info("survey report built", report_id=report["report_id"], rows=report["rows"])


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=build, processor=processor, context=context
    )
