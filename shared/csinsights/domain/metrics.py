"""The metrics of the specification, computed from windowed counts. Pure: no I/O.

`Counts` pools everything one scope of one or more stores holds over a window; every
metric value, NA reason, median and 90th percentile comes from it. Values stay exact
(`Fraction`) until a document is rendered.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from csinsights.domain.catalogue import CATALOGUE, LATE, RESPONSE_TIME

METRICS = tuple(m.name for m in CATALOGUE)
"""In document order."""
RATE_METRICS = tuple(m.name for m in CATALOGUE if m.kind == "rate")
COMPARED_METRICS = (*RATE_METRICS, RESPONSE_TIME)
"""Metrics that carry a store average and a top-performer figure."""
HIGHER_IS_BETTER = frozenset(m.name for m in CATALOGUE if m.higher_is_better)


@dataclass
class Counts:
    orders: int = 0
    responses: int = 0
    dissatisfied: int = 0
    contacts: int = 0
    preventable: int = 0
    bdr_dissatisfied: int = 0
    within_24h: int = 0
    answered_late: int = 0
    unanswered_over_24h: int = 0
    unanswered_over_48h: int = 0
    hours: Counter[int] = field(default_factory=Counter)
    """Whole hours of each contact needing a reply: response time, or age if unanswered."""
    answered: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    """Contacts per reason of their earliest message."""
    arrival: Counter[str] = field(default_factory=Counter)
    """Contacts needing a reply per arrival cell (`arrival.CELLS`): when they came in."""
    arrival_within_24h: Counter[str] = field(default_factory=Counter)
    """Of them, per cell, those answered within 24 h."""
    arrival_late: Counter[str] = field(default_factory=Counter)
    """Of them, per cell, those late: answered after 48 h, or unanswered past 48 h."""

    @property
    def unanswered(self) -> int:
        """Contacts needing a reply with no response yet (counted in `hours` by their age)."""
        return sum(self.hours.values()) - self.answered

    def summarised(self) -> Counts:
        """The same counts with `hours` reduced to their sum and count (at most two whole
        hours, q and q + 1): every figure a previous period shows (values, numerators,
        denominators, the mean response time) stays exact, at a fraction of the size;
        median, p90, bands and arrival cells are not kept."""
        total = sum(h * c for h, c in self.hours.items())
        return replace(
            self,
            hours=spread(total, sum(self.hours.values())),
            arrival=Counter(),
            arrival_within_24h=Counter(),
            arrival_late=Counter(),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            **{
                name: getattr(self, name) + getattr(other, name)
                for name in self.__dataclass_fields__
            }
        )


def spread(total: int, n: int) -> Counter[int]:
    """`n` whole hours summing to `total`, as even as can be: q and q + 1 (`summarised`)."""
    hours: Counter[int] = Counter()
    if n:
        q, r = divmod(total, n)
        hours.update({q: n - r, q + 1: r})
    return +hours


Deltas = Mapping[date, Sequence[tuple[date, Mapping[str, int]]]]
"""A seller store's aggregate deltas by the day they belong to: (effective day, counters)."""

_COUNTERS: dict[str, tuple[str, str, Any]] = {}
ARRIVAL_KINDS = frozenset({"arr_24h", "arr_48h", "arr_late", "arr_wait"})
"""A contact's arrival counters (`counters`), each named by its cell."""


def _counter(name: str) -> tuple[str, str, Any]:
    """`scope.counter` read once: (scope, kind, what it names)."""
    known = _COUNTERS.get(name)
    if known is None:
        scope, counter = name.split(".", 1)
        kind, _, arg = counter.partition(":")
        known = (scope, kind, int(arg) if kind in ("answered_h", "unanswered_c") else arg or kind)
        _COUNTERS[name] = known
    return known


class _Pool:
    """One window's counts as they are added up."""

    def __init__(self, last_day: date) -> None:
        self.end = last_day + timedelta(days=1)
        self.totals: Counter[str] = Counter()
        self.hours: Counter[int] = Counter()
        self.by_reason: Counter[str] = Counter()
        self.answered = self.over_24h = self.over_48h = 0
        self.arrival: Counter[str] = Counter()
        self.arrival_within_24h: Counter[str] = Counter()
        self.arrival_late: Counter[str] = Counter()

    def add(self, belongs: date, kind: str, arg: Any, value: int) -> None:
        if kind == "answered_h":
            self.hours[arg] += value
            self.answered += value
        elif kind == "unanswered_c":
            age_days = (self.end - belongs).days
            self.hours[24 * age_days - arg] += value
            if age_days >= 2:
                self.over_24h += value
            if age_days >= 3:
                self.over_48h += value
        elif kind == "reason":
            self.by_reason[arg] += value
        elif kind in ARRIVAL_KINDS:
            self.arrival[arg] += value
            if kind == "arr_24h":
                self.arrival_within_24h[arg] += value
            elif kind == "arr_late" or (kind == "arr_wait" and (self.end - belongs).days >= 3):
                self.arrival_late[arg] += value
        else:
            self.totals[arg] += value

    def counts(self) -> Counts:
        return Counts(
            **self.totals,
            unanswered_over_24h=self.over_24h,
            unanswered_over_48h=self.over_48h,
            hours=+self.hours,
            answered=self.answered,
            by_reason=+self.by_reason,
            arrival=+self.arrival,
            arrival_within_24h=+self.arrival_within_24h,
            arrival_late=+self.arrival_late,
        )


