"""A small seeded marketplace of two sellers in two stores for the scheduled run's tests:
what happens before T, from T on, and only after T; delivered through the ingest handler."""

from __future__ import annotations

from typing import Any

from csinsights_local.stack import Deployment
from tests.builders import (
    contact_received,
    contact_responded,
    no_response_needed,
    order_placed,
    sqs_batch,
    survey_vote,
)

T = "2026-11-20T00:00:00Z"
SELLERS = ("A1SELLER", "B2SELLER")
STORES = ("CA", "US")


def ingest(stack: Deployment, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 100):
        response = stack.invoke("IngestFunction", sqs_batch(events[start : start + 100]))
        assert response == {"batchItemFailures": []}


def before_t(seller: str, store: str) -> list[dict[str, Any]]:
    """A few days of one seller store, all before T."""
    kw = {"seller": seller, "store": store}
    late = seller == "B2SELLER"
    return [
        order_placed("o1", "2026-11-10T08:00:00Z", "seller", **kw),
        order_placed("o2", "2026-11-12T08:00:00Z", "marketplace", **kw),
        order_placed("o3", "2026-11-15T08:00:00+02:00", "seller", **kw),
        contact_received("c1", "2026-11-11T09:00:00Z", "shipping", "o1", **kw),
        contact_responded(
            "c1", "2026-11-11T12:30:00Z" if not late else "2026-11-14T10:00:00Z", **kw
        ),
        contact_received("c2", "2026-11-13T09:00:00Z", "pre_sale_question", **kw),
        contact_received("c3", "2026-11-19T22:00:00Z", "product_quality", "o3", **kw),
        no_response_needed("c2", "2026-11-13T10:00:00Z", **kw),
        survey_vote("o1", "2026-11-12T10:00:00Z", vote="no", **kw),
        survey_vote("o2", "2026-11-13T10:00:00Z", rating=5, **kw),
    ]


def after_t(seller: str, store: str) -> list[dict[str, Any]]:
    """What happens from T on: a changed vote, late replies, new orders and contacts."""
    kw = {"seller": seller, "store": store}
    return [
        survey_vote("o1", "2026-11-20T09:00:00Z", vote="yes", **kw),
        survey_vote("o3", "2026-11-20T00:00:00Z", rating=1, **kw),
        contact_responded("c3", "2026-11-21T10:00:00Z", **kw),
        order_placed("o4", "2026-11-20T00:00:00Z", **kw),
        contact_received("c4", "2026-11-22T09:00:00Z", "fulfillment", "o4", **kw),
    ]


def only_after_t() -> list[dict[str, Any]]:
    late_seller = {"seller": "C3LATE", "store": "US"}
    new_store = {"seller": "A1SELLER", "store": "DE"}
    return [
        order_placed("x1", "2026-11-20T00:00:00Z", **late_seller),
        contact_received("y1", "2026-11-20T05:00:00Z", "shipping", "x1", **late_seller),
        order_placed("x1", "2026-11-21T00:00:00Z", **new_store),
    ]


def marketplace() -> list[dict[str, Any]]:
    return [e for s in SELLERS for st in STORES for e in before_t(s, st)]
