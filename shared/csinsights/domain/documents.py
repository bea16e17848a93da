"""Statuses, targets and the metrics document of the specification. Pure.

A seller's daily snapshot keeps, per store and window, the pooled `Counts`, and per store
the benchmark figures; any set of stores is rendered from it without further reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from csinsights.domain.benchmarks import Benchmark, benchmark_status
from csinsights.domain.catalogue import (
    BENCHMARK_WINDOW,
    CATALOGUE,
    CSDR,
    LATE,
    RESPONSE_TIME,
    WITHIN_24H,
)
from csinsights.domain.catalogue import WINDOWS as WINDOWS
from csinsights.domain.metrics import METRICS, Counts, MetricValue, compute


@dataclass(frozen=True)
class Targets:
    """Fixed targets; configuration, defaults from the specification."""

    csdr_good_below: Fraction = Fraction(25)
    csdr_fair_below: Fraction = Fraction(50)
    within_24h_good_from: Fraction = Fraction(90)
    within_24h_fair_from: Fraction = Fraction(75)
    late_fair_up_to: int = 2

    def target(self, metric: str) -> dict[str, Any] | None:
        if metric == CSDR:
            return {"value": _plain(self.csdr_good_below), "condition": "less_than"}
        if metric == WITHIN_24H:
            return {
                "value": _plain(self.within_24h_good_from),
                "condition": "greater_than_or_equal",
            }
        if metric == LATE:
            return {"value": 0, "condition": "equal_to"}
        return None

    def status(self, metric: str, value: Fraction | None) -> str:
        if value is None:
            return "na"
        if metric == CSDR:
            return (
                "good"
                if value < self.csdr_good_below
                else "fair"
                if value < self.csdr_fair_below
                else "poor"
            )
        if metric == WITHIN_24H:
            if value >= self.within_24h_good_from:
                return "good"
            return "fair" if value >= self.within_24h_fair_from else "poor"
        if metric == LATE:
            return "good" if value == 0 else "fair" if value <= self.late_fair_up_to else "poor"
        raise ValueError(metric)


FIXED_TARGET_METRICS = frozenset(m.name for m in CATALOGUE if m.target == "fixed")


def _plain(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def rounded(value: Fraction | int | None) -> float | None:
    """Half-up to two decimals, only when rendering."""
    if value is None:
        return None
    fraction = Fraction(value)
    exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _metric_object(
    metric: str,
    figure: MetricValue,
    benchmark: Benchmark | None,
    judged: bool,
    in_store: bool,
    targets: Targets,
) -> dict[str, Any]:
    if metric == LATE:
        return {
            "value": int(figure.value or 0),
            "status": targets.status(LATE, figure.value),
            "target": targets.target(LATE),
            "reason": None,
        }
    out: dict[str, Any] = {
        "value": rounded(figure.value),
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "reason": figure.reason,
    }
    if metric == RESPONSE_TIME:
        out["median"] = rounded(figure.median)
        out["p90"] = rounded(figure.p90)
    average = benchmark.store_average if benchmark else None
    top = benchmark.top_performers if benchmark else None
    if metric in FIXED_TARGET_METRICS:
        out["status"] = targets.status(metric, figure.value)
        out["target"] = targets.target(metric)
    elif judged:
        out["status"] = benchmark_status(figure.value, average, top)
        reference = top if top is not None else average
        out["target"] = (
            None
            if reference is None
            else {"value": rounded(reference), "condition": "less_than_or_equal"}
        )
    else:
        out["status"] = None
        out["target"] = None
    if in_store:
        out["store_average"] = rounded(average)
        out["top_performers"] = rounded(top)
    return out


def _iso(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_document(
    seller_id: str,
    as_of_day: date,
    window_days: int,
    counts: Mapping[str, Counts],
    benchmarks: Mapping[str, Mapping[str, Benchmark]],
    stores: Iterable[str] | None = None,
    targets: Targets | None = None,
) -> dict[str, Any]:
    """The metrics document for `stores` (default all in `counts`), as of the end of
    `as_of_day`; `counts` holds each store's counts over this window."""
    targets = targets or Targets()
    chosen = sorted(stores if stores is not None else counts)
    judged = window_days == BENCHMARK_WINDOW
    end = as_of_day + timedelta(days=1)
    pooled = sum((counts[s] for s in chosen), Counts())
    collective = compute(pooled)
    by_store = []
    for store in chosen:
        figures = compute(counts[store])
        store_benchmarks_ = benchmarks.get(store, {}) if judged else {}
        by_store.append(
            {
                "store_id": store,
                "metrics": {
                    m: _metric_object(
                        m,
                        figures[m],
                        store_benchmarks_.get(m) if judged else None,
                        judged,
                        m != LATE,
                        targets,
                    )
                    for m in METRICS
                },
            }
        )
    return {
        "seller_id": seller_id,
        "stores": chosen,
        "as_of": _iso(end),
        "window": {
            "start": _iso(end - timedelta(days=window_days)),
            "end": _iso(end),
            "days": window_days,
        },
        "metrics": {
            m: _metric_object(m, collective[m], None, False, False, targets) for m in METRICS
        },
        "by_store": by_store,
    }
