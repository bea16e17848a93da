"""Faults during a reply-due alert run: a crash or an AWS error at each AWS call of the run
(the registry, the contacts of the window, the claims read, each claim, each `PutEvents`,
the record of what was sent), before or after the call takes effect.

Then the next run (once the leases have run out) and one more: every alert reaches the bus,
and an alert reaches it twice only when the fault fell between its publication and its
record, always under the same id. A `PutEvents` that refuses some entries is retried; what
it keeps refusing is given back and published by the very next run.

Every case starts from the same deployment (the contacts ingested, an inbox subscribed to
the bus): deployed once per module and worker, restored before each case
(`tests.state.restore`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from csinsights.alerts import AlertsLeftForNextRun
from csinsights.domain.alerts import CLAIM_LEASE
from csinsights.store.keys import registry_bucket, registry_buckets, registry_ranges, registry_shard
from csinsights_local.alerts import AlertInbox, run_alerts, subscribe_alerts
from csinsights_local.stack import Deployment, deploy, local_parameters
from tests.alerting import Clock, alert_run
from tests.builders import contact_received
from tests.faults import AFTER, FAILED_ENTRIES, inject
from tests.marketplace import ingest
from tests.profiles import PROFILE
from tests.state import Saved, restore, save

T = datetime(2026, 11, 20, tzinfo=UTC)
EVENTS = [
    *(contact_received(f"c{i:02}", "2026-11-18T18:00:00Z", seller="A1SELLER") for i in range(11)),
    contact_received("d1", "2026-11-18T07:00:00Z", store="CA", seller="B2SELLER"),
]
ALERTS = 12
SHARDS = int(local_parameters()["RegistryShards"])
"""The as-of run's partitions: the registry's shards (a local stack deploys 8)."""
SELLER_STORES = Counter((e["seller_id"], e["store_id"]) for e in EVENTS)


def shard_of(seller: str) -> int:
    return registry_shard(registry_bucket(seller), SHARDS)


def partition_calls(shard: int) -> list[tuple[str, str]]:
    """The AWS calls of one partition, in order: a registry query per partition of the
    registry its buckets span, the Contacts index of each of its seller stores, then, if
    any alert is due, the claims read in one batch, a claim per alert, a `PutEvents` per 10
    alerts and the record of what was sent."""
    stores = [count for (seller, _), count in SELLER_STORES.items() if shard_of(seller) == shard]
    calls = [("dynamodb", "Query")] * len(registry_ranges(registry_buckets(shard, SHARDS)))
    calls += [("dynamodb", "Query")] * len(stores)
    if stores:
        alerts = sum(stores)
        calls += [("dynamodb", "BatchGetItem")] + [("dynamodb", "PutItem")] * alerts
        calls += [("events", "PutEvents")] * -(-alerts // 10) + [("dynamodb", "BatchWriteItem")]
    return calls


PARTITIONS = [partition_calls(shard) for shard in range(SHARDS)]
CALLS = [call for calls in PARTITIONS for call in calls]
"""Every AWS call of the run, in order (checked below)."""
KINDS = ("crash", "crash" + AFTER, "ThrottlingException", "InternalServerError" + AFTER)
PUBLISH_AND_RECORD = {i for i, (_, op) in enumerate(CALLS) if op in ("PutEvents", "BatchWriteItem")}
CASES = [
    (index, kind)
    for index in range(len(CALLS))
    for kind in KINDS
    if PROFILE == "soak" or kind == KINDS[index % len(KINDS)] or index in PUBLISH_AND_RECORD
]


def chunk_of(index: int) -> tuple[int, list[int]]:
    """The `PutEvents` call `index` is, counted in its partition, and the sizes of that
    partition's chunks."""
    start = 0
    for calls in PARTITIONS:
        if index < start + len(calls):
            alerts = calls.count(("dynamodb", "PutItem"))
            sizes = [min(10, alerts - first) for first in range(0, alerts, 10)]
            return index - start - calls.index(("events", "PutEvents")), sizes
        start += len(calls)
    raise IndexError(index)


def repeats(index: int, kind: str) -> int:
    """How many alerts reach the bus twice: those of the faulty call's partition published
    before the fault and never recorded (a crash, or a record that failed), or a chunk
    published whose answer was lost (then published again at once). A failed partition
    fails the run; the partitions after it are left to the next run (no repeat)."""
    operation = CALLS[index][1]
    if operation not in ("PutEvents", "BatchWriteItem"):
        return 0
    chunk, sizes = chunk_of(index)
    if operation == "BatchWriteItem":
        return 0 if kind.endswith(AFTER) else sum(sizes)
    if kind == "crash":
        return sum(sizes[:chunk])
    if kind == "crash" + AFTER:
        return sum(sizes[: chunk + 1])
    return sizes[chunk] if kind.endswith(AFTER) else 0


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Deployment, AlertInbox, Saved]]:
    """One deployment per module (and worker): the contacts ingested and an inbox
    subscribed to the bus, saved."""
    with mock_aws():
        stack = deploy()
        ingest(stack, EVENTS)
        inbox = subscribe_alerts(stack)
        yield stack, inbox, save(stack, queues=(inbox.queue_url,))


@pytest.fixture
def stack(deployed: tuple[Deployment, AlertInbox, Saved]) -> Deployment:
    """The deployment as saved, whatever the case before did."""
    stack, _, saved = deployed
    restore(stack, saved)
    return stack


