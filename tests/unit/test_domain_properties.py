"""The domain's order independence at unit speed: marketplace streams delivered shuffled,
redelivered and split into random batches, through the real `Ingestor` onto the in-memory
store, then the real `MetricsRun` as of days before, inside and after the stream. The
documents of every window (and of each store alone) equal the plain reference's and the
documents of each distinct event delivered once in time order; so does the stored state,
and so do the store benchmarks the API serves (the figures, and how many sellers stand
behind them, in every sharding of the run).
Commits that fail (nothing written, or written with the answer lost) and are redelivered
converge to the same state, and so do commits overtaken by another writer between their
reads and their commit.

What only DynamoDB shows (its conditions and transactions, the deployed template) is
proven by the moto-backed tests in tests/integration.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csinsights.alerts import ReplyDueAlerts
from csinsights.domain.batch import Plan
from csinsights.domain.documents import WINDOWS
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.ingest import Ingestor, Message, Result
from csinsights.queries import Queries
from csinsights_local.embedded import EmbeddedStore, embedded_settings
from tests import reference
from tests.delivery import NOW, Fault, FaultyStore, content, deliver, in_order
from tests.profiles import examples
from tests.runs import run_day
from tests.strategies import (
    DAYS,
    FIRST_DAY,
    STREAM_LAST,
    STREAM_START,
    marketplace_streams,
    seller_streams,
)

Events = list[dict[str, Any]]
Snapshots = dict[str, Any]
SHARDINGS = [
    {"registry_shards": 7, "benchmark_shard_sellers": 3, "benchmark_fan_in": 2},
    {"registry_shards": 7, "benchmark_shard_sellers": 1, "benchmark_fan_in": 3},
    {"registry_shards": 3, "benchmark_shard_sellers": 3, "benchmark_fan_in": 32},
    {"registry_shards": 1, "benchmark_shard_sellers": 10_000, "benchmark_fan_in": 32},
]
"""How the messy store's run is sharded: registry shards, sellers a benchmark shard, and
the summaries a benchmark step reads (merged in groups beyond it)."""


def run(store: EmbeddedStore, day: date) -> Snapshots:
    """The scheduled run as of the end of `day`, every step of the state machine in turn."""
    return run_day(store, day)


def alerts(store: EmbeddedStore, at: datetime, now: bool = False) -> list[dict[str, Any]]:
    """The reply-due alerts a run at `at` owes: as of `at` (registry shard by shard), or
    (`now`) live with the clock at `at` (the Waiting index, an hour of the window a step)."""
    run = ReplyDueAlerts(store, clock=lambda: at)
    return [a.detail() for a in run.due(None if now else at)]


def documents(snapshots: Snapshots, window: int, store: str | None = None) -> Events:
    return [
        document_from_snapshot(snapshot, window, [store] if store else None).to_json()
        for _, snapshot in sorted(snapshots.items())
        if store is None or store in snapshot.stores
    ]


def midnight_after(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def as_of_days(as_of: datetime, events: Events, data: st.DataObject) -> list[datetime]:
    """The stream's own as-of, one before it begins, the end of a day one of its events
    happened on (cutting through the stream), one after it ends."""
    cut = reference.when(data.draw(st.sampled_from(events), label="cut through"))
    after = STREAM_LAST + timedelta(days=data.draw(st.sampled_from([1, 31, 95]), label="after"))
    return [as_of, STREAM_START, midnight_after(cut.date()), midnight_after(after.date())]


def store_benchmarks(store: EmbeddedStore, day: date) -> dict[str, Any]:
    """What the store benchmarks route answers of each store as of the end of `day`."""
    queries = Queries(store, store, store)
    return {s: queries.benchmarks(s, day)["metrics"] for s in store.stores()}


def assert_benchmarks(store: EmbeddedStore, events: Events, as_of: datetime) -> Counter[str]:
    """The route's benchmarks of every store are the reference's; returns how many of them
    are published, and how many withheld although sellers qualify (a count below the
    floor)."""
    got = store_benchmarks(store, as_of.date() - timedelta(days=1))
    # Every store of the registry, one with no seller active yet too (nobody qualifies).
    assert set(got) == {e["store_id"] for e in events}, as_of
    for store_id, metrics in got.items():
        assert metrics == reference.benchmarks(events, store_id, as_of), (as_of, store_id)
    return Counter(
        "withheld with a count below the floor" if m["reason"] else "published with a count"
        for metrics in got.values()
        for m in metrics.values()
        if m["sellers"]
    )


def projections(docs: Events) -> Counter[str]:
    """What the documents' projections show a week on, view by view: the cases the
    reference's recomputation as of T + 7 days checks."""
    seen: Counter[str] = Counter()
    for doc in docs:
        for metrics in [doc["metrics"]] + [b["metrics"] for b in doc["by_store"]]:
            late, within = metrics[reference.LATE], metrics[reference.WITHIN_24H]
            ahead = within["projected"]["denominator"] - within["denominator"]
            seen["views whose late contacts change a week on"] += (
                late["projected"]["value"] != late["value"]
            )
            seen["views whose pending contacts get judged a week on"] += ahead > 0
    return seen


