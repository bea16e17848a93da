"""Hand-worked scenarios: small event lists with the figures of their metrics documents
worked out by hand from the spec. `tests/unit/test_reference_metrics.py` checks the
reference against them, `tests/integration/test_metrics_figures.py` the real pipeline.
Decisions taken where the spec is silent are written in `tests.reference` and here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.builders import (
    contact_received,
    contact_responded,
    no_response_needed,
    order_placed,
    survey_vote,
)
from tests.reference import (
    BDR,
    CSDR,
    LATE,
    PREVENTABLE_RATE,
    RESPONSE_TIME,
    WITHIN_24H,
)

T = datetime(2026, 11, 20, tzinfo=UTC)  # the end of 19 November; window [23 Oct, 20 Nov)
Key = tuple[str, str | None, str, str]  # seller, store (None: the collective view), metric, field
CSDR_TARGET = {"value": 25, "condition": "less_than"}
WITHIN_24H_TARGET = {"value": 90, "condition": "greater_than_or_equal"}
LATE_TARGET = {"value": 0, "condition": "equal_to"}


@dataclass
class Scenario:
    events: list[dict[str, Any]]
    stores: dict[str, list[str]]  # the documents expected: seller -> its stores
    expected: dict[Key, Any]
    as_of: datetime = T
    window_days: int = 28


def expect(seller: str, store: str | None, metric: str, **fields: Any) -> dict[Key, Any]:
    return {(seller, store, metric, name): value for name, value in fields.items()}


def merge(*parts: dict[Key, Any]) -> dict[Key, Any]:
    out: dict[Key, Any] = {}
    for part in parts:
        out.update(part)
    return out


def pick(docs: list[dict[str, Any]], key: Key) -> Any:
    seller, store, metric, name = key
    doc = next(d for d in docs if d["seller_id"] == seller)
    if store is None:
        return doc["metrics"][metric][name]
    entry = next(b for b in doc["by_store"] if b["store_id"] == store)
    return entry["metrics"][metric][name]


def mismatches(docs: list[dict[str, Any]], scenario: Scenario) -> list[str]:
    problems = []
    got_stores = {d["seller_id"]: d["stores"] for d in docs}
    if got_stores != scenario.stores:
        problems.append(f"stores: {got_stores} != {scenario.stores}")
        return problems
    for key, value in scenario.expected.items():
        got = pick(docs, key)
        if got != value or type(got) is not type(value):
            problems.append(f"{key}: {got!r} != {value!r}")
    return problems


def iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def answered(
    contact_id: str, at: str, delay: timedelta, *, order_id: str | None = None, **kw: Any
) -> list[dict[str, Any]]:
    """A contact (reason `other` unless given) and its reply `delay` after it."""
    reason = kw.pop("reason", "other")
    when = iso(datetime.fromisoformat(at) + delay)
    return [
        contact_received(contact_id, at, reason, order_id, **kw),
        contact_responded(contact_id, when, **kw),
    ]


# ---- scenarios --------------------------------------------------------------------------


def csdr_bands() -> Scenario:
    """CSDR per store at 25 % (fair), 20 % (good), 50 % (poor) and none; rating 3 is a
    response and not dissatisfied; a vote counts though its order was never placed."""
    us = dict(seller="S1", store="US")
    ca = dict(seller="S1", store="CA")
    mx = dict(seller="S1", store="MX")
    de = dict(seller="S1", store="DE")
    events = [
        order_placed("o1", "2026-11-01T10:00:00Z", "marketplace", **us),
        order_placed("o2", "2026-11-01T11:00:00Z", "marketplace", **us),
        order_placed("o3", "2026-11-01T12:00:00Z", "seller", **us),
        survey_vote("o1", "2026-11-03T10:00:00Z", vote="no", **us),
        survey_vote("o2", "2026-11-03T10:00:00Z", vote="yes", **us),
        survey_vote("o3", "2026-11-03T10:00:00Z", vote="yes", **us),
        survey_vote("o4", "2026-11-03T10:00:00Z", vote="yes", **us),  # never placed
        *[
            survey_vote(f"o{i}", "2026-11-04T10:00:00Z", rating=r, **ca)
            for i, r in enumerate([2, 4, 5, 3], start=1)
        ],
        survey_vote("o5", "2026-11-04T10:00:00Z", vote="yes", **ca),
        survey_vote("o1", "2026-11-05T10:00:00Z", vote="no", **mx),
        survey_vote("o2", "2026-11-05T10:00:00Z", rating=3, **mx),
        order_placed("o1", "2026-11-06T10:00:00Z", **de),
    ]
    r = dict(status="fair", target=CSDR_TARGET, reason=None)
    return Scenario(
        events,
        {"S1": ["CA", "DE", "MX", "US"]},
        merge(
            expect("S1", "US", CSDR, value=25.0, numerator=1, denominator=4, **r),
            expect("S1", "CA", CSDR, value=20.0, numerator=1, denominator=5, status="good"),
            expect("S1", "MX", CSDR, value=50.0, numerator=1, denominator=2, status="poor"),
            expect("S1", "DE", CSDR, value=None, numerator=0, denominator=0, status="na"),
            expect("S1", "DE", CSDR, reason="no_responses", target=CSDR_TARGET),
            # Pooled 3 / 11, not the mean of the stores' rates.
            expect("S1", None, CSDR, value=27.27, numerator=3, denominator=11, **r),
        ),
    )


def vote_changed_across_window_edge() -> Scenario:
    """Only each order's latest vote as of T counts, in the window of its own time."""
    s = dict(seller="S1", store="US")
    events = [
        # o1: "no" before the window, changed to "yes" inside it: a satisfied response.
        survey_vote("o1", "2026-10-20T12:00:00Z", vote="no", **s),
        survey_vote("o1", "2026-10-25T12:00:00Z", vote="yes", **s),
        # o2: only a vote one second before the window starts: not in the window.
        survey_vote("o2", "2026-10-22T23:59:59Z", vote="yes", **s),
        # o3: "no" in the last second of the window; the "yes" at T is not visible as of T.
        survey_vote("o3", "2026-11-19T23:59:59Z", vote="no", **s),
        survey_vote("o3", "2026-11-20T00:00:00Z", vote="yes", **s),
        # o4: an older "no" arriving after the newer "yes" never overrides it.
        survey_vote("o4", "2026-10-30T10:00:00Z", vote="yes", **s),
        survey_vote("o4", "2026-10-24T10:00:00Z", vote="no", **s),
        # o5: two votes at the same instant: the larger event_id is the latest.
        survey_vote("o5", "2026-11-02T08:00:00Z", rating=1, event_id="vote-o5-b", **s),
        survey_vote("o5", "2026-11-02T08:00:00Z", vote="yes", event_id="vote-o5-a", **s),
        # o6: "yes" before the window, changed to "no" exactly at the window's start.
        survey_vote("o6", "2026-10-21T09:00:00Z", vote="yes", **s),
        survey_vote("o6", "2026-10-23T00:00:00Z", vote="no", **s),
        # o8: rating 1 before the window; the rating 5 the morning after T is not visible.
        survey_vote("o8", "2026-10-22T23:00:00Z", rating=1, **s),
        survey_vote("o8", "2026-11-20T06:00:00+00:00", rating=5, **s),
        # Contacts: their orders' latest votes as of T, wherever those votes fall.
        contact_received("c1", "2026-11-10T10:00:00Z", "shipping", "o3", **s),  # no
        contact_received("c2", "2026-10-15T10:00:00Z", "shipping", "o1", **s),  # before window
        contact_received("c3", "2026-11-05T10:00:00Z", "other", "o8", **s),  # rating 1
        contact_received("c4", "2026-11-01T10:00:00Z", "other", "o4", **s),  # yes
    ]
    return Scenario(
        events,
        {"S1": ["US"]},
        merge(
            # o1 yes, o3 no, o4 yes, o5 rating 1, o6 no.
            expect("S1", "US", CSDR, value=60.0, numerator=3, denominator=5, status="poor"),
            expect("S1", None, CSDR, value=60.0, numerator=3, denominator=5, status="poor"),
            expect("S1", "US", BDR, value=66.67, numerator=2, denominator=3, reason=None),
        ),
    )


