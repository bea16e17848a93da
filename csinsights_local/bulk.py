"""Bulk import: an archive ordered by seller, store and time before it is queued.

Ingest's figures do not depend on the order events arrive in; its cost does. Shuffled, a
batch of 100 holds events of many seller stores and days: many small commits, each
updating aggregate items of days no other event of the batch shares, and an order and the
contacts naming it written in different commits. Ordered by seller, store, time and event
id, consecutive messages share a seller store and a few days, so a batch commits one or two
groups, an order and what follows it often land in one commit, and an aggregate item is
updated once for dozens of events (`benchmarks/README.md`, "Bulk import").

Only the sort key is read from each line (JSON); the line itself is sent exactly
as written, so the handler judges it as production's queue would deliver it. Lines whose
key cannot be read (not JSON, no seller, store or time) keep their relative order after all
the others, and are rejected by the handler with their reason as always.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from csinsights_local.archive import Line, Unsendable
from csinsights_local.driver import MAX_SEND_BATCH_BYTES, batches

SortKey = tuple[str, str, datetime, str]


def _body(item: Any) -> Any:
    """The event an archive line (or a body, or an event) holds; None when unreadable.
    orjson reads it, a third of `json`'s time, with `json` itself for what orjson refuses
    (non-finite numbers, integers past 64 bits, lone surrogates)."""
    text = item.body if isinstance(item, Line) else item
    if not isinstance(text, str):
        return item
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def sort_key(item: Any) -> SortKey | None:
    """(seller, store, occurred_at, event_id) of an archive line or event, or None."""
    event = _body(item)
    if isinstance(event, dict) and "detail-type" in event and "detail" in event:
        event = event["detail"]
    if not isinstance(event, dict):
        return None
    seller, store, at = event.get("seller_id"), event.get("store_id"), event.get("occurred_at")
    if not (isinstance(seller, str) and isinstance(store, str) and isinstance(at, str)):
        return None
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    event_id = event.get("event_id")
    return seller, store, when, event_id if isinstance(event_id, str) else ""


def bulk_order(items: Sequence[Any]) -> list[Any]:
    """The items ordered for a bulk import; unreadable ones last, in their order. Grouped by
    seller store first, then each group sorted (many small sorts, not one of everything)."""
    groups: dict[tuple[str, str], list[tuple[datetime, str, int]]] = defaultdict(list)
    unreadable: list[Any] = []
    for position, item in enumerate(items):
        key = None if isinstance(item, Unsendable) else sort_key(item)
        if key is None:
            unreadable.append(item)
        else:
            seller, store, when, event_id = key
            groups[(seller, store)].append((when, event_id, position))
    ordered = []
    for pair in sorted(groups):
        group = groups[pair]
        group.sort()
        ordered += [items[position] for _, _, position in group]
    return ordered + unreadable


def send_archive(
    sqs: Any, queue_url: str, items: Sequence[Any], progress: bool = False
) -> dict[str, Any]:
    """Every sendable line of the archive to the ingest queue in bulk order, 10 lines (at
    most 256 KiB) per `SendMessageBatch`; lines SQS would refuse are listed, not sent."""
    from tqdm import tqdm

    ordered = bulk_order(items)
    lines = [item for item in ordered if isinstance(item, Line)]
    unsendable = [item for item in ordered if isinstance(item, Unsendable)]
    sent = 0
    with tqdm(
        total=len(lines), unit="event", file=sys.stderr, disable=None if progress else True
    ) as bar:
        for batch in batches(lines, lambda line: line.body, 10, MAX_SEND_BATCH_BYTES):
            response = sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "MessageBody": line.body} for i, line in enumerate(batch)],
            )
            if response.get("Failed"):
                refused = [batch[int(f["Id"])].number for f in response["Failed"]]
                raise RuntimeError(
                    f"the ingest queue refused lines {refused} after {sent} were sent: "
                    f"{response['Failed']}"
                )
            sent += len(batch)
            bar.update(len(batch))
    return {
        "sent": sent,
        "unsendable": [
            {"line": u.number, "reason": u.reason, "message": u.message} for u in unsendable
        ],
    }
