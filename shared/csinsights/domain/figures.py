"""One metric object of the metrics document: its figure, status and target, and the
insight details that say why it is what it is and what it takes to move it. Pure.

Each object is an instance of its view's model of the metric (`document.py`): a by-store
entry's rates carry the store's comparisons, the collective view's do not.

Everything is computed from exact values; rounding happens here, only in the output.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, get_args

from csinsights.domain.arrival import by_arrival
from csinsights.domain.benchmarks import Benchmark, benchmark_status, good_line
from csinsights.domain.catalogue import LATE, RESPONSE_TIME, ContactReason
from csinsights.domain.document import CollectiveMetrics, Figure, StoreMetrics
from csinsights.domain.insights import change, distribution, low_sample, trend
from csinsights.domain.metrics import HIGHER_IS_BETTER, Counts, MetricValue, compute
from csinsights.domain.targets import FIXED_TARGET_METRICS, Targets

REASONS: tuple[str, ...] = get_args(ContactReason)
"""The contract's contact reasons, in its order."""
PREVENTABLE_RATE = "preventable_contact_rate"


def rounded(value: Fraction | int | None) -> float | None:
    """Half-up to two decimals, only when rendering. A negative figure (a `change`) has
    its magnitude rounded and its sign restored, so -0.125 shows as -0.13, the mirror of
    0.125; a change that rounds to nothing is 0.0, never -0.0."""
    if value is None:
        return None
    exact = Fraction(value)
    # Truncating to thousandths is exact for the magnitude: the third decimal alone decides
    # (5 and up rounds up); integers all the way, the float made once from hundredths.
    thousandths = abs(exact.numerator) * 1000 // exact.denominator
    magnitude = ((thousandths + 5) // 10) / 100
    return -magnitude if exact < 0 and magnitude else magnitude


class Scope:
    """One view's counts (this window, the one before, and this one a week ahead if nothing
    new happens) and how it is judged."""

    def __init__(
        self,
        now: Counts,
        before: Counts,
        targets: Targets,
        min_sample: int,
        benchmarks: dict[str, Benchmark] | None,
        judged: bool,
        ahead: tuple[str, Counts] | None = None,
        *,
        arrival_kept: bool = True,
    ) -> None:
        """`benchmarks` is None in the collective view (no comparisons), a store's
        benchmarks (empty outside the benchmark window) in a by-store entry; `judged`
        whether benchmark-judged statuses apply; `ahead` the projection's instant and
        counts (None: not kept, every `projected` is null); `arrival_kept` whether the
        counts hold arrival cells (not in a snapshot published before they were kept:
        `by_arrival` is null, never a guess)."""
        self.arrival_kept = arrival_kept
        self.now, self.before = now, before
        self.figures, self.previous = compute(now), compute(before)
        self.ahead = ahead
        self.projection = None if ahead is None else compute(ahead[1])
        self.targets = targets
        self.min_sample = min_sample
        self.benchmarks = benchmarks
        self.judged = judged
        self.view = CollectiveMetrics if benchmarks is None else StoreMetrics

    def metric(self, metric: str) -> Figure:
        """The metric's object, validated by its model: a field the model lacks, or one it
        requires and is not given, fails here rather than in a reader."""
        fields = self._late() if metric == LATE else self._measured(metric)
        return self.view.shape(metric).model_validate(fields)

    def _late(self) -> dict[str, Any]:
        """Late contacts never are NA; `change` is a difference of counts, an integer."""
        value = self.now.answered_late + self.now.unanswered_over_48h
        old = self.before.answered_late + self.before.unanswered_over_48h
        return {
            "value": value,
            "answered_late": self.now.answered_late,
            "unanswered_late": self.now.unanswered_over_48h,
            "status": self.targets.status(LATE, Fraction(value)),
            "target": self.targets.target(LATE),
            "reason": None,
            "previous": {"value": old},
            "change": value - old,
            "trend": trend(Fraction(value), Fraction(old), higher_is_better=False),
            "projected": None
            if self.ahead is None
            else {
                "as_of": self.ahead[0],
                "value": self.ahead[1].answered_late + self.ahead[1].unanswered_over_48h,
            },
        }

    def _measured(self, metric: str) -> dict[str, Any]:
        figure, old = self.figures[metric], self.previous[metric]
        out: dict[str, Any] = {
            "value": rounded(figure.value),
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "reason": figure.reason,
            "low_sample": low_sample(figure.denominator, self.min_sample),
            "previous": {
                "value": rounded(old.value),
                "numerator": old.numerator,
                "denominator": old.denominator,
            },
            "change": rounded(change(figure.value, old.value)),
            "trend": trend(figure.value, old.value, metric in HIGHER_IS_BETTER),
            "projected": self._projected(metric),
        }
        if metric == RESPONSE_TIME:
            out["median"] = rounded(figure.median)
            out["p90"] = rounded(figure.p90)
            out["unanswered"] = self.now.unanswered
            out["distribution"] = distribution(self.now.hours)
            out["by_arrival"] = (
                by_arrival(self.now.arrival, self.now.arrival_within_24h, self.now.arrival_late)
                if self.arrival_kept
                else None
            )
        if metric == PREVENTABLE_RATE:
            out["by_reason"] = {reason: self.now.by_reason[reason] for reason in REASONS}
        out |= self._judgement(metric, figure)
        if self.benchmarks is not None:
            mark = self.benchmarks.get(metric, Benchmark())
            out["store_average"] = rounded(mark.store_average)
            out["top_performers"] = rounded(mark.top_performers)
        return out

    def _projected(self, metric: str) -> dict[str, Any] | None:
        """The figure a week ahead if nothing new happens; no status, as the specification
        gives it none."""
        if self.ahead is None or self.projection is None:
            return None
        figure = self.projection[metric]
        return {
            "as_of": self.ahead[0],
            "value": rounded(figure.value),
            "numerator": figure.numerator,
            "denominator": figure.denominator,
        }

    def _judgement(self, metric: str, figure: MetricValue) -> dict[str, Any]:
        """Status and target: fixed targets everywhere; benchmark-judged statuses only in
        a by-store entry of the benchmark window; none otherwise."""
        if metric in FIXED_TARGET_METRICS:
            return {
                "status": self.targets.status(metric, figure.value),
                "target": self.targets.target(metric),
                "to_target": self.targets.to_target(metric, figure),
            }
        if not self.judged:
            return {"status": None, "target": None}
        mark = (self.benchmarks or {}).get(metric, Benchmark())
        average, top = mark.store_average, mark.top_performers
        line = good_line(average, top)
        return {
            "status": benchmark_status(figure.value, average, top),
            "target": None
            if line is None
            else {"value": rounded(line), "condition": "less_than_or_equal"},
        }
