"""Exact insight details of the reference metrics documents (`tests.reference`).

Hand-worked examples of every figure the specification's *Insight details*, automated
replies, the privacy floor and `min_volume` of *Comparisons*, and per-store thresholds of
*Status against targets* add to the metrics document, each from a small event list.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import reference
from tests.builders import (
    contact_received,
    contact_responded,
    event,
    no_response_needed,
    order_placed,
    survey_vote,
)
from tests.profiles import examples
from tests.reference import BDR, CSDR, LATE, PREVENTABLE_RATE, RESPONSE_TIME, WITHIN_24H
from tests.strategies import marketplace_streams

T = datetime(2026, 11, 26, tzinfo=UTC)  # window [29 Oct, 26 Nov); previous [1 Oct, 29 Oct)
US = dict(seller="S1", store="US")
NO_BANDS = {"0-1": 0, "1-4": 0, "4-8": 0, "8-24": 0, "24-48": 0, "48+": 0}


def arrival_grid(**cells: tuple[int, int, int]) -> dict[str, dict[str, dict[str, int]]]:
    """All 28 cells of `by_arrival`, those given as (contacts, within_24h, late)."""
    grid: dict[str, dict[str, dict[str, int]]] = {}
    for day in reference.WEEKDAYS:
        grid[day] = {}
        for part in reference.PARTS:
            contacts, within, late = cells.get(f"{day}_{part}", (0, 0, 0))
            grid[day][part] = {"contacts": contacts, "within_24h": within, "late": late}
    return grid


def iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def after(at: str, delay: timedelta) -> str:
    return iso(datetime.fromisoformat(at) + delay)


def automated_reply(contact_id: str, at: str, **kw: Any) -> dict[str, Any]:
    return event("contact.responded", at, {"contact_id": contact_id, "automated": True}, **kw)


def answered(contact_id: str, at: str, delay: timedelta, **kw: Any) -> list[dict[str, Any]]:
    """A contact (reason `other` unless given) and its reply `delay` after it."""
    reason = kw.pop("reason", "other")
    order_id = kw.pop("order_id", None)
    return [
        contact_received(contact_id, at, reason, order_id, **kw),
        contact_responded(contact_id, after(at, delay), **kw),
    ]


def only(events: list[dict[str, Any]], as_of: datetime = T, **kw: Any) -> dict[str, Any]:
    docs = reference.documents(events, as_of, **kw)
    assert len(docs) == 1
    return docs[0]


def store(doc: dict[str, Any], store_id: str) -> dict[str, Any]:
    entry = next(b for b in doc["by_store"] if b["store_id"] == store_id)
    return entry["metrics"]


def seller_doc(docs: list[dict[str, Any]], seller: str) -> dict[str, Any]:
    return next(d for d in docs if d["seller_id"] == seller)


# ---- automated replies ------------------------------------------------------------------


def automated_events() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(real events, the automated replies mixed in)."""
    real = [
        # c1: auto-reply after 5 minutes, real reply after 3 h 30: 3 h.
        contact_received("c1", "2026-11-10T10:00:00Z", "other", **US),
        contact_responded("c1", "2026-11-10T13:30:00Z", **US),
        # c2: real reply after 1 h, an auto-reply three days later changes nothing: 1 h.
        contact_received("c2", "2026-11-10T10:00:00Z", "other", **US),
        contact_responded("c2", "2026-11-10T11:00:00Z", **US),
        # c3: only an auto-reply: unanswered, 5 days 14 h old at T (134 h): late.
        contact_received("c3", "2026-11-20T10:00:00Z", "other", **US),
        # c4: two auto-replies only: unanswered, 36 h old: counted in the 24 h rate, not late.
        contact_received("c4", "2026-11-24T12:00:00Z", "other", **US),
    ]
    robots = [
        automated_reply("c1", "2026-11-10T10:05:00Z", **US),
        automated_reply("c2", "2026-11-13T11:00:00Z", **US),
        automated_reply("c3", "2026-11-20T10:01:00Z", **US),
        automated_reply("c4", "2026-11-24T12:00:00Z", **US),
        automated_reply("c4", "2026-11-24T12:00:01Z", **US),
    ]
    return real, robots


def test_automated_replies_are_not_responses() -> None:
    real, robots = automated_events()
    m = store(only(real + robots), "US")
    assert m[RESPONSE_TIME] | {"previous": None} == {
        "value": 43.5,  # (3 + 1 + 134 + 36) / 4
        "numerator": 174,
        "denominator": 4,
        "median": 19.5,
        "p90": 134.0,
        "unanswered": 2,
        "distribution": NO_BANDS | {"1-4": 2, "24-48": 1, "48+": 1},
        # 10:00 Z on Tuesday 10 Nov is 02:00 in Los Angeles, as is 10:00 Z on Friday 20
        # Nov; 12:00 Z on Tuesday 24 Nov is 04:00.
        "by_arrival": arrival_grid(tue_night=(3, 2, 0), fri_night=(1, 0, 1)),
        "status": "na",
        "target": None,
        "reason": None,
        "low_sample": True,
        "previous": None,
        "change": None,
        "trend": None,
        # A week on c1 and c2 still count (received 10 Nov: the window starts 5 Nov), c3
        # is 302 h old and c4 204 h: (3 + 1 + 302 + 204) / 4.
        "projected": {
            "as_of": "2026-12-03T00:00:00Z",
            "value": 127.5,
            "numerator": 510,
            "denominator": 4,
        },
        "store_average": None,
        "top_performers": None,
    }
    # Within 24 h: c1 and c2 of c1 c2 c3 c4 (both unanswered ones older than 24 h).
    assert (m[WITHIN_24H]["numerator"], m[WITHIN_24H]["denominator"]) == (2, 4)
    assert m[WITHIN_24H]["value"] == 50.0
    assert (m[LATE]["value"], m[LATE]["answered_late"], m[LATE]["unanswered_late"]) == (1, 0, 1)


