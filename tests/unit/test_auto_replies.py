"""Auto-replies are not responses (SPEC "Events", `contact.responded`'s `automated`): the
contract's flag, the contact state that keeps them apart, their stored form, and a plan
in which they change no figure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from csinsights.domain.batch import Stored, plan_batch
from csinsights.domain.counters import contact_changes
from csinsights.domain.entities import (
    ConflictingEvent,
    ContactState,
    OrderState,
    Stamp,
    apply_contact_event,
    apply_order_event,
)
from csinsights.models.events import (
    ContactResponded,
    InvalidEvent,
    event_json_schema,
    parse_event,
)
from csinsights.store import codecs
from tests.builders import contact_received, contact_responded, order_placed

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def parsed(raw: dict[str, Any]) -> Any:
    return parse_event(raw, now=NOW)


def applied(*raws: dict[str, Any]) -> ContactState:
    state = ContactState()
    for raw in raws:
        updated = apply_contact_event(state, parsed(raw))
        assert updated is not None, raw
        state = updated
    return state


# ---------------------------------------------------------------- the contract


def test_automated_defaults_to_false_and_takes_json_booleans() -> None:
    absent = parsed(contact_responded("c1", "2026-10-01T10:00:00Z", event_id="r1"))
    false = parsed(contact_responded("c1", "2026-10-01T10:00:00Z", False, event_id="r1"))
    true = parsed(contact_responded("c1", "2026-10-01T10:00:00Z", True, event_id="r1"))

    assert isinstance(absent, ContactResponded)
    assert absent.data.automated is False
    assert absent == false
    assert true.data.automated is True


@pytest.mark.parametrize("value", ["true", "false", 1, 0, None, [], {}, 1.0])
def test_automated_that_is_not_a_boolean_is_rejected_naming_it(value: Any) -> None:
    raw = contact_responded("c1", "2026-10-01T10:00:00Z")
    raw["data"]["automated"] = value

    with pytest.raises(InvalidEvent) as caught:
        parsed(raw)

    assert [e.field for e in caught.value.errors] == ["data.automated"]


def test_the_schema_describes_automated() -> None:
    field = event_json_schema()["$defs"]["ContactRespondedData"]["properties"]["automated"]
    assert field["type"] == "boolean"
    assert field["default"] is False
    assert "never stops the clock" in field["description"]


# ---------------------------------------------------------------- the contact state


def test_an_auto_reply_is_kept_apart_from_the_replies() -> None:
    state = applied(
        contact_received("c1", "2026-10-01T10:00:00Z", event_id="in"),
        contact_responded("c1", "2026-10-01T10:01:00Z", True, event_id="auto"),
        contact_responded("c1", "2026-10-01T15:00:00Z", event_id="real"),
    )

    assert [s.event_id for s in state.responded] == ["real"]
    assert [s.event_id for s in state.auto_replied] == ["auto"]
    assert state.event_ids() == {"in", "auto", "real"}


def test_a_redelivered_auto_reply_is_a_duplicate() -> None:
    auto = contact_responded("c1", "2026-10-01T10:01:00Z", True, event_id="auto")
    state = applied(auto)

    assert apply_contact_event(state, parsed(auto)) is None


@pytest.mark.parametrize("first_automated", [True, False])
def test_the_same_reply_id_with_the_flag_flipped_is_a_conflict(first_automated: bool) -> None:
    first = contact_responded("c1", "2026-10-01T10:01:00Z", first_automated, event_id="r")
    flipped = contact_responded("c1", "2026-10-01T10:01:00Z", not first_automated, event_id="r")
    state = applied(first)

    with pytest.raises(ConflictingEvent):
        apply_contact_event(state, parsed(flipped))


def test_an_auto_reply_id_already_used_by_another_kind_is_a_conflict() -> None:
    state = applied(contact_received("c1", "2026-10-01T10:00:00Z", event_id="x"))

    with pytest.raises(ConflictingEvent):
        apply_contact_event(
            state, parsed(contact_responded("c1", "2026-10-01T10:01:00Z", True, event_id="x"))
        )


def test_auto_replies_change_no_counter_whenever_they_come() -> None:
    received = contact_received("c1", "2026-10-01T10:00:00Z", order_id="o1", event_id="in")
    real = contact_responded("c1", "2026-10-03T15:00:00Z", event_id="real")
    autos = [
        contact_responded("c1", at, True, event_id=f"auto-{n}")
        for n, at in enumerate(
            ["2026-09-30T09:00:00Z", "2026-10-01T10:00:30Z", "2026-10-05T08:00:00Z"]
        )
    ]
    for reals in ([], [real]):
        without = applied(received, *reals)
        with_autos = applied(received, *autos, *reals)
        assert contact_changes(with_autos) == contact_changes(without)
        assert with_autos.same_figures(without)
    assert not applied(received, real).same_figures(applied(received))


# ---------------------------------------------------------------- stored form


def test_the_stored_contact_keeps_auto_replies_only_when_there_are_some() -> None:
    plain = applied(contact_received("c1", "2026-10-01T10:00:00Z", event_id="in"))
    with_auto = applied(
        contact_received("c1", "2026-10-01T10:00:00Z", event_id="in"),
        contact_responded("c1", "2026-10-01T10:00:01.250000Z", True, event_id="auto"),
    )

    assert "auto_replied" not in codecs.encode_contact(plain)
    assert codecs.decode_contact(codecs.encode_contact(plain)) == plain
    assert codecs.encode_contact(with_auto)["auto_replied"] == {
        "S": '[["auto","2026-10-01T10:00:01.250000Z"]]'
    }
    assert codecs.decode_contact(codecs.encode_contact(with_auto)) == with_auto
    assert with_auto.auto_replied == (
        Stamp(datetime(2026, 10, 1, 10, 0, 1, 250000, tzinfo=UTC), "auto"),
    )


def test_a_contact_stored_before_auto_replies_were_told_apart_reads_as_having_none() -> None:
    item = {
        "received": {"S": '[["in","2026-10-01T10:00:00.000000Z","shipping",null]]'},
        "responded": {"S": '[["real","2026-10-01T15:00:00.000000Z"]]'},
        "no_response_needed": {"S": "[]"},
    }

    state = codecs.decode_contact(item)

    assert state.auto_replied == ()
    assert [s.event_id for s in state.responded] == ["real"]


def test_an_auto_reply_leaves_the_contact_open() -> None:
    state = applied(
        contact_received("c1", "2026-10-01T10:00:00Z", event_id="in"),
        contact_responded("c1", "2026-10-01T10:01:00Z", True, event_id="auto"),
    )

    index = codecs.open_contact_index("S", "US", "c1", state)

    assert index["received_at"] == {"S": "2026-10-01T10:00:00.000000Z"}


# ---------------------------------------------------------------- the plan


def test_an_auto_reply_plans_its_contact_write_and_nothing_else() -> None:
    order = OrderState()
    contact = applied(contact_received("c1", "2026-10-01T10:00:00Z", order_id="o1", event_id="in"))
    placed = parsed(order_placed("o1", "2026-10-01T09:00:00Z", event_id="p"))
    stored_order = apply_order_event(order, placed)
    assert stored_order is not None
    auto = parsed(contact_responded("c1", "2026-10-01T10:01:00Z", True, event_id="auto"))

    plan = plan_batch([auto], {"o1": Stored(stored_order, 3)}, {"c1": Stored(contact, 2)})

    assert plan.outcomes == {0: "accepted"}
    assert not plan.deltas
    assert list(plan.contact_writes) == ["c1"]
    assert plan.contact_writes["c1"][0] == 2
    assert plan.contact_writes["c1"][1].auto_replied
    assert (plan.order_writes, plan.order_checks) == ({}, {})


def test_an_auto_reply_before_its_contact_plans_no_delta() -> None:
    auto = parsed(contact_responded("c1", "2026-10-01T10:01:00Z", True, event_id="auto"))

    plan = plan_batch([auto], {}, {"c1": Stored(None)})

    assert not plan.deltas
    assert list(plan.contact_writes) == ["c1"]


def test_a_real_reply_still_plans_its_deltas() -> None:
    contact = applied(contact_received("c1", "2026-10-01T10:00:00Z", event_id="in"))
    real = parsed(contact_responded("c1", "2026-10-01T15:00:00Z", False, event_id="real"))

    plan = plan_batch([real], {}, {"c1": Stored(contact, 1)})

    changed = {name for (_, belongs, name) in plan.deltas if belongs == date(2026, 10, 1)}
    assert "all.answered_h:5" in changed
