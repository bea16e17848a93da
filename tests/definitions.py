"""Figures by their definitions, written plainly, for tests to hold the product's faster
code against: the as-of counters of a seller store (every delta that took effect by the end
of a day, summed), a window's counts pooled from them, and a store's benchmarks in one pass
over all its sellers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from csinsights.domain.benchmarks import MIN_RANKING_DENOMINATOR, TOO_FEW_SELLERS, Benchmark
from csinsights.domain.counters import CounterKey
from csinsights.domain.metrics import COMPARED_METRICS, Counts, best_quartile, mean, median
from csinsights.domain.sharded import BenchmarkInput


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
        elif name.startswith("arr_"):
            kind, cell = name.split(":", 1)
            counts.arrival[cell] += value
            if kind == "arr_24h":
                counts.arrival_within_24h[cell] += value
            if kind == "arr_late" or (kind == "arr_wait" and (end - belongs).days >= 3):
                counts.arrival_late[cell] += value
        else:
            setattr(counts, name, getattr(counts, name) + value)
    return counts


def benchmarks_by_definition(
    sellers: Mapping[str, BenchmarkInput], *, min_volume: int, min_peers: int
) -> dict[str, Benchmark]:
    """A store's benchmarks in one pass over every seller, as the specification defines
    them: per metric, the mean over the sellers with a figure and a denominator of at least
    `min_volume`, withheld below `min_peers` of them; the median self-fulfilled figure of
    the sellers in the best quartile (at least as good as rank ceil(n/4)) of every ranking
    month; each with how many sellers qualified for the mean (withheld or not)."""
    months = max((len(i[m].months) for i in sellers.values() for m in i), default=0)
    out = {}
    for metric in COMPARED_METRICS:
        qualifying = [
            i[metric].value
            for i in sellers.values()
            if i[metric].value is not None and i[metric].denominator >= min_volume
        ]
        if len(qualifying) < min_peers:
            out[metric] = Benchmark(reason=TOO_FEW_SELLERS, sellers=len(qualifying))
            continue
        cohort: set[str] | None = None
        for index in range(months):
            ranked = {}
            for seller, inputs in sellers.items():
                value, denominator = inputs[metric].months[index]
                if value is not None and denominator >= MIN_RANKING_DENOMINATOR:
                    ranked[seller] = value
            best = best_quartile(metric, ranked)
            cohort = best if cohort is None else cohort & best
        cohort_values = [
            v
            for seller in sorted(cohort or ())
            if (v := sellers[seller][metric].self_fulfilled) is not None
        ]
        top = median(cohort_values) if cohort_values else None
        out[metric] = Benchmark(mean(qualifying), top, sellers=len(qualifying))
    return out