def test_automated_replies_change_nothing_at_all() -> None:
    real, robots = automated_events()
    assert reference.documents(real + robots, T) == reference.documents(real, T)
    assert reference.counters(real + robots, T.date()) == reference.counters(real, T.date())


def test_an_explicit_automated_false_is_a_response() -> None:
    events = [
        contact_received("c1", "2026-11-10T10:00:00Z", "other", **US),
        event(
            "contact.responded",
            "2026-11-10T12:00:00Z",
            {"contact_id": "c1", "automated": False},
            **US,
        ),
    ]
    m = only(events)["metrics"][RESPONSE_TIME]
    assert (m["value"], m["unanswered"]) == (2.0, 0)


def test_an_auto_reply_alone_leaves_a_contact_unanswered_at_its_age() -> None:
    events = [
        contact_received("c1", "2026-11-25T20:00:00Z", "other", **US),  # 4 h old at T
        automated_reply("c1", "2026-11-25T20:00:00Z", **US),
    ]
    m = only(events)["metrics"]
    assert (m[RESPONSE_TIME]["value"], m[RESPONSE_TIME]["unanswered"]) == (4.0, 1)
    # Younger than 24 h and unanswered: pending, not in the 24 h rate.
    assert (m[WITHIN_24H]["value"], m[WITHIN_24H]["denominator"]) == (None, 0)


# ---- late contacts ----------------------------------------------------------------------


def test_late_contacts_split_into_answered_and_unanswered() -> None:
    events = [
        *answered("a1", "2026-11-01T10:00:00Z", timedelta(hours=49), **US),
        *answered("a2", "2026-11-02T10:00:00Z", timedelta(hours=72), **US),
        *answered("a3", "2026-11-03T10:00:00Z", timedelta(hours=48), **US),  # not late
        contact_received("u1", "2026-11-23T22:00:00Z", "other", **US),  # 50 h old: late
        contact_received("u2", "2026-11-24T00:00:00Z", "other", **US),  # 48:00:00: not late
        contact_received("n1", "2026-11-01T00:00:00Z", "other", **US),
        no_response_needed("n1", "2026-11-01T01:00:00Z", **US),
    ]
    doc = only(events)
    late = {"value": 3, "answered_late": 2, "unanswered_late": 1, "status": "poor"}
    for m in (doc["metrics"], store(doc, "US")):
        assert {k: m[LATE][k] for k in late} == late
        assert m[LATE]["target"] == {"value": 0, "condition": "equal_to"}
        assert m[RESPONSE_TIME]["unanswered"] == 2
        # 49, 72, 48 h answered; 50 and 48 h old: all five at 48 h or more.
        assert m[RESPONSE_TIME]["distribution"] == NO_BANDS | {"48+": 5}


# ---- response-time distribution ----------------------------------------------------------


def test_distribution_bands_at_their_edges() -> None:
    hours = [0, 1, 3, 4, 8, 23, 24, 47, 48]
    events = []
    for i, h in enumerate(hours):
        # 59 minutes more: still the same whole hour.
        events += answered(f"c{i}", "2026-11-05T10:00:00Z", timedelta(hours=h, minutes=59), **US)
    events.append(contact_received("u", "2026-11-24T18:00:00Z", "other", **US))  # 30 h old
    m = only(events)["metrics"][RESPONSE_TIME]
    assert m["distribution"] == {"0-1": 1, "1-4": 2, "4-8": 1, "8-24": 2, "24-48": 3, "48+": 1}
    assert sum(m["distribution"].values()) == m["denominator"] == 10
    assert m["unanswered"] == 1
    assert m["numerator"] == sum(hours) + 30


@pytest.mark.parametrize(
    ("hours", "band"),
    [
        (0, "0-1"),
        (1, "1-4"),
        (3, "1-4"),
        (4, "4-8"),
        (7, "4-8"),
        (8, "8-24"),
        (23, "8-24"),
        (24, "24-48"),
        (47, "24-48"),
        (48, "48+"),
        (500, "48+"),
    ],
)
def test_band_of_whole_hours(hours: int, band: str) -> None:
    assert reference.band(hours) == band


def test_no_contacts_still_has_all_six_bands() -> None:
    m = only([order_placed("o1", "2026-11-05T10:00:00Z", **US)])["metrics"][RESPONSE_TIME]
    assert (m["value"], m["distribution"], m["unanswered"]) == (None, NO_BANDS, 0)


# ---- preventable contacts by reason ------------------------------------------------------


