"""A plain, obviously correct reading of the specification, straight from raw events.

Deliberately shares no code with the product: it keeps the distinct events, looks only at
those visible as of the end of a day, and counts with loops. Tests compare the pipeline's
stored aggregates (and later its metric documents) with what this computes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

PREVENTABLE = {"product_quality", "fulfillment", "shipping", "customer_service"}

# "When contacts arrive": the store's time zones of the specification, any other store UTC.
STORE_TIME_ZONES = {
    "US": "America/Los_Angeles",
    "CA": "America/Los_Angeles",
    "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo",
    "UK": "Europe/London",
    "DE": "Europe/Berlin",
    "FR": "Europe/Berlin",
    "IT": "Europe/Berlin",
    "ES": "Europe/Berlin",
    "NL": "Europe/Berlin",
    "SE": "Europe/Berlin",
    "PL": "Europe/Berlin",
    "BE": "Europe/Berlin",
    "JP": "Asia/Tokyo",
    "AU": "Australia/Sydney",
    "IN": "Asia/Kolkata",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("night", "morning", "afternoon", "evening")  # from 00:00, 06:00, 12:00, 18:00


def arrival(received: datetime, store: str) -> str:
    """`<weekday>_<part>` of the local wall clock in the store's zone at that instant."""
    local = received.astimezone(ZoneInfo(STORE_TIME_ZONES.get(store, "UTC")))
    if local.hour < 6:
        part = "night"
    elif local.hour < 12:
        part = "morning"
    elif local.hour < 18:
        part = "afternoon"
    else:
        part = "evening"
    return f"{WEEKDAYS[local.weekday()]}_{part}"


def when(e: dict[str, Any]) -> datetime:
    return _instant(e["occurred_at"])


@lru_cache(maxsize=1 << 16)
def _instant(text: str) -> datetime:
    """Parsed once per distinct text: the properties ask for the same stamps many times."""
    return datetime.fromisoformat(text).astimezone(UTC)


def key(e: dict[str, Any]) -> tuple[datetime, str]:
    return (when(e), e["event_id"])


def distinct(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for e in events:
        seen.setdefault(e["event_id"], e)
    return list(seen.values())


def dissatisfied(vote: dict[str, Any]) -> bool:
    data = vote["data"]
    return data.get("vote") == "no" or data.get("rating") in (1, 2)


class World:
    """What the events say as of the end of `as_of` for one seller and store."""

    def __init__(self, events: list[dict[str, Any]], as_of: date) -> None:
        self.as_of = as_of
        self.cutoff = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)
        self.store = events[0]["store_id"] if events else ""
        visible = [e for e in distinct(events) if when(e) < self.cutoff]
        self.placed: dict[str, dict[str, Any]] = {}
        self.votes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.received: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.no_reply: set[str] = set()
        for e in sorted(visible, key=key):
            data = e["data"]
            if e["type"] == "order.placed":
                self.placed.setdefault(data["order_id"], e)
            elif e["type"] == "survey.vote":
                self.votes[data["order_id"]].append(e)
            elif e["type"] == "contact.received":
                self.received.setdefault(data["contact_id"], e)
            elif e["type"] == "contact.responded":
                # An auto-responder's reply is not a response: it is as if it never came.
                if data.get("automated", False) is not True:
                    self.replies[data["contact_id"]].append(e)
            else:
                self.no_reply.add(data["contact_id"])

    def latest_vote(self, order_id: str | None) -> dict[str, Any] | None:
        if order_id is None or not self.votes.get(order_id):
            return None
        return self.votes[order_id][-1]

    def self_fulfilled(self, order_id: str | None) -> bool:
        placed = self.placed.get(order_id) if order_id else None
        return placed is not None and placed["data"]["fulfillment"] == "seller"