def bdr_preventable_presale() -> Scenario:
    """Buyer dissatisfaction and preventable contacts, with pre-sale questions, a vote
    after T, repeated `order.placed` / `contact.received` (the earliest stands)."""
    s = dict(seller="S1", store="US")
    events = [
        order_placed("o1", "2026-10-25T10:00:00Z", "seller", **s),
        order_placed("o1", "2026-11-05T10:00:00Z", "marketplace", **s),  # ignored
        order_placed("o2", "2026-10-26T10:00:00Z", "seller", **s),
        order_placed("o4", "2026-10-27T10:00:00Z", "seller", **s),
        order_placed("o5", "2026-10-28T10:00:00Z", "marketplace", **s),
        order_placed("o6", "2026-10-01T10:00:00Z", "seller", **s),  # before the window
        order_placed("o7", "2026-11-10T10:00:00Z", "marketplace", **s),
        order_placed("o8", "2026-11-11T10:00:00Z", "seller", **s),
        survey_vote("o1", "2026-11-02T10:00:00Z", vote="no", **s),
        survey_vote("o2", "2026-11-03T10:00:00Z", rating=3, **s),
        survey_vote("o5", "2026-11-20T08:00:00Z", vote="no", **s),  # after T
        survey_vote("o6", "2026-10-01T12:00:00Z", vote="no", **s),  # before the window
        contact_received("c1", "2026-11-01T10:00:00Z", "product_quality", "o1", **s),
        contact_received("c1", "2026-11-01T11:00:00Z", "other", "o4", **s),  # ignored
        contact_received("c2", "2026-11-01T10:00:00Z", "change_of_mind", "o2", **s),
        contact_received("c3", "2026-11-01T10:00:00Z", "pre_sale_question", **s),
        contact_received("c4", "2026-11-01T10:00:00Z", "other", "o4", **s),
        contact_received("c5", "2026-11-01T10:00:00Z", "shipping", "o5", **s),
        contact_received("c6", "2026-11-01T10:00:00Z", "customer_service", "o6", **s),
        contact_received("c7", "2026-11-01T10:00:00Z", "fulfillment", **s),  # pre-sale
        *[no_response_needed(f"c{i}", "2026-11-01T12:00:00Z", **s) for i in range(1, 8)],
    ]
    return Scenario(
        events,
        {"S1": ["US"]},
        merge(
            # c1 (o1: no) and c6 (o6: no, voted before the window) of 7 contacts.
            expect("S1", "US", BDR, value=28.57, numerator=2, denominator=7, reason=None),
            # c1, c5, c6, c7 of the 6 orders placed in the window (o6 is not).
            expect("S1", "US", PREVENTABLE_RATE, value=66.67, numerator=4, denominator=6),
            expect("S1", None, PREVENTABLE_RATE, value=66.67, numerator=4, denominator=6),
            expect("S1", "US", CSDR, value=50.0, numerator=1, denominator=2, status="poor"),
            # Every contact was marked as needing no reply.
            expect("S1", "US", RESPONSE_TIME, value=None, denominator=0, reason="no_contacts"),
            expect("S1", "US", LATE, value=0, status="good"),
        ),
    )


