"""Store benchmarks: the store average and the top-performer figure of each compared
metric, and the status they give a benchmark-judged metric. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from csinsights.domain.metrics import (
    COMPARED_METRICS,
    Counts,
    MetricValue,
    best_quartile,
    compute,
    mean,
    median,
)

MIN_RANKING_DENOMINATOR = 5
"""A seller's monthly denominator needed to be ranked for top performers (fixed by the
specification, independent of `min_volume`)."""
TOO_FEW_SELLERS = "too_few_sellers"


def good_line(average: Fraction | None, top: Fraction | None) -> Fraction | None:
    """The figure a benchmark-judged metric must be at or under to be `good`: the better
    (lower) of the top-performer figure and the store average, so a cohort whose current
    window is worse than the average never makes a worse figure good; None without
    either."""
    given = [figure for figure in (top, average) if figure is not None]
    return min(given) if given else None


def benchmark_status(value: Fraction | None, average: Fraction | None, top: Fraction | None) -> str:
    """Lower is better. Good at or under the good line; with both figures, fair at or
    under the average and poor above it (so nothing is fair when the top performers are
    worse than the average); with only one figure, fair above it."""
    line = good_line(average, top)
    if value is None or line is None:
        return "na"
    if value <= line:
        return "good"
    if average is None or top is None:
        return "fair"
    return "fair" if value <= average else "poor"


@dataclass(frozen=True)
class Benchmark:
    store_average: Fraction | None = None
    top_performers: Fraction | None = None
    reason: str | None = None
    """Why both figures are NA although sellers have values (`too_few_sellers`)."""


def store_benchmarks(
    current: Mapping[str, Counts],
    current_self_fulfilled: Mapping[str, Counts],
    monthly_self_fulfilled: Mapping[str, list[Counts]],
    *,
    min_volume: int,
    min_peers: int,
) -> dict[str, Benchmark]:
    """Per metric: the mean over the store's sellers with a value and a denominator of at
    least `min_volume` (one seller with a single contact must not move the average), and
    the median current self-fulfilled value of the sellers in the best quartile of each of
    the last months. Below `min_peers` sellers in the average both are withheld, so no
    seller can work out a rival's figure from its own and the average."""
    values = {seller: compute(counts) for seller, counts in current.items()}
    sf_values = {seller: compute(counts) for seller, counts in current_self_fulfilled.items()}
    monthly = {
        seller: [compute(c) for c in months] for seller, months in monthly_self_fulfilled.items()
    }
    months = max((len(m) for m in monthly.values()), default=0)
    out = {}
    for metric in COMPARED_METRICS:
        qualifying = [
            figure.value
            for v in values.values()
            if (figure := v[metric]).value is not None and figure.denominator >= min_volume
        ]
        if len(qualifying) < min_peers:
            out[metric] = Benchmark(reason=TOO_FEW_SELLERS)
            continue
        cohort: set[str] | None = None
        for index in range(months):
            ranked = {}
            for seller, per_month in monthly.items():
                figure = per_month[index][metric]
                if figure.value is not None and figure.denominator >= MIN_RANKING_DENOMINATOR:
                    ranked[seller] = figure.value
            best = best_quartile(metric, ranked)
            cohort = best if cohort is None else cohort & best
        cohort_values = [
            v
            for seller in sorted(cohort or ())
            if (v := sf_values.get(seller, {}).get(metric, MetricValue(None)).value) is not None
        ]
        top = median(cohort_values) if cohort_values else None
        out[metric] = Benchmark(mean(qualifying), top)
    return out
