"""Builds requested survey responses and contacts reports from the report requests queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights.config import PerSettings
from csinsights.contacts_report import ContactsReportBuilder
from csinsights.observability import logger
from csinsights.store.codecs import report_request_of
from csinsights.store.reports import ReportsStore
from csinsights.survey_report import SurveyReportBuilder

processor = BatchProcessor(event_type=EventType.SQS)
surveys = PerSettings(lambda settings: SurveyReportBuilder(ReportsStore(settings=settings)))
contacts = PerSettings(lambda settings: ContactsReportBuilder(ReportsStore(settings=settings)))


def build(record: SQSRecord) -> None:
    request = report_request_of(record.body)
    builder = contacts() if request.type == "contacts" else surveys()
    report = builder.build(request)
    logger.info("report built", report_id=report.report_id, type=report.type, rows=report.rows)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=build, processor=processor, context=context
    )
