"""The API's parameter types: each validates exactly what the OpenAPI document says of it,
and hands the route the value it means (a date, a sorted list of store ids, a window
length), so no route parses a parameter again."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from csinsights.domain.asof import parse_as_of
from csinsights.domain.metrics import METRICS

SELLER_ID = r"^[A-Za-z0-9_-]{1,64}$"
STORE_ID = r"^[A-Z0-9_-]{2,16}$"
MAX_STORES = 16
STORE_LIST = rf"^[A-Z0-9_-]{{2,16}}(,[A-Z0-9_-]{{2,16}}){{0,{MAX_STORES - 1}}}$"
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MIDNIGHT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00(Z|\+00:00)$"
WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,8}")
"""A whole number as a query string writes it: digits, no sign, no leading zero, no
space, no underscore, no decimal point."""


def _as_of(value: Any) -> date:
    """A date (the day itself) or the UTC midnight that ends it."""
    if not isinstance(value, str) or not re.fullmatch(f"{DAY}|{MIDNIGHT}", value):
        raise PydanticCustomError(
            "as_of", "a date (2026-11-19) or a UTC midnight (2026-11-20T00:00:00Z)"
        )
    try:
        return parse_as_of(value)
    except ValueError as exc:
        raise PydanticCustomError("as_of", str(exc).replace("{", "(").replace("}", ")")) from None
    except OverflowError:  # the midnight that starts 0001-01-01 ends no day
        raise PydanticCustomError("as_of", "no day ends at that midnight") from None


def _day(value: Any) -> date:
    try:
        if isinstance(value, str) and re.fullmatch(DAY, value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise PydanticCustomError("date", "must be a date, YYYY-MM-DD")


def _store_ids(value: Any) -> list[str]:
    """Each store once, in order (the list is one comma-separated value)."""
    if not isinstance(value, str) or not re.fullmatch(STORE_LIST, value):
        raise PydanticCustomError(
            "stores", f"comma-separated store ids ({STORE_ID}), at most {MAX_STORES}, once"
        )
    return sorted(set(value.split(",")))


def _whole_number(value: Any) -> Any:
    """A query string's digits as the number they write; anything else as it is, for the
    enum to refuse."""
    return int(value) if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value) else value


def _strict_whole_number(value: Any) -> int:
    """A query string's digits as the number they write; anything else refused (`028`,
    `+5`, `5.0`, `1_0`, ` 5` would pass a lax integer)."""
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("whole_number", "a whole number: digits only, no leading zero")


AsOfDay = Annotated[date, BeforeValidator(_as_of)]
Day = Annotated[date, BeforeValidator(_day)]
StoreIds = Annotated[list[str], BeforeValidator(_store_ids), WithJsonSchema({"type": "string"})]
WindowDays = Annotated[Literal[7, 28, 30, 90], BeforeValidator(_whole_number)]
PageSize = Annotated[
    int,
    BeforeValidator(_strict_whole_number),
    Ge(1),
    Le(100),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 100}),
]
"""How many a page lists: 1 to 100, digits only."""


def _metric(value: Any) -> str:
    if isinstance(value, str) and value in METRICS:
        return value
    raise PydanticCustomError("metric", "unknown metric; one of " + ", ".join(METRICS))


MetricName = Annotated[
    str,
    BeforeValidator(_metric),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(METRICS),
            "description": "a metric name of the metrics document",
        }
    ),
]
"""A metric of the metrics document, refused with the other parameters (not after them)."""

SellerPath = Annotated[str, Path(pattern=SELLER_ID, description="the seller's id")]
StorePath = Annotated[str, Path(pattern=STORE_ID)]
StoreQuery = Annotated[str | None, Query(pattern=STORE_ID)]
AS_OF_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date", "pattern": DAY},
        {"type": "string", "pattern": MIDNIGHT},
    ]
}
AS_OF_BODY_SCHEMA: dict[str, Any] = {"anyOf": [*AS_OF_SCHEMA["anyOf"], {"type": "null"}]}
"""In a JSON body, `null` is the same as leaving `as_of` out."""
AsOf = Annotated[
    AsOfDay | None,
    Query(
        description="a UTC midnight (2026-11-20T00:00:00Z) or a date (its end); "
        "default: the latest run",
        json_schema_extra=AS_OF_SCHEMA,
    ),
]
LiveAsOf = Annotated[
    AsOfDay | None,
    Query(
        description="a UTC midnight (2026-11-20T00:00:00Z) or a date (its end), not in "
        "the future, not before 2000-01-01; default: now",
        json_schema_extra=AS_OF_SCHEMA,
    ),
]
Window = Annotated[WindowDays, Query(description="7, 28, 30 or 90 days")]
DAY_SCHEMA = {"format": "date", "pattern": DAY}