def na_reasons() -> Scenario:
    """Every NA reason, and zero (measured, none) next to NA."""
    us = dict(seller="S1", store="US")
    ca = dict(seller="S1", store="CA")
    mx = dict(seller="S1", store="MX")
    events = [
        order_placed("o1", "2026-11-01T10:00:00Z", **us),
        order_placed("o2", "2026-11-02T10:00:00Z", **us),
        contact_received("c1", "2026-11-10T10:00:00Z", "shipping", **ca),
        no_response_needed("c1", "2026-11-10T11:00:00Z", **ca),
        contact_received("c1", "2026-11-19T18:00:00Z", "other", **mx),  # 6 h old at T
    ]
    na = dict(value=None, status="na")
    rt_na = dict(value=None, numerator=0, denominator=0, median=None, p90=None)
    return Scenario(
        events,
        {"S1": ["CA", "MX", "US"]},
        merge(
            expect("S1", "US", CSDR, reason="no_responses", numerator=0, denominator=0, **na),
            expect("S1", "US", BDR, reason="no_contacts", numerator=0, denominator=0, **na),
            expect("S1", "US", PREVENTABLE_RATE, reason="no_contacts", numerator=0, **na),
            expect("S1", "US", PREVENTABLE_RATE, denominator=2, target=None),
            expect("S1", "US", RESPONSE_TIME, reason="no_contacts", status="na", **rt_na),
            expect("S1", "US", WITHIN_24H, reason="no_contacts", denominator=0, **na),
            expect("S1", "US", LATE, value=0, status="good", target=LATE_TARGET, reason=None),
            expect("S1", "CA", PREVENTABLE_RATE, reason="no_orders", numerator=1, **na),
            expect("S1", "CA", PREVENTABLE_RATE, denominator=0),
            expect("S1", "CA", BDR, value=0.0, numerator=0, denominator=1, reason=None),
            expect("S1", "CA", RESPONSE_TIME, reason="no_contacts", **rt_na),
            expect("S1", "MX", RESPONSE_TIME, value=6.0, numerator=6, denominator=1),
            expect("S1", "MX", RESPONSE_TIME, median=6.0, p90=6.0, reason=None),
            # Pending (6 h old): not in the 24 h rate at all.
            expect("S1", "MX", WITHIN_24H, reason="no_contacts", numerator=0, denominator=0),
            expect("S1", None, PREVENTABLE_RATE, value=50.0, numerator=1, denominator=2),
            expect("S1", None, BDR, value=0.0, numerator=0, denominator=2),
            expect("S1", None, RESPONSE_TIME, value=6.0, numerator=6, denominator=1),
            expect("S1", None, WITHIN_24H, value=None, reason="no_contacts", status="na"),
            expect("S1", None, CSDR, value=None, reason="no_responses", status="na"),
            expect("S1", None, CSDR, target=CSDR_TARGET),
        ),
    )


def within_24h_edges() -> Scenario:
    """Answered at exactly 24:00:00 is within, 24:00:01 is not; unanswered exactly 24 h old
    is pending, 24 h + 1 s is counted; first reply by time; clamped at 0."""
    s = dict(seller="S1", store="US")
    events = [
        *answered("c1", "2026-11-10T00:00:00Z", timedelta(hours=24), **s),
        *answered("c2", "2026-11-10T06:00:00Z", timedelta(hours=24, seconds=1), **s),
        contact_received("c3", "2026-11-19T00:00:00Z", "other", **s),  # 24:00:00 old at T
        contact_received("c4", "2026-11-18T23:59:59Z", "other", **s),  # 24:00:01 old
        # A reply stamped before its contact: response time 0.
        *answered("c9", "2026-11-05T10:00:00Z", timedelta(hours=-1), **s),
        contact_received("c10", "2026-11-06T10:00:00Z", "other", **s),
        no_response_needed("c10", "2026-11-06T11:00:00Z", **s),
        # Answered only after T: unanswered as of T, 4 h old, pending.
        *answered("c13", "2026-11-19T20:00:00Z", timedelta(hours=6), **s),
        # Two replies, the later one delivered first: the first by time (1 h 30) counts.
        contact_received("c14", "2026-11-12T10:00:00Z", "other", **s),
        contact_responded("c14", "2026-11-12T15:30:00Z", **s),
        contact_responded("c14", "2026-11-12T11:30:00Z", **s),
    ]
    # Whole hours of c1 c2 c3 c4 c9 c13 c14: 24 24 24 24 0 4 1 -> 101 / 7.
    rt = dict(value=14.43, numerator=101, denominator=7, median=24.0, p90=24.0)
    return Scenario(
        events,
        {"S1": ["US"]},
        merge(
            expect("S1", "US", RESPONSE_TIME, reason=None, **rt),
            expect("S1", None, RESPONSE_TIME, status=None, target=None, **rt),
            # Within: c1 c9 c14; answered c1 c2 c9 c14, older than 24 h unanswered: c4.
            expect("S1", "US", WITHIN_24H, value=60.0, numerator=3, denominator=5),
            expect("S1", "US", WITHIN_24H, status="poor", target=WITHIN_24H_TARGET),
            expect("S1", "US", LATE, value=0, status="good"),
            expect("S1", "US", BDR, value=0.0, numerator=0, denominator=8),
        ),
    )


