"""Explicit ingest scenarios with hand-computed figures.

Each scenario goes through the real ingest handler (or the real queue, dead-letter queue
and event bus of the deployed template) and then reads the stored aggregate deltas as of
chosen days. Expected counters are written out by hand and also checked against the plain
reference (`tests.reference.counters`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from csinsights.ingest import Ingestor, Message, Result
from csinsights_local.driver import QueueDriver
from csinsights_local.stack import Deployment
from tests import reference
from tests.aggregates import Key, all_items, both, day, repository, stored
from tests.builders import (
    contact_received,
    contact_responded,
    event,
    no_response_needed,
    order_placed,
    sqs_batch,
    survey_vote,
)


@pytest.fixture
def stack(restored: Deployment) -> Deployment:
    """The template as deployed: one deployment per module (and worker), restored before
    each test instead of a new one."""
    return restored


def ingest(stack: Deployment, *bodies: Any) -> None:
    response = stack.invoke("IngestFunction", sqs_batch(list(bodies)))
    assert response == {"batchItemFailures": []}


def check(
    stack: Deployment,
    events: list[dict[str, Any]],
    as_of_day: date,
    expected: dict[Key, int],
    store: str = "US",
) -> None:
    got = stored(stack, as_of_day, store)
    assert got == expected, as_of_day
    assert got == reference.counters(events, as_of_day), as_of_day


# ---- votes ------------------------------------------------------------------------------


def test_no_vote_changed_to_yes_counts_as_yes_from_the_change_day(stack: Deployment) -> None:
    placed = order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="marketplace")
    no = survey_vote("o1", "2026-10-02T09:00:00Z", vote="no")
    # 23:30 UTC on 4 October, written with an offset that puts it on the 5th locally.
    yes = survey_vote("o1", "2026-10-05T01:30:00+02:00", vote="yes")

    ingest(stack, placed, no)
    first = {
        ("all", day(1), "orders"): 1,
        ("all", day(2), "responses"): 1,
        ("all", day(2), "dissatisfied"): 1,
    }
    check(stack, [placed, no], day(2), first)

    ingest(stack, yes)
    events = [placed, no, yes]
    check(stack, events, day(1), {("all", day(1), "orders"): 1})
    # As of the day of the first vote (and the day before the change) nothing leaks back.
    check(stack, events, day(2), first)
    check(stack, events, day(3), first)
    changed = {("all", day(1), "orders"): 1, ("all", day(4), "responses"): 1}
    # The response now belongs to the change's day (UTC), and is no longer dissatisfied.
    check(stack, events, day(4), changed)
    check(stack, events, day(5), changed)


def test_older_vote_arriving_late_never_overrides_the_newer(stack: Deployment) -> None:
    placed = order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="marketplace")
    newer = survey_vote("o1", "2026-10-06T08:00:00Z", rating=5)
    older = survey_vote("o1", "2026-10-03T12:00:00Z", rating=1)

    ingest(stack, placed, newer)
    check(stack, [placed, newer], day(3), {("all", day(1), "orders"): 1})

    ingest(stack, older)
    events = [placed, newer, older]
    between = {
        ("all", day(1), "orders"): 1,
        ("all", day(3), "responses"): 1,
        ("all", day(3), "dissatisfied"): 1,
    }
    # Between the two votes the older one is the latest there is.
    check(stack, events, day(3), between)
    check(stack, events, day(5), between)
    latest = {("all", day(1), "orders"): 1, ("all", day(6), "responses"): 1}
    check(stack, events, day(6), latest)
    check(stack, events, day(9), latest)


def test_votes_at_the_same_instant_are_ordered_by_event_id(stack: Deployment) -> None:
    placed = order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="marketplace")
    larger = survey_vote("o1", "2026-10-02T09:00:00Z", vote="yes", event_id="vote-b")
    smaller = survey_vote("o1", "2026-10-02T11:00:00+02:00", vote="no", event_id="vote-a")

    ingest(stack, placed, larger)
    ingest(stack, smaller)
    events = [placed, larger, smaller]
    check(
        stack,
        events,
        day(2),
        {("all", day(1), "orders"): 1, ("all", day(2), "responses"): 1},
    )


def test_vote_before_its_self_fulfilled_order_counts_in_sf_once_the_order_is_in(
    stack: Deployment,
) -> None:
    vote = survey_vote("o1", "2026-10-03T10:00:00Z", vote="no")
    contact = contact_received(
        "c1", "2026-10-02T12:00:00Z", reason="product_quality", order_id="o1"
    )
    placed = order_placed("o1", "2026-10-01T09:00:00Z", fulfillment="seller")

    ingest(stack, vote, contact)
    # The order is unknown: nothing tells the response or the contact is self-fulfilled.
    check(
        stack,
        [vote, contact],
        day(3),
        {
            ("all", day(3), "responses"): 1,
            ("all", day(3), "dissatisfied"): 1,
            ("all", day(2), "contacts"): 1,
            ("all", day(2), "reason:product_quality"): 1,
            ("all", day(2), "preventable"): 1,
            ("all", day(2), "bdr_dissatisfied"): 1,
            ("all", day(2), "unanswered_c:12"): 1,
            # 12:00 Z on Friday 2 October is 05:00 in Los Angeles.
            ("all", day(2), "arr_wait:fri_night"): 1,
        },
    )

    ingest(stack, placed)
    events = [vote, contact, placed]
    check(stack, events, day(1), both(day(1), "orders"))
    check(
        stack,
        events,
        day(2),
        {
            **both(day(1), "orders"),
            **both(day(2), "contacts"),
            **both(day(2), "reason:product_quality"),
            **both(day(2), "preventable"),
            **both(day(2), "unanswered_c:12"),
            ("all", day(2), "arr_wait:fri_night"): 1,
        },
    )
    check(
        stack,
        events,
        day(3),
        {
            **both(day(1), "orders"),
            **both(day(3), "responses"),
            **both(day(3), "dissatisfied"),
            **both(day(2), "contacts"),
            **both(day(2), "reason:product_quality"),
            **both(day(2), "preventable"),
            **both(day(2), "bdr_dissatisfied"),
            **both(day(2), "unanswered_c:12"),
            ("all", day(2), "arr_wait:fri_night"): 1,
        },
    )


# ---- contacts ---------------------------------------------------------------------------


def test_reply_arriving_before_its_contact_counts_once_both_are_in(stack: Deployment) -> None:
    quick_reply = contact_responded("c1", "2026-10-02T13:30:00Z")
    late_reply = contact_responded("c2", "2026-10-03T22:15:00Z")
    quick = contact_received("c1", "2026-10-02T08:00:00Z", reason="shipping")
    slow = contact_received("c2", "2026-10-02T20:00:00Z", reason="change_of_mind")

    ingest(stack, quick_reply, late_reply)
    assert stored(stack, day(9)) == {}

    ingest(stack, slow, quick)
    events = [quick_reply, late_reply, quick, slow]
    check(stack, events, day(1), {})
    # End of 2 October: c1 answered after 5 h 30 → hour 5; c2 unanswered since 20:00.
    check(
        stack,
        events,
        day(2),
        {
            ("all", day(2), "contacts"): 2,
            ("all", day(2), "reason:shipping"): 1,
            ("all", day(2), "reason:change_of_mind"): 1,
            ("all", day(2), "preventable"): 1,
            ("all", day(2), "answered_h:5"): 1,
            ("all", day(2), "within_24h"): 1,
            ("all", day(2), "unanswered_c:20"): 1,
            # In Los Angeles, c1 came at 01:00 on Friday, c2 at 13:00.
            ("all", day(2), "arr_24h:fri_night"): 1,
            ("all", day(2), "arr_wait:fri_afternoon"): 1,
        },
    )
    # c2 answered after 26 h 15 the next day: counted in its own day, not within 24 h.
    answered = {
        ("all", day(2), "contacts"): 2,
        ("all", day(2), "reason:shipping"): 1,
        ("all", day(2), "reason:change_of_mind"): 1,
        ("all", day(2), "preventable"): 1,
        ("all", day(2), "answered_h:5"): 1,
        ("all", day(2), "answered_h:26"): 1,
        ("all", day(2), "within_24h"): 1,
        ("all", day(2), "arr_24h:fri_night"): 1,
        ("all", day(2), "arr_48h:fri_afternoon"): 1,
    }
    check(stack, events, day(3), answered)
    check(stack, events, day(8), answered)


def test_no_response_needed_leaves_needs_reply_counters_from_its_day_on(
    stack: Deployment,
) -> None:
    marked = contact_received("c1", "2026-10-02T06:30:00Z", reason="other")
    waiting = contact_received("c2", "2026-10-02T10:15:00Z", reason="shipping")
    not_needed = no_response_needed("c1", "2026-10-04T09:00:00Z")
    reply_anyway = contact_responded("c1", "2026-10-05T10:00:00Z")

    ingest(stack, marked, waiting)
    ingest(stack, not_needed)
    ingest(stack, reply_anyway)
    events = [marked, waiting, not_needed, reply_anyway]
    before = {
        ("all", day(2), "contacts"): 2,
        ("all", day(2), "reason:other"): 1,
        ("all", day(2), "reason:shipping"): 1,
        ("all", day(2), "preventable"): 1,
        ("all", day(2), "unanswered_c:7"): 1,
        ("all", day(2), "unanswered_c:11"): 1,
        # In Los Angeles, c1 came at 23:30 on Thursday, c2 at 03:15 on Friday.
        ("all", day(2), "arr_wait:thu_evening"): 1,
        ("all", day(2), "arr_wait:fri_night"): 1,
    }
    check(stack, events, day(2), before)
    check(stack, events, day(3), before)
    after = {
        ("all", day(2), "contacts"): 2,
        ("all", day(2), "reason:other"): 1,
        ("all", day(2), "reason:shipping"): 1,
        ("all", day(2), "preventable"): 1,
        ("all", day(2), "unanswered_c:11"): 1,
        ("all", day(2), "arr_wait:fri_night"): 1,
    }
    check(stack, events, day(4), after)
    # A reply after the mark does not bring it back among the contacts needing a reply.
    check(stack, events, day(5), after)


# ---- repeated and bad deliveries ----------------------------------------------------------


def statuses(results: dict[str, Result]) -> dict[str, str]:
    return {message_id: result.status for message_id, result in results.items()}


def test_duplicates_within_and_across_batches_change_nothing(stack: Deployment) -> None:
    placed = order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="seller")
    vote = survey_vote("o1", "2026-10-02T09:00:00Z", vote="no")
    # The same vote again, keys reordered and the instant written in another offset.
    same_vote = json.dumps(
        {**{k: vote[k] for k in reversed(list(vote))}, "occurred_at": "2026-10-02T04:00:00-05:00"}
    )
    ingestor = Ingestor(repository(stack))

    first = ingestor.ingest(
        [
            Message("m1", json.dumps(placed)),
            Message("m2", json.dumps(vote)),
            Message("m3", json.dumps(placed)),
            Message("m4", same_vote),
        ]
    )
    assert statuses(first) == {
        "m1": "accepted",
        "m2": "accepted",
        "m3": "duplicate",
        "m4": "duplicate",
    }
    assert {m: r.event_id for m, r in first.items()} == {
        "m1": placed["event_id"],
        "m2": vote["event_id"],
        "m3": placed["event_id"],
        "m4": vote["event_id"],
    }
    events = [placed, vote]
    expected = {
        **both(day(1), "orders"),
        **both(day(2), "responses"),
        **both(day(2), "dissatisfied"),
    }
    check(stack, events, day(2), expected)
    table = stack.outputs["EventsTableName"]
    state = all_items(table)

    second = ingestor.ingest(
        [Message("m5", same_vote), Message("m6", json.dumps(placed)), Message("m7", same_vote)]
    )
    assert statuses(second) == {"m5": "duplicate", "m6": "duplicate", "m7": "duplicate"}
    # And once more through the handler.
    ingest(stack, vote, placed)
    check(stack, events, day(2), expected)
    # Nothing was written at all: same items, same versions, same aggregate items.
    assert all_items(table) == state


def test_duplicate_redriven_from_the_dead_letter_queue_days_later_changes_nothing(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.ingest import app

    sqs = boto3.client("sqs", region_name="us-east-1")
    queue, dead = stack.outputs["IngestQueueUrl"], stack.outputs["IngestDeadLetterQueueUrl"]
    placed = order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="seller")
    vote = survey_vote("o1", "2026-10-02T09:00:00Z", vote="no")
    change = survey_vote("o1", "2026-10-05T09:00:00Z", vote="yes")

    seen: list[tuple[str | None, str]] = []
    original = app.handle_batch

    def spy(records):  # type: ignore[no-untyped-def]
        results = original(records)
        seen.extend((r.event_id, r.status) for r in results.values())
        return results

    monkeypatch.setattr(app, "handle_batch", spy)
    outage = {"left": 5}

    def handler(event: dict[str, Any]) -> Any:
        if outage["left"] > 0:
            outage["left"] -= 1
            raise RuntimeError("DynamoDB unavailable")
        return stack.invoke("IngestFunction", event)

    driver = QueueDriver(sqs, queue, handler)

    # 1. Every delivery fails until SQS gives up: both events land in the dead-letter queue.
    for body in (placed, vote):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(body))
    report = driver.drain()
    assert report.failed_invocations == 5
    assert report.deleted == 0
    assert seen == []
    dead_letters = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10, VisibilityTimeout=0)[
        "Messages"
    ]
    assert sorted(json.loads(m["Body"])["event_id"] for m in dead_letters) == sorted(
        [placed["event_id"], vote["event_id"]]
    )

    # 2. Meanwhile the producer re-sends both, and they are ingested.
    for body in (placed, vote):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(body))
    assert driver.drain().deleted == 2
    assert sorted(seen) == sorted(
        [(placed["event_id"], "accepted"), (vote["event_id"], "accepted")]
    )

    # 3. Days later the buyer changes the vote.
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(change))
    assert driver.drain().deleted == 1
    events = [placed, vote, change]
    before_redrive = {d: stored(stack, day(d)) for d in range(1, 8)}
    for d, counters in before_redrive.items():
        assert counters == reference.counters(events, day(d)), d
    assert before_redrive[2] == {
        **both(day(1), "orders"),
        **both(day(2), "responses"),
        **both(day(2), "dissatisfied"),
    }
    assert before_redrive[5] == {**both(day(1), "orders"), **both(day(5), "responses")}

    # 4. An operator redrives the dead-letter queue into the ingest queue.
    seen.clear()
    while True:
        batch = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        for message in batch:
            sqs.send_message(QueueUrl=queue, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dead, ReceiptHandle=message["ReceiptHandle"])
    report = driver.drain()
    assert report.deleted == 2
    assert report.redelivered == 0
    assert sorted(seen) == sorted(
        [(placed["event_id"], "duplicate"), (vote["event_id"], "duplicate")]
    )
    assert {d: stored(stack, day(d)) for d in range(1, 8)} == before_redrive
    attributes = sqs.get_queue_attributes(
        QueueUrl=dead, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"


def rejected_today(stack: Deployment, days: set[date]) -> dict[str, dict[str, Any]]:
    repo = repository(stack)
    return {kept.message_id: kept.public() for d in days for kept in repo.list_rejected(d)}


def test_mixed_batch_stores_the_good_and_keeps_the_bad_with_reasons(stack: Deployment) -> None:
    placed = order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="marketplace")
    vote = survey_vote("o1", "2026-10-02T09:00:00Z", rating=2)
    invalid_json = '{"event_id": "broken-1", "type": "order.placed", '
    unknown_type = event("order.cancelled", "2026-10-01T11:00:00Z", {"order_id": "o1"})
    missing_field = event("order.placed", "2026-10-01T11:00:00Z", {"order_id": "o2"})
    unknown_field = event(
        "contact.responded", "2026-10-01T11:00:00Z", {"contact_id": "c1", "coupon": "X"}
    )
    soon = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = order_placed("o3", soon)
    bodies: list[Any] = [placed, invalid_json, unknown_type, vote, missing_field]
    bodies += [unknown_field, future]
    batch = sqs_batch(bodies)
    ids = [record["messageId"] for record in batch["Records"]]

    days = {datetime.now(UTC).date()}
    response = stack.invoke("IngestFunction", batch)
    days.add(datetime.now(UTC).date())

    assert response == {"batchItemFailures": []}
    check(
        stack,
        [placed, vote],
        day(2),
        {
            ("all", day(1), "orders"): 1,
            ("all", day(2), "responses"): 1,
            ("all", day(2), "dissatisfied"): 1,
        },
    )
    kept = rejected_today(stack, days)
    assert set(kept) == {ids[1], ids[2], ids[4], ids[5], ids[6]}
    assert kept[ids[1]]["reason"] == "invalid_json"
    assert kept[ids[1]]["body"] == invalid_json
    assert [e["field"] for e in kept[ids[1]]["errors"]] == ["(body)"]
    assert kept[ids[2]]["reason"] == "invalid_event"
    assert [e["field"] for e in kept[ids[2]]["errors"]] == ["type"]
    assert json.loads(kept[ids[2]]["body"]) == unknown_type
    assert kept[ids[4]]["reason"] == "invalid_event"
    assert [e["field"] for e in kept[ids[4]]["errors"]] == ["data.fulfillment"]
    assert [e["field"] for e in kept[ids[5]]["errors"]] == ["data.coupon"]
    assert kept[ids[6]]["reason"] == "invalid_event"
    assert [e["field"] for e in kept[ids[6]]["errors"]] == ["occurred_at"]
    assert "future" in kept[ids[6]]["errors"][0]["message"]
    # Nothing of the bad events reached the entities.
    items = all_items(stack.outputs["EventsTableName"])
    assert not any(pk.endswith(("#o2", "#o3", "#c1")) for pk, _ in items)


def test_same_event_id_with_other_content_is_rejected_and_kept(stack: Deployment) -> None:
    placed = order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="marketplace")
    vote = survey_vote("o1", "2026-10-02T09:00:00Z", vote="no", event_id="vote-1")
    forged = {**vote, "data": {"order_id": "o1", "vote": "yes"}}
    moved = {**vote, "occurred_at": "2026-10-03T09:00:00Z"}

    ingest(stack, placed, vote)
    days = {datetime.now(UTC).date()}
    batch = sqs_batch([forged])
    response = stack.invoke("IngestFunction", batch)
    days.add(datetime.now(UTC).date())
    assert response == {"batchItemFailures": []}
    kept = rejected_today(stack, days)
    message_id = batch["Records"][0]["messageId"]
    assert set(kept) == {message_id}
    assert kept[message_id]["reason"] == "conflicting_duplicate"
    assert [e["field"] for e in kept[message_id]["errors"]] == ["event_id"]
    assert json.loads(kept[message_id]["body"]) == forged

    results = Ingestor(repository(stack)).ingest(
        [Message("again", json.dumps(moved)), Message("same", json.dumps(vote))]
    )
    assert statuses(results) == {"again": "rejected", "same": "duplicate"}
    assert results["again"].reason == "conflicting_duplicate"

    # Within one batch, on a fresh order: the first stands, the second is a conflict.
    placed2 = order_placed("o2", "2026-10-01T12:00:00Z", fulfillment="marketplace", event_id="p2")
    forged2 = {**placed2, "data": {"order_id": "o2", "fulfillment": "seller"}}
    results = Ingestor(repository(stack)).ingest(
        [Message("p2", json.dumps(placed2)), Message("p2-forged", json.dumps(forged2))]
    )
    assert statuses(results) == {"p2": "accepted", "p2-forged": "rejected"}
    assert results["p2-forged"].reason == "conflicting_duplicate"

    events = [placed, vote, placed2]
    expected = {
        ("all", day(1), "orders"): 2,
        ("all", day(2), "responses"): 1,
        ("all", day(2), "dissatisfied"): 1,
    }
    check(stack, events, day(2), expected)
    check(stack, events, day(4), expected)


def test_full_batch_for_one_store_is_split_across_transactions_and_counted_once(
    stack: Deployment,
) -> None:
    # 100 distinct entities: more writes than one DynamoDB transaction can hold.
    orders = [
        order_placed(f"o{i}", "2026-10-01T10:00:00Z", fulfillment="marketplace") for i in range(50)
    ]
    contacts = [
        contact_received(f"c{i}", "2026-10-02T08:30:00Z", reason="shipping") for i in range(50)
    ]
    events = orders + contacts
    ingest(stack, *events)
    ingest(stack, *events)
    expected = {
        ("all", day(1), "orders"): 50,
        ("all", day(2), "contacts"): 50,
        ("all", day(2), "reason:shipping"): 50,
        ("all", day(2), "preventable"): 50,
        ("all", day(2), "unanswered_c:9"): 50,
        ("all", day(2), "arr_wait:fri_night"): 50,  # 01:30 in Los Angeles
    }
    check(stack, events, day(2), expected)


# ---- EventBridge --------------------------------------------------------------------------


def test_events_put_on_the_bus_reach_the_queue_and_are_stored(stack: Deployment) -> None:
    events_client = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    bus = stack.outputs["EventBusName"]
    placed = order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="seller")
    contact = contact_received("c1", "2026-10-01T15:20:00Z", reason="fulfillment", order_id="o1")
    reply = contact_responded("c1", "2026-10-01T17:00:00Z")
    vote = survey_vote("o1", "2026-10-02T09:00:00Z", vote="yes", contact_id="c1")
    events = [placed, contact, reply, vote]
    entries = [
        {
            "EventBusName": bus,
            "Source": "marketplace.orders",
            "DetailType": e["type"],
            "Detail": json.dumps(e),
        }
        for e in events
    ]
    # Not a marketplace event type: the rule does not route it.
    entries.append(
        {
            "EventBusName": bus,
            "Source": "marketplace.orders",
            "DetailType": "order.shipped",
            "Detail": json.dumps({"order_id": "o1"}),
        }
    )
    response = events_client.put_events(Entries=entries)
    assert response["FailedEntryCount"] == 0

    report = QueueDriver(
        sqs, stack.outputs["IngestQueueUrl"], lambda e: stack.invoke("IngestFunction", e)
    ).drain()
    assert (report.delivered, report.deleted, report.redelivered) == (4, 4, 0)
    check(
        stack,
        events,
        day(2),
        {
            **both(day(1), "orders"),
            **both(day(1), "contacts"),
            **both(day(1), "reason:fulfillment"),
            **both(day(1), "preventable"),
            **both(day(1), "answered_h:1"),
            **both(day(1), "within_24h"),
            **both(day(2), "responses"),
            ("all", day(1), "arr_24h:thu_morning"): 1,  # 08:20 in Los Angeles
        },
    )
