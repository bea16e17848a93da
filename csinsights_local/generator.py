"""Realistic synthetic marketplace event streams for the demo, benchmarks and replays.

Orders arrive through the day; some buyers write (about a shipment, the product, or before
buying); sellers reply after a delay that is usually hours, sometimes days, sometimes never;
buyers vote on the reply and now and then change their vote. Delivery is messy on purpose:
shuffled, with repeated deliveries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

STORES = ("US", "CA", "MX", "DE", "UK")
REASONS = (
    ("shipping", 30),
    ("product_quality", 15),
    ("fulfillment", 10),
    ("customer_service", 5),
    ("change_of_mind", 15),
    ("other", 10),
)


@dataclass(frozen=True)
class StreamShape:
    sellers: int = 5
    stores: tuple[str, ...] = ("US", "CA", "DE")
    days: int = 35
    end: date = date(2026, 11, 25)
    """Events happen before the end of this day."""
    orders_per_day: float = 12.0
    contact_rate: float = 0.18
    pre_sale_per_day: float = 1.0
    vote_rate: float = 0.45
    duplicate_rate: float = 0.05
    seed: int = 7
    self_fulfilled_shares: tuple[float, ...] = (0.2, 0.5, 0.8)
    """Each seller fulfils one of these shares of its orders itself (drawn per seller)."""
    store_sellers: tuple[int, ...] | None = None
    """How many sellers sell in each store of `stores` (the first ones, SELLER001 on); None:
    every seller in every store. A store with fewer sellers than the privacy floor shows
    its comparisons withheld."""

    def __post_init__(self) -> None:
        if self.store_sellers is not None and len(self.store_sellers) != len(self.stores):
            raise ValueError("store_sellers: one count per store")

    def sells_in(self, seller_index: int, store_index: int) -> bool:
        return self.store_sellers is None or seller_index < self.store_sellers[store_index]


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth; means here are small.
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def generate(shape: StreamShape | None = None) -> list[dict[str, Any]]:
    shape = shape or StreamShape()
    rng = random.Random(shape.seed)
    events: list[dict[str, Any]] = []
    counter = 0
    last_instant = datetime(shape.end.year, shape.end.month, shape.end.day, tzinfo=UTC) + timedelta(
        days=1
    )

    def emit(kind: str, seller: str, store: str, at: datetime, data: dict[str, Any]) -> None:
        nonlocal counter
        if at >= last_instant:
            return
        counter += 1
        events.append(
            {
                "event_id": f"evt-{shape.seed}-{counter:08d}",
                "type": kind,
                "seller_id": seller,
                "store_id": store,
                "occurred_at": _iso(at),
                "data": data,
            }
        )

    reason_names = [r for r, _ in REASONS]
    reason_weights = [w for _, w in REASONS]
    for s in range(shape.sellers):
        seller = f"SELLER{s + 1:03d}"
        # Sellers differ: some answer fast, some slowly; some fulfil themselves.
        speed = rng.choice([1.5, 3.0, 6.0, 12.0, 30.0])
        self_share = rng.choice(shape.self_fulfilled_shares)
        for t, store in enumerate(shape.stores):
            if not shape.sells_in(s, t):
                continue
            volume = shape.orders_per_day * rng.uniform(0.4, 1.6)
            for d in range(shape.days):
                day = shape.end - timedelta(days=shape.days - 1 - d)
                midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
                for _ in range(_poisson(rng, shape.pre_sale_per_day)):
                    at = midnight + timedelta(seconds=rng.randrange(86400))
                    cid = f"CNT-{seller}-{store}-{counter:07d}"
                    emit(
                        "contact.received",
                        seller,
                        store,
                        at,
                        {"contact_id": cid, "reason": "pre_sale_question"},
                    )
                    if rng.random() < 0.9:
                        reply = at + timedelta(hours=rng.expovariate(1 / speed))
                        emit("contact.responded", seller, store, reply, {"contact_id": cid})
                for _ in range(_poisson(rng, volume)):
                    placed = midnight + timedelta(seconds=rng.randrange(86400))
                    oid = f"{rng.randrange(100, 999)}-{rng.randrange(10**6, 10**7)}-{counter:07d}"
                    fulfillment = "seller" if rng.random() < self_share else "marketplace"
                    emit(
                        "order.placed",
                        seller,
                        store,
                        placed,
                        {"order_id": oid, "fulfillment": fulfillment},
                    )
                    if rng.random() >= shape.contact_rate:
                        continue
                    received = placed + timedelta(hours=rng.uniform(2, 96))
                    cid = f"CNT-{seller}-{store}-{counter:07d}"
                    reason = rng.choices(reason_names, reason_weights)[0]
                    emit(
                        "contact.received",
                        seller,
                        store,
                        received,
                        {"contact_id": cid, "order_id": oid, "reason": reason},
                    )
                    if rng.random() < 0.05:
                        emit(
                            "contact.no_response_needed",
                            seller,
                            store,
                            received + timedelta(minutes=rng.uniform(1, 120)),
                            {"contact_id": cid},
                        )
                        continue
                    if rng.random() < 0.93:
                        reply = received + timedelta(hours=rng.expovariate(1 / speed))
                        emit("contact.responded", seller, store, reply, {"contact_id": cid})
                        if rng.random() < 0.3:
                            emit(
                                "contact.responded",
                                seller,
                                store,
                                reply + timedelta(hours=rng.uniform(1, 30)),
                                {"contact_id": cid},
                            )
                        if rng.random() < shape.vote_rate:
                            happy = 0.85 if speed < 10 else 0.6
                            voted = reply + timedelta(hours=rng.uniform(0.5, 72))
                            answer: dict[str, Any] = (
                                {"vote": "yes" if rng.random() < happy else "no"}
                                if rng.random() < 0.6
                                else {
                                    "rating": rng.choice([4, 5])
                                    if rng.random() < happy
                                    else rng.choice([1, 2, 3])
                                }
                            )
                            emit(
                                "survey.vote",
                                seller,
                                store,
                                voted,
                                {"order_id": oid, "contact_id": cid, **answer},
                            )
                            if rng.random() < 0.1:
                                emit(
                                    "survey.vote",
                                    seller,
                                    store,
                                    voted + timedelta(hours=rng.uniform(1, 48)),
                                    {"order_id": oid, "contact_id": cid, "vote": "yes"},
                                )
    duplicates = [rng.choice(events) for _ in range(int(len(events) * shape.duplicate_rate))]
    stream = events + duplicates
    rng.shuffle(stream)
    return stream