def counters(events: list[dict[str, Any]], as_of: date) -> Counter[tuple[str, date, str]]:
    """The aggregate counters of one seller's store as of the end of `as_of`."""
    w = World(events, as_of)
    out: Counter[tuple[str, date, str]] = Counter()
    for order_id, placed in w.placed.items():
        scopes = ["all", "sf"] if placed["data"]["fulfillment"] == "seller" else ["all"]
        for scope in scopes:
            out[(scope, when(placed).date(), "orders")] += 1
    for order_id in w.votes:
        vote = w.latest_vote(order_id)
        assert vote is not None
        scopes = ["all", "sf"] if w.self_fulfilled(order_id) else ["all"]
        for scope in scopes:
            out[(scope, when(vote).date(), "responses")] += 1
            if dissatisfied(vote):
                out[(scope, when(vote).date(), "dissatisfied")] += 1
    for contact_id, rec in w.received.items():
        order_id = rec["data"].get("order_id")
        scopes = ["all", "sf"] if w.self_fulfilled(order_id) else ["all"]
        day = when(rec).date()
        vote = w.latest_vote(order_id)
        for scope in scopes:
            out[(scope, day, "contacts")] += 1
            out[(scope, day, f"reason:{rec['data']['reason']}")] += 1
            if rec["data"]["reason"] in PREVENTABLE:
                out[(scope, day, "preventable")] += 1
            if vote is not None and dissatisfied(vote):
                out[(scope, day, "bdr_dissatisfied")] += 1
            if contact_id in w.no_reply:
                continue
            replies = w.replies.get(contact_id)
            if not replies:
                seconds = when(rec) - when(rec).replace(hour=0, minute=0, second=0, microsecond=0)
                ceil_hours = math.ceil(seconds / timedelta(hours=1))
                out[(scope, day, f"unanswered_c:{ceil_hours}")] += 1
                continue
            waited = max(when(replies[0]) - when(rec), timedelta(0))
            out[(scope, day, f"answered_h:{int(waited // timedelta(hours=1))}")] += 1
            if waited <= timedelta(hours=24):
                out[(scope, day, "within_24h")] += 1
            if waited > timedelta(hours=48):
                out[(scope, day, "answered_late")] += 1
        if contact_id in w.no_reply:
            continue
        # When it arrived (all orders only): one counter a contact, by what became of it.
        cell = arrival(when(rec), w.store)
        replies = w.replies.get(contact_id)
        if not replies:
            out[("all", day, f"arr_wait:{cell}")] += 1
            continue
        waited = max(when(replies[0]) - when(rec), timedelta(0))
        if waited <= timedelta(hours=24):
            out[("all", day, f"arr_24h:{cell}")] += 1
        elif waited <= timedelta(hours=48):
            out[("all", day, f"arr_48h:{cell}")] += 1
        else:
            out[("all", day, f"arr_late:{cell}")] += 1
    return +out


# ---- metrics documents ------------------------------------------------------------------
#
# `documents` reads the spec's "Windows and as of", "Metrics", "Status against targets",
# "Comparisons", "Insight details" and "The metrics document" as plainly as possible: every
# figure is recomputed from the raw events visible at its own cutoff (as of T for the
# window, as of T - w for the previous period, as of the month's end for the top-performer
# rankings; what comes next as of T + 7 days from the events before T only), with exact
# fractions, and rounded only when written out.

CSDR = "customer_service_dissatisfaction_rate"
BDR = "buyer_dissatisfaction_rate"
PREVENTABLE_RATE = "preventable_contact_rate"
WITHIN_24H = "response_within_24h_rate"
RESPONSE_TIME = "average_contact_response_time_hours"
LATE = "late_contacts"
RATES = (CSDR, BDR, PREVENTABLE_RATE, WITHIN_24H)
METRICS = (*RATES, RESPONSE_TIME, LATE)
COMPARED = (*RATES, RESPONSE_TIME)
BENCHMARK_JUDGED = (PREVENTABLE_RATE, BDR, RESPONSE_TIME)
HIGHER_IS_BETTER = {WITHIN_24H}
BENCHMARK_WINDOW_DAYS = 28
MIN_DENOMINATOR = 5  # a seller's monthly denominator needed to be ranked for top performers
MIN_VOLUME = 5  # a seller's window denominator needed to count in the store average
MIN_PEERS = 5  # qualifying sellers needed before a store's comparisons are published
MIN_SAMPLE = 40  # a denominator below it is a low sample
RANKED_MONTHS = 3
PROJECTION = timedelta(days=7)  # what comes next: the figures this long after T
HOUR = timedelta(hours=1)
REASONS = (
    "product_quality",
    "fulfillment",
    "shipping",
    "customer_service",
    "change_of_mind",
    "pre_sale_question",
    "other",
)
BANDS = ("0-1", "1-4", "4-8", "8-24", "24-48", "48+")
TOO_FEW_SELLERS = "too_few_sellers"
CONDITIONS = {CSDR: "less_than", WITHIN_24H: "greater_than_or_equal", LATE: "equal_to"}
DEFAULT_THRESHOLDS: dict[str, dict[str, int]] = {
    CSDR: {"good": 25, "fair": 50},
    WITHIN_24H: {"good": 90, "fair": 75},
    LATE: {"good": 0, "fair": 2},
}

