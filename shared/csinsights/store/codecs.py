"""Stored forms <-> what they hold: entity states, sparse index attributes, the records
kept as JSON in a `data` attribute, the report requests queue's messages. The only module
that knows how an attribute or a record's JSON is spelled: both stores (DynamoDB and the
embedded one) and the handlers convert through it."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from csinsights.domain.arrival import CELLS
from csinsights.domain.asof import parse_timestamp, timestamp
from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.contacts import OpenContact
from csinsights.domain.entities import ContactState, OrderState, Placed, Received, Stamp, Vote
from csinsights.domain.metrics import Counts, spread
from csinsights.domain.run import SellerStoreCounts, Snapshot
from csinsights.domain.sharded import AverageAndRanks, Median, MetricInput, Place, Thresholds
from csinsights.models.records import RejectedEvent, ReportRecord, ReportRequest
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


TIME_ZONE = "time_zone"
"""A contact item's time zone attribute: also the mark that its arrival cell is counted."""


def encode_contact(state: ContactState) -> dict[str, Any]:
    """`auto_replied` only when there is one: most contacts never get an auto-reply, and
    items stored before auto-replies were told apart read the same; `order_placed` only
    when the contact's order has been placed; `time_zone` once the contact's arrival cell
    is counted (an item without it was stored before: the layout migration counts it)."""
    return {
        "received": _json(
            [[r.stamp.event_id, iso(r.stamp.at), r.reason, r.order_id] for r in state.received]
        ),
        "responded": _stamps(state.responded),
        "no_response_needed": _stamps(state.no_response_needed),
        **({"auto_replied": _stamps(state.auto_replied)} if state.auto_replied else {}),
        **({"order_placed": _encode_placed(state.order_placed)} if state.order_placed else {}),
        **({TIME_ZONE: {"S": state.time_zone}} if state.time_zone is not None else {}),
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
        time_zone=item[TIME_ZONE]["S"] if TIME_ZONE in item else None,
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


def open_contact(seller: str, store: str, item: Mapping[str, Any]) -> OpenContact:
    return OpenContact(
        seller,
        store,
        item["contact_id"]["S"],
        item.get("linked_order_id", {}).get("S"),
        item["reason"]["S"],
        at(item["received_at"]["S"]),
    )


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


# ---- records kept as JSON ---------------------------------------------------------------
_HISTOGRAMS = frozenset({"hours", "by_reason", "arrival", "arrival_within_24h", "arrival_late"})


def arrival_to_json(counts: Counts) -> list[int]:
    """The arrival cells as one flat list of numbers, four a cell with contacts: its index
    in `arrival.CELLS`, contacts, within 24 h, late (a three-store seller's snapshot holds
    twelve windows of up to 28 cells and is read whole by every lookup)."""
    out: list[int] = []
    for index, cell in enumerate(CELLS):
        if counts.arrival[cell]:
            out += [
                index,
                counts.arrival[cell],
                counts.arrival_within_24h[cell],
                counts.arrival_late[cell],
            ]
    return out


def _arrival_of(data: Sequence[int]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    contacts: Counter[str] = Counter()
    within: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for start in range(0, len(data), 4):
        index, n, w, lt = (int(v) for v in data[start : start + 4])
        cell = CELLS[index]
        contacts[cell], within[cell], late[cell] = n, w, lt
    return contacts, +within, +late


def counts_to_json(counts: Counts) -> dict[str, Any]:
    """`arrival` only when a cell has contacts (never in a summarised previous period)."""
    data: dict[str, Any] = {
        name: getattr(counts, name)
        for name in counts.__dataclass_fields__
        if name not in _HISTOGRAMS
    }
    data["hours"] = {str(h): n for h, n in sorted(counts.hours.items()) if n}
    data["by_reason"] = {r: n for r, n in sorted(counts.by_reason.items()) if n}
    arrival = arrival_to_json(counts)
    if arrival:
        data["arrival"] = arrival
    return data


def counts_from_json(data: Mapping[str, Any]) -> Counts:
    """Fields absent from counts stored before they existed read as zero."""
    values = {k: int(v) for k, v in data.items() if k not in _HISTOGRAMS}
    contacts, within, late = _arrival_of(data.get("arrival", ()))
    return Counts(
        **values,
        hours=Counter({int(h): int(n) for h, n in data["hours"].items()}),
        by_reason=Counter({r: int(n) for r, n in data.get("by_reason", {}).items()}),
        arrival=contacts,
        arrival_within_24h=within,
        arrival_late=late,
    )


_PROJECTED = (
    "orders",
    "responses",
    "dissatisfied",
    "contacts",
    "preventable",
    "bdr_dissatisfied",
    "within_24h",
    "answered_late",
    "unanswered_over_24h",
    "unanswered_over_48h",
    "answered",
)


def projected_to_json(counts: Counts) -> list[int]:
    """Projected counts (`run.projected_counts`) as a list of numbers: the sum and the
    number of their whole hours, then each of `_PROJECTED`: every figure a projection
    shows, in a sixth of the room of `counts_to_json` (a snapshot holds twelve for a
    three-store seller and is read whole by every lookup)."""
    total = sum(h * n for h, n in counts.hours.items())
    return [total, sum(counts.hours.values()), *(getattr(counts, f) for f in _PROJECTED)]


def projected_from_json(data: Sequence[int]) -> Counts:
    """The hours back as `Counts.summarised` spreads them; the reasons and the arrival
    cells are not kept."""
    total, n, *values = (int(v) for v in data)
    figures = dict(zip(_PROJECTED, values, strict=True))
    return Counts(
        **figures,
        hours=spread(total, n),
        by_reason=Counter(),
        arrival=Counter(),
        arrival_within_24h=Counter(),
        arrival_late=Counter(),
    )


def _projected_windows(windows: Mapping[int, Counts]) -> dict[str, list[int]]:
    return {str(w): projected_to_json(c) for w, c in windows.items()}


def _projected_windows_of(data: Mapping[str, Sequence[int]]) -> dict[int, Counts]:
    return {int(w): projected_from_json(c) for w, c in data.items()}


def seller_store_counts_to_json(counts: SellerStoreCounts) -> dict[str, Any]:
    return {
        "windows": {str(w): counts_to_json(c) for w, c in counts.windows.items()},
        "previous": {str(w): counts_to_json(c) for w, c in counts.previous.items()},
        "projected": _projected_windows(counts.projected),
        "self_fulfilled": counts_to_json(counts.self_fulfilled),
        "months": [counts_to_json(c) for c in counts.months],
    }


def seller_store_counts_from_json(data: Mapping[str, Any]) -> SellerStoreCounts:
    """Counts a run wrote before projections were kept have none."""
    return SellerStoreCounts(
        {int(w): counts_from_json(c) for w, c in data["windows"].items()},
        counts_from_json(data["self_fulfilled"]),
        [counts_from_json(c) for c in data["months"]],
        {int(w): counts_from_json(c) for w, c in data["previous"].items()},
        _projected_windows_of(data.get("projected", {})),
    )


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def _fraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


def benchmarks_to_json(marks: Mapping[str, Benchmark]) -> dict[str, list[str | None]]:
    """Exact fractions as text: `[store average, top performers]` per metric, and the
    reason when they are withheld."""
    return {
        metric: [_fraction_text(b.store_average), _fraction_text(b.top_performers)]
        + ([b.reason] if b.reason else [])
        for metric, b in marks.items()
    }


def benchmarks_from_json(data: Mapping[str, list[str | None]]) -> dict[str, Benchmark]:
    return {
        metric: Benchmark(
            _fraction(values[0]), _fraction(values[1]), values[2] if len(values) > 2 else None
        )
        for metric, values in data.items()
    }


BENCHMARK_SELLERS = "sellers"
"""A store benchmarks item's attribute beside `data`: per metric, how many sellers the
store average is over (JSON). Apart from `data`, so that `data` stays as every release
wrote and read it: a reader that knows only `data` reads a new item as it read its own,
and an item written before the count was kept reads with no count (None)."""


def benchmarks_item(marks: Mapping[str, Benchmark]) -> dict[str, Any]:
    """A store's benchmarks of a day as its item's attributes (its key and TTL are the
    store's); the count only where one is known."""
    counts = {metric: b.sellers for metric, b in marks.items() if b.sellers is not None}
    return {
        "data": data_attribute(benchmarks_to_json(marks), compact=False),
        **({BENCHMARK_SELLERS: _json(counts)} if counts else {}),
    }


def benchmarks_of(item: Mapping[str, Any]) -> dict[str, Benchmark]:
    marks = benchmarks_from_json(data_of(item))
    counts = json.loads(item[BENCHMARK_SELLERS]["S"]) if BENCHMARK_SELLERS in item else {}
    return {
        metric: replace(b, sellers=int(counts[metric])) if metric in counts else b
        for metric, b in marks.items()
    }


def _windows_to_json(
    per_store: Mapping[str, Mapping[int, Counts]],
) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        store: {str(w): counts_to_json(c) for w, c in windows.items()}
        for store, windows in sorted(per_store.items())
    }


def _windows_from_json(data: Mapping[str, Any]) -> dict[str, dict[int, Counts]]:
    return {
        store: {int(w): counts_from_json(c) for w, c in windows.items()}
        for store, windows in data.items()
    }


ARRIVAL_KEPT = "arrival_cells"
"""A snapshot's mark that its counts hold arrival cells (one published before has none)."""


def snapshot_to_json(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "seller_id": snapshot.seller_id,
        "as_of_day": snapshot.as_of_day.isoformat(),
        "stores": _windows_to_json(snapshot.stores),
        "previous": _windows_to_json(snapshot.previous),
        "projected": {
            store: _projected_windows(windows)
            for store, windows in sorted(snapshot.projected.items())
        },
        **({ARRIVAL_KEPT: True} if snapshot.arrival_kept else {}),
        "benchmarks": {
            store: benchmarks_to_json(marks) for store, marks in sorted(snapshot.benchmarks.items())
        },
    }


def snapshot_from_json(data: Mapping[str, Any]) -> Snapshot:
    return Snapshot(
        data["seller_id"],
        date.fromisoformat(data["as_of_day"]),
        _windows_from_json(data["stores"]),
        {store: benchmarks_from_json(m) for store, m in data["benchmarks"].items()},
        _windows_from_json(data.get("previous", {})),
        {
            store: _projected_windows_of(windows)
            for store, windows in data.get("projected", {}).items()
        },
        arrival_kept=bool(data.get(ARRIVAL_KEPT, False)),
    )


def report_record_to_json(report: ReportRecord) -> dict[str, Any]:
    data = {k: v for k, v in report.public().items() if k != "formats"}
    return data | ({"files": dict(report.files)} if report.files else {})


def report_record_from_json(data: Mapping[str, Any]) -> ReportRecord:
    stores = data.get("stores")
    return ReportRecord(
        data["report_id"],
        data["type"],
        data["status"],
        data["created_at"],
        dict(data.get("files", {})),
        as_of=data.get("as_of"),
        stores=tuple(stores) if stores is not None else None,
        days=data.get("days"),
        rows=data.get("rows"),
        completed_at=data.get("completed_at"),
    )


def report_request_message(request: ReportRequest) -> str:
    """The report requests queue's message body."""
    return json.dumps(
        {
            "seller_id": request.seller_id,
            "report_id": request.report_id,
            "stores": list(request.stores),
            "days": request.days,
            "requested_at": timestamp(request.requested_at),
            "type": request.type,
            **({"as_of_day": request.as_of_day.isoformat()} if request.as_of_day else {}),
        }
    )


def report_request_of(body: str) -> ReportRequest:
    """A message queued before reports had types is a survey responses request."""
    data = json.loads(body)
    as_of_day = data.get("as_of_day")
    return ReportRequest(
        data["seller_id"],
        data["report_id"],
        tuple(data["stores"]),
        int(data["days"]),
        parse_timestamp(data["requested_at"]),
        data.get("type", "survey_responses"),
        date.fromisoformat(as_of_day) if as_of_day else None,
    )


KEPT_BODY_BYTES = 64 * 1024


def kept(
    body: str,
    reason: str,
    errors: Sequence[Mapping[str, str]],
    message_id: str,
    now: datetime,
) -> RejectedEvent:
    """What is kept of a rejected message: all of it, or of a body too large for an item
    (no valid event comes near) its first KEPT_BODY_BYTES, its size and digest."""
    raw = body.encode("utf-8", "replace")
    if len(raw) <= KEPT_BODY_BYTES:
        return RejectedEvent(message_id, iso(now), reason, [dict(e) for e in errors], body)
    return RejectedEvent(
        message_id,
        iso(now),
        reason,
        [dict(e) for e in errors],
        raw[:KEPT_BODY_BYTES].decode("utf-8", "ignore"),
        truncated=True,
        body_bytes=len(raw),
        body_sha256=hashlib.sha256(raw).hexdigest(),
    )


def rejected_item(rejected: RejectedEvent) -> dict[str, Any]:
    """A kept invalid event's attributes (its key and TTL are the store's)."""
    return {
        "body": {"S": rejected.body},
        "reason": {"S": rejected.reason},
        "errors": {"S": json.dumps(rejected.errors)},
        "rejected_at": {"S": rejected.rejected_at},
        **(
            {
                "body_bytes": {"N": str(rejected.body_bytes)},
                "body_sha256": {"S": rejected.body_sha256},
                "truncated": {"BOOL": True},
            }
            if rejected.body_sha256 is not None
            else {}
        ),
    }


def rejected_of(item: Mapping[str, Any]) -> RejectedEvent:
    return RejectedEvent(
        message_id=item["sk"]["S"],
        rejected_at=item["rejected_at"]["S"],
        reason=item["reason"]["S"],
        errors=json.loads(item["errors"]["S"]),
        body=item["body"]["S"],
        truncated=item.get("truncated", {}).get("BOOL", False),
        body_bytes=int(item["body_bytes"]["N"]) if "body_bytes" in item else None,
        body_sha256=item["body_sha256"]["S"] if "body_sha256" in item else None,
    )


# ---- the reply-due alerts' index ------------------------------------------------------------
def waiting_index(
    seller: str, store: str, contact_id: str, contact: ContactState
) -> dict[str, Any]:
    """The `Waiting` index's keys of a contact waiting for a reply (as `open_contact_index`
    decides), by the UTC hour of its first message: what an alert run reads."""
    first = contact.first_received()
    if first is None or contact.responded or contact.no_response_needed:
        return {}
    received = iso(first.stamp.at)
    hour = received[:13]
    return {
        keys.WAITING_PK: {
            "S": keys.waiting_pk(hour, keys.waiting_shard(seller, store, contact_id))
        },
        keys.WAITING_SK: {"S": keys.waiting_sk(received, seller, store, contact_id)},
    }


def waiting_contact(item: Mapping[str, Any]) -> OpenContact:
    """A `Waiting` index entry (it projects an open contact's owner, message and order)."""
    return open_contact(item["seller_id"]["S"], item["store_id"]["S"], item)


# ---- a run's store benchmarks, shard by shard ----------------------------------------------
def _text(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def benchmark_input_to_json(inputs: Mapping[str, MetricInput]) -> dict[str, Any]:
    """`[figure, denominator, self-fulfilled figure, [[month figure, denominator], ...]]` a
    metric, figures exact as text."""
    return {
        metric: [
            _text(i.value),
            i.denominator,
            _text(i.self_fulfilled),
            [[_text(v), d] for v, d in i.months],
        ]
        for metric, i in inputs.items()
    }


def benchmark_input_from_json(data: Mapping[str, Any]) -> dict[str, MetricInput]:
    return {
        metric: MetricInput(
            _fraction(value),
            int(denominator),
            _fraction(self_fulfilled),
            tuple((_fraction(v), int(d)) for v, d in months),
        )
        for metric, (value, denominator, self_fulfilled, months) in data.items()
    }


def _histogram(data: Mapping[str, int]) -> dict[int, int]:
    return {int(b): int(n) for b, n in data.items()}


def _values_to_json(values: Mapping[Fraction, int]) -> list[list[Any]]:
    return [[str(v), n] for v, n in sorted(values.items())]


def _values(data: list[list[Any]]) -> dict[Fraction, int]:
    return {Fraction(v): int(n) for v, n in data}


def _place(place: Place | None) -> list[int] | None:
    return None if place is None else [place.bucket, place.position]


def _place_of(data: list[int] | None) -> Place | None:
    return None if data is None else Place(int(data[0]), int(data[1]))


def pass_summary_to_json(step: int, summary: Mapping[str, Any]) -> dict[str, Any]:
    """One shard's summary of benchmark pass `step` (1 to 4)."""
    if step == 1:
        return {
            metric: {
                "total": str(part.total),
                "count": part.count,
                "months": [{str(b): n for b, n in h.items()} for h in part.months],
            }
            for metric, part in summary.items()
        }
    if step == 2:
        return {metric: [_values_to_json(v) for v in months] for metric, months in summary.items()}
    if step == 3:
        return {metric: {str(b): n for b, n in h.items()} for metric, h in summary.items()}
    return {metric: _values_to_json(values) for metric, values in summary.items()}


def pass_summary_from_json(step: int, data: Mapping[str, Any]) -> dict[str, Any]:
    if step == 1:
        return {
            metric: AverageAndRanks(
                Fraction(part["total"]), int(part["count"]), [_histogram(h) for h in part["months"]]
            )
            for metric, part in data.items()
        }
    if step == 2:
        return {metric: [_values(v) for v in months] for metric, months in data.items()}
    if step == 3:
        return {metric: _histogram(h) for metric, h in data.items()}
    return {metric: _values(values) for metric, values in data.items()}


def pass_state_to_json(state: Mapping[str, Thresholds | Median]) -> dict[str, Any]:
    """A store's benchmarks between two passes: thresholds and where ranks fall."""
    out: dict[str, Any] = {}
    for metric, s in state.items():
        out[metric] = {
            "kind": "median" if isinstance(s, Median) else "thresholds",
            "withheld": s.withheld,
            "average": _text(s.average),
            "places": [_place(p) for p in s.places],
            "thresholds": [_text(t) for t in s.thresholds],
            "sellers": s.sellers,
        }
    return out


def pass_state_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for metric, s in data.items():
        average = _fraction(s["average"])
        thresholds = [_fraction(t) for t in s["thresholds"]]
        places = [_place_of(p) for p in s["places"]]
        sellers = s.get("sellers")  # None in a state written before the count was kept
        if s["kind"] == "median":
            out[metric] = Median(
                s["withheld"], average, thresholds, [p for p in places if p], sellers
            )
        else:
            out[metric] = Thresholds(s["withheld"], average, places, thresholds, sellers)
    return out


# ---- a run's seller list -------------------------------------------------------------------
def sellers_part(sellers: Mapping[str, list[str]]) -> str:
    """A part of a run's seller list: JSON Lines, `{"seller_id", "stores"}` a line."""
    return "".join(
        json.dumps({"seller_id": seller, "stores": stores}, separators=(",", ":")) + "\n"
        for seller, stores in sellers.items()
    )


def sellers_of_part(body: bytes) -> dict[str, list[str]]:
    sellers = {}
    for line in body.decode().splitlines():
        if line:
            entry = json.loads(line)
            sellers[entry["seller_id"]] = list(entry["stores"])
    return sellers
