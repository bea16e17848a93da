"""Insights pages of the cases a report must survive, rendered from real documents: the
unit tests read their HTML, the browser tests open them in Chromium."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from csinsights.domain.arrival import CELLS
from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.document import MetricsDocument
from csinsights.domain.documents import render_document
from csinsights.domain.metrics import METRICS, Counts
from csinsights.domain.targets import RenderRules, store_targets
from csinsights.render.charts import Trend
from csinsights.render.html import to_html

DAY = date(2026, 11, 25)
HOSTILE_ID = "<script>alert(1)</script>"
FORMULA_ID = "x;=cmd|'/Ccalc'!A0"
LONG_ID = "A" * 120
PWNED = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
"""An id that, if it ever ran, would leave its mark on the page."""


@dataclass(frozen=True)
class Sample:
    document: MetricsDocument
    trend: Trend | None
    overdue: list[dict[str, Any]] | None
    rules: RenderRules

    def html(self) -> str:
        return to_html(self.document, self.trend, self.overdue, self.rules)


WEEKEND = ("fri_evening", "sat_night", "sat_morning", "sat_afternoon", "sat_evening")


def arrivals(hours: Counter[int], seed: int) -> dict[str, Counter[str]]:
    """Arrival cells for contacts answered after `hours`: anywhere in the week, but the
    late ones (after 48 h) arrived at the weekend, as in many small shops."""
    rnd = random.Random(seed + 1000)
    cells: dict[str, Counter[str]] = {
        "arrival": Counter(),
        "arrival_within_24h": Counter(),
        "arrival_late": Counter(),
    }
    for h, count in sorted(hours.items()):
        for _ in range(count):
            cell = rnd.choice(WEEKEND if h > 48 else CELLS)
            cells["arrival"][cell] += 1
            cells["arrival_within_24h"][cell] += h < 24
            cells["arrival_late"][cell] += h > 48
    return {name: +counter for name, counter in cells.items()}


def busy(seed: int) -> Counts:
    rnd = random.Random(seed)
    hours = Counter({h: rnd.randint(0, 6) for h in (0, 2, 5, 11, 30, 52)})
    return Counts(
        **arrivals(hours, seed),
        orders=rnd.randint(60, 400),
        contacts=sum(hours.values()) + 2,
        preventable=rnd.randint(1, 9),
        responses=rnd.randint(20, 80),
        dissatisfied=rnd.randint(0, 20),
        bdr_dissatisfied=rnd.randint(0, 5),
        within_24h=hours[0] + hours[2] + hours[5] + hours[11],
        answered=sum(hours.values()),
        answered_late=hours[52],
        hours=hours,
        by_reason=Counter({"shipping": 3, "pre_sale_question": 4, "other": 2}),
    )


def marks(seed: int) -> dict[str, Benchmark]:
    rnd = random.Random(seed)
    return {
        m: Benchmark(Fraction(rnd.randint(20, 900), 100), Fraction(rnd.randint(5, 300), 100))
        for m in METRICS
    }


def trend_of(stores: list[str], first: date, flat: bool = False) -> Trend:
    """Daily documents over 28 days, two days missing (no run); `flat` keeps one figure."""
    documents = {}
    for i in range(28):
        day = first + timedelta(days=i)
        if i in (9, 10):
            continue
        counts = {s: busy(0 if flat else i * 31 + n) for n, s in enumerate(stores)}
        documents[day] = render_document("S", day, 28, counts, {})
    return Trend.from_documents(first, first + timedelta(days=27), documents)


def sample(
    seller: str = "A1SELLER",
    stores: tuple[str, ...] = ("US", "CA"),
    counts: dict[str, Counts] | None = None,
    benchmarks: bool = True,
    trend: bool = True,
    overdue: list[dict[str, Any]] | None = None,
) -> Sample:
    chosen = list(stores)
    # A week on, if nothing new happens: other counts of the same shape, or the same ones.
    projected = counts or {s: busy(n + 90) for n, s in enumerate(chosen)}
    counts = counts or {s: busy(n) for n, s in enumerate(chosen)}
    previous = {s: busy(n + 50) for n, s in enumerate(chosen)}
    bench = {s: marks(n) for n, s in enumerate(chosen)} if benchmarks else {}
    rules = RenderRules(
        store_targets=store_targets(
            {chosen[0]: {"customer_service_dissatisfaction_rate": {"good": 20, "fair": 40}}}
        )
    )
    document = render_document(
        seller, DAY, 28, counts, bench, previous=previous, rules=rules, projected=projected
    )
    first = DAY - timedelta(days=27)
    return Sample(document, trend_of(chosen, first) if trend else None, overdue, rules)


OVERDUE = [
    {
        "contact_id": "c-41",
        "store_id": "US",
        "order_id": "114-3941689-8772232",
        "reason": "shipping",
        "received_at": "2026-11-24T02:00:00Z",
        "due_at": "2026-11-26T02:00:00Z",
        "hours_left": 4.5,
    },
    {
        "contact_id": "c-17",
        "store_id": "CA",
        "order_id": None,
        "reason": "product_quality",
        "received_at": "2026-11-23T09:30:00Z",
        "due_at": "2026-11-25T09:30:00Z",
        "hours_left": -12.5,
    },
]


def good_line() -> Sample:
    """A store judged against its good line, figure by figure: in US the top performers
    replied in 83.78 h this period against a store average of 33.29 h (so a 67 h average
    reply is poor, and the target is the average), the buyer dissatisfaction rate has
    only a store average, the preventable contact rate top performers better than the
    average; CA's comparisons are withheld by the privacy floor and its figures are NA
    but late contacts (one order, no contact, no survey response)."""
    us = Counts(
        arrival=Counter({"fri_evening": 1, "sat_morning": 1, "sat_evening": 1}),
        arrival_late=Counter({"fri_evening": 1, "sat_morning": 1, "sat_evening": 1}),
        orders=50,
        contacts=3,
        preventable=3,
        responses=10,
        dissatisfied=1,
        bdr_dissatisfied=1,
        answered=3,
        answered_late=3,
        hours=Counter({60: 1, 67: 1, 74: 1}),
        by_reason=Counter({"shipping": 3}),
    )
    bench = {
        "US": {
            "average_contact_response_time_hours": Benchmark(
                Fraction(3329, 100), Fraction(8378, 100)
            ),
            "buyer_dissatisfaction_rate": Benchmark(Fraction(40), None),
            "preventable_contact_rate": Benchmark(Fraction(9), Fraction(4)),
            "customer_service_dissatisfaction_rate": Benchmark(Fraction(12), Fraction(5)),
            "response_within_24h_rate": Benchmark(Fraction(80), Fraction(95)),
        },
        "CA": {m: Benchmark(reason="too_few_sellers") for m in METRICS},
    }
    counts = {"US": us, "CA": Counts(orders=1)}
    # A week on: one of the late replies' contacts has left the window.
    ahead = replace(
        us,
        contacts=2,
        answered=2,
        answered_late=2,
        hours=Counter({67: 1, 74: 1}),
        arrival=Counter({"sat_morning": 1, "sat_evening": 1}),
        arrival_late=Counter({"sat_morning": 1, "sat_evening": 1}),
    )
    rules = RenderRules()
    document = render_document(
        "SELLER004",
        DAY,
        28,
        counts,
        bench,
        rules=rules,
        projected={"US": ahead, "CA": counts["CA"]},
    )
    return Sample(document, None, [], rules)


def cases() -> dict[str, Sample]:
    """Every case by name: the screenshots show `typical`."""
    sixteen = tuple(f"S{i:02d}" for i in range(16))
    return {
        "typical": sample(overdue=OVERDUE),
        "na-everywhere": sample(counts={"US": Counts(), "CA": Counts()}, benchmarks=False),
        "low-samples": sample(
            counts={
                s: Counts(orders=3, contacts=2, preventable=1, responses=2, dissatisfied=1)
                for s in ("US", "CA")
            },
            overdue=[],
        ),
        "one-store": sample(stores=("DE",)),
        "sixteen-stores": sample(stores=sixteen, trend=False),
        "flat-trend": Sample(
            sample(stores=("US",)).document,
            trend_of(["US"], DAY - timedelta(days=27), flat=True),
            [],
            RenderRules(),
        ),
        "long-ids": sample(
            seller=LONG_ID,
            stores=(LONG_ID, "B" * 80),
            overdue=[{**OVERDUE[0], "contact_id": "C" * 150, "store_id": LONG_ID}],
        ),
        "hostile-ids": sample(
            seller=PWNED,
            stores=(HOSTILE_ID, FORMULA_ID),
            overdue=[{**OVERDUE[0], "contact_id": PWNED, "store_id": HOSTILE_ID}],
        ),
        "good-line": good_line(),
    }
