"""`python -m benchmarks.scale [--quick]`: does any invocation's work grow with the marketplace?

The specification promises that at a real marketplace's size (2 million sellers, 5 million
seller stores, a million sellers in one store, 500,000 contacts open at once) no invocation
reads or holds all the sellers, all the seller stores or all the sellers of a store. Four
measurements, all on the embedded store (`csinsights_local.embedded`: each port counted as
the DynamoDB stores' requests and items read, per invocation), none on moto:

a. The metrics state machine (`run_metrics`, each map's children one after another) over a
   generated marketplace at 1x, 4x and 16x its sellers, the configuration scaled with it as
   a deployment would be (registry shards 8/32/128; the same `BENCHMARK_SHARD_SELLERS`, so
   the big store's benchmark shards multiply and, at 16x, merge in groups of the fan-in).
   Per step of the run: invocations, the most items read and requests of one invocation,
   and the peak Python memory (tracemalloc) of the largest. Goal: the largest invocation's
   items read and requests at 16x within 1.2x of 1x's while the invocations grow ~16x.
b. The live reply-due alert run (`run_alert_machine`, a fixed clock) over 1x and 16x seller
   stores whose contacts in the alert window were all answered (and open contacts outside
   it): the run's requests must be the same (it reads only the `Waiting` index's hours of
   its window); then with K contacts due: the requests grow with K, not with seller stores.
c. A store of a million sellers (`--quick`: 400,000) in the default configuration (10,000
   sellers a benchmark shard, fan-in 32): its four benchmark passes over generated compact inputs
   (`sharded.MetricInput`), each shard's pass, each merge of a fan-in of summaries and each
   combine one invocation of the run's benchmark step; the largest peak memory and seconds
   of each kind. Goal: <= 1 GiB and <= 60 s per invocation.
d. A model, derived from those figures (not measured): the invocations of each step and the
   size of each invocation at the target size with the default configuration.

Every figure is in the returned dict; `rows` makes the benchmark table's rows. `python -m
benchmarks` runs this as one of its steps.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

from csinsights import steps
from csinsights.alerts import ReplyDueAlerts
from csinsights.config import Settings
from csinsights.domain import sharded
from csinsights.domain.catalogue import LATE_AFTER
from csinsights.domain.metrics import COMPARED_METRICS, last_complete_months
from csinsights.store import codecs, keys
from csinsights_local.embedded import EmbeddedStore, embedded_settings
from csinsights_local.pipeline import ingest_embedded
from csinsights_local.run import (
    STEP_OF,
    Embedded,
    RunResult,
    published_alerts,
    run_alert_machine,
    run_metrics,
)

GOAL_RATIO = 1.2
"""The largest invocation's items read and requests, 16x over 1x."""
GOAL_PEAK_MIB = 1024
GOAL_SECONDS = 60.0
RUN_STEPS = ("plan", "seller_counts", "store_benchmarks", "publish")
FACTORS = (1, 4, 16)
BIG, MID, SMALL, FEW = "US", "DE", "CA", "MX"
"""The generated marketplace's stores: every seller sells in BIG, a quarter of them in MID,
a sixteenth in SMALL; FEW keeps the same few sellers at every size."""
FEW_SELLERS = 6

# The target size (the specification's "Non-functional promises") and the default
# configuration (`csinsights.config.Settings`).
TARGET_SELLERS = 2_000_000
TARGET_SELLER_STORES = 5_000_000
TARGET_BIG_STORE = 1_000_000
TARGET_OPEN_CONTACTS = 500_000
DEFAULT = Settings.model_construct(table_name="model")
"""The defaults, whatever the environment says."""
ALERT_EVERY = timedelta(minutes=15)
"""How often the live alert run is scheduled (`AlertScheduleMinutes`, its default)."""


@dataclass(frozen=True)
class ScaleConfig:
    mode: str
    sellers_a_shard: int
    """Sellers of each registry shard, at every size (the shards multiply)."""
    registry_shards: int
    """At 1x; 4x and 16x have 4 and 16 times as many."""
    shard_sellers: int
    """`BENCHMARK_SHARD_SELLERS` at every size."""
    fan_in: int
    """`BENCHMARK_FAN_IN` at every size: the big store's shards at 16x are its square."""
    alert_seller_stores: int
    """Seller stores of the alert run at 1x."""
    alert_due: int
    """K: contacts due in the alert runs with contacts due (4K in one more run)."""
    big_store_shards: int
    """Benchmark shards of the store of the default configuration's shard size (c)."""
    input_pool: int
    """Distinct inputs per metric the big store's sellers draw from (c)."""


def config(quick: bool) -> ScaleConfig:
    if quick:
        return ScaleConfig("quick", 16, 8, 8, 16, 500, 50, 40, 20_000)
    return ScaleConfig("full", 32, 8, 16, 16, 1_000, 100, 100, 50_000)


# ---- tracing an invocation ---------------------------------------------------------------
@dataclass
class Trace:
    seconds: float = 0.0
    peak_bytes: int = 0