def test_by_reason_counts_every_contact_and_always_lists_all_seven() -> None:
    events = [
        order_placed("o1", "2026-11-02T10:00:00Z", **US),
        contact_received("c1", "2026-11-05T10:00:00Z", "shipping", "o1", **US),
        contact_received("c2", "2026-11-05T10:00:00Z", "shipping", **US),
        contact_received("c3", "2026-11-05T10:00:00Z", "pre_sale_question", **US),
        contact_received("c4", "2026-11-05T10:00:00Z", "other", **US),
        contact_received("c5", "2026-11-05T10:00:00Z", "product_quality", "o1", **US),
        no_response_needed("c5", "2026-11-05T11:00:00Z", **US),  # still a contact
        contact_received("c5", "2026-11-06T10:00:00Z", "fulfillment", **US),  # repeat: ignored
        contact_received("c6", "2026-10-28T23:59:59Z", "fulfillment", **US),  # before window
        contact_received("c7", "2026-11-26T00:00:00Z", "fulfillment", **US),  # at T
    ]
    doc = only(events)
    by_reason = {
        "product_quality": 1,
        "fulfillment": 0,
        "shipping": 2,
        "customer_service": 0,
        "change_of_mind": 0,
        "pre_sale_question": 1,
        "other": 1,
    }
    for m in (doc["metrics"], store(doc, "US")):
        assert m[PREVENTABLE_RATE]["by_reason"] == by_reason
        assert list(m[PREVENTABLE_RATE]["by_reason"]) == list(reference.REASONS)
        assert m[PREVENTABLE_RATE]["numerator"] == 3  # shipping x2, product_quality
        assert m[BDR]["denominator"] == sum(by_reason.values()) == 5


def test_by_reason_pools_the_stores() -> None:
    events = [
        contact_received("c1", "2026-11-05T10:00:00Z", "shipping", **US),
        contact_received("c1", "2026-11-05T10:00:00Z", "shipping", seller="S1", store="CA"),
        contact_received("c2", "2026-11-05T10:00:00Z", "other", seller="S1", store="CA"),
    ]
    doc = only(events)
    assert doc["metrics"][PREVENTABLE_RATE]["by_reason"]["shipping"] == 2
    assert doc["metrics"][PREVENTABLE_RATE]["by_reason"]["other"] == 1
    assert store(doc, "US")[PREVENTABLE_RATE]["by_reason"]["other"] == 0


# ---- previous period --------------------------------------------------------------------


def previous_events() -> list[dict[str, Any]]:
    """Previous window [1 Oct, 29 Oct) as of 29 Oct; the current one [29 Oct, 26 Nov)."""
    return [
        # o1 "no" in the previous window, changed to "yes" after it ended (5 Nov): as of
        # 29 Oct it was "no". o2 "yes". Current: o1's "yes" and o3's "yes".
        survey_vote("o1", "2026-10-10T10:00:00Z", vote="no", **US),
        survey_vote("o2", "2026-10-12T10:00:00Z", vote="yes", **US),
        survey_vote("o1", "2026-11-05T10:00:00Z", vote="yes", **US),
        survey_vote("o3", "2026-11-06T10:00:00Z", vote="yes", **US),
        # p1, a shipping question of the previous window answered only on 2 Nov: as of
        # 29 Oct it was unanswered and 206 h old (as of T it would be 312 h, answered).
        contact_received("p1", "2026-10-20T10:00:00Z", "shipping", **US),
        contact_responded("p1", "2026-11-02T10:00:00Z", **US),
        # Current: one contact answered in 2 h, with an order.
        order_placed("o9", "2026-11-09T10:00:00Z", **US),
        *answered("c1", "2026-11-10T10:00:00Z", timedelta(hours=2), order_id="o9", **US),
    ]


def test_previous_period_as_it_stood_at_its_own_end() -> None:
    doc = only(previous_events())
    for m in (doc["metrics"], store(doc, "US")):
        assert m[CSDR]["previous"] == {"value": 50.0, "numerator": 1, "denominator": 2}
        assert (m[CSDR]["value"], m[CSDR]["change"], m[CSDR]["trend"]) == (0.0, -50.0, "better")
        assert m[RESPONSE_TIME]["previous"] == {"value": 206.0, "numerator": 206, "denominator": 1}
        assert (m[RESPONSE_TIME]["change"], m[RESPONSE_TIME]["trend"]) == (-204.0, "better")
        assert m[WITHIN_24H]["previous"] == {"value": 0.0, "numerator": 0, "denominator": 1}
        assert (m[WITHIN_24H]["change"], m[WITHIN_24H]["trend"]) == (100.0, "better")
        assert m[LATE]["previous"] == {"value": 1}
        assert (m[LATE]["change"], m[LATE]["trend"]) == (-1, "better")
        # 0 of 1 contact, then 0 of 1: same, no change.
        assert m[BDR]["previous"] == {"value": 0.0, "numerator": 0, "denominator": 1}
        assert (m[BDR]["change"], m[BDR]["trend"]) == (0.0, "same")
        # The previous window has a preventable contact but no orders: NA, so no change.
        assert m[PREVENTABLE_RATE]["previous"] == {
            "value": None,
            "numerator": 1,
            "denominator": 0,
        }
        assert (m[PREVENTABLE_RATE]["change"], m[PREVENTABLE_RATE]["trend"]) == (None, None)


def test_previous_period_equals_the_document_as_of_its_end() -> None:
    """`previous` is what the document as of T - w said of its own window."""
    events = previous_events()
    now = store(only(events), "US")
    then = store(only(events, T - timedelta(days=28)), "US")
    for metric in (*reference.RATES, RESPONSE_TIME):
        shown = {k: then[metric][k] for k in ("value", "numerator", "denominator")}
        assert now[metric]["previous"] == shown, metric
    assert now[LATE]["previous"] == {"value": then[LATE]["value"]}


