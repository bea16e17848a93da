"""Every error answer of the API, in one shape (`{code, message, errors}`), and who the
caller is.

The domain's errors (csinsights.errors) map to their documented answers here: NotFound is
404, InvalidRequest 422, QuotaExceeded 429 and Busy 503, both with Retry-After. Identity
comes only from the authorizer's claims; a seller asking for another seller's resource gets
the same 404 as for nothing at all, and the attempt is logged.
"""

from __future__ import annotations

from typing import Any, cast

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from pydantic import BaseModel, Field

from csinsights.api.bodies import (
    JSON,
    MAX_BODY_BYTES,
    PayloadTooLarge,
    UnsupportedMediaType,
    refusal,
)
from csinsights.errors import Busy, InvalidRequest, NotFound, QuotaExceeded
from csinsights.observability import logger, metrics

SELLER_CLAIM = "custom:seller_id"
ROLE_CLAIM = "custom:role"
RETRY_AFTER_SECONDS = 1

router = Router()


class FieldError(BaseModel):
    field: str = Field(description="the parameter, body field or header at fault")
    message: str


class ApiError(BaseModel):
    code: str = Field(description="stable, machine-readable")
    message: str
    errors: list[FieldError] | None = Field(
        default=None, description="one per field at fault (validation errors)"
    )


class Unauthorized(Exception):
    """No caller identity in the request context."""


def error(
    status: int, code: str, message: str, errors: list[dict[str, str]] | None = None
) -> Response[Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def documented(*codes: int) -> dict[int, Any]:
    """The `responses` of an operation for these error statuses."""
    described = {
        401: "no caller identity",
        404: "nothing there for this caller (another seller's data looks the same)",
        413: f"the body is larger than {MAX_BODY_BYTES} bytes",
        415: f"the body is not {JSON}",
        422: "a parameter or the body is invalid; `errors` names each field",
        429: "the seller's report requests of the UTC day are used up (fair use): retry"
        " after the `Retry-After` seconds (the next UTC day)",
        503: "busy: retry after the `Retry-After` seconds",
    }
    retry_after = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return {
        code: {
            "description": described[code],
            "content": {"application/json": {"model": ApiError}},
            **({"headers": retry_after} if code in (429, 503) else {}),
        }
        for code in codes
    }


ERRORS = {200: {"description": "the answer"}, **documented(401, 404, 422, 503)}


def caller(event: BaseProxyEvent) -> tuple[str | None, bool]:
    """(seller id, is operator) from the authorizer's claims."""
    context = cast(APIGatewayProxyEvent, event).request_context  # the REST API's events
    claims = (context.authorizer.raw_event or {}).get("claims") or {} if context.authorizer else {}
    seller = claims.get(SELLER_CLAIM)
    operator = claims.get(ROLE_CLAIM) == "operator"
    if not seller and not operator:
        raise Unauthorized
    return seller, operator


def authorise(event: BaseProxyEvent, seller_id: str) -> None:
    """A seller reads only its own data; anything else looks like nothing is there."""
    seller, operator = caller(event)
    if operator or seller == seller_id:
        return
    logger.warning(
        "cross-seller access refused",
        caller_seller_id=seller,
        requested_seller_id=seller_id,
        path=event.path,
    )
    metrics.add_metric(name="CrossSellerAccessRefused", unit="Count", value=1)
    raise NotFound("not found")


@router.exception_handler(NotFound)
def _not_found(exc: NotFound) -> Response[Any]:
    return error(404, "not_found", str(exc))


@router.exception_handler(NotFoundError)
def _no_route(exc: NotFoundError) -> Response[Any]:
    return error(404, "not_found", "no such route")


@router.exception_handler(InvalidRequest)
def _invalid(exc: InvalidRequest) -> Response[Any]:
    return error(422, "validation_error", str(exc), [{"field": exc.field, "message": str(exc)}])


@router.exception_handler(Busy)
def _busy(exc: Busy) -> Response[Any]:
    logger.warning("AWS busy", reason=str(exc))
    metrics.add_metric(name="BackendBusy", unit="Count", value=1)
    response = error(503, "unavailable", "the service is busy; retry shortly")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@router.exception_handler(QuotaExceeded)
def _quota_exceeded(exc: QuotaExceeded) -> Response[Any]:
    metrics.add_metric(name="ReportRequestsRefused", unit="Count", value=1)
    response = error(
        429, "quota_exceeded", "the report requests of the day are used up; retry tomorrow"
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.exception_handler(Unauthorized)
def _unauthorized(exc: Unauthorized) -> Response[Any]:
    return error(401, "unauthorized", "no caller identity in the request context")


@router.exception_handler(UnsupportedMediaType)
def _media_type(exc: UnsupportedMediaType) -> Response[Any]:
    message = f"the body must be {JSON}, not {exc}"
    return error(
        415, "unsupported_media_type", message, [{"field": "Content-Type", "message": message}]
    )


@router.exception_handler(PayloadTooLarge)
def _too_large(exc: PayloadTooLarge) -> Response[Any]:
    message = f"the body must be at most {MAX_BODY_BYTES} bytes"
    return error(413, "payload_too_large", message, [{"field": "body", "message": message}])


def _refused(exc: Exception) -> Response[Any]:
    """The answer for a body validation could not read, or re-raise what else failed."""
    refused = refusal(router.current_event)
    if isinstance(refused, UnsupportedMediaType):
        return _media_type(refused)
    if isinstance(refused, PayloadTooLarge):
        return _too_large(refused)
    raise exc


@router.exception_handler(RequestUnsupportedContentType)
def _unreadable_media_type(exc: RequestUnsupportedContentType) -> Response[Any]:
    return _refused(exc)


@router.exception_handler(ValueError)
def _unreadable_multipart(exc: ValueError) -> Response[Any]:
    """The resolver's multipart reader raises ValueError on a part it cannot split."""
    return _refused(exc)


@router.exception_handler(RecursionError)
def _nested_too_deeply(exc: RecursionError) -> Response[Any]:
    if refusal(router.current_event) is not None:
        return _refused(exc)
    message = "JSON nested too deeply"
    return error(
        422, "validation_error", f"body: {message}", [{"field": "body", "message": message}]
    )


def _field(loc: tuple[Any, ...], kind: str) -> str:
    """`days` for ("body", "days"), `stores.0` for ("body", "stores", 0), `body` for JSON
    that does not parse (Powertools puts the character offset after "body")."""
    if loc[0] == "body" and kind == "json_invalid":
        return "body"
    return ".".join(str(p) for p in loc[1:]) or str(loc[0])


@router.exception_handler(RequestValidationError)
def _validation(exc: RequestValidationError) -> Response[Any]:
    if refusal(router.current_event) is not None:
        return _refused(exc)
    errors = [
        {"field": _field(err["loc"], err["type"]), "message": err["msg"]} for err in exc.errors()
    ]
    return error(
        422, "validation_error", "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors
    )
