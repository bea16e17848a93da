"""Small builders of contract events and queue batches for tests."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

_ids = itertools.count(1)


def event(
    type_: str,
    occurred_at: str,
    data: dict[str, Any],
    *,
    seller: str = "A1SELLER",
    store: str = "US",
    event_id: str | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id or f"evt-{next(_ids)}",
        "type": type_,
        "seller_id": seller,
        "store_id": store,
        "occurred_at": occurred_at,
        "data": data,
    }


def order_placed(order_id: str, at: str, fulfillment: str = "seller", **kw: Any) -> dict[str, Any]:
    return event("order.placed", at, {"order_id": order_id, "fulfillment": fulfillment}, **kw)


def contact_received(
    contact_id: str, at: str, reason: str = "shipping", order_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"contact_id": contact_id, "reason": reason}
    if order_id is not None:
        data["order_id"] = order_id
    return event("contact.received", at, data, **kw)


def contact_responded(
    contact_id: str, at: str, automated: bool | None = None, **kw: Any
) -> dict[str, Any]:
    """`automated` is sent only when given (absent, it defaults to false)."""
    data: dict[str, Any] = {"contact_id": contact_id}
    if automated is not None:
        data["automated"] = automated
    return event("contact.responded", at, data, **kw)


def no_response_needed(contact_id: str, at: str, **kw: Any) -> dict[str, Any]:
    return event("contact.no_response_needed", at, {"contact_id": contact_id}, **kw)


def survey_vote(
    order_id: str,
    at: str,
    vote: str | None = None,
    rating: int | None = None,
    contact_id: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {"order_id": order_id}
    if vote is not None:
        data["vote"] = vote
    if rating is not None:
        data["rating"] = rating
    if contact_id is not None:
        data["contact_id"] = contact_id
    return event("survey.vote", at, data, **kw)


def sqs_batch(
    bodies: list[Any], queue_arn: str = "arn:aws:sqs:us-east-1:123456789012:ingest"
) -> dict[str, Any]:
    """A Lambda SQS event; dict bodies are JSON-encoded, strings sent as they are."""
    records = []
    for body in bodies:
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "handle",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1763553600000",
                    "SenderId": "producer",
                    "ApproximateFirstReceiveTimestamp": "1763553600000",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}
