"""A store's benchmarks computed in shards, exactly: no step reads every seller of a store.

Each seller store leaves its compact benchmark inputs (`MetricInput`: per compared metric,
the current figure and its denominator, the self-fulfilled figure, each ranking month's
figure and denominator) in one of the store's shards. Four passes then run over the shards,
each followed by a combining step that reads one small summary per shard:

1. per metric, the store average's sum and count, and for each ranking month a count of
   the ranked figures per value bucket (a unit wide: 7 <= h < 8 hours); combined: the
   average and how many sellers it is over (or the privacy floor's withholding, judged on
   that count, which is kept), and, for each month, the bucket that holds the best
   quartile's threshold (the figure at rank ceil(n / 4), best first) and its place there;
2. the distinct figures (with their counts) of each of those buckets; combined: each
   month's threshold, exactly;
3. the cohort's self-fulfilled figures (the sellers in the best quartile of every month),
   counted per bucket; combined: the bucket(s) that hold the cohort's median;
4. the distinct figures of those buckets; combined: the median, the top-performer figure.

A pass's summaries merge (sums of counts and of figures): a store of more than a fan-in of
shards merges them in groups first (`merge`, `merge_groups`), so no step reads more than a
fan-in of summaries while the store has at most a fan-in squared of shards.

A store whose inputs fit one shard (most stores) takes the four passes in one step over the
one shard (`in_one_shard`): the same functions, no summary leaves the step.

Every figure stays an exact `Fraction` throughout: the result is the one-pass definition's
to the last digit (`tests/unit/test_sharded_benchmarks.py` holds them together), and only
the figures of a bucket that holds a rank ever leave a shard. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

from csinsights.domain.benchmarks import MIN_RANKING_DENOMINATOR, TOO_FEW_SELLERS, Benchmark
from csinsights.domain.metrics import COMPARED_METRICS, HIGHER_IS_BETTER, better_or_equal

PASSES = 4
FAN_IN = 32
"""Most summaries one merging or combining step reads (configuration: `BENCHMARK_FAN_IN`)."""


@dataclass(frozen=True)
class MetricInput:
    """What one seller store gives one compared metric's benchmarks."""

    value: Fraction | None
    """The figure over the benchmark window."""
    denominator: int
    self_fulfilled: Fraction | None
    """The figure over the benchmark window on self-fulfilled orders."""
    months: tuple[tuple[Fraction | None, int], ...]
    """Each ranking month's figure and denominator, on self-fulfilled orders."""

    def ranked(self, month: int) -> Fraction | None:
        """The month's figure if it is ranked (enough of a denominator)."""
        value, denominator = self.months[month]
        return value if value is not None and denominator >= MIN_RANKING_DENOMINATOR else None


BenchmarkInput = Mapping[str, MetricInput]
"""One seller store's inputs, by compared metric."""


def bucket(value: Fraction) -> int:
    """The unit a figure falls in (figures are never negative): few buckets to count, and
    a bucket's figures are few enough to send whole."""
    return value.numerator // value.denominator


Histogram = dict[int, int]
"""Figures counted per bucket."""
Values = dict[Fraction, int]
"""Distinct figures with how many times each is there."""


@dataclass
class Place:
    """Where a rank falls: its bucket, and the position (1-based, ascending) inside it."""

    bucket: int
    position: int


def _place(histogram: Mapping[int, int], position: int) -> Place:
    """The bucket holding the `position`-th smallest figure (1-based) and its position
    inside the bucket."""
    below = 0
    for b in sorted(histogram):
        if below + histogram[b] >= position:
            return Place(b, position - below)
        below += histogram[b]
    raise ValueError(f"position {position} past {below} figures")


def _at(values: Mapping[Fraction, int], position: int) -> Fraction:
    """The `position`-th smallest (1-based) of a bucket's figures."""
    seen = 0
    for value in sorted(values):
        seen += values[value]
        if seen >= position:
            return value
    raise ValueError(f"position {position} past {seen} figures")


# ---- the shape of a store's shards -------------------------------------------------------
def shard_count(sampled: int, sample_share: int, shard_sellers: int) -> int:
    """How many shards a store's benchmarks take: its sellers in a sample of the registry
    (`sampled`, one `sample_share`-th of it, by seller hash) scaled up, `shard_sellers` a
    shard. Any count gives the same figures; it only sizes the steps."""
    return max(1, math.ceil(sampled * sample_share / shard_sellers))


def merge_groups(shards: int, fan_in: int) -> int:
    """How many merged summaries a store of `shards` shards combines from: none merged (its
    shards' own) when it has at most `fan_in`."""
    return math.ceil(shards / fan_in) if shards > fan_in else 0


