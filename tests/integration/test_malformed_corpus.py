"""The malformed-input corpus (`tests/corpus/malformed_events.json`): every case is
rejected with its reason and errors naming exactly its fields, kept with its body (large
bodies truncated, with size and digest), and never blocks the valid events of its batch."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from csinsights.config import Settings
from csinsights.ingest import Ingestor, Message, Result, validate
from csinsights.store.codecs import KEPT_BODY_BYTES
from csinsights.store.rejected import RejectedEvents
from csinsights.store.run import RunStore
from csinsights_local.embedded import EmbeddedStore
from csinsights_local.stack import Deployment
from tests import reference
from tests.builders import (
    contact_received,
    contact_responded,
    order_placed,
    sqs_batch,
    survey_vote,
)
from tests.definitions import as_of

CORPUS = json.loads((Path(__file__).parent.parent / "corpus" / "malformed_events.json").read_text())
CASES: list[dict[str, Any]] = CORPUS["cases"]
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def body_of(case: dict[str, Any]) -> str:
    if "nest" in case:
        return "[" * case["nest"] + "]" * case["nest"]
    if "body" in case:
        return str(case["body"])
    body = json.dumps(case["event"])
    if "pad" in case:
        pad = case["pad"]
        filler = "x" * (pad["bytes"] - len(body.encode()))
        event = json.loads(body)
        event["data"][pad["field"]] = filler
        body = json.dumps(event)
        assert len(body.encode()) == pad["bytes"]
    return body


def fields_of(result: Result) -> list[str]:
    return sorted({error["field"] for error in result.errors})


def test_the_corpus_covers_every_kind_of_malformed_input() -> None:
    groups = {case["group"] for case in CASES}
    assert groups == {
        "wrong type",
        "bad value",
        "missing field",
        "unknown field",
        "bad timestamp",
        "oversized",
        "not JSON",
        "unicode",
    }
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_each_case_is_rejected_naming_its_fields(case: dict[str, Any]) -> None:
    result = validate(body_of(case), NOW)
    assert isinstance(result, Result), "accepted a malformed event"
    assert result.status == "rejected"
    assert result.reason == case["reason"]
    assert fields_of(result) == sorted(case["fields"]), result.errors
    assert all(error["message"] for error in result.errors)


VALID = [
    order_placed("o1", "2026-10-01T10:00:00Z", fulfillment="seller"),
    contact_received("c1", "2026-10-01T12:00:00Z", order_id="o1", reason="shipping"),
    contact_responded("c1", "2026-10-01T15:00:00Z"),
    survey_vote("o1", "2026-10-02T09:00:00Z", vote="no", contact_id="c1"),
    order_placed("o2", "2026-10-02T10:00:00Z", fulfillment="marketplace"),
    survey_vote("o2", "2026-10-03T09:00:00Z", rating=5),
]


def counters(stack: Deployment, day: date):  # type: ignore[no-untyped-def]
    repo = RunStore(settings=Settings(table_name=stack.outputs["EventsTableName"]))
    items = repo.aggregates("A1SELLER", "US", date(2026, 9, 1), date(2026, 12, 31))
    return as_of(((i.belongs, i.effective, i.counters) for i in items), day)


def kept(stack: Deployment, days: set[date]) -> dict[str, dict[str, Any]]:
    repo = RejectedEvents(settings=Settings(table_name=stack.outputs["EventsTableName"]))
    return {kept.message_id: kept.public() for d in days for kept in repo.list_rejected(d)}


def check_kept(item: dict[str, Any], case: dict[str, Any], body: str) -> None:
    assert item["reason"] == case["reason"], case["name"]
    assert sorted({e["field"] for e in item["errors"]}) == sorted(case["fields"]), case["name"]
    raw = body.encode()
    if len(raw) > KEPT_BODY_BYTES:
        assert item["truncated"] is True
        assert raw.startswith(item["body"].encode())
        assert item["body_bytes"] == len(raw)
        assert item["body_sha256"] == hashlib.sha256(raw).hexdigest()
    else:
        assert item["truncated"] is False, case["name"]
        assert item["body"] == body, case["name"]


def test_every_case_through_the_handler_is_kept_and_never_blocks_its_batch(
    stack: Deployment, tally: Any
) -> None:
    """The corpus in batches of up to 100 (the template's batch size), each malformed body
    between valid events; every batch is fully acknowledged."""
    bodies: list[tuple[dict[str, Any] | None, Any]] = []
    valid = iter(VALID)
    for index, case in enumerate(CASES):
        bodies.append((case, body_of(case)))
        if index % 15 == 0 and (event := next(valid, None)) is not None:
            bodies.append((None, event))
    bodies += [(None, event) for event in valid]
    days = {datetime.now(UTC).date()}
    expected: dict[str, tuple[dict[str, Any], str]] = {}
    for start in range(0, len(bodies), 100):
        chunk = bodies[start : start + 100]
        batch = sqs_batch([body for _, body in chunk])
        for (case, body), record in zip(chunk, batch["Records"], strict=True):
            if case is not None:
                expected[record["messageId"]] = (case, body)
        assert stack.invoke("IngestFunction", batch) == {"batchItemFailures": []}
    days.add(datetime.now(UTC).date())

    stored = kept(stack, days)
    assert set(stored) == set(expected)
    for message_id, (case, body) in expected.items():
        check_kept(stored[message_id], case, body)
    for day in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)):
        assert counters(stack, day) == reference.counters(VALID, day)
    tally["malformed inputs rejected and kept"] += len(expected)


Mixed = list[tuple[dict[str, Any] | None, Any]]


def mixed_batch(valid: int) -> Mixed:
    """`valid` events (orders, then a vote on each), each after four malformed bodies (the
    small cases of the corpus, each many times over): five times `valid` records."""
    small = [case for case in CASES if "pad" not in case and "nest" not in case]
    orders = valid // 2
    good = [
        order_placed(f"o{n}", f"2026-10-{1 + n % 28:02d}T10:00:00Z", fulfillment="seller")
        for n in range(orders)
    ] + [
        survey_vote(f"o{n}", f"2026-10-{1 + n % 28:02d}T18:00:00Z", vote=("no" if n % 3 else "yes"))
        for n in range(orders)
    ]
    bad = [small[n % len(small)] for n in range(4 * len(good))]
    mixed: Mixed = [(case, body_of(case)) for case in bad]
    for index, event in enumerate(good):
        mixed.insert(index * 5, (None, event))
    return mixed


def check_batch(
    mixed: Mixed,
    message_ids: list[str],
    stored: dict[str, dict[str, Any]],
    counted: Callable[[date], Counter[Any]],
) -> int:
    """Every malformed body of the batch kept under its message id, every valid event
    counted; returns how many were kept."""
    rejected = {mid for (case, _), mid in zip(mixed, message_ids, strict=True) if case is not None}
    assert set(stored) == rejected
    for (case, body), message_id in zip(mixed, message_ids, strict=True):
        if case is not None:
            check_kept(stored[message_id], case, body)
    good = [event for case, event in mixed if case is None]
    for day in (date(2026, 10, 1), date(2026, 10, 15), date(2026, 10, 28)):
        assert counted(day) == reference.counters(good, day)
    return len(rejected)


def test_a_batch_five_times_the_template_size_keeps_every_rejection_and_counts_every_event(
    stack: Deployment, tally: Any
) -> None:
    """500 records in one invocation of the handler (five times the template's batch
    size): 400 malformed, 100 valid events. The volume (2,000 records in one batch) runs
    on the embedded store, below."""
    mixed = mixed_batch(valid=100)
    batch = sqs_batch([body for _, body in mixed])
    days = {datetime.now(UTC).date()}
    assert stack.invoke("IngestFunction", batch) == {"batchItemFailures": []}
    days.add(datetime.now(UTC).date())

    message_ids = [record["messageId"] for record in batch["Records"]]
    kept_count = check_batch(mixed, message_ids, kept(stack, days), lambda d: counters(stack, d))
    tally["malformed inputs rejected and kept"] += kept_count
    tally["records in one batch through the handler"] += len(mixed)


def test_a_huge_batch_of_mixed_input_keeps_every_rejection_and_counts_every_event(
    tally: Any,
) -> None:
    """2,000 records in one batch (20 times the template's batch size): 1,600 malformed,
    400 valid events, through the product's `Ingestor` onto the embedded store (the same
    ports the handler's DynamoDB store implements: tests/contract)."""
    mixed = mixed_batch(valid=400)
    messages = [
        Message(f"m{n}", body if isinstance(body, str) else json.dumps(body))
        for n, (_, body) in enumerate(mixed)
    ]
    store = EmbeddedStore()
    days = {datetime.now(UTC).date()}
    results = Ingestor(store).ingest(messages)
    days.add(datetime.now(UTC).date())
    assert {r.status for r in results.values()} == {"accepted", "rejected"}

    stored = {k.message_id: k.public() for d in days for k in store.list_rejected(d)}

    def counted(day: date) -> Counter[Any]:
        items = store.aggregates("A1SELLER", "US", date(2026, 9, 1), date(2026, 12, 31))
        return as_of(((i.belongs, i.effective, i.counters) for i in items), day)

    kept_count = check_batch(mixed, [m.message_id for m in messages], stored, counted)
    tally["malformed inputs rejected and kept"] += kept_count
    tally["records in one huge batch (embedded store)"] += len(mixed)
