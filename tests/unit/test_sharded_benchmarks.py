"""A store's benchmarks computed over shards in four passes (`csinsights.domain.sharded`)
are the one-pass definition's exactly: the same averages over the same number of sellers
(kept when withheld), the same withholding below the privacy floor, the same thresholds of
each month's best quartile (ties at the threshold, months nobody is ranked in), the same
cohort and its median, however the sellers fall into shards (one seller a shard, all in
one, empty shards)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from csinsights.domain import sharded
from csinsights.domain.benchmarks import TOO_FEW_SELLERS, Benchmark
from csinsights.domain.metrics import COMPARED_METRICS
from csinsights.domain.sharded import BenchmarkInput, MetricInput
from tests.definitions import benchmarks_by_definition
from tests.profiles import examples

# Few distinct figures, so that ties (at a threshold, in a bucket, at the median) are common,
# some a unit apart (different buckets) and some within one (the same bucket).
POOL = [None, Fraction(0), Fraction(100), Fraction(50), Fraction(1, 3), Fraction(12)]
POOL += [Fraction(n, d) for n, d in ((1, 7), (2, 7), (3, 200), (1, 100), (301, 3), (7, 2))]
POOL += [Fraction(n) for n in range(1, 120, 7)]
figures = st.sampled_from(POOL)
denominators = st.integers(0, 12)


@st.composite
def metric_inputs(draw: st.DrawFn, months: int) -> MetricInput:
    return MetricInput(
        draw(figures),
        draw(denominators),
        draw(figures),
        tuple((draw(figures), draw(denominators)) for _ in range(months)),
    )


@st.composite
def stores(draw: st.DrawFn) -> dict[str, BenchmarkInput]:
    months = draw(st.sampled_from([3, 3, 3, 0, 1]))
    sellers = draw(st.integers(0, 24))
    return {
        f"S{i:03d}": {metric: draw(metric_inputs(months)) for metric in COMPARED_METRICS}
        for i in range(sellers)
    }


def in_shards(
    sellers: Mapping[str, BenchmarkInput],
    shards: int,
    seed: int,
    min_volume: int,
    min_peers: int,
    fan_in: int = 64,
) -> dict[str, Benchmark]:
    """As the run computes them: each pass over every shard, the summaries merged in groups
    of `fan_in` when there are more shards than that, then combined."""
    rnd = random.Random(seed)
    parts: list[list[BenchmarkInput]] = [[] for _ in range(shards)]
    for inputs in sellers.values():
        parts[rnd.randrange(shards)].append(inputs)

    def read(step: int, summaries: list[Any]) -> list[Any]:
        groups = sharded.merge_groups(shards, fan_in)
        if not groups:
            return summaries
        return [
            sharded.merge(step, [summaries[i] for i in sharded.merged_shards(g, shards, fan_in)])
            for g in range(groups)
        ]

    state = sharded.combine_first(
        read(1, [sharded.first_pass(p, min_volume) for p in parts]), min_peers
    )
    state = sharded.combine_second(read(2, [sharded.second_pass(p, state) for p in parts]), state)
    median = sharded.combine_third(read(3, [sharded.third_pass(p, state) for p in parts]), state)
    return sharded.combine_fourth(read(4, [sharded.fourth_pass(p, median) for p in parts]), median)


@settings(max_examples=examples(ci=150, soak=5000), deadline=None)
@given(
    sellers=stores(),
    shards=st.integers(1, 12),
    seed=st.integers(0, 1000),
    min_volume=st.integers(1, 8),
    min_peers=st.integers(0, 6),
    fan_in=st.integers(2, 5),
)
def test_sharded_benchmarks_are_the_definitions(
    sellers: dict[str, BenchmarkInput],
    shards: int,
    seed: int,
    min_volume: int,
    min_peers: int,
    fan_in: int,
) -> None:
    expected = benchmarks_by_definition(sellers, min_volume=min_volume, min_peers=min_peers)
    assert in_shards(sellers, shards, seed, min_volume, min_peers, fan_in) == expected
    # A store of one shard: the four passes in one step.
    assert sharded.in_one_shard(sellers.values(), min_volume, min_peers) == expected


def test_the_shards_of_a_store_are_sized_from_the_sample() -> None:
    assert sharded.shard_count(0, 512, 10_000) == 1
    assert sharded.shard_count(1_950, 512, 10_000) == 100  # a million sellers
    assert sharded.merge_groups(100, 32) == 4
    assert sharded.merge_groups(32, 32) == 0
    assert [len(sharded.merged_shards(g, 100, 32)) for g in range(4)] == [32, 32, 32, 4]


def test_a_worked_store() -> None:
    """Five sellers ranked in three months; the best quartile is rank ceil(5/4) = 2 (ties at
    the threshold count); two sellers are in it all three months; their median."""

    def seller(values: list[int], self_fulfilled: int) -> BenchmarkInput:
        given = MetricInput(
            Fraction(values[0]),
            10,
            Fraction(self_fulfilled),
            tuple((Fraction(v), 10) for v in values),
        )
        return dict.fromkeys(COMPARED_METRICS, given)

    sellers = {
        "A": seller([1, 1, 1], 4),
        "B": seller([2, 2, 2], 6),
        "C": seller([2, 3, 9], 1),
        "D": seller([8, 8, 8], 1),
        "E": seller([9, 9, 9], 1),
    }
    got = in_shards(sellers, 3, 7, 5, 5)
    time = got["average_contact_response_time_hours"]
    # The mean of 1, 2, 2, 8, 9 over those 5 sellers; the median of 4 and 6.
    assert time == Benchmark(Fraction(22, 5), Fraction(5), sellers=5)
    within = got["response_within_24h_rate"]  # higher is better: D and E
    assert within.top_performers == Fraction(1)
    withheld = in_shards(sellers, 2, 1, 5, 6)
    assert withheld["preventable_contact_rate"] == Benchmark(reason=TOO_FEW_SELLERS, sellers=5)
    # Volume decides who counts: with a minimum of 11 (every denominator is 10), nobody.
    assert in_shards(sellers, 2, 1, 11, 0)["preventable_contact_rate"] == Benchmark(
        None, Fraction(5), sellers=0
    )
