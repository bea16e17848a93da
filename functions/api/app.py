"""The metrics API: API Gateway REST (Cognito authorizer) → Powertools resolver.

Identity comes only from the authorizer's claims; a seller asking for another seller's
resource gets 404 and the attempt is logged.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from csinsights.config import PerSettings
from csinsights.domain.asof import parse_as_of
from csinsights.domain.metrics import METRICS
from csinsights.errors import InvalidRequest, NotFound
from csinsights.models.api import (
    Benchmarks,
    History,
    MetricsDocument,
    OverdueContacts,
    PendingReport,
    ReportAnswer,
    Reports,
)
from csinsights.observability import logger, metrics
from csinsights.queries import MAX_HISTORY_DAYS, Queries

SELLER_ID = r"^[A-Za-z0-9_-]{1,64}$"
STORE_ID = r"^[A-Z0-9_-]{2,16}$"
STORE_ID_RE = re.compile(STORE_ID)
MAX_STORES = 16
STORE_LIST = rf"^[A-Z0-9_-]{{2,16}}(,[A-Z0-9_-]{{2,16}}){{0,{MAX_STORES - 1}}}$"
WINDOWS = (7, 28, 30, 90)
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DAY_RE = re.compile(DAY)
MIDNIGHT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00(Z|\+00:00)$"
AS_OF_RE = re.compile(f"{DAY}|{MIDNIGHT}")
MAX_BODY_BYTES = 4096
JSON = "application/json"
SELLER_CLAIM = "custom:seller_id"
ROLE_CLAIM = "custom:role"

app = APIGatewayRestResolver(enable_validation=True, response_validation_error_http_code=500)
app.enable_swagger(path="/v1/docs", title="Customer Service Insights API", version="1.0.0")
queries = PerSettings(Queries.from_settings)


class ApiError(BaseModel):
    code: str = Field(description="stable, machine-readable")
    message: str
    errors: list[dict[str, str]] | None = None


class Unauthorized(Exception):
    pass


class UnsupportedMediaType(Exception):
    pass


class PayloadTooLarge(Exception):
    pass


class JsonBodies(OpenAPIRequestValidationMiddleware):
    """Request validation that reads a body as JSON only, and only a small one.

    Powertools would also parse form and multipart bodies into something else than the
    documented JSON object (and raise on a multipart type without a boundary); here any
    other media type is 415, a body over MAX_BODY_BYTES is 413, and JSON nested deeper
    than the parser can follow is a 422 on `body` like any other malformed JSON.
    """

    def _get_body(self, app: Any) -> dict[str, Any]:
        event = app.current_event
        media_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type and media_type != JSON:
            raise UnsupportedMediaType(media_type)
        if len((event.body or "").encode()) > MAX_BODY_BYTES:
            raise PayloadTooLarge
        try:
            return super()._get_body(app)
        except RecursionError:
            raise RequestValidationError(
                [{"type": "json_invalid", "loc": ("body",), "msg": "JSON nested too deeply"}]
            ) from None


# The resolver keeps its request validation middleware here and puts it first in every
# route's chain; replaced before the first request, so every body goes through JsonBodies.
if not isinstance(app._request_validation_middleware, OpenAPIRequestValidationMiddleware):
    raise RuntimeError("the resolver no longer keeps its request validation middleware")
app._request_validation_middleware = JsonBodies()


def _error(
    status: int, code: str, message: str, errors: list[dict[str, str]] | None = None
) -> Response[Any]:
    body = {"code": code, "message": message}
    if errors:
        body["errors"] = errors  # type: ignore[assignment]
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def caller() -> tuple[str | None, bool]:
    """(seller id, is operator) from the authorizer's claims."""
    context = app.current_event.request_context
    claims = (context.authorizer.raw_event or {}).get("claims") or {} if context.authorizer else {}
    seller = claims.get(SELLER_CLAIM)
    operator = claims.get(ROLE_CLAIM) == "operator"
    if not seller and not operator:
        raise Unauthorized
    return seller, operator


def authorise(seller_id: str) -> None:
    """A seller reads only its own data; anything else looks like nothing is there."""
    seller, operator = caller()
    if operator or seller == seller_id:
        return
    logger.warning(
        "cross-seller access refused",
        caller_seller_id=seller,
        requested_seller_id=seller_id,
        path=app.current_event.path,
    )
    metrics.add_metric(name="CrossSellerAccessRefused", unit="Count", value=1)
    raise NotFound("not found")


def _day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    if not AS_OF_RE.fullmatch(text):
        raise InvalidRequest(field, "a date (2026-11-19) or a UTC midnight (2026-11-20T00:00:00Z)")
    try:
        return parse_as_of(text)
    except ValueError as exc:
        raise InvalidRequest(field, str(exc)) from None
    except OverflowError:  # the midnight that starts 0001-01-01 ends no day
        raise InvalidRequest(field, "no day ends at that midnight") from None


