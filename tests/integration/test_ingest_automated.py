"""Auto-replies through the real ingest handler: an automated `contact.responded` never
stops the clock, whether it arrives alone, before or after the seller's reply, twice or
redelivered; it writes its contact item (the duplicate marker) and nothing else."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from csinsights.config import Settings
from csinsights.ingest import Ingestor, Message, Result
from csinsights.store import keys
from csinsights.store.ingest import IngestStore
from csinsights.store.read import ReadStore
from csinsights_local.stack import Deployment
from tests import reference
from tests.aggregates import all_items, both, day, stored
from tests.api_events import seller_claims
from tests.builders import (
    contact_received,
    contact_responded,
    no_response_needed,
    order_placed,
    sqs_batch,
    survey_vote,
)
from tests.integration.api_client import OVERDUE, Api
from tests.state import table_items

SELLER = "A1SELLER"


@pytest.fixture
def stack(restored: Deployment) -> Deployment:
    """The template as deployed: one deployment per module (and worker), restored before
    each test instead of a new one."""
    return restored


def repository(stack: Deployment) -> IngestStore:
    return IngestStore(settings=Settings(table_name=stack.outputs["EventsTableName"]))


def ingest(stack: Deployment, *bodies: Any) -> None:
    response = stack.invoke("IngestFunction", sqs_batch(list(bodies)))
    assert response == {"batchItemFailures": []}


def statuses(results: dict[str, Result]) -> dict[str, str]:
    return {message_id: result.status for message_id, result in results.items()}


def open_contacts(stack: Deployment, seller: str = SELLER) -> list[str]:
    read = ReadStore(settings=Settings(table_name=stack.outputs["EventsTableName"]))
    return [c.contact_id for c in read.open_contacts(seller, "US", limit=100)]


def contact_item(stack: Deployment, contact_id: str) -> dict[str, Any]:
    return all_items(stack.outputs["EventsTableName"])[
        (keys.contact_pk(SELLER, "US", contact_id), keys.STATE)
    ]


def counted(stack: Deployment, events: list[dict[str, Any]], days: range) -> None:
    """The stored counters equal the reference's for the stream without its auto-replies."""
    real = [e for e in events if not e["data"].get("automated")]
    for d in days:
        assert stored(stack, day(d)) == reference.counters(real, day(d)), d


RECEIVED = contact_received("c1", "2026-10-01T10:00:00Z", order_id="o1", reason="shipping")
PLACED = order_placed("o1", "2026-10-01T09:00:00Z", fulfillment="seller")
ANSWERED_IN_5H = {
    **both(day(1), "orders"),
    **both(day(1), "contacts"),
    **both(day(1), "preventable"),
    **both(day(1), "reason:shipping"),
    **both(day(1), "answered_h:5"),
    **both(day(1), "within_24h"),
    # 10:00 Z on Thursday 1 October is 03:00 in Los Angeles: answered within 24 h.
    ("all", day(1), "arr_24h:thu_night"): 1,
}


def test_an_auto_reply_alone_leaves_the_contact_unanswered_open_and_overdue(
    stack: Deployment,
) -> None:
    auto = contact_responded("c1", "2026-10-01T10:00:05Z", automated=True)

    ingest(stack, PLACED, RECEIVED, auto)

    unanswered = {
        **both(day(1), "orders"),
        **both(day(1), "contacts"),
        **both(day(1), "preventable"),
        **both(day(1), "reason:shipping"),
        # received at 10:00: 10 hours into its day, its age counts on from there
        **both(day(1), "unanswered_c:10"),
        ("all", day(1), "arr_wait:thu_night"): 1,  # 03:00 in Los Angeles
    }
    assert stored(stack, day(1)) == unanswered
    assert stored(stack, day(9)) == unanswered
    counted(stack, [PLACED, RECEIVED, auto], range(1, 10))
    assert open_contacts(stack) == ["c1"]
    overdue = Api(stack).get(OVERDUE, {"seller_id": SELLER}, claims=seller_claims(SELLER))
    assert [(c["contact_id"], c["overdue"]) for c in overdue["contacts"]] == [("c1", True)]
    item = contact_item(stack, "c1")
    assert json.loads(item["responded"]["S"]) == []
    assert [e[0] for e in json.loads(item["auto_replied"]["S"])] == [auto["event_id"]]


def test_an_auto_reply_before_the_real_one_does_not_change_the_response_time(
    stack: Deployment,
) -> None:
    auto = contact_responded("c1", "2026-10-01T10:00:05Z", automated=True)
    real = contact_responded("c1", "2026-10-01T15:30:00Z")

    ingest(stack, PLACED, RECEIVED, auto)
    ingest(stack, real)

    assert stored(stack, day(1)) == ANSWERED_IN_5H
    assert stored(stack, day(4)) == ANSWERED_IN_5H
    counted(stack, [PLACED, RECEIVED, auto, real], range(1, 5))
    assert open_contacts(stack) == []