def test_previous_period_of_other_windows() -> None:
    """7 days: previous [12 Nov, 19 Nov) as of 19 Nov."""
    events = [
        survey_vote("o1", "2026-11-12T00:00:00Z", vote="no", **US),
        survey_vote("o2", "2026-11-18T23:59:59Z", vote="no", **US),
        survey_vote("o3", "2026-11-11T23:59:59Z", vote="no", **US),  # before both
        survey_vote("o4", "2026-11-19T00:00:00Z", vote="yes", **US),
        survey_vote("o5", "2026-11-20T00:00:00Z", vote="no", **US),
    ]
    m = only(events, window_days=7)["metrics"][CSDR]
    assert m["previous"] == {"value": 100.0, "numerator": 2, "denominator": 2}
    assert (m["value"], m["change"], m["trend"]) == (50.0, -50.0, "better")


def test_change_and_trend_worse_in_each_direction() -> None:
    events = [
        # CSDR: previous 1 of 3 (33.33...), now 2 of 3 (66.66...): worse by 33.33.
        survey_vote("p1", "2026-10-10T10:00:00Z", vote="no", **US),
        survey_vote("p2", "2026-10-10T10:00:00Z", vote="yes", **US),
        survey_vote("p3", "2026-10-10T10:00:00Z", vote="yes", **US),
        survey_vote("c1", "2026-11-10T10:00:00Z", vote="no", **US),
        survey_vote("c2", "2026-11-10T10:00:00Z", rating=2, **US),
        survey_vote("c3", "2026-11-10T10:00:00Z", rating=4, **US),
        # 24 h (higher is better): previous 1 of 1, now 0 of 1. Late: 0, then 1.
        *answered("q1", "2026-10-10T10:00:00Z", timedelta(hours=1), **US),
        *answered("d1", "2026-11-10T10:00:00Z", timedelta(hours=50), **US),
    ]
    m = only(events)["metrics"]
    assert (m[CSDR]["change"], m[CSDR]["trend"]) == (33.33, "worse")
    assert (m[WITHIN_24H]["change"], m[WITHIN_24H]["trend"]) == (-100.0, "worse")
    assert (m[LATE]["change"], m[LATE]["trend"]) == (1, "worse")
    assert (m[RESPONSE_TIME]["change"], m[RESPONSE_TIME]["trend"]) == (49.0, "worse")


def test_change_rounds_the_exact_difference_and_keeps_its_sign() -> None:
    """Previous 1 of 3 (33.333...), now 1 of 8 (12.5): -20.8333... shows as -20.83 (the
    rounded values would give 12.5 - 33.33 = -20.83 too; here 2/3 - 5/8 shows the gap)."""
    events = [
        *[
            survey_vote(f"p{i}", "2026-10-10T10:00:00Z", vote="no" if i < 1 else "yes", **US)
            for i in range(3)
        ],
        *[
            survey_vote(f"c{i}", "2026-11-10T10:00:00Z", vote="no" if i < 1 else "yes", **US)
            for i in range(8)
        ],
    ]
    m = only(events)["metrics"][CSDR]
    assert (m["previous"]["value"], m["value"], m["change"], m["trend"]) == (
        33.33,
        12.5,
        -20.83,
        "better",
    )


@pytest.mark.parametrize(
    ("exact", "shown"),
    [
        (Fraction(-1, 8), -0.13),  # half away from zero, mirroring 0.125 -> 0.13
        (Fraction(1, 8), 0.13),
        (Fraction(-125, 3), -41.67),
        (Fraction(-1, 1000), 0.0),  # no negative zero
        (Fraction(-5, 1000), -0.01),
        (Fraction(-100), -100.0),
        (Fraction(0), 0.0),
        (None, None),
    ],
)
def test_signed_rounding_of_a_change(exact: Fraction | None, shown: float | None) -> None:
    got = reference.signed_rounded(exact)
    assert got == shown
    if shown == 0.0:
        assert str(got) == "0.0"


def test_collective_previous_pools_the_stores() -> None:
    ca = dict(seller="S1", store="CA")
    events = [
        survey_vote("o1", "2026-10-10T10:00:00Z", vote="no", **US),
        survey_vote("o2", "2026-10-10T10:00:00Z", vote="yes", **US),
        survey_vote("o1", "2026-10-10T10:00:00Z", vote="yes", **ca),
        survey_vote("o2", "2026-10-10T10:00:00Z", vote="yes", **ca),
        survey_vote("o3", "2026-11-10T10:00:00Z", vote="yes", **ca),
    ]
    doc = only(events)
    assert doc["metrics"][CSDR]["previous"] == {"value": 25.0, "numerator": 1, "denominator": 4}
    assert (doc["metrics"][CSDR]["change"], doc["metrics"][CSDR]["trend"]) == (-25.0, "better")
    # US has no response now: NA, so neither change nor trend.
    assert store(doc, "US")[CSDR]["previous"]["value"] == 50.0
    assert (store(doc, "US")[CSDR]["change"], store(doc, "US")[CSDR]["trend"]) == (None, None)


# ---- low sample -------------------------------------------------------------------------


@pytest.mark.parametrize(("responses", "low"), [(0, True), (1, True), (39, True), (40, False)])
def test_low_sample_below_40(responses: int, low: bool) -> None:
    events = [order_placed("o0", "2026-11-05T10:00:00Z", **US)]
    events += [
        survey_vote(f"o{i}", "2026-11-05T10:00:00Z", vote="yes", **US) for i in range(responses)
    ]
    doc = only(events)
    for m in (doc["metrics"], store(doc, "US")):
        assert m[CSDR]["low_sample"] is low
        assert m[CSDR]["status"] == ("na" if responses == 0 else "good")
        assert m[BDR]["low_sample"] is True  # no contacts: NA, denominator 0
        assert m[RESPONSE_TIME]["low_sample"] is True
        assert "low_sample" not in m[LATE]