@app.exception_handler(NotFound)
def _not_found(exc: NotFound) -> Response[Any]:
    return _error(404, "not_found", str(exc))


@app.exception_handler(InvalidRequest)
def _invalid(exc: InvalidRequest) -> Response[Any]:
    return _error(422, "validation_error", str(exc), [{"field": exc.field, "message": str(exc)}])


# AWS answers that mean "busy, try again" once the SDK's own retries are spent (throttling
# by any service, 5xx, timeouts, no connection): the caller gets 503 with Retry-After. Any
# other AWS error is a fault of the function: it fails, and API Gateway answers 502 in the
# same error shape (the template's DEFAULT_5XX).
BUSY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",  # DynamoDB
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "RequestThrottled",  # SQS
        "KmsThrottled",
        "KmsUnavailable",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
BUSY_STATUS = frozenset({429, 500, 502, 503, 504})


def _busy() -> Response[Any]:
    metrics.add_metric(name="BackendBusy", unit="Count", value=1)
    response = _error(503, "unavailable", "the service is busy; retry shortly")
    response.headers["Retry-After"] = "1"
    return response


@app.exception_handler(ClientError)
def _aws_error(exc: ClientError) -> Response[Any]:
    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code not in BUSY_CODES and status not in BUSY_STATUS:
        raise exc
    logger.warning("AWS busy", aws_error=code, operation=exc.operation_name)
    return _busy()


@app.exception_handler(BotoConnectionError)
@app.exception_handler(HTTPClientError)
def _aws_unreachable(exc: Exception) -> Response[Any]:
    logger.warning("AWS unreachable", error=type(exc).__name__)
    return _busy()


@app.exception_handler(Unauthorized)
def _unauthorized(exc: Unauthorized) -> Response[Any]:
    return _error(401, "unauthorized", "no caller identity in the request context")


@app.exception_handler(UnsupportedMediaType)
def _media_type(exc: UnsupportedMediaType) -> Response[Any]:
    message = f"the body must be {JSON}, not {exc}"
    return _error(
        415, "unsupported_media_type", message, [{"field": "Content-Type", "message": message}]
    )


@app.exception_handler(PayloadTooLarge)
def _too_large(exc: PayloadTooLarge) -> Response[Any]:
    message = f"the body must be at most {MAX_BODY_BYTES} bytes"
    return _error(413, "payload_too_large", message, [{"field": "body", "message": message}])


def _field(loc: tuple[Any, ...], kind: str) -> str:
    """`days` for ("body", "days"), `stores.0` for ("body", "stores", 0), `body` for JSON
    that does not parse (Powertools puts the character offset after "body")."""
    if loc[0] == "body" and kind == "json_invalid":
        return "body"
    return ".".join(str(p) for p in loc[1:]) or str(loc[0])


@app.exception_handler(RequestValidationError)
def _validation(exc: RequestValidationError) -> Response[Any]:
    errors = [
        {"field": _field(err["loc"], err["type"]), "message": err["msg"]} for err in exc.errors()
    ]
    return _error(
        422, "validation_error", "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors
    )


@app.not_found
def _no_route(exc: Exception) -> Response[Any]:
    return _error(404, "not_found", "no such route")


def _errors(*codes: int) -> dict[int, Any]:
    described = {
        401: "no caller identity",
        404: "nothing there for this caller (another seller's data looks the same)",
        413: f"the body is larger than {MAX_BODY_BYTES} bytes",
        415: f"the body is not {JSON}",
        422: "a parameter or the body is invalid; `errors` names each field",
        503: "busy: retry after the `Retry-After` seconds",
    }
    retry_after = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return {
        code: {
            "description": described[code],
            "content": {"application/json": {"model": ApiError}},
            **({"headers": retry_after} if code == 503 else {}),
        }
        for code in codes
    }


ERRORS = {200: {"description": "the answer"}, **_errors(401, 404, 422, 503)}
REPORT_ANSWER: TypeAdapter[Any] = TypeAdapter(ReportAnswer)

SellerPath = Annotated[str, Path(pattern=SELLER_ID, description="the seller's id")]
AsOf = Annotated[
    str | None,
    Query(
        description="a UTC midnight (2026-11-20T00:00:00Z) or a date (its end); "
        "default: the latest run",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "format": "date", "pattern": DAY},
                {"type": "string", "pattern": MIDNIGHT},
            ]
        },
    ),
]
Window = Annotated[
    int,
    Query(description="7, 28, 30 or 90 days", ge=7, le=90, json_schema_extra={"enum": WINDOWS}),
]
DAY_SCHEMA = {"format": "date", "pattern": DAY}


def _window(window_days: int) -> int:
    if window_days not in WINDOWS:
        raise InvalidRequest("window_days", "window_days must be 7, 28, 30 or 90")
    return window_days