def test_an_auto_reply_after_the_real_one_changes_nothing(stack: Deployment) -> None:
    real = contact_responded("c1", "2026-10-01T15:30:00Z")
    late_auto = contact_responded("c1", "2026-10-03T08:00:00Z", automated=True)
    ingest(stack, PLACED, RECEIVED, real)
    table = stack.outputs["EventsTableName"]
    before = {k: v for k, v in all_items(table).items() if k[0].startswith("AGG#")}

    ingest(stack, late_auto)

    after = {k: v for k, v in all_items(table).items() if k[0].startswith("AGG#")}
    assert after == before
    assert stored(stack, day(3)) == ANSWERED_IN_5H
    assert open_contacts(stack) == []


def test_an_auto_reply_arriving_before_its_contact_counts_for_nothing(
    stack: Deployment,
) -> None:
    auto = contact_responded("c1", "2026-10-01T10:00:05Z", automated=True)
    real = contact_responded("c1", "2026-10-02T11:00:00Z")

    ingest(stack, auto)
    assert stored(stack, day(5)) == {}
    ingest(stack, PLACED, RECEIVED)
    assert open_contacts(stack) == ["c1"]
    ingest(stack, real)

    counted(stack, [auto, PLACED, RECEIVED, real], range(1, 5))
    # The real reply came 25 hours after the message: the auto-reply's seconds count for nothing.
    as_of_the_reply = stored(stack, day(2))
    assert as_of_the_reply[("all", day(1), "answered_h:25")] == 1
    assert ("all", day(1), "within_24h") not in as_of_the_reply


def test_two_auto_replies_and_redeliveries_change_nothing(stack: Deployment) -> None:
    first = contact_responded("c1", "2026-10-01T10:00:05Z", automated=True)
    second = contact_responded("c1", "2026-10-01T12:00:00Z", automated=True)
    ingestor = Ingestor(repository(stack))
    ingest(stack, PLACED, RECEIVED)
    table = stack.outputs["EventsTableName"]
    aggregates = {k: v for k, v in all_items(table).items() if k[0].startswith("AGG#")}

    results = ingestor.ingest(
        [
            Message("m1", json.dumps(first)),
            Message("m2", json.dumps(second)),
            Message("m3", json.dumps(first)),
        ]
    )
    assert statuses(results) == {"m1": "accepted", "m2": "accepted", "m3": "duplicate"}
    state = all_items(table)
    assert {k: v for k, v in state.items() if k[0].startswith("AGG#")} == aggregates

    # Redelivered later, with `automated` and the keys in another order: still duplicates.
    reordered = json.dumps({k: second[k] for k in reversed(list(second))})
    again = ingestor.ingest([Message("m4", reordered), Message("m5", json.dumps(first))])
    assert statuses(again) == {"m4": "duplicate", "m5": "duplicate"}
    ingest(stack, first, second)
    assert all_items(table) == state
    assert open_contacts(stack) == ["c1"]
    assert len(json.loads(contact_item(stack, "c1")["auto_replied"]["S"])) == 2


def test_the_same_reply_id_with_the_flag_flipped_is_rejected_and_kept(stack: Deployment) -> None:
    auto = contact_responded("c1", "2026-10-01T10:00:05Z", automated=True, event_id="reply-1")
    flipped = contact_responded("c1", "2026-10-01T10:00:05Z", event_id="reply-1")
    absent_flag = contact_responded("c2", "2026-10-01T11:00:00Z", event_id="reply-2")
    explicit_false = contact_responded("c2", "2026-10-01T11:00:00Z", False, event_id="reply-2")
    now_auto = contact_responded("c2", "2026-10-01T11:00:00Z", True, event_id="reply-2")
    ingest(stack, PLACED, RECEIVED, auto, absent_flag)
    table = stack.outputs["EventsTableName"]
    state = all_items(table)

    days = {datetime.now(UTC).date()}
    batch = sqs_batch([flipped, explicit_false, now_auto])
    assert stack.invoke("IngestFunction", batch) == {"batchItemFailures": []}
    days.add(datetime.now(UTC).date())

    ids = [record["messageId"] for record in batch["Records"]]
    kept = {
        rejected.message_id: rejected.public()
        for d in days
        for rejected in repository(stack).list_rejected(d)
    }
    assert set(kept) == {ids[0], ids[2]}
    for message_id, body in ((ids[0], flipped), (ids[2], now_auto)):
        assert kept[message_id]["reason"] == "conflicting_duplicate"
        assert [e["field"] for e in kept[message_id]["errors"]] == ["event_id"]
        assert json.loads(kept[message_id]["body"]) == body
    # `"automated": false` is the same content as no flag: a plain duplicate.
    assert {k: v for k, v in all_items(table).items() if not k[0].startswith("REJECTED#")} == state

    # Within one batch, on a fresh contact: the first stands, the flipped one is a conflict.
    real = contact_responded("c3", "2026-10-01T12:00:00Z", event_id="reply-3")
    forged = contact_responded("c3", "2026-10-01T12:00:00Z", True, event_id="reply-3")
    results = Ingestor(repository(stack)).ingest(
        [Message("real", json.dumps(real)), Message("forged", json.dumps(forged))]
    )
    assert statuses(results) == {"real": "accepted", "forged": "rejected"}
    assert results["forged"].reason == "conflicting_duplicate"