def late_edges() -> Scenario:
    """Late: answered after more than 48 h, or unanswered and older than 48 h (strictly);
    `no_response_needed` after T does not count as of T; median of an even count."""
    s = dict(seller="S1", store="US")
    events = [
        contact_received("c5", "2026-11-18T00:00:00Z", "other", **s),  # 48:00:00 old
        contact_received("c6", "2026-11-17T23:59:59Z", "other", **s),  # 48:00:01 old
        *answered("c7", "2026-11-01T00:00:00Z", timedelta(hours=48), **s),
        *answered("c8", "2026-11-01T12:00:00Z", timedelta(hours=48, seconds=1), **s),
        contact_received("c11", "2026-11-19T12:00:00Z", "other", **s),
        no_response_needed("c11", "2026-11-20T01:00:00Z", **s),  # after T
        *answered("c12", "2026-11-02T08:00:00Z", timedelta(hours=1, minutes=59, seconds=59), **s),
        *answered("c15", "2026-11-03T00:00:00Z", timedelta(hours=5), **s),
        *answered("c16", "2026-11-04T00:00:00Z", timedelta(hours=30, minutes=30), **s),
    ]
    # Whole hours sorted: 1 5 12 30 48 48 48 48 -> 240 / 8; median (30 + 48) / 2; p90 rank 8.
    rt = dict(value=30.0, numerator=240, denominator=8, median=39.0, p90=48.0)
    return Scenario(
        events,
        {"S1": ["US"]},
        merge(
            expect("S1", "US", RESPONSE_TIME, **rt),
            expect("S1", "US", LATE, value=2, status="fair", target=LATE_TARGET),
            expect("S1", None, LATE, value=2, status="fair", target=LATE_TARGET),
            # Within: c12 c15; answered c7 c8 c12 c15 c16 + unanswered older than 24 h c5 c6.
            expect("S1", "US", WITHIN_24H, value=28.57, numerator=2, denominator=7),
        ),
    )


def status_bands() -> Scenario:
    """The fixed-target bands of the 24 h rate (90 / 75) and of late contacts (0/1/2/3);
    the store average counts only sellers with at least 5 contacts in the rate."""
    events: list[dict[str, Any]] = []

    def contacts(seller: str, within: int, slow: int) -> None:
        s = dict(seller=seller, store="US")
        for i in range(within):
            events.extend(
                answered(f"w{i}", f"2026-11-0{1 + i % 9}T10:00:00Z", timedelta(hours=1), **s)
            )
        for i in range(slow):
            events.extend(answered(f"s{i}", "2026-11-10T10:00:00Z", timedelta(hours=25), **s))

    contacts("W90", 9, 1)
    contacts("W75", 3, 1)
    contacts("W88", 8, 1)
    contacts("W66", 2, 1)
    contacts("V1", 5, 0)
    contacts("V2", 4, 1)
    contacts("V3", 5, 5)
    events += answered("c1", "2026-11-01T10:00:00Z", timedelta(hours=49), seller="L1")
    events += answered("c1", "2026-11-01T10:00:00Z", timedelta(hours=72), seller="L2")
    events += [contact_received("c2", "2026-11-10T10:00:00Z", "other", seller="L2")]
    events += [contact_received(f"c{i}", "2026-11-01T10:00:00Z", seller="L3") for i in range(3)]
    sellers = ["L1", "L2", "L3", "V1", "V2", "V3", "W66", "W75", "W88", "W90"]
    return Scenario(
        events,
        {seller: ["US"] for seller in sellers},
        merge(
            expect("W90", "US", WITHIN_24H, value=90.0, numerator=9, denominator=10, status="good"),
            expect("W75", "US", WITHIN_24H, value=75.0, numerator=3, denominator=4, status="fair"),
            expect("W88", "US", WITHIN_24H, value=88.89, numerator=8, denominator=9, status="fair"),
            expect("W66", "US", WITHIN_24H, value=66.67, numerator=2, denominator=3, status="poor"),
            expect("W66", None, WITHIN_24H, value=66.67, status="poor", target=WITHIN_24H_TARGET),
            expect("W90", "US", LATE, value=0, status="good"),
            expect("L1", "US", LATE, value=1, status="fair"),
            expect("L2", "US", LATE, value=2, status="fair"),
            expect("L3", "US", LATE, value=3, status="poor"),
            expect("L3", None, LATE, value=3, status="poor"),
            expect("L1", "US", WITHIN_24H, value=0.0, numerator=0, denominator=1, status="poor"),
            # Mean of the five sellers with a denominator of at least 5: W90, W88, V1, V2,
            # V3 = (90 + 800/9 + 100 + 80 + 50) / 5 = 736/9. W75, W66 and the L sellers (1
            # to 4 each) are left out: counted, they would make it 991/18 = 55.06.
            expect("W90", "US", WITHIN_24H, store_average=81.78, top_performers=None),
            expect("V3", "US", WITHIN_24H, value=50.0, numerator=5, denominator=10),
        ),
    )


