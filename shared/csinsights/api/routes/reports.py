"""A seller's reports: the list, one with a fresh download link, and a request for a
survey responses or contacts report (built asynchronously)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from csinsights.api.bodies import json_only
from csinsights.api.errors import ERRORS, authorise, documented
from csinsights.api.params import (
    AS_OF_BODY_SCHEMA,
    MAX_STORES,
    STORE_ID,
    AsOfDay,
    PageSize,
    SellerPath,
)
from csinsights.api.routes import queries
from csinsights.models.api import PendingReport, ReportAnswer, Reports

TAG = "reports"
REPORT_ID = r"^[A-Za-z0-9_.-]{1,128}$"
REPORT_ANSWER: TypeAdapter[Any] = TypeAdapter(ReportAnswer)
router = Router()


class ReportRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["survey_responses", "contacts"]
    stores: Annotated[
        list[Annotated[str, Field(pattern=STORE_ID)]] | None,
        Field(
            min_length=1, max_length=MAX_STORES, description="default: every store of the seller"
        ),
    ] = None
    days: Annotated[int, Field(ge=1, le=90)] = 90
    as_of: Annotated[
        AsOfDay | None,
        Field(
            description="contacts only: as of this UTC midnight or the end of this date, not "
            "in the future, not before 2000-01-01; null or left out: the last complete day",
            json_schema_extra=AS_OF_BODY_SCHEMA,
        ),
    ] = None

    @field_validator("days", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        """A JSON integer as JSON Schema means it (90 or 90.0), not `true`, not "90"."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a whole number")
        return value


@router.get(
    "/v1/sellers/<seller_id>/reports",
    operation_id="listReports",
    responses=ERRORS,
    summary="Past reports, newest first",
    tags=[TAG],
)
def list_reports(
    seller_id: SellerPath,
    limit: Annotated[PageSize, Query()] = 20,
    cursor: Annotated[
        str | None,
        Query(
            pattern=REPORT_ID,
            description="the `next_cursor` of the page before; any other value is refused",
        ),
    ] = None,
) -> Reports:
    authorise(router.current_event, seller_id)
    return Reports.model_validate(queries().list_reports(seller_id, limit, cursor))


@router.get(
    "/v1/sellers/<seller_id>/reports/<report_id>",
    operation_id="getReport",
    responses=ERRORS,
    summary="A report, with a fresh download link",
    tags=[TAG],
)
def get_report(
    seller_id: SellerPath,
    report_id: Annotated[str, Path(pattern=REPORT_ID)],
    format: Annotated[Literal["csv", "json", "html"], Query()] = "csv",
) -> ReportAnswer:
    authorise(router.current_event, seller_id)
    return REPORT_ANSWER.validate_python(queries().report(seller_id, report_id, format))


@router.post(
    "/v1/sellers/<seller_id>/reports",
    operation_id="requestReport",
    responses={
        202: {
            "description": "accepted; poll the report (`Location`) for its link",
            "headers": {
                "Location": {
                    "description": "the report's path: GET it until it is ready",
                    "schema": {"type": "string"},
                }
            },
        },
        **documented(401, 404, 413, 415, 422, 429, 503),
    },
    summary="Request a survey responses or contacts report (built asynchronously)",
    tags=[TAG],
    middlewares=[json_only],
)
def post_report(
    seller_id: SellerPath, request: Annotated[ReportRequestBody, Body()]
) -> Response[PendingReport]:
    authorise(router.current_event, seller_id)
    report = queries().request_report(
        seller_id, request.type, request.stores, request.days, request.as_of
    )
    pending = PendingReport.model_validate(report)
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=pending,
        headers={"Location": f"/v1/sellers/{seller_id}/reports/{pending.report_id}"},
    )
