"""Figures by their definitions, written plainly, for tests to hold the product's faster
code against: the as-of counters of a seller store (every delta that took effect by the end
of a day, summed) and a window's counts pooled from them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from csinsights.domain.counters import CounterKey
from csinsights.domain.metrics import Counts


def as_of(items: Iterable[tuple[date, date, Mapping[str, int]]], day: date) -> Counter[CounterKey]:
    """Sum the deltas (belongs, effective, counters) that took effect by the end of `day`."""
    out: Counter[CounterKey] = Counter()
    for belongs, effective, values in items:
        if effective <= day:
            for name, value in values.items():
                scope, counter = name.split(".", 1)
                out[(scope, belongs, counter)] += value
    return Counter({key: value for key, value in out.items() if value})


def window_counts(
    counters: Counter[CounterKey], scope: str, first_day: date, last_day: date
) -> Counts:
    """Pool a store's as-of counters (as of the end of `last_day`) over [first_day, last_day]."""
    counts = Counts()
    end = last_day + timedelta(days=1)
    for (counter_scope, belongs, name), value in counters.items():
        if counter_scope != scope or not first_day <= belongs <= last_day or not value:
            continue
        if name.startswith("answered_h:"):
            counts.hours[int(name.split(":")[1])] += value
            counts.answered += value
        elif name.startswith("unanswered_c:"):
            days = (end - belongs).days
            counts.hours[24 * days - int(name.split(":")[1])] += value
            if days >= 2:
                counts.unanswered_over_24h += value
            if days >= 3:
                counts.unanswered_over_48h += value
        elif name.startswith("reason:"):
            counts.by_reason[name.split(":", 1)[1]] += value
        else:
            setattr(counts, name, getattr(counts, name) + value)
    return counts