def rounding_half_up() -> Scenario:
    """Half-up to two decimals from exact values: 3.125 -> 3.13 (binary round() gives 3.12),
    0.125 -> 0.13, 12.5 and 6.25 stay, 1/3 -> 33.33, a median of 0.5."""
    us = dict(seller="S1", store="US")
    ca = dict(seller="S1", store="CA")
    mx = dict(seller="S1", store="MX")
    events = [
        *[order_placed(f"o{i}", "2026-11-01T10:00:00Z", **us) for i in range(32)],
        *answered(
            "c1",
            "2026-11-02T10:00:00Z",
            timedelta(hours=1, minutes=5),
            order_id="o1",
            reason="shipping",
            **us,
        ),
        *[survey_vote(f"o{i}", "2026-11-03T10:00:00Z", vote="yes", **us) for i in range(8)],
        *answered("c1", "2026-11-02T10:00:00Z", timedelta(hours=1, minutes=30), **ca),
        *[
            event
            for i in range(2, 9)
            for event in answered(f"c{i}", "2026-11-02T10:00:00Z", timedelta(minutes=10), **ca)
        ],
        survey_vote("o1", "2026-11-03T10:00:00Z", vote="no", **ca),
        *[survey_vote(f"o{i}", "2026-11-03T10:00:00Z", rating=5, **ca) for i in range(2, 9)],
        *[order_placed(f"o{i}", "2026-11-01T10:00:00Z", "marketplace", **mx) for i in range(3)],
        *answered(
            "c1", "2026-11-02T10:00:00Z", timedelta(minutes=59, seconds=59), reason="shipping", **mx
        ),
        *answered("c2", "2026-11-02T10:00:00Z", timedelta(hours=1), **mx),
    ]
    return Scenario(
        events,
        {"S1": ["CA", "MX", "US"]},
        merge(
            expect("S1", "US", PREVENTABLE_RATE, value=3.13, numerator=1, denominator=32),
            expect("S1", "CA", RESPONSE_TIME, value=0.13, numerator=1, denominator=8),
            expect("S1", "CA", RESPONSE_TIME, median=0.0, p90=1.0),
            expect("S1", "CA", CSDR, value=12.5, numerator=1, denominator=8, status="good"),
            expect("S1", None, CSDR, value=6.25, numerator=1, denominator=16, status="good"),
            expect("S1", "MX", PREVENTABLE_RATE, value=33.33, numerator=1, denominator=3),
            expect("S1", "MX", RESPONSE_TIME, value=0.5, median=0.5, p90=1.0),
            # Whole hours 1 | 1 0 0 0 0 0 0 0 | 0 1 -> 3 / 11; median 0; p90 rank 10.
            expect("S1", None, RESPONSE_TIME, value=0.27, numerator=3, denominator=11),
            expect("S1", None, RESPONSE_TIME, median=0.0, p90=1.0),
            expect("S1", None, PREVENTABLE_RATE, value=5.71, numerator=2, denominator=35),
        ),
    )


def collective_pooling() -> Scenario:
    """The collective view pools counts: 1/1 and 0/9 make 10 %, not the 50 % mean."""
    us = dict(seller="S1", store="US")
    ca = dict(seller="S1", store="CA")
    events = [
        order_placed("o1", "2026-11-01T10:00:00Z", **us),
        survey_vote("o1", "2026-11-02T10:00:00Z", vote="no", **us),
        *answered(
            "c1",
            "2026-11-01T12:00:00Z",
            timedelta(hours=10),
            order_id="o1",
            reason="shipping",
            **us,
        ),
        *[order_placed(f"o{i}", "2026-11-01T10:00:00Z", **ca) for i in range(1, 5)],
        *[survey_vote(f"p{i}", "2026-11-02T10:00:00Z", vote="yes", **ca) for i in range(1, 10)],
        *answered(
            "c1",
            "2026-11-03T10:00:00Z",
            timedelta(minutes=5),
            order_id="o1",
            reason="shipping",
            **ca,
        ),
        *answered("c2", "2026-11-03T10:00:00Z", timedelta(minutes=5), order_id="o2", **ca),
        *answered("c3", "2026-11-03T10:00:00Z", timedelta(minutes=5), order_id="o3", **ca),
    ]
    none = dict(status=None, target=None)
    return Scenario(
        events,
        {"S1": ["CA", "US"]},
        merge(
            expect("S1", "US", CSDR, value=100.0, status="poor"),
            expect("S1", "CA", CSDR, value=0.0, numerator=0, denominator=9, status="good"),
            expect("S1", None, CSDR, value=10.0, numerator=1, denominator=10, status="good"),
            expect("S1", "US", BDR, value=100.0, numerator=1, denominator=1),
            expect("S1", "CA", BDR, value=0.0, numerator=0, denominator=3),
            expect("S1", None, BDR, value=25.0, numerator=1, denominator=4, **none),
            expect("S1", "US", PREVENTABLE_RATE, value=100.0, numerator=1, denominator=1),
            expect("S1", "CA", PREVENTABLE_RATE, value=25.0, numerator=1, denominator=4),
            expect("S1", None, PREVENTABLE_RATE, value=40.0, numerator=2, denominator=5, **none),
            expect("S1", "US", RESPONSE_TIME, value=10.0, numerator=10, denominator=1),
            expect("S1", "CA", RESPONSE_TIME, value=0.0, numerator=0, denominator=3),
            expect("S1", None, RESPONSE_TIME, value=2.5, numerator=10, denominator=4, **none),
            expect("S1", None, RESPONSE_TIME, median=0.0, p90=10.0),
            expect("S1", None, WITHIN_24H, value=100.0, numerator=4, denominator=4, status="good"),
            # Alone in its stores, below the privacy floor (5 sellers): no comparison, so
            # no benchmark-judged status and no target.
            expect("S1", "US", PREVENTABLE_RATE, store_average=None, top_performers=None),
            expect("S1", "US", PREVENTABLE_RATE, status="na", target=None),
            expect("S1", "CA", RESPONSE_TIME, store_average=None, status="na", target=None),
        ),
    )