@pytest.fixture
def inbox(deployed: tuple[Deployment, AlertInbox, Saved], stack: Deployment) -> AlertInbox:
    """The inbox subscribed to the bus, empty."""
    return deployed[1]


def test_a_clean_run_makes_the_calls_the_matrix_covers(stack: Deployment) -> None:
    with inject() as faults:
        assert len(run_alerts(stack, T)) == ALERTS
    assert faults.log == CALLS


@pytest.mark.parametrize(("index", "kind"), CASES)
def test_a_fault_loses_no_alert_and_repeats_one_only_between_publish_and_record(
    stack: Deployment, inbox: AlertInbox, index: int, kind: str, tally: Any
) -> None:
    with inject() as faults:
        faults.arm_at(index, lambda service: kind)
        with suppress(Exception):  # the run may fail: the next one makes up for it
            run_alerts(stack, T)
    assert faults.injected == 1
    clock = Clock()
    clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    alert_run(stack, clock).run(T)
    clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    assert alert_run(stack, clock).run(T) == []

    arrived = inbox.read()
    counts = Counter(d["alert_id"] for d in arrived)
    assert len(counts) == ALERTS  # nothing lost
    assert sum(counts.values()) - ALERTS == repeats(index, kind)
    assert max(counts.values()) <= 2
    for alert_id in counts:  # a repeat is the same alert
        assert len({tuple(sorted(d.items())) for d in arrived if d["alert_id"] == alert_id}) == 1
    tally["faults injected (reply-due alerts)"] += faults.injected


def test_refused_entries_are_retried_then_given_back_to_the_next_run(
    stack: Deployment, inbox: AlertInbox
) -> None:
    reads = CALLS.index(("dynamodb", "PutItem"))  # the calls before the first claim
    clock = Clock()
    with inject() as faults:
        # Once: the refused entries go out on the second attempt.
        faults.arm_at(reads + ALERTS, lambda service: FAILED_ENTRIES)
        assert len(alert_run(stack, clock).run(T)) == ALERTS
    assert faults.injected == 1
    assert Counter(d["alert_id"] for d in inbox.read()).most_common(1)[0][1] == 1

    ingest(stack, [contact_received(f"e{i}", "2026-11-18T18:00:00Z") for i in range(3)])
    with inject() as faults:
        # Every attempt takes one entry only: three attempts publish three.
        faults.arm_at(reads + 3, lambda service: FAILED_ENTRIES, times=3)
        assert len(alert_run(stack, clock).run(T)) == 3
    assert faults.injected == 3
    assert len(inbox.read()) == 3

    ingest(stack, [contact_received(f"f{i}", "2026-11-18T18:00:00Z") for i in range(5)])
    with inject() as faults:
        faults.arm_at(reads + 5, lambda service: FAILED_ENTRIES, times=3)
        with pytest.raises(AlertsLeftForNextRun, match="2 alerts left"):
            alert_run(stack, clock).run(T)
    assert [op for _, op in faults.log].count("UpdateItem") == 2  # given back
    assert len(inbox.read()) == 3
    # Given back: the next run takes them at once, without waiting for the lease.
    assert sorted(a.contact_id for a in alert_run(stack, clock).run(T)) == ["f3", "f4"]
    assert sorted(d["contact_id"] for d in inbox.read()) == ["f3", "f4"]


def test_a_fault_in_a_live_run_loses_no_alert_and_repeats_one_only_between_publish_and_record(
    stack: Deployment, inbox: AlertInbox, deployed: tuple[Deployment, AlertInbox, Saved]
) -> None:
    """The live run (as scheduled: the Waiting index, an hour of the window a step, each
    hour in its shards) with a fault at each index query of the hours that hold waiting
    contacts, at the first query, and at the first of each kind of write (the soak: every
    call, the empty hours' queries too). The run
    fails or not; two more runs later (as of the same instant: the same alerts, the same
    claims) every alert has reached the bus, none more than twice."""
    clock = Clock()
    clock.now = T
    with inject() as faults:
        assert len(alert_run(stack, clock).run()) == ALERTS
    calls = list(faults.log)
    reads = {i - n for i, c in enumerate(calls) if c[1] == "BatchGetItem" for n in range(1, 5)}
    # Beyond the index, the calls are the as-of run's (every one faulted above): the first
    # of each run of them (the claims read, the first claim, the first publish, the record).
    first = {i for i, (_, op) in enumerate(calls) if op != "Query" and calls[i - 1][1] != op}
    chosen = [i for i in range(len(calls)) if PROFILE == "soak" or i in reads | first | {0}]
    assert len(chosen) < len(calls) or PROFILE == "soak"
    for index in chosen:
        restore(stack, deployed[2])
        kind = KINDS[index % len(KINDS)]
        clock = Clock()
        clock.now = T
        with inject() as faults:
            faults.arm_at(index, lambda service: kind)
            with suppress(Exception):
                alert_run(stack, clock).run()
        assert faults.injected == 1
        for _ in range(2):  # as of T: the same alerts, fewer calls than live
            clock.advance(CLAIM_LEASE + timedelta(seconds=1))
            alert_run(stack, clock).run(T)
        counts = Counter(d["alert_id"] for d in inbox.read())
        assert len(counts) == ALERTS, (index, kind)
        assert max(counts.values()) <= 2, (index, kind)
