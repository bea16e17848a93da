"""AWS faults moto does not emulate: throttling, cancelled transactions, unprocessed keys,
failed writes of rejections, and a concurrent writer between load and commit.

Faults are injected by wrapping the repository's real (moto) DynamoDB client, or with
`botocore.stub.Stubber` on a second client for one-shot service errors. Whatever fault
occurs, the end state must equal a clean run of the same events, with nothing counted
twice and nothing lost.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from csinsights.config import Settings
from csinsights.ingest import Ingestor, Message, Result
from csinsights.store.ingest import IngestStore
from csinsights.store.run import RunStore
from csinsights_local.stack import Deployment, deploy
from tests import reference
from tests.builders import (
    contact_received,
    contact_responded,
    order_placed,
    sqs_batch,
    survey_vote,
)
from tests.definitions import as_of

SELLER = "A1SELLER"
REGION = "us-east-1"

Fault = Callable[[Callable[..., Any], dict[str, Any]], Any]
"""Called instead of a client method with (the real method, its kwargs)."""


class FaultyClient:
    """Delegates to a real DynamoDB client; `faults[method]` holds one-shot faults run in
    place of the next calls, `always[method]` a fault run on every call."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.faults: dict[str, list[Fault]] = {}
        self.always: dict[str, Fault] = {}
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.real, name)
        if not callable(attribute):
            return attribute

        def call(**kwargs: Any) -> Any:
            self.calls[name] += 1
            pending = self.faults.get(name)
            if pending:
                return pending.pop(0)(attribute, kwargs)
            if name in self.always:
                return self.always[name](attribute, kwargs)
            return attribute(**kwargs)

        return call


@pytest.fixture
def stack(restored: Deployment) -> Deployment:
    """The template as deployed: one deployment per module (and worker), restored before
    each test instead of a new one."""
    return restored


def client_error(operation: str, code: str, **extra: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"injected {code}"}, **extra}, operation)


def raising(operation: str, code: str, **extra: Any) -> Fault:
    def fault(call: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        raise client_error(operation, code, **extra)

    return fault


def dynamodb() -> Any:
    return boto3.client("dynamodb", region_name=REGION)


def table_of(stack: Deployment) -> str:
    return stack.outputs["EventsTableName"]


def ingestor(stack: Deployment, client: Any = None, **settings: Any) -> Ingestor:
    return Ingestor(
        IngestStore(
            client=client or dynamodb(), settings=Settings(table_name=table_of(stack), **settings)
        )
    )


def messages(events: list[Any], prefix: str = "m") -> list[Message]:
    return [
        Message(f"{prefix}{i}", e if isinstance(e, str) else json.dumps(e))
        for i, e in enumerate(events)
    ]


def statuses(results: dict[str, Result]) -> dict[str, str]:
    return {message_id: result.status for message_id, result in results.items()}


def stored(stack: Deployment, day: date, store: str = "US") -> Counter[tuple[str, date, str]]:
    repo = RunStore(client=dynamodb(), settings=Settings(table_name=table_of(stack)))
    items = repo.aggregates(SELLER, store, date(2026, 9, 1), date(2026, 12, 31))
    return as_of(((i.belongs, i.effective, i.counters) for i in items), day)


def dump(stack: Deployment) -> dict[tuple[str, str], dict[str, Any]]:
    """Every item of the table, versions included (a failed commit must not bump them)."""
    items = {}
    for page in dynamodb().get_paginator("scan").paginate(TableName=table_of(stack)):
        for item in page["Items"]:
            item.pop("registered_at", None)
            items[(item["pk"]["S"], item["sk"]["S"])] = item
    return items


def entity_keys(stack: Deployment) -> set[str]:
    return {pk for pk, _ in dump(stack) if not pk.startswith("REJECTED#")}


def day(n: int) -> date:
    return date(2026, 10, n)


def assert_matches_reference(stack: Deployment, events: list[dict[str, Any]]) -> None:
    for store in {e["store_id"] for e in events}:
        mine = [e for e in events if e["store_id"] == store]
        for n in range(1, 9):
            assert stored(stack, day(n), store) == reference.counters(mine, day(n)), (store, n)


_clean: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}