@contextmanager
def traced(trace_memory: bool = True) -> Iterator[Trace]:
    """The wall seconds and (`trace_memory`) the peak of the Python memory allocated inside
    the block (tracemalloc: what the block allocates, above what existed before it)."""
    found = Trace()
    tracing = trace_memory and not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    elif trace_memory:
        tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0] if trace_memory else 0
    started = time.perf_counter()
    try:
        yield found
    finally:
        found.seconds = time.perf_counter() - started
        if trace_memory:
            found.peak_bytes = tracemalloc.get_traced_memory()[1] - base
        if tracing:
            tracemalloc.stop()


@dataclass(frozen=True)
class Call:
    function: str
    seconds: float
    peak_bytes: int


class TracedTarget:
    """The embedded target (`csinsights_local.run.Embedded`), each invocation timed and
    its peak memory traced: the same `invoke`, `list`, `read`, `counted`."""

    def __init__(self, inner: Embedded, trace_memory: bool = True) -> None:
        self.inner = inner
        self.trace_memory = trace_memory
        self.calls: list[Call] = []

    def invoke(self, function: str, event: Any) -> Any:
        with traced(self.trace_memory) as trace:
            output = self.inner.invoke(function, event)
        self.calls.append(Call(function, trace.seconds, trace.peak_bytes))
        return output

    def list(self, bucket: str, prefix: str) -> list[dict[str, Any]]:
        return self.inner.list(bucket, prefix)

    def read(self, bucket: str, key: str) -> bytes:
        return self.inner.read(bucket, key)

    def counted(self) -> tuple[int, int] | None:
        return self.inner.counted()


# ---- a. the generated marketplace --------------------------------------------------------
def seller_ids(buckets: Sequence[int]) -> list[str]:
    """A seller id for each wanted registry bucket, in order."""
    wanted = Counter(buckets)
    pool: dict[int, list[str]] = {b: [] for b in wanted}
    short = sum(wanted.values())
    n = 0
    while short:
        name = f"SLR{n:07d}"
        n += 1
        b = keys.registry_bucket(name)
        if b in wanted and len(pool[b]) < wanted[b]:
            pool[b].append(name)
            short -= 1
    return [pool[b].pop() for b in buckets]


@dataclass(frozen=True)
class Marketplace:
    """Who sells where: `sellers[r][q]` is seller q of registry shard r, its stores in
    `stores`."""

    registry_shards: int
    sellers: list[list[str]]
    stores: dict[str, list[str]]

    @property
    def seller_stores(self) -> int:
        return sum(len(s) for s in self.stores.values())


