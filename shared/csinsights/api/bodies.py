"""Request bodies: JSON only (any case of `application/json`, with or without parameters),
at most MAX_BODY_BYTES, nested no deeper than the parser follows.

The resolver's request validation reads a body before any middleware runs, compares its
media type case-sensitively, and reads form and multipart bodies too (into something else
than the documented JSON object). So the handler hands the resolver the media type in
lower case (media types are case-insensitive, RFC 9110 §8.3.1); a route that takes a body
runs `json_only` once validation has passed; and when validation fails on a body, the
error answers ask `refusal` first, so such a body is refused as it would have been before
it was read.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

MAX_BODY_BYTES = 4096
JSON = "application/json"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CONTENT_TYPE = "content-type"


class UnsupportedMediaType(Exception):
    """The body is not JSON: 415, naming the media type that was sent."""


class PayloadTooLarge(Exception):
    """The body is over MAX_BODY_BYTES: 413."""


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def with_canonical_media_type(event: dict[str, Any]) -> dict[str, Any]:
    """The event, its Content-Type's media type in lower case (parameters kept as sent)."""

    def canonical(value: str) -> str:
        kind, sep, parameters = value.partition(";")
        return media_type(kind) + sep + parameters

    changed = dict(event)
    if headers := event.get("headers"):
        changed["headers"] = {
            k: canonical(v) if k.lower() == CONTENT_TYPE and isinstance(v, str) else v
            for k, v in headers.items()
        }
    if multi := event.get("multiValueHeaders"):
        changed["multiValueHeaders"] = {
            k: [canonical(v) for v in vs] if k.lower() == CONTENT_TYPE and vs else vs
            for k, vs in multi.items()
        }
    return changed


def refusal(event: BaseProxyEvent) -> Exception | None:
    """Why a request of a method that carries a body is refused for its body, if it is."""
    if event.http_method not in BODY_METHODS:
        return None
    kind = media_type(event.headers.get(CONTENT_TYPE))
    if kind and kind != JSON:
        return UnsupportedMediaType(kind)
    if len((event.body or "").encode()) > MAX_BODY_BYTES:
        return PayloadTooLarge()
    return None


def json_only(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Route middleware of a route that takes a body: a body that validation could read
    (JSON under another media type, form fields) is still refused."""
    refused = refusal(app.current_event)
    if refused is not None:
        raise refused
    return next_middleware(app)
