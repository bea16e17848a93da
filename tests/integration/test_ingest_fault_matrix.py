"""Faults at every AWS call of an ingest invocation, one at a time: the entity reads
(`BatchGetItem`), each seller store's transaction (`TransactWriteItems`) and the kept
rejections (`PutItem`); as a crash, or as an AWS error that happens once (absorbed by
the in-process retry) or on every attempt (the group goes back to the queue).

Whatever the fault, SQS redelivers what was not acknowledged (the whole batch when the
function died, else the batch item failures), and the end state is exactly that of a
clean delivery: no event lost, none counted twice, no version bumped by a failed commit.

Every case starts from the same deployment (the earlier events stored): deployed once per
module and worker, restored before each case (`tests.state.restore`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from csinsights.errors import StoreFault
from csinsights_local.stack import Deployment, deploy
from tests.builders import (
    contact_received,
    contact_responded,
    order_placed,
    sqs_batch,
    survey_vote,
)
from tests.faults import AFTER, UNPROCESSED, Crash, inject
from tests.profiles import PROFILE
from tests.state import Saved, restore, save, table_items

GROUPS = (("A1SELLER", "US"), ("A1SELLER", "DE"), ("B2SELLER", "US"))
# Already stored before the faulty batch, so its reads find entities to update.
EARLIER: list[Any] = [
    body
    for seller, store in GROUPS
    for body in (
        order_placed("o1", "2026-10-01T10:00:00Z", seller=seller, store=store),
        contact_received(
            "c1", "2026-10-01T12:00:00Z", "shipping", "o1", seller=seller, store=store
        ),
    )
]
EVENTS: list[Any] = [
    body
    for seller, store in GROUPS
    for body in (
        contact_responded("c1", "2026-10-02T15:00:00Z", seller=seller, store=store),
        survey_vote(
            "o1", "2026-10-03T09:00:00Z", vote="no", contact_id="c1", seller=seller, store=store
        ),
        order_placed("o2", "2026-10-03T10:00:00Z", seller=seller, store=store),
    )
]
EVENTS.insert(3, '{"event_id": "broken", ')
EVENTS.insert(7, order_placed("o2", "2026-10-01T10:00:00Z", fulfillment="other"))
BATCH = sqs_batch(EVENTS)
CALLS = 6  # 1 BatchGetItem (no second round needed), 3 TransactWriteItems, 2 PutItem
COMMIT_ATTEMPTS = 3
KINDS = [
    ("crash", 1),
    ("ThrottlingException", 1),
    ("ProvisionedThroughputExceededException", 1),
    ("TransactionConflictException", 1),
    ("TransactionCanceledException", 1),
    ("InternalServerError", 1),
    ("ThrottlingException", COMMIT_ATTEMPTS),
    ("TransactionCanceledException", COMMIT_ATTEMPTS),
    ("InternalServerError", COMMIT_ATTEMPTS),
    ("crash" + AFTER, 1),  # the write landed, then the function died
    ("InternalServerError" + AFTER, 1),  # the write landed, the answer was lost
    (UNPROCESSED, 1),  # BatchGetItem answers for half the keys (others: an unknown code)
]
CASES = [
    (index, kind)
    for index in range(CALLS)
    for kind in range(len(KINDS))
    if PROFILE == "soak" or kind % 3 == index % 3 or (index == 0 and KINDS[kind][0] == UNPROCESSED)
]


def state(stack: Deployment) -> dict[tuple[str, str], Any]:
    items = {}
    for item in table_items(stack.outputs["EventsTableName"]):
        item.pop("registered_at", None)
        if item["pk"]["S"].startswith("REJECTED#"):
            item.pop("rejected_at")
            item.pop("expires_at")
            item["pk"]["S"] = "REJECTED"  # the day it was kept
        items[(item["pk"]["S"], item["sk"]["S"])] = item
    return items


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Deployment, Saved, dict[str, Any]]]:
    """One deployment per module (and worker): the earlier events stored, saved; then the
    batch delivered without faults, for the calls it makes and the state it ends in."""
    with mock_aws():
        stack = deploy()
        assert stack.invoke("IngestFunction", sqs_batch(EARLIER)) == {"batchItemFailures": []}
        saved = save(stack)
        with inject() as faults:
            assert stack.invoke("IngestFunction", BATCH) == {"batchItemFailures": []}
        yield stack, saved, {"calls": list(faults.log), "state": state(stack)}


@pytest.fixture
def clean(deployed: tuple[Deployment, Saved, dict[str, Any]]) -> dict[str, Any]:
    return deployed[2]


@pytest.fixture
def stack(deployed: tuple[Deployment, Saved, dict[str, Any]]) -> Deployment:
    """The deployment with the earlier events stored, as saved."""
    stack, saved, _ = deployed
    restore(stack, saved)
    return stack


def test_the_matrix_covers_every_call_of_the_invocation(clean: dict[str, Any]) -> None:
    calls = clean["calls"]
    assert len(calls) == CALLS
    assert [op for _, op in calls].count("TransactWriteItems") == 3
    assert [op for _, op in calls].count("PutItem") == 2  # the two rejections


@pytest.mark.parametrize(("index", "kind"), CASES)
def test_a_fault_at_any_call_then_redelivery_ends_as_a_clean_delivery(
    stack: Deployment, clean: dict[str, Any], index: int, kind: int, tally: Any
) -> None:
    error, times = KINDS[kind]
    with inject() as faults:
        faults.arm_at(index, lambda service: error, times=times)
        try:
            response = stack.invoke("IngestFunction", BATCH)
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        except (Crash, StoreFault):  # the function failed: the whole batch comes back
            failed = {r["messageId"] for r in BATCH["Records"]}
    assert 1 <= faults.injected <= times  # fewer when the operation is not called again
    if error == UNPROCESSED and clean["calls"][index][1] == "BatchGetItem":
        # the keys left over were asked for again
        assert faults.log[index + 1] == ("dynamodb", "BatchGetItem")
    if times == COMMIT_ATTEMPTS and clean["calls"][index][1] == "TransactWriteItems":
        assert failed, "a group failing every commit attempt goes back to the queue"
    for _ in range(3):  # SQS redelivers until acknowledged (5 receives before the DLQ)
        if not failed:
            break
        again = {"Records": [r for r in BATCH["Records"] if r["messageId"] in failed]}
        response = stack.invoke("IngestFunction", again)
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    assert not failed
    assert state(stack) == clean["state"]
    tally["faults injected (ingest)"] += faults.injected