def marketplace(registry_shards: int, sellers_a_shard: int, shard_sellers: int) -> Marketplace:
    """Every registry shard the same: `sellers_a_shard` sellers, all in BIG, the first
    quarter in MID, the first sixteenth in SMALL; FEW_SELLERS of the last shard also in FEW
    (never in the run's sample, the first shard, so one benchmark shard at every size).

    A seller's registry bucket is picked, inside its shard's range of buckets, so that each
    store's sellers spread evenly over that store's benchmark shards (a shard is the seller
    hash modulo a power of two: a bucket modulo it): with a few dozen sellers a shard, a
    random spread's fullest shard grows with the number of shards by sampling alone, which
    at 2,000 sellers a registry shard and 10,000 a benchmark shard it does by a few per
    cent only."""
    width = keys.REGISTRY_BUCKETS // registry_shards
    firsts = {BIG: sellers_a_shard, MID: sellers_a_shard // 4, SMALL: sellers_a_shard // 16}
    shards = {
        store: sharded.shard_count(k, registry_shards, shard_sellers) for store, k in firsts.items()
    }
    filled: dict[str, Counter[int]] = {store: Counter() for store in firsts}
    chosen: dict[tuple[int, int], int] = {}
    for q in range(sellers_a_shard):
        mine = [store for store, k in firsts.items() if q < k]
        for r in range(registry_shards):

            def fullness(offset: int, r: int = r, mine: list[str] = mine) -> tuple[int, int, int]:
                b = r * width + offset
                held = [filled[s][b % shards[s]] for s in mine]
                return max(held), sum(held), offset

            bucket = r * width + min(range(width), key=fullness)
            for store in mine:
                filled[store][bucket % shards[store]] += 1
            chosen[(r, q)] = bucket
    order = sorted(chosen)
    names = dict(zip(order, seller_ids([chosen[k] for k in order]), strict=True))
    sellers = [[names[(r, q)] for q in range(sellers_a_shard)] for r in range(registry_shards)]
    stores: dict[str, list[str]] = {}
    for r, row in enumerate(sellers):
        for q, seller in enumerate(row):
            stores[seller] = [s for s, k in firsts.items() if q < k]
            if r == registry_shards - 1 and q < FEW_SELLERS:
                stores[seller].append(FEW)
    return Marketplace(registry_shards, sellers, stores)


def activity_days(as_of: date) -> list[date]:
    """The days each seller store has an order and a contact: five in each ranking month
    (enough to be ranked) and six in the last four weeks."""
    days = {
        first + timedelta(days=d)
        for first, _ in last_complete_months(as_of, 3)
        for d in (2, 7, 12, 17, 22)
    }
    days |= {as_of - timedelta(days=d) for d in (1, 5, 9, 13, 17, 21)}
    return sorted(days)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def seller_store_events(
    seller: str, store: str, number: int, days: Sequence[date]
) -> list[dict[str, Any]]:
    """Each day: a self-fulfilled order, a contact about it, the seller's reply the same day
    after 1 to 11 hours (by seller), the buyer's vote. Every seller store has the same
    aggregate items (the same days), with figures that differ by seller."""
    out: list[dict[str, Any]] = []

    def emit(kind: str, at: datetime, data: dict[str, Any]) -> None:
        out.append(
            {
                "event_id": f"{seller}-{store}-{len(out)}",
                "type": kind,
                "seller_id": seller,
                "store_id": store,
                "occurred_at": _iso(at),
                "data": data,
            }
        )

    for n, day in enumerate(days):
        at = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
        order, contact = f"O{n}", f"C{n}"
        emit("order.placed", at, {"order_id": order, "fulfillment": "seller"})
        emit(
            "contact.received",
            at + timedelta(hours=1),
            {"contact_id": contact, "order_id": order, "reason": "shipping"},
        )
        delay = timedelta(hours=1 + (number + n) % 11, minutes=15)
        emit("contact.responded", at + timedelta(hours=1) + delay, {"contact_id": contact})
        vote = "no" if (number + n) % 3 == 0 else "yes"
        emit(
            "survey.vote",
            at + timedelta(hours=14),
            {"order_id": order, "contact_id": contact, "vote": vote},
        )
    return out


def metrics_events(market: Marketplace, as_of: date) -> list[dict[str, Any]]:
    days = activity_days(as_of)
    events: list[dict[str, Any]] = []
    for number, (seller, stores) in enumerate(market.stores.items()):
        for store in stores:
            events += seller_store_events(seller, store, number, days)
    return events


def _step_figures(result: RunResult, calls: list[Call]) -> dict[str, dict[str, Any]]:
    shape = result.shape()
    out: dict[str, dict[str, Any]] = {}
    for step in RUN_STEPS:
        mine = [c for c in calls if STEP_OF[c.function] == step]
        largest = max(mine, key=lambda c: c.peak_bytes)
        out[step] = dict(shape[step]) | {
            "max_peak_kib": round(largest.peak_bytes / 1024, 1),
            "max_peak_function": largest.function,
            "max_seconds_traced": round(max(c.seconds for c in mine), 4),
            "seconds_traced": round(sum(c.seconds for c in mine), 3),
            "by_function": dict(Counter(c.function for c in mine)),
        }
    return out


def metrics_at(cfg: ScaleConfig, factor: int, as_of: date) -> dict[str, Any]:
    """One size of the marketplace: ingested through the product's `Ingestor`, then the
    metrics state machine, each invocation traced."""
    registry_shards = cfg.registry_shards * factor
    settings = embedded_settings(
        registry_shards=registry_shards,
        benchmark_shard_sellers=cfg.shard_sellers,
        benchmark_fan_in=cfg.fan_in,
    )
    market = marketplace(registry_shards, cfg.sellers_a_shard, cfg.shard_sellers)
    events = metrics_events(market, as_of)
    store = EmbeddedStore(settings)
    started = time.perf_counter()
    summary = ingest_embedded(store, events)
    ingest_seconds = time.perf_counter() - started
    if summary.accepted != len(events):
        raise RuntimeError(f"{factor}x: ingest accepted {summary.accepted} of {len(events)}")
    # The embedded store indexes its registry by bucket when first listed: its own work,
    # which no DynamoDB query does, kept out of the first invocation's figures.
    store.registry_shard(0, registry_shards)
    target = TracedTarget(Embedded(store))
    started = time.perf_counter()
    result = run_metrics(target, as_of.isoformat())
    run_seconds = time.perf_counter() - started
    shards = result.output["benchmark_shards"]
    published = sum(len(s) for s in store.snaps.values())
    if published != len(market.stores):
        raise RuntimeError(f"{factor}x: {published} sellers published of {len(market.stores)}")
    sizes = Counter(
        (store_id, shard)
        for (day, store_id, shard), inputs in store.inputs.items()
        if day == as_of
        for _ in inputs
    )
    return {
        "factor": factor,
        "sellers": len(market.stores),
        "seller_stores": market.seller_stores,
        "events": len(events),
        "registry_shards": registry_shards,
        "benchmark_shard_sellers": cfg.shard_sellers,
        "benchmark_fan_in": cfg.fan_in,
        "benchmark_shards": shards,
        "merge_groups": {
            s: sharded.merge_groups(n, cfg.fan_in) for s, n in shards.items() if n > 1
        },
        "largest_benchmark_shard": max(sizes.values()),
        "largest_part_seller_stores": max(
            sum(len(market.stores[seller]) for seller in row) for row in market.sellers
        ),
        "ingest_seconds": round(ingest_seconds, 2),
        "run_seconds_traced": round(run_seconds, 2),
        "invocations": len(result.invocations),
        "steps": _step_figures(result, target.calls),
    }


def metrics_scaling(cfg: ScaleConfig, as_of: date) -> dict[str, Any]:
    sizes = {}
    for factor in FACTORS:
        _say(f"  metrics run at {factor}x ...")
        sizes[f"{factor}x"] = metrics_at(cfg, factor, as_of)
    one, top = sizes["1x"], sizes[f"{FACTORS[-1]}x"]
    ratios = {
        step: {
            figure: top["steps"][step][figure] / one["steps"][step][figure]
            for figure in ("invocations", "max_items_read", "max_requests", "max_peak_kib")
        }
        for step in RUN_STEPS
    }
    return {"as_of": as_of.isoformat(), "sizes": sizes, f"ratio_{FACTORS[-1]}x_over_1x": ratios}


# ---- b. the live alert run ---------------------------------------------------------------
def alert_events(seller_stores: int, due: int, at: datetime) -> list[dict[str, Any]]:
    """Per seller store: a contact of the alert window answered an hour later, one open
    but too young to alert, one open past 48 h; and `due` open contacts 30 h old spread
    over the seller stores."""
    events: list[dict[str, Any]] = []

    def emit(kind: str, pair: int, when: datetime, contact: str) -> None:
        seller, store = f"ALR{pair // 2:06d}", ("US", "DE")[pair % 2]
        events.append(
            {
                "event_id": f"{kind}-{pair}-{contact}",
                "type": kind,
                "seller_id": seller,
                "store_id": store,
                "occurred_at": _iso(when),
                "data": {"contact_id": contact}
                | ({"reason": "shipping"} if kind == "contact.received" else {}),
            }
        )

    for pair in range(seller_stores):
        minutes = timedelta(minutes=pair % 60)
        emit("contact.received", pair, at - timedelta(hours=30) - minutes, "answered")
        emit("contact.responded", pair, at - timedelta(hours=29) - minutes, "answered")
        emit("contact.received", pair, at - timedelta(hours=5) - minutes, "young")
        emit("contact.received", pair, at - timedelta(hours=60) - minutes, "late")
    for n in range(due):
        when = at - timedelta(hours=30, minutes=n % 90)
        emit("contact.received", n % seller_stores, when, f"due{n}")
    return events


def alert_run(seller_stores: int, due: int, at: datetime) -> dict[str, Any]:
    store = EmbeddedStore(embedded_settings())
    events = alert_events(seller_stores, due, at)
    summary = ingest_embedded(store, events)
    if summary.accepted != len(events):
        raise RuntimeError(f"alerts: ingest accepted {summary.accepted} of {len(events)}")
    # The embedded store builds its `Waiting` index when first read after a change: its own
    # work (DynamoDB keeps the index as items are written), kept out of the run's time.
    store.waiting("", 0, at, at)
    target = TracedTarget(Embedded(store, lambda: at), trace_memory=False)
    result = run_alert_machine(target, None)
    published = len(published_alerts(result))
    if published != due:
        raise RuntimeError(f"alerts: {published} published, {due} due")
    by_function = Counter(i.function for i in result.invocations)
    return {
        "seller_stores": seller_stores,
        "due": due,
        "alerts_published": published,
        "invocations": dict(by_function),
        "requests": sum(i.requests or 0 for i in result.invocations),
        "items_read": sum(i.items_read or 0 for i in result.invocations),
        "max_requests": max(i.requests or 0 for i in result.invocations),
        "seconds": round(sum(c.seconds for c in target.calls), 3),
    }


def alert_scaling(cfg: ScaleConfig) -> dict[str, Any]:
    at = datetime.now(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)
    one, many, k = cfg.alert_seller_stores, cfg.alert_seller_stores * FACTORS[-1], cfg.alert_due
    runs = {}
    for label, (seller_stores, due) in {
        "nothing due, 1x": (one, 0),
        f"nothing due, {FACTORS[-1]}x": (many, 0),
        "K due, 1x": (one, k),
        f"K due, {FACTORS[-1]}x": (many, k),
        "4K due, 1x": (one, 4 * k),
    }.items():
        _say(f"  alert run, {label} ({seller_stores:,} seller stores, {due} due) ...")
        runs[label] = alert_run(seller_stores, due, at)
    top = f"{FACTORS[-1]}x"
    quiet, quiet_top = runs["nothing due, 1x"], runs[f"nothing due, {top}"]
    due_one, due_top, due_more = runs["K due, 1x"], runs[f"K due, {top}"], runs["4K due, 1x"]
    return {
        "at": at.isoformat(),
        "runs": runs,
        "nothing_due_ratio": quiet_top["requests"] / quiet["requests"],
        "k_due_ratio": due_top["requests"] / due_one["requests"],
        "requests_per_due_alert": (due_one["requests"] - quiet["requests"]) / k,
        "requests_per_due_alert_4k": (due_more["requests"] - quiet["requests"]) / (4 * k),
    }


# ---- c. a store of a million sellers -----------------------------------------------------
def _rate(rng: random.Random, denominator: int, share: float) -> Fraction:
    spread = math.sqrt(denominator * share * (1 - share))
    k = min(denominator, max(0, round(rng.gauss(denominator * share, spread))))
    return Fraction(100 * k, denominator)


def _figure(rng: random.Random, metric: str, denominator: int, share: float) -> Fraction | None:
    if rng.random() < 0.05:
        return None  # nothing to count this time (no contact, no reply)
    if metric == "average_contact_response_time_hours":
        return Fraction(round(denominator * share * 20 + rng.random() * denominator), denominator)
    return _rate(rng, denominator, share)


def metric_input(rng: random.Random, metric: str) -> sharded.MetricInput:
    """One seller store's inputs to one metric: a seller of 1 to a few thousand orders or
    contacts a month, its own share (e.g. of dissatisfied buyers) drawn per seller."""
    size = 1 + int(rng.lognormvariate(2.5, 1.2))
    share = rng.betavariate(8, 2) if metric == "response_within_24h_rate" else rng.betavariate(2, 8)
    months = []
    for _ in range(3):
        denominator = max(1, round(size * rng.uniform(0.6, 1.4)))
        months.append((_figure(rng, metric, denominator, share), denominator))
    value = _figure(rng, metric, size, share)
    own = max(1, size // 2)
    return sharded.MetricInput(value, size, _figure(rng, metric, own, share), tuple(months))


@dataclass(frozen=True)
class Pool:
    """Per metric, distinct seller stores' inputs the big store's sellers draw from: as
    objects, and in their stored form (`codecs.benchmark_input_to_json`)."""

    inputs: dict[str, list[sharded.MetricInput]]
    stored: dict[str, list[Any]]

    @property
    def size(self) -> int:
        return len(self.inputs[COMPARED_METRICS[0]])


def input_pool(size: int, seed: int = 11) -> Pool:
    rng = random.Random(seed)
    inputs = {m: [metric_input(rng, m) for _ in range(size)] for m in COMPARED_METRICS}
    stored = {
        metric: [codecs.benchmark_input_to_json({metric: i})[metric] for i in given]
        for metric, given in inputs.items()
    }
    return Pool(inputs, stored)


Draws = list[tuple[str, list[int]]]
"""A shard's sellers, each with the pool entry it draws for each metric."""


def shard_draws(pool: Pool, shard: int, sellers: int) -> Draws:
    """Shard `shard`'s sellers and their draws from the pool: the same for every pass
    (seeded by the shard)."""
    rng = random.Random(shard)
    return [
        (f"BIG{shard:04d}{n:05d}", [rng.randrange(pool.size) for _ in COMPARED_METRICS])
        for n in range(sellers)
    ]


@dataclass
class StoredInputs(EmbeddedStore):
    """The embedded store holding one shard of a store's benchmark inputs at a time. A
    measured shard's inputs are kept in their stored form (each item's `data`, as
    `csinsights.store.run.RunStore` writes it) and decoded when the pass reads them, as the
    DynamoDB store does: its memory and time include its 10,000 inputs as read from the
    table. The other shards' passes, there to give the merges and combines every shard's
    summary, read the same inputs as ready objects (the same figures, faster)."""

    pool: Pool | None = None
    shard: tuple[date, str, int] | None = None
    draws: Draws = field(default_factory=list)
    stored: dict[str, str] | None = None
    """Each seller's stored `data`, for a measured shard."""

    def hold(self, key: tuple[date, str, int], draws: Draws, measured: bool) -> None:
        assert self.pool is not None
        self.shard, self.draws, self.stored = key, draws, None
        if measured:
            stored = self.pool.stored
            self.stored = {
                seller: json.dumps(
                    {m: stored[m][i] for m, i in zip(COMPARED_METRICS, picks, strict=True)},
                    separators=(",", ":"),
                )
                for seller, picks in draws
            }

    def benchmark_inputs(
        self, day: date, store: str, shard: int
    ) -> Iterator[tuple[str, sharded.BenchmarkInput]]:
        assert self.pool is not None
        assert self.shard == (day, store, shard)
        self.meter.query(len(self.draws), "benchmark input")
        if self.stored is not None:
            for seller in sorted(self.stored):
                yield seller, codecs.benchmark_input_from_json(json.loads(self.stored[seller]))
            return
        inputs = self.pool.inputs
        for seller, picks in self.draws:
            yield seller, {m: inputs[m][i] for m, i in zip(COMPARED_METRICS, picks, strict=True)}


@dataclass
class Kind:
    """One kind of invocation of the big store's benchmarks: how many, the slowest (not
    traced) and the largest peak (traced)."""

    invocations: int = 0
    max_seconds: float = 0.0
    max_peak_bytes: int = 0
    largest: str = ""
    seconds: list[float] = field(default_factory=list)

    def note(self, seconds: float, peak: int | None, what: str) -> None:
        self.invocations += 1
        self.max_seconds = max(self.max_seconds, seconds)
        self.seconds.append(seconds)
        if peak is not None and peak > self.max_peak_bytes:
            self.max_peak_bytes, self.largest = peak, what


def big_store(cfg: ScaleConfig, as_of: date) -> dict[str, Any]:
    """The store's four passes as the run's benchmark step takes them, in the default
    configuration's shard size and fan-in. The measured invocations (of each pass, the
    first shard's, and in the full mode the last one's too; every merge, every combine) are
    timed without tracing, then run once more under tracemalloc for their peak (each writes
    what it wrote the first time)."""
    settings = embedded_settings(
        registry_shards=DEFAULT.registry_shards,
        benchmark_shard_sellers=DEFAULT.benchmark_shard_sellers,
        benchmark_fan_in=DEFAULT.benchmark_fan_in,
    )
    store = StoredInputs(settings)
    target = Embedded(store)
    measured = {0} if cfg.mode == "quick" else {0, cfg.big_store_shards - 1}
    shards, fan_in, shard_sellers = (
        cfg.big_store_shards,
        settings.benchmark_fan_in,
        settings.benchmark_shard_sellers,
    )
    started = time.perf_counter()
    store.pool = input_pool(cfg.input_pool)
    pool_seconds = time.perf_counter() - started
    groups = sharded.merge_groups(shards, fan_in)
    day = as_of.isoformat()
    kinds = {"pass": Kind(), "merge": Kind(), "combine": Kind()}

    def invoke(action: str, step: int, index: int, measure: bool = True) -> None:
        event = {
            "action": action,
            "step": step,
            "as_of_day": day,
            "item": {"store_id": BIG, "shards": shards, "index": index},
        }
        with traced(False) as timing:
            steps.benchmarks(target.run, event)
        if not measure:
            return
        with traced() as tracing:
            steps.benchmarks(target.run, event)
        kinds[action].note(timing.seconds, tracing.peak_bytes, f"{action} {step}/{index}")

    started = time.perf_counter()
    for step in range(1, sharded.PASSES + 1):
        _say(f"  a store of {shards * shard_sellers:,} sellers: pass {step} over {shards} shards")
        for shard in range(shards):
            draws = shard_draws(store.pool, shard, shard_sellers)
            store.hold((as_of, BIG, shard), draws, shard in measured)
            invoke("pass", step, shard, shard in measured)
        for group in range(groups):
            invoke("merge", step, group)
        invoke("combine", step, 0)
    total = time.perf_counter() - started
    benchmarks = store.store_marks[BIG][as_of]
    return {
        "sellers": shards * shard_sellers,
        "shards": shards,
        "shard_sellers": shard_sellers,
        "fan_in": fan_in,
        "merge_groups": groups,
        "summaries_read_by_combine": groups or shards,
        "input_pool_per_metric": cfg.input_pool,
        "measured_shards": sorted(measured),
        "pass_invocations": shards * sharded.PASSES,
        "input_pool_seconds": round(pool_seconds, 1),
        "seconds": round(total, 1),
        "kinds": {
            action: {
                "invocations": kind.invocations,
                "max_seconds": round(kind.max_seconds, 3),
                "median_seconds": round(sorted(kind.seconds)[len(kind.seconds) // 2], 3),
                "max_peak_mib": round(kind.max_peak_bytes / 2**20, 1),
                "largest": kind.largest,
            }
            for action, kind in kinds.items()
            if kind.invocations
        },
        "benchmarks": {
            metric: {"average": _text(b.store_average), "top": _text(b.top_performers)}
            for metric, b in sorted(benchmarks.items())
        },
    }


def _text(value: Fraction | None) -> str | None:
    return None if value is None else f"{float(value):.3f}"


# ---- d. the target size, derived -----------------------------------------------------------
def model(metrics: dict[str, Any], alerts: dict[str, Any], big: dict[str, Any]) -> dict[str, Any]:
    """Invocations of each step at the target size with the default configuration, and
    each invocation's size, from the measured figures (per seller store of the largest
    invocation at the largest measured size): derived, not measured."""
    top = metrics["sizes"][f"{FACTORS[-1]}x"]
    registry_shards = DEFAULT.registry_shards
    per_part_sellers = TARGET_SELLERS / registry_shards
    per_part_pairs = TARGET_SELLER_STORES / registry_shards
    measured_pairs = top["largest_part_seller_stores"]
    big_shards = math.ceil(TARGET_BIG_STORE / DEFAULT.benchmark_shard_sellers)
    big_groups = sharded.merge_groups(big_shards, DEFAULT.benchmark_fan_in)
    big_invocations = sharded.PASSES * (big_shards + big_groups + 1)
    per_pair = {
        step: {
            "items_read": top["steps"][step]["max_items_read"] / measured_pairs,
            "requests": top["steps"][step]["max_requests"] / measured_pairs,
            "peak_kib": top["steps"][step]["max_peak_kib"] / measured_pairs,
        }
        for step in ("seller_counts", "publish")
    }
    clock_at = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    thresholds = DEFAULT.alert_thresholds_hours
    planner = ReplyDueAlerts(
        EmbeddedStore(embedded_settings(alert_thresholds_hours=thresholds)), lambda: clock_at
    )
    partitions = len(planner.plan().partitions)
    late = LATE_AFTER // timedelta(hours=1)
    window_hours = late - min(thresholds)
    # The open contacts spread evenly over the 48 hours before they are late; each crosses
    # every threshold unanswered (the most alerts).
    in_window = TARGET_OPEN_CONTACTS * window_hours / late
    new_alerts = TARGET_OPEN_CONTACTS / late * (ALERT_EVERY / timedelta(hours=1)) * len(thresholds)
    # Each hour's shard of the `Waiting` index, a query (a request per 1 MB page of ~250-byte
    # items); each hour's candidates, a claims read per 100.
    page_items = (1 << 20) // 250
    per_query = in_window / window_hours / keys.WAITING_SHARDS
    waiting_requests = partitions * keys.WAITING_SHARDS * max(1, math.ceil(per_query / page_items))
    claim_reads = partitions * math.ceil(in_window / window_hours / 100)
    per_alert = alerts["requests_per_due_alert"]
    return {
        "derived": True,
        "target": {
            "sellers": TARGET_SELLERS,
            "seller_stores": TARGET_SELLER_STORES,
            "sellers_in_one_store": TARGET_BIG_STORE,
            "open_contacts": TARGET_OPEN_CONTACTS,
        },
        "configuration": {
            "registry_shards": registry_shards,
            "benchmark_shard_sellers": DEFAULT.benchmark_shard_sellers,
            "benchmark_fan_in": DEFAULT.benchmark_fan_in,
            "alert_thresholds_hours": list(thresholds),
        },
        "invocations": {
            "plan": 1 + registry_shards,
            "seller_counts": registry_shards,
            "store_benchmarks_big_store": big_invocations,
            "publish": registry_shards,
            "alerts_live": 1 + partitions,
        },
        "per_invocation": {
            "list_sellers_items_read": per_part_pairs,
            "sellers_a_part": per_part_sellers,
            "seller_stores_a_part": per_part_pairs,
            "seller_counts_items_read": per_pair["seller_counts"]["items_read"] * per_part_pairs,
            "seller_counts_requests": per_pair["seller_counts"]["requests"] * per_part_pairs,
            "seller_counts_peak_mib": per_pair["seller_counts"]["peak_kib"] * per_part_pairs / 1024,
            "publish_requests": per_pair["publish"]["requests"] * per_part_pairs,
            "publish_peak_mib": per_pair["publish"]["peak_kib"] * per_part_pairs / 1024,
            "benchmark_pass_inputs": DEFAULT.benchmark_shard_sellers,
            "benchmark_pass_peak_mib": big["kinds"]["pass"]["max_peak_mib"],
            "benchmark_pass_seconds": big["kinds"]["pass"]["max_seconds"],
            "big_store_shards": big_shards,
            "big_store_merge_groups": big_groups,
            "summaries_read_a_merge_or_combine": min(DEFAULT.benchmark_fan_in, big_shards),
        },
        "alerts_live": {
            "partitions": partitions,
            "window_hours": window_hours,
            "open_contacts_in_window": in_window,
            "open_contacts_a_waiting_query": per_query,
            "new_alerts_a_run": new_alerts,
            "waiting_requests": waiting_requests,
            "claim_read_requests": claim_reads,
            "requests_per_new_alert_measured": per_alert,
            "requests_a_run": waiting_requests + claim_reads + new_alerts * per_alert,
            "requests_a_run_nothing_due": partitions * keys.WAITING_SHARDS,
        },
        "measured_seller_stores_of_largest_part": measured_pairs,
    }


# ---- the table ---------------------------------------------------------------------------
def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def row(name: str, value: float, unit: str, goal: str = "", verdict: str = "info") -> None:
        out.append(
            {
                "name": f"scale: {name}",
                "value": value,
                "unit": unit,
                "goal": goal,
                "verdict": verdict,
            }
        )

    metrics = result["metrics"]
    top = f"{FACTORS[-1]}x"
    one, last = metrics["sizes"]["1x"], metrics["sizes"][top]
    ratios = metrics[f"ratio_{top}_over_1x"]
    row(f"run 1x: sellers ({one['registry_shards']} registry shards)", one["sellers"], "sellers")
    row(
        f"run {top}: sellers ({last['registry_shards']} registry shards)",
        last["sellers"],
        "sellers",
    )
    row(f"run {top}: big store's benchmark shards", last["benchmark_shards"][BIG], "shards")
    for step in RUN_STEPS:
        a, b = one["steps"][step], last["steps"][step]
        row(f"{step}: invocations 1x", a["invocations"], "invocations")
        row(f"{step}: invocations {top}", b["invocations"], "invocations")
        for figure, label, unit in (
            ("max_items_read", "items read", "items"),
            ("max_requests", "requests", "req"),
        ):
            row(f"{step}: largest invocation's {label} 1x", a[figure], unit)
            row(f"{step}: largest invocation's {label} {top}", b[figure], unit)
            ratio = round(ratios[step][figure], 3)
            row(
                f"{step}: largest invocation's {label} {top}/1x",
                ratio,
                "ratio",
                f"<= {GOAL_RATIO:g}",
                _verdict(ratio <= GOAL_RATIO),
            )
        row(f"{step}: largest invocation's peak memory 1x", a["max_peak_kib"], "KiB")
        row(f"{step}: largest invocation's peak memory {top}", b["max_peak_kib"], "KiB")
    alerts = result["alerts"]
    runs = alerts["runs"]
    quiet, quiet_top = runs["nothing due, 1x"], runs[f"nothing due, {top}"]
    row(
        f"alerts live, nothing due: requests, {quiet['seller_stores']:,} seller stores",
        quiet["requests"],
        "req",
    )
    row(
        f"alerts live, nothing due: requests, {quiet_top['seller_stores']:,} seller stores",
        quiet_top["requests"],
        "req",
    )
    row(
        f"alerts live, nothing due: requests {top}/1x seller stores",
        round(alerts["nothing_due_ratio"], 3),
        "ratio",
        "= 1",
        _verdict(quiet_top["requests"] == quiet["requests"]),
    )
    k_one, k_top = runs["K due, 1x"], runs[f"K due, {top}"]
    row(
        f"alerts live, {k_one['due']} due: requests, {k_one['seller_stores']:,} seller stores",
        k_one["requests"],
        "req",
    )
    row(
        f"alerts live, {k_top['due']} due: requests, {k_top['seller_stores']:,} seller stores",
        k_top["requests"],
        "req",
    )
    row(
        f"alerts live, {k_one['due']} due: requests {top}/1x seller stores",
        round(alerts["k_due_ratio"], 3),
        "ratio",
        "= 1",
        _verdict(k_top["requests"] == k_one["requests"]),
    )
    more = runs["4K due, 1x"]
    row(
        f"alerts live, {more['due']} due: requests, {more['seller_stores']:,} seller stores",
        more["requests"],
        "req",
    )
    row("alerts live: requests per due alert", round(alerts["requests_per_due_alert"], 3), "req")
    big = result["big_store"]
    shards = f"{big['shards']} shards of {big['shard_sellers']:,}"
    label = f"a store of {big['sellers']:,} sellers ({shards})"
    for action, what in (
        ("pass", "a shard's pass"),
        ("merge", f"a merge of {big['fan_in']} summaries"),
        ("combine", f"a combine of {big['summaries_read_by_combine']} summaries"),
    ):
        if action not in big["kinds"]:
            continue
        kind = big["kinds"][action]
        row(
            f"{label}: {what}, peak memory",
            kind["max_peak_mib"],
            "MiB",
            f"<= {GOAL_PEAK_MIB}",
            _verdict(kind["max_peak_mib"] <= GOAL_PEAK_MIB),
        )
        row(
            f"{label}: {what}, seconds",
            kind["max_seconds"],
            "s",
            f"<= {GOAL_SECONDS:g}",
            _verdict(kind["max_seconds"] <= GOAL_SECONDS),
        )
    derived = result["model"]
    invocations, each = derived["invocations"], derived["per_invocation"]
    alert_model = derived["alerts_live"]
    for name, value, unit in (
        ("plan (+ list) invocations", invocations["plan"], "invocations"),
        ("seller_counts invocations", invocations["seller_counts"], "invocations"),
        (
            "store_benchmarks invocations, the 1M store",
            invocations["store_benchmarks_big_store"],
            "invocations",
        ),
        ("publish invocations", invocations["publish"], "invocations"),
        (
            "seller stores a seller_counts/publish invocation",
            round(each["seller_stores_a_part"]),
            "seller stores",
        ),
        ("seller_counts: requests an invocation", round(each["seller_counts_requests"]), "req"),
        (
            "seller_counts: peak memory an invocation",
            round(each["seller_counts_peak_mib"], 1),
            "MiB",
        ),
        ("publish: requests an invocation", round(each["publish_requests"]), "req"),
        ("publish: peak memory an invocation", round(each["publish_peak_mib"], 1), "MiB"),
        ("the 1M store's benchmark shards", each["big_store_shards"], "shards"),
        ("alerts live: partitions (hours of the window)", alert_model["partitions"], "invocations"),
        (
            "alerts live: requests a run, nothing due",
            alert_model["requests_a_run_nothing_due"],
            "req",
        ),
        ("alerts live: requests a run, 500k open", round(alert_model["requests_a_run"]), "req"),
    ):
        row(f"model at 2M sellers (derived): {name}", value, unit)
    return out


def scale_cost(quick: bool) -> dict[str, Any]:
    cfg = config(quick)
    as_of = datetime.now(UTC).date() - timedelta(days=1)
    started = time.perf_counter()
    metrics = metrics_scaling(cfg, as_of)
    alerts = alert_scaling(cfg)
    big = big_store(cfg, as_of)
    return {
        "command": "python -m benchmarks.scale" + (" --quick" if quick else ""),
        "config": asdict(cfg),
        "metrics": metrics,
        "alerts": alerts,
        "big_store": big,
        "model": model(metrics, alerts, big),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.run import render

    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (under 3 minutes)")
    parser.add_argument("--output", help="also write every figure as JSON here")
    args = parser.parse_args(argv)
    result = scale_cost(args.quick)
    if args.output:
        with open(args.output, "w") as out:
            out.write(json.dumps(result, indent=2) + "\n")
    print(render(rows(result)))
    print(f"\n{result['command']}: {result['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
