"""The ingest contract (SPEC "Events"): one rejecting test per rule, naming the exact field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csinsights.models.events import (
    EVENT_TYPES,
    InvalidEvent,
    MarketplaceEvent,
    parse_event,
)
from tests import builders

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
AT = "2026-11-19T13:05:00Z"
ORDER = "113-4567890-1234567"
CONTACT = "CNT-8F3K2Q7M4X"


def valid(type_: str = "order.placed", **overrides: Any) -> dict[str, Any]:
    """A valid event of `type_`; keyword arguments replace (or, with None, drop) fields."""
    raw = {
        "order.placed": builders.order_placed(ORDER, AT),
        "contact.received": builders.contact_received(CONTACT, AT, "shipping", ORDER),
        "contact.responded": builders.contact_responded(CONTACT, AT),
        "contact.no_response_needed": builders.no_response_needed(CONTACT, AT),
        "survey.vote": builders.survey_vote(ORDER, AT, vote="yes"),
    }[type_]
    for key, value in overrides.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def vote(**data: Any) -> dict[str, Any]:
    return valid("survey.vote", data={"order_id": ORDER, **data})


def parse(raw: Any) -> MarketplaceEvent:
    return parse_event(raw, now=NOW)


def rejected_fields(raw: Any) -> list[str]:
    with pytest.raises(InvalidEvent) as caught:
        parse(raw)
    return [error.field for error in caught.value.errors]


def rejection(raw: Any) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as caught:
        parse(raw)
    return caught.value


# ------------------------------------------------------------------- valid baseline


@pytest.mark.parametrize("type_", EVENT_TYPES)
def test_a_well_formed_event_of_each_type_is_accepted(type_: str) -> None:
    event = parse(valid(type_))

    assert event.type == type_
    assert event.seller_id == "A1SELLER"
    assert event.store_id == "US"


# ------------------------------------------------------------------------- envelope


@pytest.mark.parametrize(
    "event_id",
    [
        pytest.param("", id="empty"),
        pytest.param("e" * 129, id="129-chars"),
        pytest.param("evt 1", id="space"),
        pytest.param("evt/1", id="slash"),
        pytest.param("evt#1", id="hash"),
        pytest.param("évt-1", id="non-ascii"),
    ],
)
def test_event_id_outside_1_to_128_of_letters_digits_dot_underscore_colon_dash_is_rejected(
    event_id: str,
) -> None:
    assert rejected_fields(valid(event_id=event_id)) == ["event_id"]


def test_event_id_that_is_not_a_string_is_rejected() -> None:
    assert rejected_fields(valid(event_id=42)) == ["event_id"]


@pytest.mark.parametrize("event_id", ["e" * 128, "A", "orders:113-4567890-1234567.placed_v2"])
def test_event_id_of_1_to_128_allowed_characters_is_accepted(event_id: str) -> None:
    assert parse(valid(event_id=event_id)).event_id == event_id


@pytest.mark.parametrize(
    "seller_id",
    [
        pytest.param("", id="empty"),
        pytest.param("S" * 65, id="65-chars"),
        pytest.param("A1.SELLER", id="dot"),
        pytest.param("A1 SELLER", id="space"),
        pytest.param("A1:SELLER", id="colon"),
    ],
)
def test_seller_id_outside_1_to_64_of_letters_digits_underscore_dash_is_rejected(
    seller_id: str,
) -> None:
    assert rejected_fields(valid(seller_id=seller_id)) == ["seller_id"]


@pytest.mark.parametrize("seller_id", ["S" * 64, "a", "a1_Seller-9"])
def test_seller_id_of_1_to_64_allowed_characters_is_accepted(seller_id: str) -> None:
    assert parse(valid(seller_id=seller_id)).seller_id == seller_id


@pytest.mark.parametrize(
    "store_id",
    [
        pytest.param("U", id="1-char"),
        pytest.param("U" * 17, id="17-chars"),
        pytest.param("us", id="lowercase"),
        pytest.param("U.S", id="dot"),
        pytest.param("", id="empty"),
    ],
)
def test_store_id_outside_2_to_16_of_uppercase_digits_underscore_dash_is_rejected(
    store_id: str,
) -> None:
    assert rejected_fields(valid(store_id=store_id)) == ["store_id"]


@pytest.mark.parametrize("store_id", ["US", "U" * 16, "EU_WEST-1"])
def test_store_id_of_2_to_16_allowed_characters_is_accepted(store_id: str) -> None:
    assert parse(valid(store_id=store_id)).store_id == store_id


@pytest.mark.parametrize("type_", ["order.cancelled", "ORDER.PLACED", "", 3])
def test_unknown_type_is_rejected_on_type(type_: Any) -> None:
    assert rejected_fields(valid(type=type_)) == ["type"]


def test_missing_type_is_rejected_on_type() -> None:
    assert rejected_fields(valid(type=None)) == ["type"]


@pytest.mark.parametrize("field", ["event_id", "seller_id", "store_id", "occurred_at", "data"])
def test_missing_envelope_field_is_rejected_on_that_field(field: str) -> None:
    assert rejected_fields(valid(**{field: None})) == [field]


def test_unknown_envelope_field_is_rejected_on_that_field() -> None:
    assert rejected_fields(valid(received_at="2026-11-19T13:05:01Z")) == ["received_at"]


@pytest.mark.parametrize("raw", [[], "order.placed", None, 42])
def test_a_body_that_is_not_an_object_is_rejected_as_a_whole(raw: Any) -> None:
    assert rejected_fields(raw) == ["(event)"]


def test_every_offending_field_is_named() -> None:
    fields = rejected_fields(valid(event_id="", store_id="us", occurred_at="yesterday"))

    assert sorted(fields) == ["event_id", "occurred_at", "store_id"]


# ---------------------------------------------------------------------- occurred_at


@pytest.mark.parametrize(
    "occurred_at",
    [
        pytest.param("2026-11-19T13:05:00", id="no-offset"),
        pytest.param("2026-11-19T13:05", id="no-seconds-no-offset"),
        pytest.param("2026-11-19", id="date-only"),
        pytest.param("2026-11-19T13:05:00+0100", id="offset-without-colon"),
        pytest.param(1795093500, id="integer-epoch"),
        pytest.param(1795093500.0, id="float-epoch"),
        pytest.param("1795093500", id="epoch-string"),
        pytest.param("yesterday", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param("2026-13-19T13:05:00Z", id="month-13"),
        pytest.param("2026-02-30T13:05:00Z", id="february-30"),
        pytest.param("Thu, 19 Nov 2026 13:05:00 GMT", id="rfc-2822"),
    ],
)
def test_occurred_at_that_is_not_rfc3339_with_offset_is_rejected(occurred_at: Any) -> None:
    assert rejected_fields(valid(occurred_at=occurred_at)) == ["occurred_at"]


def test_occurred_at_more_than_5_minutes_in_the_future_is_rejected() -> None:
    too_late = NOW + timedelta(minutes=5, seconds=1)

    error = rejection(valid(occurred_at=too_late.isoformat()))

    assert [e.field for e in error.errors] == ["occurred_at"]
    assert "future" in error.errors[0].message


def test_occurred_at_in_the_future_is_judged_in_utc_whatever_the_offset() -> None:
    # 07:05:01-05:00 is 12:05:01 UTC: one second beyond NOW + 5 minutes.
    assert rejected_fields(valid(occurred_at="2026-11-25T07:05:01-05:00")) == ["occurred_at"]


@pytest.mark.parametrize(
    "occurred_at",
    [
        pytest.param("2026-11-25T12:05:00Z", id="exactly-5-minutes"),
        pytest.param("2026-11-25T07:05:00-05:00", id="exactly-5-minutes-with-offset"),
        pytest.param("2026-11-25T12:04:59.999999Z", id="just-under-5-minutes"),
        pytest.param("2026-11-25T12:00:00Z", id="now"),
    ],
)
def test_occurred_at_up_to_exactly_5_minutes_in_the_future_is_accepted(occurred_at: str) -> None:
    assert parse(valid(occurred_at=occurred_at)).occurred_at <= NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("occurred_at", "utc"),
    [
        ("2026-11-19T13:05:00+01:00", datetime(2026, 11, 19, 12, 5, tzinfo=UTC)),
        ("2026-11-19T07:05:00-05:00", datetime(2026, 11, 19, 12, 5, tzinfo=UTC)),
        ("2026-11-19T12:05:00Z", datetime(2026, 11, 19, 12, 5, tzinfo=UTC)),
        ("2026-11-19T12:05:00+00:00", datetime(2026, 11, 19, 12, 5, tzinfo=UTC)),
        ("2026-11-20T02:35:00+14:30", datetime(2026, 11, 19, 12, 5, tzinfo=UTC)),
        ("2026-11-18T23:05:00-13:00", datetime(2026, 11, 19, 12, 5, tzinfo=UTC)),
    ],
)
def test_occurred_at_is_stored_in_utc(occurred_at: str, utc: datetime) -> None:
    parsed = parse(valid(occurred_at=occurred_at)).occurred_at

    assert parsed == utc
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.hour == utc.hour  # the wall clock itself is UTC, not just an equal instant


@pytest.mark.parametrize(
    ("occurred_at", "microsecond"),
    [
        ("2026-11-19T13:05:00.5Z", 500_000),
        ("2026-11-19T13:05:00.123Z", 123_000),
        ("2026-11-19T13:05:00.123456Z", 123_456),
        ("2026-11-19T14:05:00.250+01:00", 250_000),
    ],
)
def test_occurred_at_with_fractional_seconds_is_accepted(
    occurred_at: str, microsecond: int
) -> None:
    parsed = parse(valid(occurred_at=occurred_at)).occurred_at

    assert parsed.replace(microsecond=0) == datetime(2026, 11, 19, 13, 5, tzinfo=UTC)
    assert parsed.microsecond == microsecond


# ----------------------------------------------------------------------------- data


@pytest.mark.parametrize("type_", EVENT_TYPES)
def test_missing_data_is_rejected_on_data(type_: str) -> None:
    assert rejected_fields(valid(type_, data=None)) == ["data"]


@pytest.mark.parametrize(
    "data", [pytest.param([], id="list"), pytest.param("x", id="string"), pytest.param(1, id="int")]
)
def test_data_that_is_not_an_object_is_rejected_on_data(data: Any) -> None:
    assert rejected_fields(valid(data=data)) == ["data"]


def test_data_null_is_rejected_on_data() -> None:
    raw = valid()
    raw["data"] = None

    assert rejected_fields(raw) == ["data"]


@pytest.mark.parametrize("type_", EVENT_TYPES)
def test_unknown_field_in_data_is_rejected_on_that_field(type_: str) -> None:
    raw = valid(type_)
    raw["data"]["buyer_email"] = "buyer@example.com"

    assert rejected_fields(raw) == ["data.buyer_email"]


@pytest.mark.parametrize(
    ("type_", "field"),
    [
        ("order.placed", "order_id"),
        ("order.placed", "fulfillment"),
        ("contact.received", "contact_id"),
        ("contact.received", "reason"),
        ("contact.responded", "contact_id"),
        ("contact.no_response_needed", "contact_id"),
        ("survey.vote", "order_id"),
    ],
)
def test_missing_required_data_field_is_rejected_on_that_field(type_: str, field: str) -> None:
    raw = valid(type_)
    del raw["data"][field]

    assert rejected_fields(raw) == [f"data.{field}"]


@pytest.mark.parametrize(
    ("type_", "field"),
    [
        ("order.placed", "order_id"),
        ("contact.received", "contact_id"),
        ("contact.received", "order_id"),
        ("contact.responded", "contact_id"),
        ("survey.vote", "order_id"),
    ],
)
@pytest.mark.parametrize("bad_id", ["", "113 4567890", 1134567890])
def test_order_and_contact_ids_must_be_non_empty_strings_without_spaces(
    type_: str, field: str, bad_id: Any
) -> None:
    raw = valid(type_)
    raw["data"][field] = bad_id

    assert rejected_fields(raw) == [f"data.{field}"]


@pytest.mark.parametrize("fulfillment", ["seller", "marketplace"])
def test_order_placed_fulfillment_seller_or_marketplace_is_accepted(fulfillment: str) -> None:
    raw = valid(data={"order_id": ORDER, "fulfillment": fulfillment})

    assert parse(raw).data.fulfillment == fulfillment


@pytest.mark.parametrize("fulfillment", ["fba", "Seller", "", None])
def test_order_placed_with_any_other_fulfillment_is_rejected(fulfillment: Any) -> None:
    raw = valid(data={"order_id": ORDER, "fulfillment": fulfillment})

    assert rejected_fields(raw) == ["data.fulfillment"]


@pytest.mark.parametrize(
    "reason",
    [
        "product_quality",
        "fulfillment",
        "shipping",
        "customer_service",
        "change_of_mind",
        "pre_sale_question",
        "other",
    ],
)
def test_contact_received_with_each_contract_reason_is_accepted(reason: str) -> None:
    raw = valid("contact.received", data={"contact_id": CONTACT, "reason": reason})

    assert parse(raw).data.reason == reason


@pytest.mark.parametrize("reason", ["late_delivery", "Shipping", "", None])
def test_contact_received_with_any_other_reason_is_rejected(reason: Any) -> None:
    raw = valid("contact.received", data={"contact_id": CONTACT, "reason": reason})

    assert rejected_fields(raw) == ["data.reason"]


def test_contact_received_without_order_id_is_accepted() -> None:
    raw = valid("contact.received", data={"contact_id": CONTACT, "reason": "pre_sale_question"})

    event = parse(raw)

    assert event.data.order_id is None
    assert event.data.contact_id == CONTACT


# ----------------------------------------------------------------------- survey.vote


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_survey_vote_with_a_yes_no_vote_is_accepted(answer: str) -> None:
    event = parse(vote(vote=answer))

    assert event.data.vote == answer
    assert event.data.rating is None


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_survey_vote_with_a_rating_from_1_to_5_is_accepted(rating: int) -> None:
    event = parse(vote(rating=rating))

    assert event.data.rating == rating
    assert event.data.vote is None


def test_survey_vote_with_both_vote_and_rating_is_rejected_on_data() -> None:
    error = rejection(vote(vote="yes", rating=4))

    assert [e.field for e in error.errors] == ["data"]
    assert "exactly one" in error.errors[0].message


def test_survey_vote_with_neither_vote_nor_rating_is_rejected_on_data() -> None:
    assert rejected_fields(vote()) == ["data"]


@pytest.mark.parametrize(
    "rating",
    [
        pytest.param(0, id="zero"),
        pytest.param(6, id="six"),
        pytest.param(-1, id="negative"),
        pytest.param("3", id="numeric-string"),
        pytest.param(True, id="boolean-true"),
        pytest.param(False, id="boolean-false"),
        pytest.param(3.5, id="fraction"),
    ],
)
def test_survey_vote_rating_that_is_not_an_integer_from_1_to_5_is_rejected(rating: Any) -> None:
    assert rejected_fields(vote(rating=rating)) == ["data.rating"]


@pytest.mark.parametrize("answer", ["maybe", "YES", "", True])
def test_survey_vote_with_a_vote_other_than_yes_or_no_is_rejected(answer: Any) -> None:
    assert rejected_fields(vote(vote=answer)) == ["data.vote"]


def test_survey_vote_contact_id_is_optional() -> None:
    without = parse(vote(vote="no"))
    with_contact = parse(vote(vote="no", contact_id=CONTACT))

    assert without.data.contact_id is None
    assert with_contact.data.contact_id == CONTACT