def single_store_and_visibility() -> Scenario:
    """A seller with one store; stores and sellers with no event before T are left out."""
    events = [
        order_placed("o1", "2026-11-01T10:00:00Z", seller="S1", store="US"),
        # 23:00 UTC on 19 November: visible and in the window.
        survey_vote("o1", "2026-11-20T01:00:00+02:00", vote="no", seller="S1", store="US"),
        order_placed("o2", "2026-11-20T00:00:00Z", seller="S1", store="MX"),  # at T
        # 01:00 UTC on 20 November, written on the 19th local time: after T.
        order_placed("o1", "2026-11-19T20:00:00-05:00", seller="S2", store="US"),
        order_placed("o1", "2026-09-01T10:00:00Z", seller="S3", store="CA"),
    ]
    return Scenario(
        events,
        {"S1": ["US"], "S3": ["CA"]},
        merge(
            expect("S1", "US", CSDR, value=100.0, numerator=1, denominator=1, status="poor"),
            expect("S1", None, CSDR, value=100.0, numerator=1, denominator=1, status="poor"),
            expect("S1", "US", PREVENTABLE_RATE, reason="no_contacts", denominator=1),
            expect("S3", "CA", CSDR, value=None, reason="no_responses", status="na"),
            expect("S3", "CA", PREVENTABLE_RATE, value=None, reason="no_contacts", denominator=0),
            expect("S3", None, LATE, value=0, status="good"),
        ),
    )


def store_average() -> Scenario:
    """The store average is the mean of the sellers' exact values (NA and fewer than 5
    orders left out, all orders); with no top-performer figure: good at or below it, fair
    above; a seller alone in its store gets no comparison (the privacy floor)."""
    events: list[dict[str, Any]] = []

    def seller(name: str, orders: int, preventable: int, other: int, fulfillment: str) -> None:
        s = dict(seller=name, store="US")
        events.extend(
            order_placed(f"o{i}", "2026-11-01T10:00:00Z", fulfillment, **s) for i in range(orders)
        )
        for i in range(preventable + other):
            reason = "shipping" if i < preventable else "other"
            events.extend(
                answered(
                    f"c{i}",
                    "2026-11-02T10:00:00Z",
                    timedelta(minutes=30),
                    order_id=f"o{i}",
                    reason=reason,
                    **s,
                )
            )

    seller("S1", 6, 2, 0, "seller")  # 100/3
    seller("S2", 6, 3, 0, "marketplace")  # 50
    seller("S3", 4, 0, 0, "seller")  # no contacts: NA
    seller("S4", 5, 0, 1, "seller")  # 0
    seller("S6", 18, 5, 0, "seller")  # 250/9, exactly the mean of S1, S2 and S4
    seller("S7", 36, 10, 0, "seller")  # 250/9 too: the fifth seller in the average
    seller("S8", 4, 4, 0, "seller")  # 100 on 4 orders: left out of the average
    events += [order_placed("o1", "2026-11-01T10:00:00Z", seller="S5", store="CA")]
    events += answered(
        "c1",
        "2026-11-02T10:00:00Z",
        timedelta(minutes=30),
        order_id="o1",
        reason="shipping",
        seller="S5",
        store="CA",
    )
    target = {"value": 27.78, "condition": "less_than_or_equal"}
    avg = dict(store_average=27.78, top_performers=None, target=target)
    return Scenario(
        events,
        {name: ["CA" if name == "S5" else "US"] for name in [f"S{i}" for i in range(1, 9)]},
        merge(
            expect("S1", "US", PREVENTABLE_RATE, value=33.33, status="fair", **avg),
            expect("S2", "US", PREVENTABLE_RATE, value=50.0, status="fair", **avg),
            expect("S3", "US", PREVENTABLE_RATE, value=None, status="na", **avg),
            expect("S4", "US", PREVENTABLE_RATE, value=0.0, status="good", **avg),
            expect("S6", "US", PREVENTABLE_RATE, value=27.78, status="good", **avg),
            expect("S7", "US", PREVENTABLE_RATE, value=27.78, status="good", **avg),
            expect("S8", "US", PREVENTABLE_RATE, value=100.0, denominator=4, status="fair", **avg),
            expect("S5", "CA", PREVENTABLE_RATE, value=100.0, status="na", target=None),
            expect("S5", "CA", PREVENTABLE_RATE, store_average=None, top_performers=None),
            expect("S1", None, PREVENTABLE_RATE, status=None, target=None),
        ),
    )


def month_block(
    seller: str,
    day: str,
    orders: int,
    preventable: int = 0,
    other: int = 0,
    fulfillment: str = "seller",
    store: str = "US",
) -> list[dict[str, Any]]:
    """`orders` orders placed on `day`; contacts on the first of them (the preventable ones
    first), each answered after 30 minutes."""
    s = dict(seller=seller, store=store)
    out = [
        order_placed(f"{fulfillment[0]}{day}-{i}", f"{day}T01:00:{i:02d}Z", fulfillment, **s)
        for i in range(orders)
    ]
    for i in range(preventable + other):
        reason = "shipping" if i < preventable else "other"
        out += answered(
            f"c{fulfillment[0]}{day}-{i}",
            f"{day}T05:00:{i:02d}Z",
            timedelta(minutes=30),
            order_id=f"{fulfillment[0]}{day}-{i}",
            reason=reason,
            **s,
        )
    return out


