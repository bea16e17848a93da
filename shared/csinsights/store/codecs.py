"""Items <-> what they hold: entity states, sparse index attributes, and the records kept
as JSON in a `data` attribute. The only module that knows how an attribute is spelled."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from csinsights.domain.entities import ContactState, OrderState, Placed, Received, Stamp, Vote
from csinsights.store import keys


def iso(at: datetime) -> str:
    """Event moments in entity items and index sort keys (microseconds: they order events)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _json(value: Any) -> dict[str, str]:
    return {"S": json.dumps(value, separators=(",", ":"))}


def data_attribute(value: Any, compact: bool = True) -> dict[str, str]:
    """A record as JSON in the item's `data` (benchmarks and reports have always been kept
    with JSON's default separators; sizes and digests of stored items stay as they were)."""
    return _json(value) if compact else {"S": json.dumps(value)}


def data_of(item: Mapping[str, Any]) -> Any:
    return json.loads(item["data"]["S"])


def encode_order(state: OrderState) -> dict[str, Any]:
    return {
        "placed": _encode_placed(state.placed),
        "votes": _json(
            [[v.stamp.event_id, iso(v.stamp.at), v.answer, v.contact_id] for v in state.votes]
        ),
        "contacts": _json(sorted(state.contacts)),
        **(
            {"linked": _json([[c, d.isoformat()] for c, d in state.linked])} if state.linked else {}
        ),
    }


def _placed(text: str) -> tuple[Placed, ...]:
    return tuple(Placed(Stamp(at(t), e), f) for e, t, f in json.loads(text))


def _encode_placed(placed: Iterable[Placed]) -> dict[str, str]:
    return _json([[p.stamp.event_id, iso(p.stamp.at), p.fulfillment] for p in placed])


def decode_order(item: Mapping[str, Any]) -> OrderState:
    return OrderState(
        placed=_placed(item["placed"]["S"]),
        votes=tuple(Vote(Stamp(at(t), e), a, c) for e, t, a, c in json.loads(item["votes"]["S"])),
        contacts=frozenset(json.loads(item["contacts"]["S"])),
        linked=tuple(
            (c, date.fromisoformat(d)) for c, d in json.loads(item.get("linked", {}).get("S", "[]"))
        ),
    )


def _stamps(items: Iterable[Stamp]) -> dict[str, str]:
    return _json([[s.event_id, iso(s.at)] for s in items])


def encode_contact(state: ContactState) -> dict[str, Any]:
    """`auto_replied` only when there is one: most contacts never get an auto-reply, and
    items stored before auto-replies were told apart read the same; `order_placed` only
    when the contact's order has been placed."""
    return {
        "received": _json(
            [[r.stamp.event_id, iso(r.stamp.at), r.reason, r.order_id] for r in state.received]
        ),
        "responded": _stamps(state.responded),
        "no_response_needed": _stamps(state.no_response_needed),
        **({"auto_replied": _stamps(state.auto_replied)} if state.auto_replied else {}),
        **({"order_placed": _encode_placed(state.order_placed)} if state.order_placed else {}),
    }


def decode_contact(item: Mapping[str, Any]) -> ContactState:
    def stamps(text: str) -> tuple[Stamp, ...]:
        return tuple(Stamp(at(t), e) for e, t in json.loads(text))

    return ContactState(
        received=tuple(
            Received(Stamp(at(t), e), r, o) for e, t, r, o in json.loads(item["received"]["S"])
        ),
        responded=stamps(item["responded"]["S"]),
        no_response_needed=stamps(item["no_response_needed"]["S"]),
        auto_replied=stamps(item["auto_replied"]["S"]) if "auto_replied" in item else (),
        order_placed=_placed(item["order_placed"]["S"]) if "order_placed" in item else (),
    )


def open_contact_index(
    seller: str, store: str, contact_id: str, contact: ContactState
) -> dict[str, Any]:
    """Sparse index of contacts still waiting for a reply (not answered, not marked as
    needing none; an auto-reply answers nothing): what a seller should answer now."""
    first = contact.first_received()
    if first is None or contact.responded or contact.no_response_needed:
        return {}
    return {
        keys.OPEN_PK: {"S": keys.open_pk(seller, store)},
        keys.OPEN_SK: {"S": f"{iso(first.stamp.at)}#{contact_id}"},
        "received_at": {"S": iso(first.stamp.at)},
        "reason": {"S": first.reason},
        **({"linked_order_id": {"S": first.order_id}} if first.order_id else {}),
    }


def contact_index(
    seller: str, store: str, contact_id: str, contact: ContactState
) -> dict[str, Any]:
    """Index of every contact by its first received time: a seller store's contacts of a
    period without a scan (the index projects the contact's state)."""
    first = contact.first_received()
    if first is None:
        return {}
    return {
        keys.CONTACTS_PK: {"S": keys.contacts_pk(seller, store)},
        keys.CONTACTS_SK: {"S": f"{iso(first.stamp.at)}#{contact_id}"},
    }


def open_contact(store: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "contact_id": item["contact_id"]["S"],
        "store_id": store,
        "order_id": item.get("linked_order_id", {}).get("S"),
        "reason": item["reason"]["S"],
        "received_at": at(item["received_at"]["S"]),
    }


def voted_order_index(seller: str, store: str, order_id: str, order: OrderState) -> dict[str, Any]:
    """Sparse index of orders with survey votes, by the time of their latest vote."""
    if not order.votes:
        return {}
    latest = max(order.votes)
    return {
        keys.VOTED_PK: {"S": keys.voted_pk(seller, store)},
        keys.VOTED_SK: {"S": f"{iso(latest.stamp.at)}#{order_id}"},
    }


def counters_of(item: Mapping[str, Any]) -> dict[str, int]:
    """An aggregate item's counters: every attribute but its key and TTL."""
    return {
        name: int(value["N"])
        for name, value in item.items()
        if name not in ("pk", "sk", "expires_at")
    }