Thresholds = dict[str, dict[str, dict[str, int | float]]]
"""Per-store overrides: store id -> metric -> any of "good" and "fair", e.g.
`{"DE": {CSDR: {"good": 20, "fair": 40}, WITHIN_24H: {"good": 95, "fair": 80},
LATE: {"fair": 1}}}`. The two numbers are the two band edges of the table:

- `customer_service_dissatisfaction_rate`: good below `good` %, fair from `good` to below
  `fair` %, poor from `fair` %; the target is `{"value": good, "condition": "less_than"}`;
- `response_within_24h_rate`: good from `good` %, fair from `fair` % to below `good` %,
  poor below `fair` %; the target is `{"value": good, "condition":
  "greater_than_or_equal"}`;
- `late_contacts`: good is 0 and stays 0 (`good`, if given, must be 0), fair from 1 up to
  `fair` contacts, poor above; the target stays `{"value": 0, "condition": "equal_to"}`.

A metric or band a store does not override keeps its default; a good edge past the fair
one, an unknown band and the benchmark-judged metrics (no thresholds) are refused."""


@dataclass
class Figures:
    """The counts behind every metric, for one window, poolable across stores."""

    orders: int = 0
    responses: int = 0
    dissatisfied: int = 0
    contacts: int = 0
    preventable: int = 0
    bdr_dissatisfied: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    hours: list[int] = field(default_factory=list)
    unanswered: int = 0
    answered_or_old: int = 0
    within_24h: int = 0
    answered_late: int = 0
    unanswered_late: int = 0
    arrival: Counter[str] = field(default_factory=Counter)
    """Contacts needing a reply by the cell they arrived in."""
    arrival_24h: Counter[str] = field(default_factory=Counter)
    arrival_late: Counter[str] = field(default_factory=Counter)

    @property
    def late(self) -> int:
        return self.answered_late + self.unanswered_late

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            orders=self.orders + other.orders,
            responses=self.responses + other.responses,
            dissatisfied=self.dissatisfied + other.dissatisfied,
            contacts=self.contacts + other.contacts,
            preventable=self.preventable + other.preventable,
            bdr_dissatisfied=self.bdr_dissatisfied + other.bdr_dissatisfied,
            reasons=self.reasons + other.reasons,
            hours=self.hours + other.hours,
            unanswered=self.unanswered + other.unanswered,
            answered_or_old=self.answered_or_old + other.answered_or_old,
            within_24h=self.within_24h + other.within_24h,
            answered_late=self.answered_late + other.answered_late,
            unanswered_late=self.unanswered_late + other.unanswered_late,
            arrival=self.arrival + other.arrival,
            arrival_24h=self.arrival_24h + other.arrival_24h,
            arrival_late=self.arrival_late + other.arrival_late,
        )


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def midnight(instant: datetime) -> datetime:
    instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    assert instant == instant.replace(hour=0, minute=0, second=0, microsecond=0), instant
    return instant


def world_at(
    events: list[dict[str, Any]], cutoff: datetime, seen_before: datetime | None = None
) -> World:
    """The `World` as of `cutoff` (a UTC midnight) seeing exactly the events with
    occurred_at < cutoff, or, given `seen_before`, only those before it: the world of
    `cutoff` if nothing new happens from `seen_before` on (unanswered contacts age until
    `cutoff`)."""
    if seen_before is not None:
        events = [e for e in events if when(e) < seen_before]
    w = World(events, (cutoff - timedelta(days=1)).date())
    assert w.cutoff == cutoff
    return w