@app.get(
    "/v1/sellers/<seller_id>/metrics",
    responses=ERRORS,
    summary="The metrics document of one or several stores",
)
def get_metrics(
    seller_id: SellerPath,
    stores: Annotated[
        str | None,
        Query(
            description=f"comma-separated store ids (at most {MAX_STORES}); default all",
            json_schema_extra={"pattern": STORE_LIST},
        ),
    ] = None,
    as_of: AsOf = None,
    window_days: Window = 28,
) -> MetricsDocument:
    authorise(seller_id)
    chosen = None
    if stores is not None:
        if not stores:
            raise InvalidRequest("stores", "name at least one store, or leave stores out")
        named = stores.split(",")
        if len(named) > MAX_STORES:
            raise InvalidRequest("stores", f"at most {MAX_STORES} stores per request")
        bad = [s for s in named if not STORE_ID_RE.fullmatch(s)]
        if bad:
            raise InvalidRequest("stores", f"not a store id: {', '.join(map(repr, bad))}")
        chosen = sorted(set(named))
    document = queries().metrics(seller_id, chosen, _day(as_of, "as_of"), _window(window_days))
    return MetricsDocument.model_validate(document)


@app.get(
    "/v1/sellers/<seller_id>/metrics/history", responses=ERRORS, summary="Daily trend of one metric"
)
def get_history(
    seller_id: SellerPath,
    metric: Annotated[
        str,
        Query(
            description="a metric name of the metrics document", json_schema_extra={"enum": METRICS}
        ),
    ],
    from_: Annotated[
        str,
        Query(
            alias="from",
            description=f"first day, YYYY-MM-DD; at most {MAX_HISTORY_DAYS} days before `to`",
            json_schema_extra=DAY_SCHEMA,
        ),
    ],
    to: Annotated[str, Query(description="last day, YYYY-MM-DD", json_schema_extra=DAY_SCHEMA)],
    store: Annotated[str | None, Query(pattern=STORE_ID)] = None,
    window_days: Window = 28,
) -> History:
    authorise(seller_id)
    first, last = _date(from_, "from"), _date(to, "to")
    history = queries().history(seller_id, metric, store, first, last, _window(window_days))
    return History.model_validate(history)


@app.get(
    "/v1/stores/<store_id>/benchmarks", responses=ERRORS, summary="Store average and top performers"
)
def get_benchmarks(
    store_id: Annotated[str, Path(pattern=STORE_ID)], as_of: AsOf = None
) -> Benchmarks:
    caller()  # any authenticated seller: the figures are store-wide aggregates
    return Benchmarks.model_validate(queries().benchmarks(store_id, _day(as_of, "as_of")))


@app.get("/v1/sellers/<seller_id>/reports", responses=ERRORS, summary="Past reports, newest first")
def list_reports(
    seller_id: SellerPath,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=128)] = None,
) -> Reports:
    authorise(seller_id)
    return Reports.model_validate(queries().list_reports(seller_id, limit, cursor))


@app.get(
    "/v1/sellers/<seller_id>/reports/<report_id>",
    responses=ERRORS,
    summary="A report, with a fresh download link",
)
def get_report(
    seller_id: SellerPath,
    report_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,128}$")],
    format: Annotated[Literal["csv", "json", "html"], Query()] = "csv",
) -> ReportAnswer:
    authorise(seller_id)
    return REPORT_ANSWER.validate_python(queries().report(seller_id, report_id, format))


@app.get(
    "/v1/sellers/<seller_id>/contacts/overdue",
    responses=ERRORS,
    summary="Unanswered contacts, oldest first, with hours left before 48 h",
)
def get_overdue(
    seller_id: SellerPath,
    store: Annotated[str | None, Query(pattern=STORE_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> OverdueContacts:
    authorise(seller_id)
    return OverdueContacts.model_validate(queries().overdue_contacts(seller_id, store, limit))


class SurveyReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["survey_responses"]
    stores: Annotated[
        list[Annotated[str, Field(pattern=STORE_ID)]] | None,
        Field(
            min_length=1, max_length=MAX_STORES, description="default: every store of the seller"
        ),
    ] = None
    days: Annotated[int, Field(ge=1, le=90)] = 90

    @field_validator("days", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        """A JSON integer as JSON Schema means it (90 or 90.0), not `true`, not "90"."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a whole number")
        return value


@app.post(
    "/v1/sellers/<seller_id>/reports",
    responses={
        202: {"description": "accepted; poll the report for its link"},
        **_errors(401, 404, 413, 415, 422, 503),
    },
    summary="Request a survey responses report (built asynchronously)",
)
def post_report(
    seller_id: SellerPath, request: Annotated[SurveyReportRequest, Body()]
) -> Response[PendingReport]:
    authorise(seller_id)
    report = queries().request_survey_report(seller_id, request.stores, request.days)
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=PendingReport.model_validate(report),
    )


def _date(text: str, field: str) -> date:
    try:
        if DAY_RE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidRequest(field, "must be a date, YYYY-MM-DD")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
