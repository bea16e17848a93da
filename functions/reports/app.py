"""Builds requested survey responses and contacts reports from the report requests queue."""

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
from csinsights.contacts_report import ContactsReportBuilder
from csinsights.models.records import ReportRequest
from csinsights.observability import logger
from csinsights.store.reports import ReportsStore
from csinsights.survey_report import SurveyReportBuilder

processor = BatchProcessor(event_type=EventType.SQS)
surveys = PerSettings(lambda settings: SurveyReportBuilder(ReportsStore(settings=settings)))
contacts = PerSettings(lambda settings: ContactsReportBuilder(ReportsStore(settings=settings)))


def build(record: SQSRecord) -> None:
    request = ReportRequest.from_json(json.loads(record.body))
    builder = contacts() if request.type == "contacts" else surveys()
    report = builder.build(request)
    logger.info("report built", report_id=report.report_id, type=report.type, rows=report.rows)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=build, processor=processor, context=context
    )