def clean_run(batches: list[list[dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    """`dump` of the same batches ingested without any fault into a second stack (once
    per batches and worker: the tests of one fault kind share it)."""
    key = json.dumps(batches)
    if key not in _clean:
        clean = deploy(f"clean{len(_clean)}")
        for batch in batches:
            results = ingestor(clean).ingest(messages(batch))
            assert {r.status for r in results.values()} <= {"accepted", "duplicate"}
        _clean[key] = dump(clean)
    return _clean[key]


# One seller, two stores; the batch touches entities stored before it.
PRE = [
    order_placed("o1", "2026-10-01T09:00:00Z", fulfillment="seller"),
    contact_received("c1", "2026-10-02T08:00:00Z", reason="shipping", order_id="o1"),
    order_placed("o9", "2026-10-01T12:00:00Z", fulfillment="marketplace", store="CA"),
]
BATCH = [
    survey_vote("o1", "2026-10-03T10:00:00Z", vote="no"),
    contact_responded("c1", "2026-10-02T10:30:00Z"),
    order_placed("o2", "2026-10-03T11:00:00Z", fulfillment="marketplace"),
    survey_vote("o9", "2026-10-04T10:00:00Z", rating=4, store="CA"),
]
US_EXPECTED_DAY_4 = {
    ("all", day(1), "orders"): 1,
    ("sf", day(1), "orders"): 1,
    ("all", day(3), "orders"): 1,
    ("all", day(2), "contacts"): 1,
    ("sf", day(2), "contacts"): 1,
    ("all", day(2), "preventable"): 1,
    ("sf", day(2), "preventable"): 1,
    ("all", day(2), "reason:shipping"): 1,
    ("sf", day(2), "reason:shipping"): 1,
    ("all", day(2), "answered_h:2"): 1,
    ("sf", day(2), "answered_h:2"): 1,
    ("all", day(2), "within_24h"): 1,
    ("sf", day(2), "within_24h"): 1,
    ("all", day(2), "bdr_dissatisfied"): 1,
    ("sf", day(2), "bdr_dissatisfied"): 1,
    ("all", day(3), "responses"): 1,
    ("sf", day(3), "responses"): 1,
    ("all", day(3), "dissatisfied"): 1,
    ("sf", day(3), "dissatisfied"): 1,
    # 08:00 Z on Friday 2 October is 01:00 in Los Angeles: answered within 24 h.
    ("all", day(2), "arr_24h:fri_night"): 1,
}


def stubbed_error(code: str, **modeled: Any) -> Fault:
    """A TransactWriteItems that fails once with `code`, as botocore parses it."""
    stubbed = boto3.client("dynamodb", region_name=REGION)
    stubber = Stubber(stubbed)
    stubber.add_client_error(
        "transact_write_items",
        service_error_code=code,
        service_message=f"injected {code}",
        http_status_code=400,
        modeled_fields=modeled or None,
    )
    stubber.activate()

    def fault(call: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        # The stub also validates the request against the DynamoDB API model.
        try:
            return stubbed.transact_write_items(**kwargs)
        finally:
            stubber.assert_no_pending_responses()

    return fault


def cancelled(reason: str) -> Fault:
    return stubbed_error(
        "TransactionCanceledException",
        CancellationReasons=[
            {"Code": reason, "Message": f"injected {reason}"},
            {"Code": "None"},
        ],
    )


# ---- transient commit faults --------------------------------------------------------------


@pytest.mark.parametrize(
    "make_fault",
    [
        pytest.param(
            lambda: stubbed_error("ProvisionedThroughputExceededException"), id="throughput"
        ),
        pytest.param(lambda: stubbed_error("ThrottlingException"), id="throttling"),
        pytest.param(lambda: cancelled("ConditionalCheckFailed"), id="cancelled-condition"),
        pytest.param(lambda: cancelled("TransactionConflict"), id="cancelled-conflict"),
        pytest.param(
            lambda: raising("TransactWriteItems", "TransactionConflictException"), id="conflict"
        ),
    ],
)
def test_commit_failing_once_is_retried_in_process_and_counts_once(
    stack: Deployment, make_fault: Callable[[], Fault]
) -> None:
    assert statuses(ingestor(stack).ingest(messages(PRE, "pre"))) == {
        "pre0": "accepted",
        "pre1": "accepted",
        "pre2": "accepted",
    }
    client = FaultyClient(dynamodb())
    client.faults["transact_write_items"] = [make_fault()]

    results = ingestor(stack, client).ingest(messages(BATCH))

    assert statuses(results) == {f"m{i}": "accepted" for i in range(4)}
    # US failed once and was retried; CA committed at the first try.
    assert client.calls["transact_write_items"] == 3
    assert not client.faults["transact_write_items"]
    assert stored(stack, day(4)) == US_EXPECTED_DAY_4
    assert_matches_reference(stack, PRE + BATCH)
    assert dump(stack) == clean_run([PRE, BATCH])


# ---- a group that keeps failing -----------------------------------------------------------


def only_store(store: str, fault: Fault) -> Fault:
    """Apply `fault` to transactions of `store`'s group; let the others through."""

    def stores(kwargs: dict[str, Any]) -> set[str]:
        found = set()
        for action in kwargs["TransactItems"]:
            (body,) = action.values()
            key = body.get("Item") or body["Key"]
            parts = key["pk"]["S"].split("#")
            if parts[0] in ("ORDER", "CONTACT", "AGG"):
                found.add(parts[2])
        return found

    def selective(call: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        if store in stores(kwargs):
            return fault(call, kwargs)
        return call(**kwargs)

    return selective


def test_commit_failing_every_attempt_returns_retry_and_writes_nothing(
    stack: Deployment,
) -> None:
    events = [e for e in PRE + BATCH if e["store_id"] == "US"]
    client = FaultyClient(dynamodb())
    client.always["transact_write_items"] = raising(
        "TransactWriteItems", "ProvisionedThroughputExceededException"
    )

    results = ingestor(stack, client, commit_attempts=4).ingest(messages(events))

    assert statuses(results) == {f"m{i}": "retry" for i in range(len(events))}
    assert {r.event_id for r in results.values()} == {e["event_id"] for e in events}
    assert client.calls["transact_write_items"] == 4
    assert stored(stack, day(9)) == {}
    assert dump(stack) == {}

    # Redelivered once the fault is gone: counted exactly once, then duplicates.
    first = ingestor(stack).ingest(messages(events))
    assert set(statuses(first).values()) == {"accepted"}
    again = ingestor(stack).ingest(messages(events))
    assert set(statuses(again).values()) == {"duplicate"}
    assert stored(stack, day(4)) == US_EXPECTED_DAY_4
    assert_matches_reference(stack, events)


def test_handler_reports_the_failing_group_in_batch_item_failures(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.ingest import app

    client = FaultyClient(dynamodb())
    client.always["transact_write_items"] = only_store(
        "US", raising("TransactWriteItems", "ThrottlingException")
    )
    faulty = ingestor(stack, client, commit_attempts=2)
    monkeypatch.setattr(app, "ingestor", lambda: faulty)
    events = PRE + BATCH
    batch = sqs_batch([*events, "not json"])
    ids = [record["messageId"] for record in batch["Records"]]
    us_ids = {ids[i] for i, e in enumerate(events) if e["store_id"] == "US"}

    response = stack.invoke("IngestFunction", batch)

    assert {f["itemIdentifier"] for f in response["batchItemFailures"]} == us_ids
    assert stored(stack, day(9)) == {}
    assert stored(stack, day(9), "CA") == {
        ("all", day(1), "orders"): 1,
        ("all", day(4), "responses"): 1,
    }
    assert not any("#US#" in pk for pk in entity_keys(stack))

    # A batch whose every record fails makes the invocation fail (Lambda retries the whole
    # batch and backs off): nothing is acknowledged.
    us_only = sqs_batch([e for e in events if e["store_id"] == "US"])
    with pytest.raises(app.RetryLater):
        stack.invoke("IngestFunction", us_only)

    # SQS redelivers the failed records; the fault has cleared.
    client.always.clear()
    redelivery = {"Records": [r for r in batch["Records"] if r["messageId"] in us_ids]}
    assert stack.invoke("IngestFunction", redelivery) == {"batchItemFailures": []}
    assert stack.invoke("IngestFunction", batch) == {"batchItemFailures": []}
    assert stack.invoke("IngestFunction", us_only) == {"batchItemFailures": []}
    assert stored(stack, day(4)) == US_EXPECTED_DAY_4
    assert_matches_reference(stack, events)
    # US twice and CA once, US-only twice, the redelivery once; then only duplicates.
    assert client.calls["transact_write_items"] == 3 + 2 + 1


# ---- reads ----------------------------------------------------------------------------------


def test_batch_get_leaving_unprocessed_keys_on_the_first_call_is_still_correct(
    stack: Deployment,
) -> None:
    ingestor(stack).ingest(messages(PRE, "pre"))

    def half_processed(call: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        ((table, request),) = kwargs["RequestItems"].items()
        keys = request["Keys"]
        assert len(keys) >= 2
        middle = len(keys) // 2
        response = call(RequestItems={table: {**request, "Keys": keys[:middle]}})
        response["UnprocessedKeys"] = {table: {**request, "Keys": keys[middle:]}}
        return response

    client = FaultyClient(dynamodb())
    client.faults["batch_get_item"] = [half_processed]
    us = [e for e in BATCH if e["store_id"] == "US"]

    results = ingestor(stack, client).ingest(messages(us))

    assert set(statuses(results).values()) == {"accepted"}
    # The missing keys were fetched again, not mistaken for absent items: no retry needed.
    assert client.calls["batch_get_item"] == 2
    assert client.calls["transact_write_items"] == 1
    assert stored(stack, day(4)) == US_EXPECTED_DAY_4
    assert_matches_reference(stack, PRE + us)
    assert dump(stack) == clean_run([PRE, us])


# ---- rejected events ------------------------------------------------------------------------


def test_rejection_that_cannot_be_kept_is_retried_not_acknowledged(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.ingest import app

    good = order_placed("o1", "2026-10-01T09:00:00Z", fulfillment="marketplace")
    bad = {**order_placed("o2", "2026-10-01T09:00:00Z"), "data": {"order_id": "o2"}}
    client = FaultyClient(dynamodb())
    client.always["put_item"] = raising("PutItem", "ProvisionedThroughputExceededException")

    results = ingestor(stack, client).ingest(messages([good, bad]))
    assert statuses(results) == {"m0": "accepted", "m1": "retry"}
    assert "could not keep rejection" in (results["m1"].reason or "")

    faulty = ingestor(stack, client)
    monkeypatch.setattr(app, "ingestor", lambda: faulty)
    batch = sqs_batch([good, bad])
    response = stack.invoke("IngestFunction", batch)
    assert response == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}
    assert not any(pk.startswith("REJECTED#") for pk, _ in dump(stack))

    client.always.clear()
    assert stack.invoke("IngestFunction", batch) == {"batchItemFailures": []}
    kept = [item for (pk, _), item in dump(stack).items() if pk.startswith("REJECTED#")]
    assert len(kept) == 1
    assert kept[0]["sk"]["S"] == batch["Records"][1]["messageId"]
    assert kept[0]["reason"]["S"] == "invalid_event"
    assert [e["field"] for e in json.loads(kept[0]["errors"]["S"])] == ["data.fulfillment"]
    assert stored(stack, day(2)) == {("all", day(1), "orders"): 1}


# ---- a concurrent writer ----------------------------------------------------------------------


def concurrent_cases() -> list[Any]:
    placed = order_placed("o1", "2026-10-01T09:00:00Z", fulfillment="seller")
    contact = contact_received("c1", "2026-10-02T08:00:00Z", reason="shipping", order_id="o1")
    return [
        # Both write the order item: the version condition on the put fails.
        pytest.param(
            [placed],
            survey_vote("o1", "2026-10-03T10:00:00Z", vote="no"),
            survey_vote("o1", "2026-10-02T10:00:00Z", vote="yes"),
            2,
            id="both-write-the-order",
        ),
        # Ours rewrites the contact's copy of its order's placements (moving it into the
        # self-fulfilled scope); the other answers it: the contact's version condition fails.
        pytest.param(
            [contact],
            placed,
            contact_responded("c1", "2026-10-02T10:30:00Z"),
            2,
            id="ours-rewrites-the-contact-theirs-answers-it",
        ),
        # Ours votes on the order (counting the linked contact's dissatisfaction from the
        # order alone); the other answers the contact: neither reads what the other writes,
        # so both commit at once and the figures still add up.
        pytest.param(
            [placed, contact],
            survey_vote("o1", "2026-10-03T10:00:00Z", vote="no"),
            contact_responded("c1", "2026-10-02T10:30:00Z"),
            1,
            id="ours-votes-theirs-answers-no-overlap",
        ),
    ]


@pytest.mark.parametrize(("before", "ours", "theirs", "commits"), concurrent_cases())
def test_concurrent_writer_between_load_and_commit(
    stack: Deployment,
    before: list[dict[str, Any]],
    ours: dict[str, Any],
    theirs: dict[str, Any],
    commits: int,
) -> None:
    ingestor(stack).ingest(messages(before, "pre"))
    other = ingestor(stack)
    other_results: list[dict[str, Result]] = []

    def interleave(call: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        other_results.append(other.ingest(messages([theirs], "theirs")))
        return call(**kwargs)

    client = FaultyClient(dynamodb())
    client.faults["transact_write_items"] = [interleave]

    results = ingestor(stack, client).ingest(messages([ours], "ours"))

    assert statuses(other_results[0]) == {"theirs0": "accepted"}
    assert statuses(results) == {"ours0": "accepted"}
    assert client.calls["transact_write_items"] == commits
    assert client.calls["batch_get_item"] >= commits
    events = [*before, ours, theirs]
    assert_matches_reference(stack, events)
    assert dump(stack) == clean_run([before, [theirs], [ours]])