def merged_shards(group: int, shards: int, fan_in: int) -> range:
    """The shards merge group `group` reads."""
    return range(group * fan_in, min(shards, (group + 1) * fan_in))


Summary = Mapping[str, object]
"""One pass's summary of a shard (or of a group of shards), by metric."""


def merge(step: int, parts: Iterable[Mapping[str, object]]) -> dict[str, object]:
    """Pass `step`'s summaries as one: what the combining step would have read of them."""
    merged: dict[str, object] = {}
    for part in parts:
        for metric, summary in part.items():
            if metric not in merged:
                merged[metric] = _empty(step, summary)
            merged[metric] = _merged(step, merged[metric], summary)
    return merged


def _empty(step: int, like: object) -> object:
    if step == 1:
        return AverageAndRanks()
    if step == 2:
        return [{} for _ in cast(list[Values], like)]
    return {}


def _added(into: dict[Any, int], given: Mapping[Any, int]) -> dict[Any, int]:
    for key, n in given.items():
        into[key] = into.get(key, 0) + n
    return into


def _merged(step: int, into: object, given: object) -> object:
    if step == 1:
        total, part = cast(AverageAndRanks, into), cast(AverageAndRanks, given)
        total.total += part.total
        total.count += part.count
        while len(total.months) < len(part.months):
            total.months.append({})
        for month, histogram in enumerate(part.months):
            _added(total.months[month], histogram)
        return total
    if step == 2:
        months = cast(list[Values], into)
        for month, values in enumerate(cast(list[Values], given)):
            _added(months[month], values)
        return months
    return _added(cast(dict[Any, int], into), cast(Mapping[Any, int], given))


# ---- pass 1: the averages and where each month's threshold falls ----------------------------
@dataclass
class AverageAndRanks:
    """Pass 1 of one metric in one shard."""

    total: Fraction = Fraction(0)
    count: int = 0
    months: list[Histogram] = field(default_factory=list)


def first_pass(inputs: Iterable[BenchmarkInput], min_volume: int) -> dict[str, AverageAndRanks]:
    out = {metric: AverageAndRanks() for metric in COMPARED_METRICS}
    for seller in inputs:
        for metric, given in seller.items():
            part = out[metric]
            if given.value is not None and given.denominator >= min_volume:
                part.total += given.value
                part.count += 1
            while len(part.months) < len(given.months):
                part.months.append({})
            for month in range(len(given.months)):
                ranked = given.ranked(month)
                if ranked is not None:
                    b = bucket(ranked)
                    part.months[month][b] = part.months[month].get(b, 0) + 1
    return out


@dataclass
class Thresholds:
    """One metric's state after pass 1 (and, once pass 2 is combined, its thresholds)."""

    withheld: bool
    average: Fraction | None
    places: list[Place | None]
    """Per ranking month, where the best quartile's threshold falls (None: none ranked)."""
    thresholds: list[Fraction | None] = field(default_factory=list)
    sellers: int | None = None
    """How many sellers the average is over (None: a state written before it was kept)."""


def combine_first(
    parts: Iterable[Mapping[str, AverageAndRanks]], min_peers: int
) -> dict[str, Thresholds]:
    merged = {metric: AverageAndRanks() for metric in COMPARED_METRICS}
    merged |= cast(dict[str, AverageAndRanks], merge(1, parts))
    out = {}
    for metric, total in merged.items():
        if total.count < min_peers:
            out[metric] = Thresholds(True, None, [], sellers=total.count)
            continue
        average = total.total / total.count if total.count else None
        places: list[Place | None] = []
        for histogram in total.months:
            ranked = sum(histogram.values())
            if not ranked:
                places.append(None)
                continue
            rank = math.ceil(ranked / 4)  # best first
            position = ranked - rank + 1 if metric in HIGHER_IS_BETTER else rank
            places.append(_place(histogram, position))
        out[metric] = Thresholds(False, average, places, sellers=total.count)
    return out


# ---- pass 2: each month's threshold, exactly ------------------------------------------------
def second_pass(
    inputs: Iterable[BenchmarkInput], state: Mapping[str, Thresholds]
) -> dict[str, list[Values]]:
    out: dict[str, list[Values]] = {
        metric: [{} for _ in s.places] for metric, s in state.items() if not s.withheld
    }
    for seller in inputs:
        for metric, values in out.items():
            given = seller[metric]
            for month, place in enumerate(state[metric].places):
                if place is None:
                    continue
                ranked = given.ranked(month)
                if ranked is not None and bucket(ranked) == place.bucket:
                    values[month][ranked] = values[month].get(ranked, 0) + 1
    return out