def test_min_sample_is_configurable() -> None:
    events = [survey_vote(f"o{i}", "2026-11-05T10:00:00Z", vote="yes", **US) for i in range(10)]
    assert only(events, min_sample=10)["metrics"][CSDR]["low_sample"] is False
    assert only(events, min_sample=11)["metrics"][CSDR]["low_sample"] is True


# ---- what it takes ----------------------------------------------------------------------


def csdr_votes(dissatisfied: int, responses: int, **kw: Any) -> list[dict[str, Any]]:
    return [
        survey_vote(f"v{i}", "2026-11-05T10:00:00Z", vote="no" if i < dissatisfied else "yes", **kw)
        for i in range(responses)
    ]


def within_contacts(within: int, total: int, **kw: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(total):
        delay = timedelta(hours=1) if i < within else timedelta(hours=30)
        out += answered(f"w{i}", "2026-11-05T10:00:00Z", delay, **kw)
    return out


def test_to_target_worked_examples() -> None:
    # 3 of 11 dissatisfied (27.27 %): 2 more satisfied responses make 3 of 13 (23.08 %).
    m = only(csdr_votes(3, 11, **US))["metrics"]
    assert (m[CSDR]["value"], m[CSDR]["status"], m[CSDR]["to_target"]) == (27.27, "fair", 2)
    assert m[WITHIN_24H]["to_target"] is None  # NA: no contacts
    # 21 of 25 within 24 h (84 %): 15 more make 36 of 40 (90 %).
    doc = only(within_contacts(21, 25, **US))
    for view in (doc["metrics"], store(doc, "US")):
        assert (view[WITHIN_24H]["value"], view[WITHIN_24H]["to_target"]) == (84.0, 15)
        assert view[CSDR]["to_target"] is None  # NA: no responses
    assert "to_target" not in doc["metrics"][BDR]
    assert "to_target" not in doc["metrics"][LATE]


def test_to_target_is_zero_when_met() -> None:
    assert only(csdr_votes(2, 9, **US))["metrics"][CSDR]["to_target"] == 0  # 22.2 %
    assert only(csdr_votes(0, 1, **US))["metrics"][CSDR]["to_target"] == 0
    assert only(within_contacts(9, 10, **US))["metrics"][WITHIN_24H]["to_target"] == 0  # 90 %


def test_to_target_at_100_percent_is_unreachable_unless_met() -> None:
    strict = {"US": {WITHIN_24H: {"good": 100, "fair": 75}}}
    doc = only(within_contacts(21, 25, **US), thresholds=strict)
    assert store(doc, "US")[WITHIN_24H]["to_target"] is None
    assert store(doc, "US")[WITHIN_24H]["target"] == {
        "value": 100,
        "condition": "greater_than_or_equal",
    }
    assert doc["metrics"][WITHIN_24H]["to_target"] == 15  # the collective view: defaults
    met = only(within_contacts(5, 5, **US), thresholds=strict)
    assert store(met, "US")[WITHIN_24H]["to_target"] == 0


@pytest.mark.parametrize("t", [1, 10, 25, 33, 50, 75, 90, 99, 100, Fraction(25, 2)])
def test_to_target_counts_to_the_first_k_that_meets_it(t: int | Fraction) -> None:
    """The bounded count agrees with counting a long way further."""
    for n in range(1, 13):
        for a in range(n + 1):
            far = [k for k in range(3000) if 100 * (a + k) >= t * (n + k)]
            assert reference.to_target_within_24h(a, n, t) == (far[0] if far else None)
            far = [k for k in range(3000) if 100 * a < t * (n + k)]
            assert reference.to_target_csdr(a, n, t) == (far[0] if far else None)
    assert reference.to_target_csdr(1, 1, 0) is None
    assert reference.to_target_csdr(0, 0, 25) is None
    assert reference.to_target_within_24h(0, 0, 90) is None


# ---- data through -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "through"),
    [
        (T, "2026-11-25"),
        (datetime(2027, 1, 1, tzinfo=UTC), "2026-12-31"),
        (datetime(2028, 3, 1, tzinfo=UTC), "2028-02-29"),
    ],
)
def test_data_through_is_the_last_whole_day(as_of: datetime, through: str) -> None:
    events = [order_placed("o1", iso(as_of - timedelta(days=3)), **US)]
    for window in (7, 28, 90):
        assert only(events, as_of, window_days=window)["data_through"] == through


# ---- store average: min_volume and the privacy floor ------------------------------------


def response_block(seller: str, day: str, hours: int, n: int = 5) -> list[dict[str, Any]]:
    """`n` self-fulfilled orders placed on `day`, a contact on each answered after `hours`."""
    s = dict(seller=seller, store="US")
    out = []
    for i in range(n):
        order = f"o{day}-{i}"
        out.append(order_placed(order, f"{day}T01:00:{i:02d}Z", **s))
        out += answered(
            f"c{day}-{i}", f"{day}T02:00:{i:02d}Z", timedelta(hours=hours), order_id=order, **s
        )
    return out


def peers(*, with_p5: bool = True) -> list[dict[str, Any]]:
    """P1..P5 answer in 2, 4, 6, 8, 10 h in the window; P6 (4 h) has only 4 contacts.
    Ranked in August, September and October (5 self-fulfilled contacts each): P1 at 1 h,
    P2 at 2 h, the others at 10 h; rank ceil(5 / 4) = 2 is 2 h, so P1 and P2 are the cohort."""
    events: list[dict[str, Any]] = []
    now = {"P1": 2, "P2": 4, "P3": 6, "P4": 8, "P5": 10}
    month = {"P1": 1, "P2": 2, "P3": 10, "P4": 10, "P5": 10}
    for seller in now:
        if seller == "P5" and not with_p5:
            continue
        for day in ("2026-08-10", "2026-09-10", "2026-10-10"):
            events += response_block(seller, day, month[seller])
        events += response_block(seller, "2026-11-10", now[seller])
    events += response_block("P6", "2026-11-10", 30, n=4)
    return events


