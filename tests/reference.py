"""A plain, obviously correct reading of the specification, straight from raw events.

Deliberately shares no code with the product: it keeps the distinct events, looks only at
those visible as of the end of a day, and counts with loops. Tests compare the pipeline's
stored aggregates (and later its metric documents) with what this computes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

PREVENTABLE = {"product_quality", "fulfillment", "shipping", "customer_service"}


def when(e: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(e["occurred_at"]).astimezone(UTC)


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
    return +out