def figures(w: World, start: datetime, end: datetime, self_fulfilled_only: bool = False) -> Figures:
    """Counts of one seller's store over [start, end), as of `w.cutoff`."""
    out = Figures()
    for order_id, placed in w.placed.items():
        sf = placed["data"]["fulfillment"] == "seller"
        if start <= when(placed) < end and (sf or not self_fulfilled_only):
            out.orders += 1
    for order_id in w.votes:
        vote = w.latest_vote(order_id)
        assert vote is not None
        if not start <= when(vote) < end:
            continue
        if self_fulfilled_only and not w.self_fulfilled(order_id):
            continue
        out.responses += 1
        out.dissatisfied += int(dissatisfied(vote))
    for contact_id, rec in w.received.items():
        if not start <= when(rec) < end:
            continue
        order_id = rec["data"].get("order_id")
        if self_fulfilled_only and not w.self_fulfilled(order_id):
            continue
        out.contacts += 1
        out.reasons[rec["data"]["reason"]] += 1
        out.preventable += int(rec["data"]["reason"] in PREVENTABLE)
        vote = w.latest_vote(order_id)
        out.bdr_dissatisfied += int(vote is not None and dissatisfied(vote))
        if contact_id in w.no_reply:
            continue
        replies = w.replies.get(contact_id)
        cell = arrival(when(rec), w.store)
        out.arrival[cell] += 1
        if replies:
            waited = max(when(replies[0]) - when(rec), timedelta(0))
            out.answered_or_old += 1
            out.within_24h += int(waited <= timedelta(hours=24))
            out.answered_late += int(waited > timedelta(hours=48))
            out.arrival_24h[cell] += int(waited <= timedelta(hours=24))
        else:
            waited = w.cutoff - when(rec)
            out.unanswered += 1
            out.answered_or_old += int(waited > timedelta(hours=24))
            out.unanswered_late += int(waited > timedelta(hours=48))
        out.arrival_late[cell] += int(waited > timedelta(hours=48))
        out.hours.append(waited // HOUR)
    return out


def by_arrival(f: Figures) -> dict[str, dict[str, dict[str, int]]]:
    """All 28 cells, weekday by weekday, Monday first."""
    return {
        day: {
            part: {
                "contacts": f.arrival[f"{day}_{part}"],
                "within_24h": f.arrival_24h[f"{day}_{part}"],
                "late": f.arrival_late[f"{day}_{part}"],
            }
            for part in PARTS
        }
        for day in WEEKDAYS
    }


def exact(metric: str, f: Figures) -> tuple[Fraction | None, int, int, str | None]:
    """(exact value or None, numerator, denominator, NA reason) of a rate or response time."""
    if metric == CSDR:
        num, den, reason = f.dissatisfied, f.responses, "no_responses" if not f.responses else None
    elif metric == BDR:
        num, den, reason = f.bdr_dissatisfied, f.contacts, "no_contacts" if not f.contacts else None
    elif metric == PREVENTABLE_RATE:
        num, den = f.preventable, f.orders
        reason = "no_contacts" if not f.contacts else "no_orders" if not f.orders else None
    elif metric == WITHIN_24H:
        num, den = f.within_24h, f.answered_or_old
        reason = "no_contacts" if not den else None
    elif metric == RESPONSE_TIME:
        num, den = sum(f.hours), len(f.hours)
        reason = "no_contacts" if not den else None
        return (None if reason else Fraction(num, den)), num, den, reason
    else:
        raise ValueError(metric)
    return (None if reason else Fraction(100 * num, den)), num, den, reason


def rounded(x: Fraction | int | None) -> float | None:
    """Half-up to two decimals. Truncating to thousandths first is exact for x >= 0: the
    third decimal alone decides, and Decimal then rounds it half-up."""
    if x is None:
        return None
    assert x >= 0, x
    thousandths = Decimal(math.floor(Fraction(x) * 1000)).scaleb(-3)
    return float(thousandths.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def signed_rounded(x: Fraction | None) -> float | None:
    """A `change`, which may be negative, "rounded like a value": the magnitude is rounded
    half-up and the sign restored, so -0.125 shows as -0.13 and a change mirrors the change
    back (Decimal's ROUND_HALF_UP, half away from zero). Never shows -0.0."""
    if x is None:
        return None
    magnitude = rounded(abs(x))
    assert magnitude is not None
    return -magnitude if x < 0 and magnitude else magnitude


def median(values: list[Any]) -> Fraction | None:
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    if n % 2:
        return Fraction(ordered[n // 2])
    return Fraction(ordered[n // 2 - 1] + ordered[n // 2], 2)


def p90(values: list[int]) -> int | None:
    ordered = sorted(values)
    return ordered[math.ceil(Fraction(9, 10) * len(ordered)) - 1] if ordered else None


def band(hours: int) -> str:
    """The response-time band of a whole number of hours: `a <= h < b`, 48 and over last."""
    if hours < 1:
        return "0-1"
    if hours < 4:
        return "1-4"
    if hours < 8:
        return "4-8"
    if hours < 24:
        return "8-24"
    if hours < 48:
        return "24-48"
    return "48+"


def distribution(hours: list[int]) -> dict[str, int]:
    out = {name: 0 for name in BANDS}
    for h in hours:
        out[band(h)] += 1
    return out


def limits_of(store: str | None, thresholds: Thresholds | None) -> dict[str, dict[str, Any]]:
    """The good/fair band edges of `store` (None: the collective view, always the
    defaults), its own overrides over the defaults. An override the table has no room for
    (an unknown metric or band, a good band past the fair one) is refused, so a typo
    cannot pass silently for a default."""
    out = {metric: dict(limits) for metric, limits in DEFAULT_THRESHOLDS.items()}
    if store is None or not thresholds:
        return out
    for metric, override in thresholds.get(store, {}).items():
        if metric not in out or not set(override) <= {"good", "fair"}:
            raise ValueError(f"no threshold {override!r} for {metric} in {store}")
        if metric == LATE and override.get("good", 0) != 0:
            raise ValueError("the good threshold of late contacts is always 0")
        out[metric].update(override)
        good, fair = out[metric]["good"], out[metric]["fair"]
        if not (good <= fair if metric != WITHIN_24H else fair <= good):
            raise ValueError(f"threshold good {good} past fair {fair} for {metric} in {store}")
    return out


def fixed_status(
    metric: str, value: Fraction | int | None, limits: dict[str, Any] | None = None
) -> str:
    limits = limits if limits is not None else DEFAULT_THRESHOLDS[metric]
    good, fair = Fraction(limits["good"]), Fraction(limits["fair"])
    if value is None:
        return "na"
    if metric == CSDR:
        return "good" if value < good else "fair" if value < fair else "poor"
    if metric == WITHIN_24H:
        return "good" if value >= good else "fair" if value >= fair else "poor"
    if metric == LATE:
        return "good" if value == 0 else "fair" if value <= fair else "poor"
    raise ValueError(metric)


def smallest_k(meets: Callable[[int], bool], limit: int) -> int | None:
    """The first k in 0..limit for which `meets(k)`, counted one by one; None if none."""
    for k in range(limit + 1):
        if meets(k):
            return k
    return None


def to_target_csdr(dissatisfied_: int, responses: int, good: int | float) -> int | None:
    """Satisfied responses (no new dissatisfied one) until 100·d < t·(n + k). Past
    k = 100·d / t every k meets it, so counting up to just beyond finds the first; with
    t <= 0 no k ever does (t·(n + k) <= 0 <= 100·d)."""
    if responses == 0:
        return None
    t, d, n = Fraction(good), dissatisfied_, responses
    limit = math.floor(100 * d / t) + 1 if t > 0 else 0
    return smallest_k(lambda k: 100 * d < t * (n + k), limit)


def to_target_within_24h(within: int, counted: int, good: int | float) -> int | None:
    """Further contacts answered within 24 h until 100·(a + k) >= t·(n + k). With t < 100,
    k = t·n / (100 - t) meets it (100·(a + k) >= 100·k >= t·(n + k)); with t >= 100 a further
    one never helps (each adds 100 to the left and t to the right), so k = 0 decides."""
    if counted == 0:
        return None
    t, a, n = Fraction(good), within, counted
    limit = math.ceil(t * n / (100 - t)) if t < 100 else 0
    return smallest_k(lambda k: 100 * (a + k) >= t * (n + k), limit)


def good_line(average: Fraction | None, top: Fraction | None) -> Fraction | None:
    """The better (lower) of the store average and the top-performer figure, whichever
    exist; None with neither."""
    if average is None:
        return top
    if top is None:
        return average
    return top if top <= average else average


def benchmark_status(value: Fraction | None, average: Fraction | None, top: Fraction | None) -> str:
    """Lower is better. With both figures: good at or under the better of them (the good
    line), fair above it but at or under the average, poor above the average (a cohort
    worse than the average leaves nothing fair). With one of them (only the average, or a
    top-performer figure without an average, which needs a store where no seller
    qualifies for the average and yet `min_peers` is 0): good at or under it, else fair.
    With neither, or no value: na."""
    if value is None:
        return "na"
    if average is not None and top is not None:
        if value <= top and value <= average:
            return "good"
        if value <= average:
            return "fair"
        return "poor"
    if average is not None:
        return "good" if value <= average else "fair"
    if top is not None:
        return "good" if value <= top else "fair"
    return "na"


def trend(metric: str, now: Fraction | int | None, before: Fraction | int | None) -> str | None:
    if now is None or before is None:
        return None
    if now == before:
        return "same"
    if metric in HIGHER_IS_BETTER:
        return "better" if now > before else "worse"
    return "better" if now < before else "worse"


def ranking_months(as_of: datetime) -> list[tuple[datetime, datetime]]:
    """The last complete calendar months before `as_of`, newest first, as [start, end)."""
    end = midnight(as_of).replace(day=1)
    months = []
    for _ in range(RANKED_MONTHS):
        start = (end - timedelta(days=1)).replace(day=1)
        months.append((start, end))
        end = start
    return months


def best_quartile(values: dict[str, Fraction], higher_is_better: bool) -> set[str]:
    """Who is at least as good as the value at rank ceil(n / 4), best first."""
    if not values:
        return set()
    ordered = sorted(values.values(), reverse=higher_is_better)
    threshold = ordered[math.ceil(Fraction(len(ordered), 4)) - 1]
    if higher_is_better:
        return {s for s, v in values.items() if v >= threshold}
    return {s for s, v in values.items() if v <= threshold}


Comparison = tuple[Fraction | None, Fraction | None, str | None]
"""(store average, top performers, reason): reason `too_few_sellers` when hidden."""


class _Marketplace:
    """Every seller's events per store, with figures as of any cutoff."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for e in distinct(events):
            self.events[(e["seller_id"], e["store_id"])].append(e)
        self._worlds: dict[tuple[str, str, datetime], World] = {}

    def world(self, seller: str, store: str, cutoff: datetime) -> World:
        k = (seller, store, cutoff)
        if k not in self._worlds:
            self._worlds[k] = world_at(self.events.get((seller, store), []), cutoff)
        return self._worlds[k]

    def projected(
        self, seller: str, store: str, start: datetime, end: datetime, seen_before: datetime
    ) -> Figures:
        """Counts over [start, end) as of `end` from the events before `seen_before` only:
        what they will be if nothing new happens in between."""
        w = world_at(self.events.get((seller, store), []), end, seen_before)
        return figures(w, start, end)

    def sellers_in(self, store: str, cutoff: datetime) -> list[str]:
        return sorted(
            seller
            for (seller, s), evs in self.events.items()
            if s == store and any(when(e) < cutoff for e in evs)
        )

    def figures(
        self, seller: str, store: str, start: datetime, end: datetime, sf: bool = False
    ) -> Figures:
        return figures(self.world(seller, store, end), start, end, sf)

    def store_average(
        self, metric: str, store: str, start: datetime, end: datetime, min_volume: int
    ) -> tuple[Fraction | None, int]:
        """(the mean over the sellers with a value and a denominator of at least
        `min_volume`, how many sellers that is)."""
        qualifying = []
        for seller in self.sellers_in(store, end):
            value, _, den, _ = exact(metric, self.figures(seller, store, start, end))
            if value is not None and den >= min_volume:
                qualifying.append(value)
        if not qualifying:
            return None, 0
        return sum(qualifying, Fraction(0)) / len(qualifying), len(qualifying)

    def top_performers(
        self, metric: str, store: str, start: datetime, end: datetime
    ) -> Fraction | None:
        cohort: set[str] | None = None
        for month_start, month_end in ranking_months(end):
            ranked: dict[str, Fraction] = {}
            for seller in self.sellers_in(store, month_end):
                value, _, den, _ = exact(
                    metric, self.figures(seller, store, month_start, month_end, sf=True)
                )
                if value is not None and den >= MIN_DENOMINATOR:
                    ranked[seller] = value
            best = best_quartile(ranked, metric in HIGHER_IS_BETTER)
            cohort = best if cohort is None else cohort & best
        values = [
            exact(metric, self.figures(seller, store, start, end, sf=True))[0]
            for seller in sorted(cohort or ())
        ]
        return median([v for v in values if v is not None])

    def comparison(
        self, metric: str, store: str, end: datetime, min_volume: int, min_peers: int
    ) -> Comparison:
        """The store's benchmarks of `metric` for the 28-day window ending at `end`, both
        hidden below the privacy floor."""
        return self.benchmark(metric, store, end, min_volume, min_peers)[0]

    def benchmark(
        self, metric: str, store: str, end: datetime, min_volume: int, min_peers: int
    ) -> tuple[Comparison, int]:
        """The comparison, and how many sellers qualify for the store average."""
        start = end - timedelta(days=BENCHMARK_WINDOW_DAYS)
        average, peers = self.store_average(metric, store, start, end, min_volume)
        if peers < min_peers:
            return (None, None, TOO_FEW_SELLERS), peers
        return (average, self.top_performers(metric, store, start, end), None), peers


def _previous(metric: str, now: Figures, before: Figures) -> dict[str, Any]:
    """`previous`, `change` and `trend` of a rate or the response time."""
    value, _, _, _ = exact(metric, now)
    old, num, den, _ = exact(metric, before)
    change = None if value is None or old is None else value - old
    return {
        "previous": {"value": rounded(old), "numerator": num, "denominator": den},
        "change": signed_rounded(change),
        "trend": trend(metric, value, old),
    }


Projection = tuple[datetime, Figures]
"""(the instant T + 7 days, the counts of the window ending then, seen from T)."""


def _projected(metric: str, projection: Projection) -> dict[str, Any]:
    """`projected` of a rate, the response time or late contacts: the figure of the window
    ending at the projection's instant, as of then, from the events before T. No status."""
    at, f = projection
    if metric == LATE:
        return {"as_of": iso(at), "value": f.late}
    value, num, den, _ = exact(metric, f)
    return {"as_of": iso(at), "value": rounded(value), "numerator": num, "denominator": den}


def _late(
    f: Figures, before: Figures, limits: dict[str, Any], projection: Projection
) -> dict[str, Any]:
    """Late contacts never are NA; `change` is a difference of counts, an integer."""
    return {
        "value": f.late,
        "answered_late": f.answered_late,
        "unanswered_late": f.unanswered_late,
        "status": fixed_status(LATE, f.late, limits),
        "target": {"value": 0, "condition": CONDITIONS[LATE]},
        "reason": None,
        "previous": {"value": before.late},
        "change": f.late - before.late,
        "trend": trend(LATE, f.late, before.late),
        "projected": _projected(LATE, projection),
    }


def _metric(
    metric: str,
    f: Figures,
    before: Figures,
    comparisons: Comparison | None,
    judged: bool,
    limits: dict[str, dict[str, Any]],
    min_sample: int,
    projection: Projection,
) -> dict[str, Any]:
    """One metric object. `before` holds the previous period's counts; `comparisons` is
    (store average, top performers, reason) in a by-store entry, None in the collective
    view; `judged` whether benchmark statuses apply; `limits` the view's thresholds;
    `projection` the counts a week ahead."""
    if metric == LATE:
        return _late(f, before, limits[LATE], projection)
    value, num, den, reason = exact(metric, f)
    out: dict[str, Any] = {
        "value": rounded(value),
        "numerator": num,
        "denominator": den,
        "reason": reason,
        "low_sample": den < min_sample,
        **_previous(metric, f, before),
        "projected": _projected(metric, projection),
    }
    if metric == RESPONSE_TIME:
        out["median"] = rounded(median(f.hours))
        out["p90"] = rounded(p90(f.hours))
        out["unanswered"] = f.unanswered
        out["distribution"] = distribution(f.hours)
        out["by_arrival"] = by_arrival(f)
    if metric == PREVENTABLE_RATE:
        out["by_reason"] = {r: f.reasons[r] for r in REASONS}
    average, top, _ = comparisons or (None, None, None)
    if metric in DEFAULT_THRESHOLDS:
        good = limits[metric]["good"]
        out["status"] = fixed_status(metric, value, limits[metric])
        out["target"] = {"value": good, "condition": CONDITIONS[metric]}
        if value is None:
            out["to_target"] = None
        elif metric == CSDR:
            out["to_target"] = to_target_csdr(num, den, good)
        else:
            out["to_target"] = to_target_within_24h(num, den, good)
    elif judged:
        out["status"] = benchmark_status(value, average, top)
        line = good_line(average, top)
        out["target"] = (
            None if line is None else {"value": rounded(line), "condition": "less_than_or_equal"}
        )
    else:
        out["status"] = None
        out["target"] = None
    if comparisons is not None:
        out["store_average"] = rounded(average)
        out["top_performers"] = rounded(top)
    return out


def active(events: list[dict[str, Any]], end: datetime) -> bool:
    """A store is in a seller's document when, as of `end`, an order (its earliest
    placement), a contact (its earliest message) or a vote falls within the lookback: the
    longest window (90 days) or back to the first of the three ranking months."""
    first = min(end - timedelta(days=90), ranking_months(end)[-1][0])
    w = World(events, (end - timedelta(days=1)).date())
    days = [when(e) for e in w.placed.values()]
    days += [when(e) for e in w.received.values()]
    days += [when(v) for votes in w.votes.values() for v in votes]
    return any(first <= day < end for day in days)


def documents(
    events: list[dict[str, Any]],
    as_of: datetime,
    window_days: int = 28,
    *,
    thresholds: Thresholds | None = None,
    min_sample: int = MIN_SAMPLE,
    min_volume: int = MIN_VOLUME,
    min_peers: int = MIN_PEERS,
) -> list[dict[str, Any]]:
    """One metrics document per seller, over every store where it has an event before
    `as_of`, as the command-line replay prints them. `thresholds` (see `Thresholds`) sets
    each store's own targets; the collective view always uses the defaults."""
    end = midnight(as_of)
    start = end - timedelta(days=window_days)
    earlier = start - timedelta(days=window_days)  # the previous period is [earlier, start)
    horizon = end + PROJECTION  # what comes next: the window [horizon - w, horizon)
    benchmarked = window_days == BENCHMARK_WINDOW_DAYS
    market = _Marketplace(events)
    stores_of: dict[str, set[str]] = defaultdict(set)
    for (seller, store), evs in market.events.items():
        if active(evs, end):
            stores_of[seller].add(store)
    comparisons: dict[tuple[str, str], Comparison] = {}
    docs = []
    for seller in sorted(stores_of):
        stores = sorted(stores_of[seller])
        now = {s: market.figures(seller, s, start, end) for s in stores}
        # As the previous period stood at its own end: seen as of `start`, not as of T.
        before = {s: market.figures(seller, s, earlier, start) for s in stores}
        # As of T + 7 days, from the events before T only: nothing new happens.
        ahead = {
            s: market.projected(seller, s, horizon - timedelta(days=window_days), horizon, end)
            for s in stores
        }
        by_store = []
        for store in stores:
            limits = limits_of(store, thresholds)
            metrics = {}
            for metric in METRICS:
                pair: Comparison | None = None
                if metric in COMPARED:
                    if not benchmarked:
                        pair = (None, None, None)
                    else:
                        if (metric, store) not in comparisons:
                            comparisons[(metric, store)] = market.comparison(
                                metric, store, end, min_volume, min_peers
                            )
                        pair = comparisons[(metric, store)]
                metrics[metric] = _metric(
                    metric,
                    now[store],
                    before[store],
                    pair,
                    benchmarked,
                    limits,
                    min_sample,
                    (horizon, ahead[store]),
                )
            by_store.append({"store_id": store, "metrics": metrics})
        pooled = sum((now[s] for s in stores), Figures())
        pooled_before = sum((before[s] for s in stores), Figures())
        pooled_ahead = (horizon, sum((ahead[s] for s in stores), Figures()))
        defaults = limits_of(None, None)
        docs.append(
            {
                "seller_id": seller,
                "stores": stores,
                "as_of": iso(end),
                "data_through": (end - timedelta(days=1)).date().isoformat(),
                "window": {"start": iso(start), "end": iso(end), "days": window_days},
                "metrics": {
                    m: _metric(
                        m, pooled, pooled_before, None, False, defaults, min_sample, pooled_ahead
                    )
                    for m in METRICS
                },
                "by_store": by_store,
            }
        )
    return docs


def benchmarks(
    events: list[dict[str, Any]],
    store: str,
    as_of: datetime,
    *,
    min_volume: int = MIN_VOLUME,
    min_peers: int = MIN_PEERS,
) -> dict[str, dict[str, Any]]:
    """What the store benchmarks route says of `store` as of `as_of` (28-day window), per
    compared metric: `store_average` and `top_performers`, `reason` `too_few_sellers`
    when fewer than `min_peers` sellers qualify for the average and both are withheld, and
    `sellers`, how many qualify (withheld or not)."""
    end = midnight(as_of)
    market = _Marketplace(events)
    out = {}
    for metric in COMPARED:
        (average, top, reason), peers = market.benchmark(metric, store, end, min_volume, min_peers)
        out[metric] = {
            "store_average": rounded(average),
            "top_performers": rounded(top),
            "reason": reason,
            "sellers": peers,
        }
    return out
