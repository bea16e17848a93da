"""Store benchmarks: the store average and the top-performer figure of each compared
metric, and the status they give a benchmark-judged metric. Pure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

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
    sellers: int | None = None
    """How many of the store's sellers the store average is over (a value and a
    denominator of at least `min_volume`): the number the privacy floor is judged on, kept
    when the figures are withheld too. None where it is not known: benchmarks stored
    before it was kept, and a snapshot's copy (its documents show the figures only)."""

    def figures(self) -> Benchmark:
        """The figures and the reason alone: what a seller's documents are judged by."""
        return replace(self, sellers=None)