def assert_documents(snapshots: Snapshots, events: Events, as_of: datetime) -> Counter[str]:
    """Every window's documents equal the reference's; returns what their projections show."""
    stores = sorted({e["store_id"] for e in events})
    seen: Counter[str] = Counter()
    for window in WINDOWS:
        got = documents(snapshots, window)
        assert got == reference.documents(events, as_of, window), (as_of, window)
        seen += projections(got)
        if len(stores) > 1 and window == reference.BENCHMARK_WINDOW_DAYS:
            for store in stores:
                alone = [e for e in events if e["store_id"] == store]
                got = documents(snapshots, window, store)
                assert got == reference.documents(alone, as_of, window), (as_of, store)
    return seen


@settings(
    max_examples=examples(ci=60, soak=1200),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(
    stream=marketplace_streams(),
    seed=st.randoms(use_true_random=False),
    batch_sizes=st.lists(st.integers(1, 120), max_size=12),
    sharding=st.sampled_from(SHARDINGS),
    data=st.data(),
)
def test_shuffled_redelivered_marketplaces_give_the_reference_documents_as_of_any_day(
    tally: Counter[str],
    stream: tuple[datetime, int, Events],
    seed: random.Random,
    batch_sizes: list[int],
    sharding: dict[str, int],
    data: st.DataObject,
) -> None:
    """Delivered messy onto a store whose run lists the registry and benchmarks each store
    in tiny shards, the same snapshots as everything in one shard, and the reference's; the
    same reply-due alerts as one shard, as of each day and live (the Waiting index)."""
    as_of, _, events = stream
    deliveries = events + [seed.choice(events) for _ in range(len(events) // 5)]
    seed.shuffle(deliveries)
    messy = EmbeddedStore(embedded_settings(**sharding))
    results = deliver(messy, deliveries, batch_sizes)
    assert Counter(r.status for r in results) == Counter(
        accepted=len(events), duplicate=len(deliveries) - len(events)
    )
    tidy = in_order(events)
    assert content(messy) == content(tidy)
    for end in as_of_days(as_of, events, data):
        day = end.date() - timedelta(days=1)
        snapshots = run(messy, day)
        assert snapshots == run(tidy, day), end  # hence every document of theirs
        tally.update(assert_documents(snapshots, events, end))
        for kind, n in assert_benchmarks(messy, events, end).items():
            tally[f"store benchmarks {kind}, as the reference"] += n
        owed = alerts(tidy, end)
        assert alerts(messy, end) == owed, end  # registry shard by registry shard
        tally["alerts owed as of those days, the same in shards"] += len(owed)
    # Live, a day after the last event: the Waiting index, an hour of the window a step.
    live = max(reference.when(e) for e in events) + timedelta(hours=30)
    owed = alerts(tidy, live)
    assert alerts(messy, live, now=True) == owed
    tally["alerts owed live a day after the stream, the same from the Waiting index"] += len(owed)
    tally["unit streams (shuffled, redelivered) against the reference as of 4 days"] += 1
    tally[f"of them run in {sharding['registry_shards']} registry shards"] += 1
    tally["events delivered in those unit streams"] += len(deliveries)
    stores = "+".join(sorted({e["store_id"] for e in events}))
    tally[f"of them with stores {stores} (arrival cells in their zones)"] += 1
    tally["contacts at a local part's edge or clock change in them"] += sum(
        e["type"] == "contact.received" and e["data"]["contact_id"].startswith("arrival")
        for e in events
    )


def injected(rnd: random.Random, rate: float, counts: Counter[str]) -> Callable[..., Fault]:
    """Each store call fails with probability `rate`: a read or a commit refused, or a
    commit that landed but whose answer was lost."""

    def fault(operation: str, seller: str, store: str) -> Fault:
        if rnd.random() >= rate:
            return None
        kind: Fault = "after" if operation == "commit" and rnd.random() < 0.4 else "before"
        counts[f"{operation} {kind}"] += 1
        return kind

    return fault


@settings(
    max_examples=examples(ci=150, soak=2000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    events=seller_streams(),
    seed=st.randoms(use_true_random=False),
    rate=st.sampled_from([0.1, 0.3, 0.6]),
    attempts=st.integers(1, 3),
    batch_sizes=st.lists(st.integers(1, 12), min_size=1, max_size=10),
)
def test_failed_commits_redelivered_converge_to_the_in_order_state(
    tally: Counter[str],
    events: Events,
    seed: random.Random,
    rate: float,
    attempts: int,
    batch_sizes: list[int],
) -> None:
    faults: Counter[str] = Counter()
    settings_ = embedded_settings(commit_attempts=attempts, retry_backoff_seconds=0)
    store = FaultyStore(settings_, fault=injected(seed, rate, faults))
    pending = events + [seed.choice(events) for _ in range(len(events) // 3)] if events else []
    seed.shuffle(pending)
    rounds = 0
    while pending:
        rounds += 1
        if rounds > 20:
            store.fault = lambda *_: None  # the outage ends
        results = deliver(store, pending, batch_sizes)
        assert {r.status for r in results} <= {"accepted", "duplicate", "retry"}
        # The queue redelivers what was not acknowledged, in any order.
        pending = [b for b, r in zip(pending, results, strict=True) if r.status == "retry"]
        seed.shuffle(pending)
    assert content(store) == content(in_order(events))
    end = midnight_after(FIRST_DAY + timedelta(days=DAYS - 1))
    got = documents(run(store, end.date() - timedelta(days=1)), reference.BENCHMARK_WINDOW_DAYS)
    assert got == reference.documents(events, end)
    tally["unit streams with failed commits, redelivered until acknowledged"] += 1
    tally["store faults injected into those streams"] += sum(faults.values())


class ConcurrentWriters(EmbeddedStore):
    """Between a group's reads and its commit, another ingest function may commit a batch
    of its own (the queue runs several at once): a commit then finds the versions it read
    moved and is retried on fresh reads, as a transaction's conditions make it."""

    def __init__(self, rnd: random.Random, theirs: list[list[Message]]) -> None:
        super().__init__(embedded_settings(commit_attempts=2, retry_backoff_seconds=0))
        self.rnd, self.theirs, self.busy = rnd, theirs, False
        self.results: dict[str, Result] = {}
        self.interleaved = 0

    def commit(self, seller: str, store: str, plan: Plan, register: bool, now: datetime) -> int:
        if not self.busy and self.theirs and self.rnd.random() < 0.6:
            self.busy = True
            self.results.update(Ingestor(self).ingest(self.theirs.pop(), now=NOW))
            self.busy = False
            self.interleaved += 1
        return super().commit(seller, store, plan, register, now)


@settings(
    max_examples=examples(ci=150, soak=600),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    events=seller_streams(),
    seed=st.randoms(use_true_random=False),
    size=st.integers(1, 6),
)
def test_writers_committing_between_reads_and_commit_converge_to_the_in_order_state(
    tally: Counter[str], events: Events, seed: random.Random, size: int
) -> None:
    """No commit holds a condition on an item it does not write (each item's contribution
    is its own), so this is what shows that the version conditions of the writes are
    enough: a contact's copy of its order's placements, an order's links to its contacts,
    and the figures both own stay right when every other commit is overtaken."""
    pending = events + [seed.choice(events) for _ in range(len(events) // 3)] if events else []
    seed.shuffle(pending)
    numbered = [Message(f"m{i}", json.dumps(body)) for i, body in enumerate(pending)]
    bodies = {m.message_id: m for m in numbered}
    batches = [numbered[i : i + size] for i in range(0, len(numbered), size)]
    store = ConcurrentWriters(seed, batches[1::2])
    ours = batches[::2]
    rounds = 0
    while ours or store.theirs:
        rounds += 1
        assert rounds < 200
        batch = ours.pop(0) if ours else store.theirs.pop(0)
        results = {**Ingestor(store).ingest(batch, now=NOW), **store.results}
        store.results = {}
        assert {r.status for r in results.values()} <= {"accepted", "duplicate", "retry"}
        again = [bodies[m] for m, r in results.items() if r.status == "retry"]
        if again:
            ours.append(again)  # redelivered by the queue
    assert content(store) == content(in_order(events))
    end = midnight_after(FIRST_DAY + timedelta(days=DAYS - 1))
    got = documents(run(store, end.date() - timedelta(days=1)), reference.BENCHMARK_WINDOW_DAYS)
    assert got == reference.documents(events, end)
    tally["unit streams with a writer committing between reads and commit"] += 1
    tally["commits overtaken by another writer in those streams"] += store.interleaved