def top_performers_quartile() -> Scenario:
    """Preventable-contact top performers: self-fulfilled only, best quartile with ties at
    rank ceil(n/4), a denominator below 5 left out of the ranking, cohort of 3 months."""
    aug, sep, oct_, nov = "2026-08-10", "2026-09-10", "2026-10-10", "2026-11-05"
    events = [
        # August: 0 20 20 40 60 60 -> rank 2 is 20: P1, and P2 and P3 tied.
        *month_block("P1", aug, 5, 0, 1),
        *month_block("P2", aug, 5, 1),
        *month_block("P3", aug, 5, 1),
        *month_block("P4", aug, 5, 2),
        *month_block("P5", aug, 5, 3),
        *month_block("P6", aug, 5, 3),
        # September: P1 0, P3 10, P6 10, P2 40, P4 40 -> rank 2 is 10: P1 P3 P6. P5 has 0 on 4
        # orders: left out (counted, it would make rank 2 be 0 and drop P3). P1's pre-sale
        # and P3's marketplace contacts are not on self-fulfilled orders (counted, P1 would
        # be at 20 and P3 at 20: out).
        *month_block("P1", sep, 5, 0, 1),
        contact_received("presale", f"{sep}T06:00:00Z", "shipping", seller="P1", store="US"),
        *month_block("P3", sep, 10, 1),
        *month_block("P3", sep, 1, 1, fulfillment="marketplace"),
        *month_block("P4", sep, 5, 2),
        *month_block("P6", sep, 10, 1),
        *month_block("P2", sep, 5, 2),
        *month_block("P5", sep, 4, 0, 1),
        # October: 0 0 0 0 60 60 -> P1 P2 P3 P5.
        *month_block("P1", oct_, 5, 0, 1),
        *month_block("P2", oct_, 5, 0, 1),
        *month_block("P3", oct_, 5, 0, 1),
        *month_block("P4", oct_, 5, 3),
        *month_block("P5", oct_, 5, 0, 1),
        *month_block("P6", oct_, 5, 3),
        # The window: cohort P1 (40 self-fulfilled) and P3 (20) -> top performers 30.
        *month_block("P1", nov, 5, 2),
        *month_block("P1", nov, 5, fulfillment="marketplace"),  # P1 on all orders: 20
        *month_block("P2", nov, 5, 4),
        *month_block("P3", nov, 5, 1),
        *month_block("P4", nov, 5, 2),
        *month_block("P6", nov, 5, 3),
    ]
    # Store average on all orders: (20 + 80 + 20 + 40 + 60) / 5 = 44.
    bench = dict(
        store_average=44.0,
        top_performers=30.0,
        target={"value": 30.0, "condition": "less_than_or_equal"},
    )
    return Scenario(
        events,
        {f"P{i}": ["US"] for i in range(1, 7)},
        merge(
            expect(
                "P1", "US", PREVENTABLE_RATE, value=20.0, denominator=10, status="good", **bench
            ),
            expect("P2", "US", PREVENTABLE_RATE, value=80.0, status="poor", **bench),
            expect("P3", "US", PREVENTABLE_RATE, value=20.0, status="good", **bench),
            expect("P4", "US", PREVENTABLE_RATE, value=40.0, status="fair", **bench),
            expect("P5", "US", PREVENTABLE_RATE, value=None, status="na", **bench),
            expect("P6", "US", PREVENTABLE_RATE, value=60.0, status="poor", **bench),
            # No seller has 5 contacts needing a reply in the window (1 to 4 each): below
            # the privacy floor, neither figure is shown and the status is na.
            expect("P1", "US", RESPONSE_TIME, value=0.0, store_average=None, status="na"),
            expect("P1", "US", RESPONSE_TIME, top_performers=None, target=None),
            expect("P1", "US", CSDR, value=None, store_average=None, top_performers=None),
        ),
    )


def top_performers_descending_as_of_month_end() -> Scenario:
    """24 h rate ranks highest first; a month is judged as of its end (a reply the next
    month leaves the contact pending in its month); lower-is-better response time ties
    the top-performer figure exactly; a seller new this month is not ranked and only
    moves the store average."""
    events: list[dict[str, Any]] = []

    def block(seller: str, day: str, within: int, slow: int) -> None:
        s = dict(seller=seller, store="US")
        for i in range(within + slow):
            order = f"{day}-{i}"
            delay = timedelta(hours=1) if i < within else timedelta(hours=30)
            events.append(order_placed(order, f"{day}T01:00:{i:02d}Z", **s))
            events.extend(
                answered(f"c{order}", f"{day}T02:00:{i:02d}Z", delay, order_id=order, **s)
            )

    aug, sep, oct_, nov = "2026-08-10", "2026-09-10", "2026-10-10", "2026-11-05"
    # 24 h: August 100 80 60 100 -> R1 R4; September R1 R2 R3 at 100 (R4 has 4 contacts
    # that count as of 30 September: its fifth is still pending then) -> R1 R2 R3;
    # October 100 100 60 100 -> R1 R2 R4. Cohort: R1.
    for seller, pattern in {
        "R1": [(5, 0), (5, 0), (5, 0), (4, 1)],
        "R2": [(4, 1), (5, 0), (5, 0), (5, 0)],
        "R3": [(3, 2), (5, 0), (3, 2), (3, 2)],
        "R4": [(5, 0), (4, 0), (5, 0), (2, 3)],
    }.items():
        for day, (within, slow) in zip([aug, sep, oct_, nov], pattern, strict=True):
            block(seller, day, within, slow)
    # R5 is new this month: the fifth seller of the store average (at 70 % and 9.7 h it
    # leaves both where R1 to R4 put them), and not ranked in any month.
    block("R5", nov, 7, 3)
    events.append(order_placed("late-sep", "2026-09-30T22:00:00Z", seller="R4", store="US"))
    events.extend(
        answered(
            "c-late-sep",
            "2026-09-30T23:00:00Z",
            timedelta(minutes=90),
            order_id="late-sep",
            seller="R4",
            store="US",
        )
    )
    h24 = dict(store_average=70.0, top_performers=80.0, target=WITHIN_24H_TARGET)
    # Response time: cohort R1 and R4 (R4's September is 5 contacts of 1 h: it ranks);
    # current 6.8 and 18.4 -> 12.6; store average (6.8 + 1 + 12.6 + 18.4) / 4 = 9.7. The
    # cohort's current figure is worse than the average: the average is the good line, and
    # R3's 12.6 (at the top performers) is poor.
    rt = dict(store_average=9.7, top_performers=12.6)
    return Scenario(
        events,
        {f"R{i}": ["US"] for i in range(1, 6)},
        merge(
            expect("R1", "US", WITHIN_24H, value=80.0, status="fair", **h24),
            expect("R2", "US", WITHIN_24H, value=100.0, status="good", **h24),
            expect("R3", "US", WITHIN_24H, value=60.0, status="poor", **h24),
            expect("R4", "US", WITHIN_24H, value=40.0, status="poor", **h24),
            expect("R1", "US", RESPONSE_TIME, value=6.8, status="good", **rt),
            expect("R2", "US", RESPONSE_TIME, value=1.0, status="good", **rt),
            expect("R3", "US", RESPONSE_TIME, value=12.6, status="poor", **rt),
            expect("R4", "US", RESPONSE_TIME, value=18.4, status="poor", **rt),
            expect("R5", "US", WITHIN_24H, value=70.0, status="poor", **h24),
            expect("R5", "US", RESPONSE_TIME, value=9.7, status="good", **rt),
            expect(
                "R4", "US", RESPONSE_TIME, target={"value": 9.7, "condition": "less_than_or_equal"}
            ),
        ),
    )