def test_an_auto_reply_commits_its_contact_item_alone(stack: Deployment) -> None:
    """No aggregate Update, no condition check on the order: the flag adds no write."""
    ingest(stack, PLACED, RECEIVED)
    repo = repository(stack)
    transactions: list[list[dict[str, Any]]] = []
    commit = repo.table.transact_write

    def spy(actions: list[dict[str, Any]]) -> None:
        transactions.append(actions)
        commit(actions)

    repo.table.transact_write = spy  # type: ignore[method-assign]
    auto = contact_responded("c1", "2026-10-01T10:00:05Z", automated=True)
    real = contact_responded("c1", "2026-10-01T15:30:00Z")

    Ingestor(repo).ingest([Message("auto", json.dumps(auto))])
    Ingestor(repo).ingest([Message("real", json.dumps(real))])

    auto_commit, real_commit = transactions
    assert [list(action) for action in auto_commit] == [["Put"]]
    (put,) = auto_commit
    assert put["Put"]["Item"]["pk"]["S"] == keys.contact_pk(SELLER, "US", "c1")
    assert "auto_replied" in put["Put"]["Item"]
    # The real reply's commit: the contact and the deltas. Its order is not checked: the
    # contact keeps a copy of the order's placements, and a vote is the order's to count.
    assert sorted({kind for action in real_commit for kind in action}) == ["Put", "Update"]
    assert [a["Put"]["Item"]["pk"]["S"] for a in real_commit if "Put" in a] == [
        keys.contact_pk(SELLER, "US", "c1")
    ]


def test_a_stream_with_auto_replies_stores_the_aggregates_of_the_stream_without(
    stack: Deployment,
) -> None:
    """Two sellers get the same marketplace, shuffled and redelivered; one's buyers also
    get auto-replies (alone, before, after and between real replies, some on contacts
    marked as needing none). Their aggregate items and open contacts are the same."""
    rng = random.Random(20261001)
    plain: list[dict[str, Any]] = []
    autos: list[dict[str, Any]] = []
    for n in range(40):
        d = 1 + n % 20
        oid, cid = f"o{n}", f"c{n}"
        plain.append(
            order_placed(oid, f"2026-10-{d:02d}T08:00:00Z", ["seller", "marketplace"][n % 2])
        )
        plain.append(
            contact_received(cid, f"2026-10-{d:02d}T{9 + n % 12:02d}:15:00Z", order_id=oid)
        )
        if n % 5 == 0:
            plain.append(no_response_needed(cid, f"2026-10-{d + 1:02d}T07:00:00Z"))
        if n % 3:
            hours = [2, 20, 30, 60][n % 4]
            at = datetime(2026, 10, d, 9 + n % 12, 15, tzinfo=UTC).timestamp() + hours * 3600
            plain.append(contact_responded(cid, _iso(at)))
        if n % 4 == 0:
            plain.append(survey_vote(oid, f"2026-10-{d + 2:02d}T10:00:00Z", vote="no"))
        for k in range(n % 3 + (n % 7 == 0)):
            minutes = [0.05, 90, 3000][k % 3] + rng.random()
            at = datetime(2026, 10, d, 9 + n % 12, 15, tzinfo=UTC).timestamp() + minutes * 60
            autos.append(contact_responded(cid, _iso(at), automated=True))
    other = "B2SELLER"
    mirrored = [{**e, "seller_id": other, "event_id": f"b-{e['event_id']}"} for e in plain]
    mixed = plain + autos
    rng.shuffle(mixed)
    rng.shuffle(mirrored)
    for start in range(0, len(mixed), 37):
        ingest(stack, *mixed[start : start + 37], *mixed[: start // 10])
    for start in range(0, len(mirrored), 50):
        ingest(stack, *mirrored[start : start + 50])

    items = table_items(stack.outputs["EventsTableName"])  # read once: nothing writes now

    def aggregates(seller: str) -> dict[str, dict[str, Any]]:
        pk = keys.aggregate_pk(seller, "US")
        return {
            item["sk"]["S"]: {k: v for k, v in item.items() if k != "pk"}
            for item in items
            if item["pk"]["S"] == pk
        }

    assert aggregates(SELLER)
    assert aggregates(SELLER) == aggregates(other)
    assert open_contacts(stack) == open_contacts(stack, other)
    assert len(open_contacts(stack)) > 5
    for d in (1, 10, 20, 25):
        assert stored(stack, day(d)) == reference.counters(plain, day(d))
    auto_replied = [
        json.loads(item["auto_replied"]["S"])
        for item in items
        if item["pk"]["S"].startswith(f"CONTACT#{SELLER}#") and "auto_replied" in item
    ]
    assert sum(len(stamps) for stamps in auto_replied) == len(autos)
    assert not any(
        "auto_replied" in item for item in items if item["pk"]["S"].startswith(f"CONTACT#{other}#")
    )


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