def test_store_average_counts_only_sellers_with_a_denominator_of_at_least_5() -> None:
    docs = reference.documents(peers(), T)
    rt = {s: store(seller_doc(docs, s), "US")[RESPONSE_TIME] for s in ("P1", "P2", "P5", "P6")}
    # (2 + 4 + 6 + 8 + 10) / 5 = 6: P6's 4 contacts at 30 h are left out (with: 10).
    assert {m["store_average"] for m in rt.values()} == {6.0}
    # The cohort P1 and P2: median of 2 and 4.
    assert {m["top_performers"] for m in rt.values()} == {3.0}
    assert [rt[s]["status"] for s in ("P1", "P2", "P5", "P6")] == ["good", "fair", "poor", "poor"]
    assert rt["P1"]["target"] == {"value": 3.0, "condition": "less_than_or_equal"}
    bench = reference.benchmarks(peers(), "US", T)
    assert bench[RESPONSE_TIME] == {
        "store_average": 6.0,
        "top_performers": 3.0,
        "reason": None,
        "sellers": 5,
    }
    # Every contact answered within 24 h, except P6's (0 of 4, too few to count).
    assert bench[WITHIN_24H] == {
        "store_average": 100.0,
        "top_performers": 100.0,
        "reason": None,
        "sellers": 5,
    }
    # No votes: nobody qualifies.
    assert bench[CSDR] == {
        "store_average": None,
        "top_performers": None,
        "reason": "too_few_sellers",
        "sellers": 0,
    }
    assert set(bench) == set(reference.COMPARED)


def test_privacy_floor_hides_both_benchmarks_below_5_qualifying_sellers() -> None:
    """Without P5, four sellers qualify (P6 has 4 contacts): no average, no top performers
    though the cohort exists, benchmark-judged statuses na."""
    docs = reference.documents(peers(with_p5=False), T)
    for seller in ("P1", "P2", "P3", "P4", "P6"):
        m = store(seller_doc(docs, seller), "US")
        for metric in reference.COMPARED:
            assert (m[metric]["store_average"], m[metric]["top_performers"]) == (None, None)
        assert (m[RESPONSE_TIME]["status"], m[RESPONSE_TIME]["target"]) == ("na", None)
        assert (m[BDR]["status"], m[BDR]["target"]) == ("na", None)
        # Fixed targets do not depend on peers.
        assert m[WITHIN_24H]["status"] == ("poor" if seller == "P6" else "good")
    bench = reference.benchmarks(peers(with_p5=False), "US", T)
    for metric in reference.COMPARED:
        assert bench[metric] == {
            "store_average": None,
            "top_performers": None,
            "reason": "too_few_sellers",
            "sellers": 0 if metric == CSDR else 4,  # how many do qualify, below the floor
        }


def test_min_peers_and_min_volume_are_configurable() -> None:
    four = peers(with_p5=False)
    docs = reference.documents(four, T, min_peers=4)
    m = store(seller_doc(docs, "P1"), "US")[RESPONSE_TIME]
    # (2 + 4 + 6 + 8) / 4; four ranked a month, rank ceil(4 / 4) = 1 leaves P1 alone.
    assert (m["store_average"], m["top_performers"]) == (5.0, 2.0)
    # A floor of 6 hides even the five of the full store; P6 does not make a sixth.
    docs = reference.documents(peers(), T, min_peers=6)
    m = store(seller_doc(docs, "P1"), "US")[RESPONSE_TIME]
    assert (m["store_average"], m["top_performers"], m["status"]) == (None, None, "na")
    assert reference.benchmarks(peers(), "US", T, min_peers=6)[RESPONSE_TIME]["reason"] == (
        "too_few_sellers"
    )
    # With min_volume 4, P6 counts: (2 + 4 + 6 + 8 + 10 + 30) / 6 = 10.
    docs = reference.documents(peers(), T, min_volume=4)
    assert store(seller_doc(docs, "P1"), "US")[RESPONSE_TIME]["store_average"] == 10.0
    assert reference.benchmarks(peers(), "US", T, min_volume=4)[RESPONSE_TIME] == {
        "store_average": 10.0,
        "top_performers": 3.0,
        "reason": None,
        "sellers": 6,
    }


def test_no_top_performers_above_the_floor_the_average_decides() -> None:
    """Five sellers of 5 contacts with no ranking history: average 3, no cohort."""
    events: list[dict[str, Any]] = []
    for i, hours in enumerate([1, 2, 3, 4, 5], start=1):
        events += response_block(f"A{i}", "2026-11-10", hours)
    docs = reference.documents(events, T)
    statuses = [
        store(seller_doc(docs, f"A{i}"), "US")[RESPONSE_TIME]["status"] for i in range(1, 6)
    ]
    assert statuses == ["good", "good", "good", "fair", "fair"]
    m = store(seller_doc(docs, "A1"), "US")[RESPONSE_TIME]
    assert (m["store_average"], m["top_performers"]) == (3.0, None)
    assert m["target"] == {"value": 3.0, "condition": "less_than_or_equal"}
    assert reference.benchmarks(events, "US", T)[RESPONSE_TIME]["reason"] is None