def empty_cohort() -> Scenario:
    """No seller is in the best quartile all 3 months (Oct, Sep, Aug as of 1 November):
    no top-performer figure, statuses against the store average alone. E3 to E5, new in
    October, fill the store average: October's best quartile (rank 2 of 5 is 0 %) is E1
    and E3, but only E1 and E2 were ranked before, each in one month."""
    aug, sep, oct_ = "2026-08-10", "2026-09-10", "2026-10-10"
    events = [
        *month_block("E1", aug, 5, 0, 1),
        *month_block("E2", aug, 5, 1),
        *month_block("E1", sep, 5, 1),
        *month_block("E2", sep, 5, 0, 1),
        *month_block("E1", oct_, 5, 0, 1),
        *month_block("E2", oct_, 5, 1),
        *month_block("E3", oct_, 5, 0, 1),
        *month_block("E4", oct_, 10, 1),
        *month_block("E5", oct_, 5, 1),
    ]
    # (0 + 20 + 0 + 10 + 20) / 5.
    bench = dict(
        store_average=10.0,
        top_performers=None,
        target={"value": 10.0, "condition": "less_than_or_equal"},
    )
    return Scenario(
        events,
        {f"E{i}": ["US"] for i in range(1, 6)},
        merge(
            expect("E1", "US", PREVENTABLE_RATE, value=0.0, status="good", **bench),
            expect("E2", "US", PREVENTABLE_RATE, value=20.0, status="fair", **bench),
            expect("E3", "US", PREVENTABLE_RATE, value=0.0, status="good", **bench),
            expect("E4", "US", PREVENTABLE_RATE, value=10.0, status="good", **bench),
        ),
        as_of=datetime(2026, 11, 1, tzinfo=UTC),
    )


def seven_day_window() -> Scenario:
    """Other windows carry values and fixed-target statuses, no benchmarks."""
    s = dict(seller="S1", store="US")
    events = [
        order_placed("o1", "2026-11-10T10:00:00Z", **s),  # in 28 days, not in 7
        survey_vote("o1", "2026-11-10T12:00:00Z", vote="yes", **s),
        order_placed("o2", "2026-11-14T10:00:00Z", **s),
        survey_vote("o2", "2026-11-15T10:00:00Z", vote="no", **s),
        *answered(
            "c1", "2026-11-14T12:00:00Z", timedelta(hours=3), order_id="o2", reason="shipping", **s
        ),
        *answered("c2", "2026-11-12T23:59:59Z", timedelta(hours=3), order_id="o1", **s),  # before
    ]
    none = dict(status=None, target=None, store_average=None, top_performers=None)
    return Scenario(
        events,
        {"S1": ["US"]},
        merge(
            expect("S1", "US", CSDR, value=100.0, numerator=1, denominator=1, status="poor"),
            expect("S1", "US", CSDR, store_average=None, top_performers=None),
            expect("S1", "US", PREVENTABLE_RATE, value=100.0, numerator=1, denominator=1, **none),
            expect("S1", "US", BDR, value=100.0, numerator=1, denominator=1, **none),
            expect("S1", "US", RESPONSE_TIME, value=3.0, denominator=1, **none),
            expect("S1", "US", WITHIN_24H, value=100.0, status="good", store_average=None),
            expect("S1", "US", LATE, value=0, status="good"),
        ),
        window_days=7,
    )


SCENARIOS: dict[str, Scenario] = {
    build.__name__: build()
    for build in (
        csdr_bands,
        vote_changed_across_window_edge,
        bdr_preventable_presale,
        na_reasons,
        within_24h_edges,
        late_edges,
        status_bands,
        rounding_half_up,
        collective_pooling,
        single_store_and_visibility,
        store_average,
        top_performers_quartile,
        top_performers_descending_as_of_month_end,
        empty_cohort,
        seven_day_window,
    )
}
