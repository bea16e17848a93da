"""The ingest contract: one pydantic model per marketplace event type.

Every rule of the contract lives here so producers, the ingest handler, the replay command
and the exported JSON Schema all agree on what a valid event is.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from csinsights.domain.catalogue import ContactReason

MAX_FUTURE_SKEW = timedelta(minutes=5)

EventId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
SellerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
StoreId = Annotated[str, Field(min_length=2, max_length=16, pattern=r"^[A-Z0-9_-]+$")]
# The contract leaves order and contact ids open; printable, no whitespace, bounded.
EntityId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[!-~]+$")]

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339_with_offset(value: Any) -> Any:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 timestamp with offset, e.g. 2026-11-19T13:05:00Z")
    return value


Timestamp = Annotated[datetime, BeforeValidator(_rfc3339_with_offset)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class OrderPlacedData(_Strict):
    order_id: EntityId
    fulfillment: Literal["seller", "marketplace"]


class ContactReceivedData(_Strict):
    contact_id: EntityId
    order_id: EntityId | None = None
    reason: ContactReason


class ContactRespondedData(_Strict):
    contact_id: EntityId
    automated: bool = Field(
        default=False,
        strict=True,  # JSON true or false only: "true", 1, 0 and null are rejected
        description=(
            "true marks an auto-responder's reply: not a response, it never stops the clock "
            "(response time, the 24 h rate, lateness and the overdue list ignore it)"
        ),
    )


class ContactNoResponseNeededData(_Strict):
    contact_id: EntityId


class SurveyVoteData(_Strict):
    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["vote"]}, {"required": ["rating"]}]}
    )

    order_id: EntityId
    vote: Literal["yes", "no"] | None = None
    rating: Annotated[int, Field(ge=1, le=5, strict=True)] | None = None
    contact_id: EntityId | None = None

    @model_validator(mode="after")
    def _exactly_one_answer(self) -> SurveyVoteData:
        if (self.vote is None) == (self.rating is None):
            raise ValueError("exactly one of 'data.vote' or 'data.rating' is required")
        return self

    @property
    def dissatisfied(self) -> bool:
        return self.vote == "no" or (self.rating is not None and self.rating <= 2)


class _Envelope(_Strict):
    event_id: EventId
    seller_id: SellerId
    store_id: StoreId
    occurred_at: Timestamp

    @field_validator("occurred_at")
    @classmethod
    def _in_utc_not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        """Stored in UTC; more than MAX_FUTURE_SKEW ahead of `now` (the validation
        context's, else the clock's) is refused."""
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("timestamp is out of range") from None
        now = (info.context or {}).get("now") or datetime.now(UTC)
        if value > now + MAX_FUTURE_SKEW:
            raise ValueError("timestamp is more than 5 minutes in the future")
        return value


class OrderPlaced(_Envelope):
    type: Literal["order.placed"]
    data: OrderPlacedData


class ContactReceived(_Envelope):
    type: Literal["contact.received"]
    data: ContactReceivedData


class ContactResponded(_Envelope):
    type: Literal["contact.responded"]
    data: ContactRespondedData


class ContactNoResponseNeeded(_Envelope):
    type: Literal["contact.no_response_needed"]
    data: ContactNoResponseNeededData


class SurveyVote(_Envelope):
    type: Literal["survey.vote"]
    data: SurveyVoteData


MarketplaceEvent = Annotated[
    OrderPlaced | ContactReceived | ContactResponded | ContactNoResponseNeeded | SurveyVote,
    Field(discriminator="type"),
]
EVENT_TYPES: tuple[str, ...] = (
    "order.placed",
    "contact.received",
    "contact.responded",
    "contact.no_response_needed",
    "survey.vote",
)
ORDER_EVENT_TYPES: frozenset[str] = frozenset({"order.placed", "survey.vote"})

_ADAPTER: TypeAdapter[MarketplaceEvent] = TypeAdapter(MarketplaceEvent)


class FieldError(BaseModel):
    field: str
    message: str


class InvalidEvent(ValueError):
    """An event that breaks the contract; `errors` name each offending field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


def _field_path(err: Any) -> str:
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return "type"
    parts = [str(p) for p in err["loc"] if str(p) not in EVENT_TYPES]
    return ".".join(parts) or "(event)"


def _message(err: Any) -> str:
    if err["type"] == "union_tag_not_found":
        return "Field required: one of " + ", ".join(EVENT_TYPES)
    return str(err["msg"]).removeprefix("Value error, ")


def parse_event(raw: Any, now: datetime | None = None) -> MarketplaceEvent:
    """Validate one decoded JSON value against the contract, or raise `InvalidEvent`."""
    try:
        return _ADAPTER.validate_python(raw, context={"now": now or datetime.now(UTC)})
    except ValidationError as exc:
        errors = [
            FieldError(field=_field_path(err), message=_message(err))
            for err in exc.errors(include_url=False)
        ]
        raise InvalidEvent(errors) from None


def event_json_schema() -> dict[str, Any]:
    """The contract as JSON Schema, for producers."""
    schema = _ADAPTER.json_schema()
    schema["title"] = "MarketplaceEvent"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