def test_benchmarks_only_for_the_28_day_window() -> None:
    docs = reference.documents(peers(), T, window_days=7)
    m = store(seller_doc(docs, "P1"), "US")[RESPONSE_TIME]
    assert (m["store_average"], m["top_performers"], m["status"]) == (None, None, None)


# ---- per-store thresholds ---------------------------------------------------------------


def threshold_events() -> list[dict[str, Any]]:
    de = dict(seller="S1", store="DE")
    return [
        # CSDR 1 of 5 in each store (20 %).
        *csdr_votes(1, 5, **US),
        *csdr_votes(1, 5, **de),
        # 24 h: US 10 of 10; DE 18 of 20 (90 %), its 2 slow ones answered after 50 h: late.
        *within_contacts(10, 10, **US),
        *[
            e
            for i in range(18)
            for e in answered(f"d{i}", "2026-11-05T10:00:00Z", timedelta(hours=1), **de)
        ],
        *answered("late1", "2026-11-05T10:00:00Z", timedelta(hours=50), **de),
        *answered("late2", "2026-11-06T10:00:00Z", timedelta(hours=50), **de),
    ]


DE_THRESHOLDS = {
    "DE": {
        CSDR: {"good": 20, "fair": 40},
        WITHIN_24H: {"good": 95, "fair": 80},
        LATE: {"fair": 1},
    }
}


def test_per_store_thresholds_move_that_store_only() -> None:
    plain = only(threshold_events())
    doc = only(threshold_events(), thresholds=DE_THRESHOLDS)
    de, us, collective = store(doc, "DE"), store(doc, "US"), doc["metrics"]
    # DE: 20 % is not below 20: fair; one more satisfied response makes 1 of 6.
    assert (de[CSDR]["value"], de[CSDR]["status"], de[CSDR]["to_target"]) == (20.0, "fair", 1)
    assert de[CSDR]["target"] == {"value": 20, "condition": "less_than"}
    # DE: 90 % is below 95: fair; 20 more make 38 of 40 (95 %).
    assert (de[WITHIN_24H]["value"], de[WITHIN_24H]["status"]) == (90.0, "fair")
    assert de[WITHIN_24H]["to_target"] == 20
    assert de[WITHIN_24H]["target"] == {"value": 95, "condition": "greater_than_or_equal"}
    # DE: 2 late contacts, fair only up to 1: poor; the target stays 0.
    assert (de[LATE]["value"], de[LATE]["status"]) == (2, "poor")
    assert de[LATE]["target"] == {"value": 0, "condition": "equal_to"}
    # The defaults elsewhere: US and the collective view (2 of 10, 28 of 30, 2 late).
    assert (us[CSDR]["status"], us[CSDR]["target"]["value"], us[CSDR]["to_target"]) == (
        "good",
        25,
        0,
    )
    assert (collective[CSDR]["status"], collective[CSDR]["to_target"]) == ("good", 0)
    assert (collective[WITHIN_24H]["value"], collective[WITHIN_24H]["status"]) == (93.33, "good")
    assert collective[WITHIN_24H]["target"]["value"] == 90
    assert (collective[LATE]["value"], collective[LATE]["status"]) == (2, "fair")
    # Without overrides DE is judged by the defaults; nothing else changes.
    assert (store(plain, "DE")[CSDR]["status"], store(plain, "DE")[WITHIN_24H]["status"]) == (
        "good",
        "good",
    )
    assert store(plain, "DE")[LATE]["status"] == "fair"
    assert plain["metrics"] == collective
    assert store(plain, "US") == us


def test_a_partial_override_keeps_the_other_edge() -> None:
    doc = only(threshold_events(), thresholds={"DE": {CSDR: {"good": 15}}})
    de = store(doc, "DE")[CSDR]
    # 20 % is not below 15 but below the default 50: fair; 2 more make 1 of 7 (14.29 %).
    assert (de["status"], de["to_target"]) == ("fair", 2)
    assert de["target"] == {"value": 15, "condition": "less_than"}
    assert store(doc, "DE")[WITHIN_24H]["target"]["value"] == 90


@pytest.mark.parametrize(
    "bad",
    [
        {"DE": {RESPONSE_TIME: {"good": 3}}},  # benchmark-judged: no threshold
        {"DE": {CSDR: {"poor": 60}}},
        {"DE": {LATE: {"good": 1}}},
        {"DE": {CSDR: {"fair": 20}}},  # fair below 20 yet good below 25
        {"DE": {WITHIN_24H: {"fair": 95}}},  # fair from 95 yet good from 90
        {"DE": {LATE: {"fair": -1}}},
    ],
)
def test_an_override_the_table_has_no_room_for_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="threshold"):
        reference.documents(threshold_events(), T, thresholds=bad)


def test_fixed_status_with_limits() -> None:
    limits = {"good": 20, "fair": 40}
    assert reference.fixed_status(CSDR, Fraction(1999, 100), limits) == "good"
    assert reference.fixed_status(CSDR, Fraction(20), limits) == "fair"
    assert reference.fixed_status(CSDR, Fraction(40), limits) == "poor"
    assert reference.fixed_status(WITHIN_24H, Fraction(80), {"good": 95, "fair": 80}) == "fair"
    assert reference.fixed_status(LATE, 1, {"good": 0, "fair": 1}) == "fair"
    assert reference.fixed_status(LATE, 2, {"good": 0, "fair": 1}) == "poor"


# ---- the document's shape ---------------------------------------------------------------


