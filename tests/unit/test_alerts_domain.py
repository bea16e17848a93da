"""Reply-due alerts, pure: which contact a run at an instant alerts, for which threshold,
with what detail; and the thresholds' settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from csinsights.config import Settings
from csinsights.domain.alerts import (
    OpenContact,
    ReplyDue,
    alert_id,
    due,
    open_as_of,
    valid_thresholds,
    window,
)
from csinsights.domain.entities import ContactState, Received, Stamp
from tests.profiles import examples

T = datetime(2026, 11, 20, tzinfo=UTC)
RECEIVED = T - timedelta(hours=30)
THRESHOLDS = (24, 40)


def contact(
    received: datetime = RECEIVED,
    responded: tuple[datetime, ...] = (),
    no_response_needed: tuple[datetime, ...] = (),
    auto_replied: tuple[datetime, ...] = (),
) -> ContactState:
    def stamps(times: tuple[datetime, ...], kind: str) -> tuple[Stamp, ...]:
        return tuple(sorted(Stamp(t, f"{kind}-{i}") for i, t in enumerate(times)))

    return ContactState(
        received=(Received(Stamp(received, "r"), "shipping", "o1"),),
        responded=stamps(responded, "s"),
        no_response_needed=stamps(no_response_needed, "n"),
        auto_replied=stamps(auto_replied, "a"),
    )


def alert(state: ContactState, at: datetime = T) -> ReplyDue | None:
    first = open_as_of(state, at)
    if first is None:
        return None
    return due(OpenContact.of("A1SELLER", "US", "c1", first), at, THRESHOLDS)


def threshold(state: ContactState, at: datetime = T) -> int | None:
    found = alert(state, at)
    return found.threshold_hours if found else None


def test_the_highest_threshold_crossed_is_alerted() -> None:
    assert threshold(contact(T - timedelta(hours=23, minutes=59))) is None
    assert threshold(contact(T - timedelta(hours=24))) is None  # 24:00:00 is not past 24 h
    assert threshold(contact(T - timedelta(hours=24, seconds=1))) == 24
    assert threshold(contact(T - timedelta(hours=40))) == 24
    assert threshold(contact(T - timedelta(hours=40, microseconds=1))) == 40


def test_past_48_hours_the_contact_is_late_not_alerted() -> None:
    assert threshold(contact(T - timedelta(hours=48))) == 40  # 48:00:00: not yet late
    assert threshold(contact(T - timedelta(hours=48, seconds=1))) is None


def test_a_reply_before_the_threshold_silences_it() -> None:
    assert threshold(contact(responded=(RECEIVED + timedelta(hours=2),))) is None


def test_a_reply_after_the_threshold_but_before_the_run_silences_it_too() -> None:
    assert threshold(contact(responded=(T - timedelta(minutes=1),))) is None


def test_automated_replies_do_not_silence() -> None:
    state = contact(auto_replied=(RECEIVED + timedelta(minutes=1), RECEIVED + timedelta(hours=1)))
    assert threshold(state) == 24


def test_a_contact_marked_as_needing_no_reply_is_not_alerted() -> None:
    assert threshold(contact(no_response_needed=(RECEIVED + timedelta(hours=1),))) is None


def test_as_of_an_instant_later_events_do_not_count() -> None:
    state = contact(responded=(T,), no_response_needed=(T + timedelta(hours=1),))
    assert threshold(state) == 24
    assert threshold(state, T + timedelta(seconds=1)) is None
    assert open_as_of(contact(received=T), T) is None  # received at T: not yet, as of T


def test_the_detail_lists_what_the_spec_names() -> None:
    found = alert(contact(T - timedelta(hours=30, minutes=20, seconds=17)))
    assert found is not None
    assert found.detail() == {
        "alert_id": alert_id("A1SELLER", "US", "c1", 24),
        "seller_id": "A1SELLER",
        "store_id": "US",
        "contact_id": "c1",
        "order_id": "o1",
        "reason": "shipping",
        "received_at": "2026-11-18T17:39:43Z",
        "due_at": "2026-11-20T17:39:43Z",
        "hours_left": 17.66,  # 17 h 39 min 43 s
        "threshold_hours": 24,
    }


def test_hours_left_rounds_half_up_on_whole_seconds() -> None:
    for seconds, hours in ((18, 0.01), (17, 0.0), (54, 0.02), (3600 * 8 + 1, 8.0)):
        received = T - timedelta(hours=48) + timedelta(seconds=seconds)
        found = alert(contact(received))
        assert found is not None
        assert found.detail()["hours_left"] == hours


def test_the_alert_id_names_the_contact_and_threshold_alone() -> None:
    ids = {
        alert_id(seller, store, contact_id, hours)
        for seller in ("A1SELLER", "B2SELLER")
        for store in ("US", "CA")
        for contact_id in ("c1", "c2")
        for hours in THRESHOLDS
    }
    assert len(ids) == 16
    assert alert_id("A1SELLER", "US", "c1", 24) == alert_id("A1SELLER", "US", "c1", 24)
    early = alert(contact(T - timedelta(hours=25)))
    late = alert(contact(T - timedelta(hours=25)), T + timedelta(hours=2))
    assert early is not None and late is not None
    assert early.alert_id == late.alert_id


def test_the_window_holds_every_contact_a_run_can_alert() -> None:
    assert window(T, THRESHOLDS) == (T - timedelta(hours=48), T - timedelta(hours=24))


@pytest.mark.parametrize(
    ("text", "hours"), [("24,40", (24, 40)), ("40, 24,24", (24, 40)), ("1,47", (1, 47))]
)
def test_thresholds_are_read_from_the_environment(text: str, hours: tuple[int, ...]) -> None:
    assert Settings(table_name="t", alert_thresholds_hours=text).alert_thresholds_hours == hours


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("24,48", "between 1 and 47 hours"),
        ("0", "between 1 and 47 hours"),
        (",", "at least one alert threshold"),
        ("24h", "whole hours separated by commas"),
    ],
)
def test_a_threshold_of_48_hours_or_none_at_all_fails_the_start(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=f"ALERT_THRESHOLDS_HOURS: .*{message}"):
        Settings(table_name="t", alert_thresholds_hours=text)


# ---- against a plain reference ------------------------------------------------------------
def reference(
    received: list[int], replies: list[int], marks: list[int], at: int, thresholds: list[int]
) -> int | None:
    """In whole seconds: the threshold alerted at `at`, written out case by case."""
    seen = [r for r in received if r < at]
    if not seen or [r for r in replies if r < at] or [m for m in marks if m < at]:
        return None
    age = at - min(seen)
    if age > 48 * 3600:
        return None
    best = None
    for hours in thresholds:
        if age > hours * 3600 and (best is None or hours > best):
            best = hours
    return best


seconds = st.integers(min_value=0, max_value=4 * 24 * 3600)


@given(
    received=st.lists(seconds, min_size=1, max_size=3),
    replies=st.lists(seconds, max_size=2),
    auto=st.lists(seconds, max_size=2),
    marks=st.lists(seconds, max_size=1),
    thresholds=st.sets(st.integers(min_value=1, max_value=47), min_size=1, max_size=3),
    data=st.data(),
)
@settings(max_examples=examples(300, 5000), deadline=None)
def test_the_alert_matches_a_plain_reference(
    received: list[int],
    replies: list[int],
    auto: list[int],
    marks: list[int],
    thresholds: set[int],
    data: st.DataObject,
) -> None:
    # The run's instant: anywhere, or within a second of a threshold or of the 48 h line.
    edges = [h * 3600 + d for h in (*thresholds, 48) for d in (-1, 0, 1)]
    age = data.draw(st.one_of(st.integers(-3600, 3 * 24 * 3600), st.sampled_from(edges)))
    at = min(received) + age
    start = T - timedelta(days=4)
    moment = lambda s: start + timedelta(seconds=s)  # noqa: E731
    state = ContactState(
        received=tuple(
            sorted(Received(Stamp(moment(s), f"r{i}"), "other") for i, s in enumerate(received))
        ),
        responded=tuple(sorted(Stamp(moment(s), f"s{i}") for i, s in enumerate(replies))),
        no_response_needed=tuple(sorted(Stamp(moment(s), f"n{i}") for i, s in enumerate(marks))),
        auto_replied=tuple(sorted(Stamp(moment(s), f"a{i}") for i, s in enumerate(auto))),
    )
    first = open_as_of(state, moment(at))
    chosen = valid_thresholds(thresholds)
    found = due(OpenContact.of("S", "US", "c", first), moment(at), chosen) if first else None
    expected = reference(received, replies, marks, at, sorted(thresholds))
    assert (found.threshold_hours if found else None) == expected
    if found is not None:
        # Never an alert for a threshold crossed after the contact was answered or marked.
        crossed_at = found.received_at + timedelta(hours=found.threshold_hours)
        assert all(moment(s) >= crossed_at for s in (*replies, *marks))
        assert 0 <= found.detail()["hours_left"] <= 48 - found.threshold_hours