def combine_second(
    parts: Iterable[Mapping[str, list[Values]]], state: Mapping[str, Thresholds]
) -> dict[str, Thresholds]:
    merged: dict[str, list[Values]] = {
        metric: [{} for _ in s.places] for metric, s in state.items() if not s.withheld
    }
    merged |= cast(dict[str, list[Values]], merge(2, parts))
    out = {}
    for metric, s in state.items():
        thresholds = [
            None if place is None else _at(merged[metric][month], place.position)
            for month, place in enumerate(s.places)
        ]
        out[metric] = Thresholds(s.withheld, s.average, s.places, thresholds, s.sellers)
    return out


# ---- pass 3: the cohort's figures, counted -------------------------------------------------
def _in_cohort(metric: str, given: MetricInput, thresholds: list[Fraction | None]) -> bool:
    """In the best quartile of every ranking month (a month without a ranked seller has no
    best quartile; with no month at all there is no cohort)."""
    if not thresholds:
        return False
    for month, threshold in enumerate(thresholds):
        ranked = given.ranked(month)
        if threshold is None or ranked is None or not better_or_equal(metric, ranked, threshold):
            return False
    return True


def third_pass(
    inputs: Iterable[BenchmarkInput], state: Mapping[str, Thresholds]
) -> dict[str, Histogram]:
    out: dict[str, Histogram] = {metric: {} for metric, s in state.items() if not s.withheld}
    for seller in inputs:
        for metric, histogram in out.items():
            given = seller[metric]
            if given.self_fulfilled is not None and _in_cohort(
                metric, given, state[metric].thresholds
            ):
                b = bucket(given.self_fulfilled)
                histogram[b] = histogram.get(b, 0) + 1
    return out


@dataclass
class Median:
    """One metric's state after pass 3: where the cohort's middle figure(s) fall."""

    withheld: bool
    average: Fraction | None
    thresholds: list[Fraction | None]
    places: list[Place]
    """One place (an odd cohort) or two (an even one); none without a cohort."""
    sellers: int | None = None


def combine_third(
    parts: Iterable[Mapping[str, Histogram]], state: Mapping[str, Thresholds]
) -> dict[str, Median]:
    merged: dict[str, Histogram] = {metric: {} for metric in state}
    merged |= cast(dict[str, Histogram], merge(3, parts))
    out = {}
    for metric, s in state.items():
        cohort = sum(merged[metric].values())
        middle = [(cohort + 1) // 2] if cohort % 2 else [cohort // 2, cohort // 2 + 1]
        places = [] if s.withheld or not cohort else [_place(merged[metric], p) for p in middle]
        out[metric] = Median(s.withheld, s.average, s.thresholds, places, s.sellers)
    return out


# ---- pass 4: the cohort's median, exactly --------------------------------------------------
def fourth_pass(inputs: Iterable[BenchmarkInput], state: Mapping[str, Median]) -> dict[str, Values]:
    out: dict[str, Values] = {metric: {} for metric, s in state.items() if s.places}
    for seller in inputs:
        for metric, values in out.items():
            given = seller[metric]
            s = state[metric]
            if given.self_fulfilled is None or bucket(given.self_fulfilled) not in {
                p.bucket for p in s.places
            }:
                continue
            if _in_cohort(metric, given, s.thresholds):
                values[given.self_fulfilled] = values.get(given.self_fulfilled, 0) + 1
    return out


def combine_fourth(
    parts: Iterable[Mapping[str, Values]], state: Mapping[str, Median]
) -> dict[str, Benchmark]:
    merged: dict[str, Values] = {metric: {} for metric in state}
    merged |= cast(dict[str, Values], merge(4, parts))
    out = {}
    for metric, s in state.items():
        if s.withheld:
            out[metric] = Benchmark(reason=TOO_FEW_SELLERS, sellers=s.sellers)
            continue
        middle = [_at(_within(merged[metric], p.bucket), p.position) for p in s.places]
        top = sum(middle, Fraction(0)) / len(middle) if middle else None
        out[metric] = Benchmark(s.average, top, sellers=s.sellers)
    return out


def in_one_shard(
    inputs: Iterable[BenchmarkInput], min_volume: int, min_peers: int
) -> dict[str, Benchmark]:
    """The four passes over a store's only shard, in one step."""
    given = list(inputs)
    state = combine_first([first_pass(given, min_volume)], min_peers)
    state = combine_second([second_pass(given, state)], state)
    median = combine_third([third_pass(given, state)], state)
    return combine_fourth([fourth_pass(given, median)], median)


def _within(values: Mapping[Fraction, int], b: int) -> dict[Fraction, int]:
    """The figures of one bucket (two middle places can fall in different buckets)."""
    return {value: n for value, n in values.items() if bucket(value) == b}