def test_every_document_carries_the_insight_fields() -> None:
    doc = only(previous_events())
    assert set(doc) == {
        "seller_id",
        "stores",
        "as_of",
        "data_through",
        "window",
        "metrics",
        "by_store",
    }
    rate = {
        "value",
        "numerator",
        "denominator",
        "status",
        "target",
        "reason",
        "low_sample",
        "previous",
        "change",
        "trend",
        "projected",
    }
    response_time = rate | {"median", "p90", "unanswered", "distribution", "by_arrival"}
    late = {
        "value",
        "answered_late",
        "unanswered_late",
        "status",
        "target",
        "reason",
        "previous",
        "change",
        "trend",
        "projected",
    }
    comparisons = {"store_average", "top_performers"}
    views = [(doc["metrics"], set())] + [(b["metrics"], comparisons) for b in doc["by_store"]]
    for metrics, extra in views:
        assert set(metrics[CSDR]) == rate | {"to_target"} | extra
        assert set(metrics[WITHIN_24H]) == rate | {"to_target"} | extra
        assert set(metrics[BDR]) == rate | extra
        assert set(metrics[PREVENTABLE_RATE]) == rate | {"by_reason"} | extra
        assert set(metrics[RESPONSE_TIME]) == response_time | extra
        assert set(metrics[LATE]) == late


# ---- random marketplaces ----------------------------------------------------------------


def views(doc: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    """The document's metrics by store id, None for the collective view."""
    return {None: doc["metrics"]} | {b["store_id"]: b["metrics"] for b in doc["by_store"]}


def meets(metric: str, count: int, total: int, good: int) -> bool:
    if metric == CSDR:
        return 100 * count < good * total
    return 100 * count >= good * total


def figures_of(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m[k] for k in ("value", "numerator", "denominator")}


def check_figures(m: dict[str, Any]) -> None:
    """What every view's insight details must satisfy among themselves."""
    rt, late = m[RESPONSE_TIME], m[LATE]
    assert sum(rt["distribution"].values()) == rt["denominator"]
    assert 0 <= rt["unanswered"] <= rt["denominator"]
    assert sum(m[PREVENTABLE_RATE]["by_reason"].values()) == m[BDR]["denominator"]
    assert late["value"] == late["answered_late"] + late["unanswered_late"]
    assert late["unanswered_late"] <= rt["unanswered"]
    assert late["value"] <= rt["distribution"]["48+"]  # over 48 h is 48 whole hours or more
    for metric in (*reference.RATES, RESPONSE_TIME):
        assert m[metric]["low_sample"] is (m[metric]["denominator"] < 40)
        assert (m[metric]["change"] is None) is (m[metric]["trend"] is None)
    for metric in (CSDR, WITHIN_24H):
        k, good = m[metric]["to_target"], m[metric]["target"]["value"]
        count, total = m[metric]["numerator"], m[metric]["denominator"]
        if m[metric]["value"] is None:
            assert k is None
            continue
        assert k is not None  # the default targets are always reachable
        gain = 0 if metric == CSDR else 1  # a satisfied response; a contact answered in time
        assert meets(metric, count + gain * k, total + k, good)
        assert k == 0 or not meets(metric, count + gain * (k - 1), total + k - 1, good)


@settings(
    max_examples=examples(ci=15, soak=300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(stream=marketplace_streams(), seed=st.integers(0, 2**32 - 1))
def test_insight_details_hang_together_on_random_marketplaces(
    stream: tuple[datetime, int, list[dict[str, Any]]], seed: int
) -> None:
    as_of, window_days, events = stream
    docs = reference.documents(events, as_of, window_days)
    earlier = reference.documents(events, as_of - timedelta(days=window_days), window_days)
    then = {d["seller_id"]: d for d in earlier}
    for doc in docs:
        assert doc["data_through"] == (as_of - timedelta(days=1)).date().isoformat()
        old = views(then[doc["seller_id"]]) if doc["seller_id"] in then else {}
        for store_id, m in views(doc).items():
            check_figures(m)
            if store_id is None:
                continue
            # `previous` is what the document as of T - w said; a store not shown then had
            # nothing in that window (the lookback is at least 90 days).
            for metric in (*reference.RATES, RESPONSE_TIME):
                nothing = {"value": None, "numerator": 0, "denominator": 0}
                shown = figures_of(old[store_id][metric]) if store_id in old else nothing
                assert m[metric]["previous"] == shown, (store_id, metric)
            shown_late = old[store_id][LATE]["value"] if store_id in old else 0
            assert m[LATE]["previous"] == {"value": shown_late}
        # The collective previous period pools the stores' previous periods.
        pooled = doc["metrics"]
        for metric in (*reference.RATES, RESPONSE_TIME):
            for part in ("numerator", "denominator"):
                parts = [b["metrics"][metric]["previous"][part] for b in doc["by_store"]]
                assert pooled[metric]["previous"][part] == sum(parts), (metric, part)
            if then.get(doc["seller_id"], {}).get("stores") == doc["stores"]:
                assert pooled[metric]["previous"] == figures_of(old[None][metric])
    # Auto-replies, anywhere and any number of times, change nothing.
    rnd = random.Random(seed)
    robots = [
        {
            "event_id": f"auto-{i}",
            "type": "contact.responded",
            "seller_id": e["seller_id"],
            "store_id": e["store_id"],
            "occurred_at": iso(reference.when(e) + timedelta(minutes=rnd.randint(-60, 4000))),
            "data": {"contact_id": e["data"]["contact_id"], "automated": True},
        }
        for i, e in enumerate(events)
        for _ in range(rnd.choice([0, 0, 1, 2]))
        if e["type"] == "contact.received"
    ]
    assert reference.documents(events + robots, as_of, window_days) == docs