def pooled(deltas: Deltas, scope: str, windows: Sequence[tuple[date, date]]) -> list[Counts]:
    """The counts of one scope over each window [first day, last day] as they stood at the
    end of its last day: every delta of its days that took effect by then, pooled. The same
    as the as-of counters of those days pooled (`tests/definitions.py`); every window read
    in one pass over the deltas."""
    pools = [_Pool(last) for _, last in windows]
    earliest = min((first for first, _ in windows), default=None)
    latest = max((last for _, last in windows), default=None)
    for belongs, items in deltas.items():
        if earliest is None or latest is None or not earliest <= belongs <= latest:
            continue
        holding = [
            (pool, last)
            for pool, (first, last) in zip(pools, windows, strict=True)
            if first <= belongs <= last
        ]
        for effective, counters in items:
            taking = [pool for pool, last in holding if effective <= last]
            if not taking:
                continue
            for name, value in counters.items():
                counter_scope, kind, arg = _counter(name)
                if counter_scope != scope or not value:
                    continue
                for pool in taking:
                    pool.add(belongs, kind, arg, value)
    return [pool.counts() for pool in pools]


@dataclass(frozen=True)
class MetricValue:
    value: Fraction | None
    numerator: int = 0
    denominator: int = 0
    reason: str | None = None
    median: Fraction | None = None
    p90: Fraction | None = None


def _rate(numerator: int, denominator: int, reason: str) -> MetricValue:
    if denominator == 0:
        return MetricValue(None, numerator, denominator, reason)
    return MetricValue(Fraction(100 * numerator, denominator), numerator, denominator)


def _sorted_hours(hours: Counter[int]) -> list[int]:
    return [h for h, n in sorted(hours.items()) for _ in range(n)]


def median(values: list[Fraction] | list[int]) -> Fraction:
    ordered: list[Fraction] = sorted(Fraction(v) for v in values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def percentile_90(ordered: list[int]) -> Fraction:
    return Fraction(ordered[math.ceil(0.9 * len(ordered)) - 1])


def compute(counts: Counts) -> dict[str, MetricValue]:
    values = {
        "customer_service_dissatisfaction_rate": _rate(
            counts.dissatisfied, counts.responses, "no_responses"
        ),
        "buyer_dissatisfaction_rate": _rate(
            counts.bdr_dissatisfied, counts.contacts, "no_contacts"
        ),
        "preventable_contact_rate": (
            MetricValue(None, counts.preventable, counts.orders, "no_contacts")
            if counts.contacts == 0
            else _rate(counts.preventable, counts.orders, "no_orders")
        ),
        "response_within_24h_rate": _rate(
            counts.within_24h, counts.answered + counts.unanswered_over_24h, "no_contacts"
        ),
        LATE: MetricValue(Fraction(counts.answered_late + counts.unanswered_over_48h)),
    }
    hours = _sorted_hours(counts.hours)
    if hours:
        values[RESPONSE_TIME] = MetricValue(
            Fraction(sum(hours), len(hours)),
            sum(hours),
            len(hours),
            median=median(hours),
            p90=percentile_90(hours),
        )
    else:
        values[RESPONSE_TIME] = MetricValue(None, 0, 0, "no_contacts")
    return values


def better_or_equal(metric: str, value: Fraction, than: Fraction) -> bool:
    return value >= than if metric in HIGHER_IS_BETTER else value <= than


def best_quartile(metric: str, values: dict[str, Fraction]) -> set[str]:
    """Sellers at least as good as the value at rank ceil(n/4), best first."""
    if not values:
        return set()
    ordered = sorted(values.values(), reverse=metric in HIGHER_IS_BETTER)
    threshold = ordered[math.ceil(len(ordered) / 4) - 1]
    return {seller for seller, v in values.items() if better_or_equal(metric, v, threshold)}


def last_complete_months(as_of_day: date, count: int = 3) -> list[tuple[date, date]]:
    """(first day, last day) of the `count` calendar months completed by the end of as_of_day."""
    end = as_of_day + timedelta(days=1)
    first_of_current = end.replace(day=1)
    months = []
    last = first_of_current - timedelta(days=1)
    for _ in range(count):
        first = last.replace(day=1)
        months.append((first, last))
        last = first - timedelta(days=1)
    return months


def mean(values: Iterable[Fraction]) -> Fraction | None:
    items = list(values)
    return sum(items, Fraction(0)) / len(items) if items else None
