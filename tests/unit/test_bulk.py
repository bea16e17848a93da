"""The bulk import's order: by seller, store, time and event id, each line sent exactly as
written, unreadable lines last in their order; ingesting a shuffled, redelivered archive in
that order stores what the same events in time order store. `send_archive` keeps to SQS's
batch limits."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csinsights.ingest import Ingestor, Message
from csinsights_local.archive import Line, Unsendable, split_lines
from csinsights_local.bulk import bulk_order, send_archive, sort_key
from csinsights_local.driver import MAX_SEND_BATCH_BYTES
from csinsights_local.embedded import EmbeddedStore
from tests.delivery import NOW, content, in_order
from tests.profiles import examples
from tests.strategies import marketplace_streams

EVENTS = [
    b'{"event_id":"e3","seller_id":"B","store_id":"US","occurred_at":"2026-10-01T10:00:00Z"}',
    b'{"event_id":"e2","seller_id":"A","store_id":"US","occurred_at":"2026-10-01T12:30:00+02:00"}',
    b"not json at all",
    b'{"event_id":"e1","seller_id":"A","store_id":"US","occurred_at":"2026-10-01T10:00:00Z"}',
    b'{"event_id":"e0","seller_id":"A","store_id":"CA","occurred_at":"2026-10-02T00:00:00Z"}',
    b'{"event_id":"e4","seller_id":"A","store_id":"US","occurred_at":"2026-10-01T10:00:00Z",'
    b' "seller_id":"B"}',
    b'{"seller_id":"A","store_id":"US"}',
    b'{"detail-type":"order.placed","detail":{"event_id":"e5","seller_id":"A","store_id":"US",'
    b'"occurred_at":"2026-09-30T00:00:00Z"}}',
    b'{"event_id":"e6","seller_id":"A","store_id":"US","occurred_at":"2026-10-01T10:00:00"}',
    b"\xff\xfe",
]


def test_lines_are_ordered_by_seller_store_time_and_event_id_and_sent_as_written() -> None:
    entries = split_lines(b"\n".join(EVENTS))
    ordered = bulk_order(entries)

    assert sorted(map(id, ordered)) == sorted(map(id, entries))  # the same lines, untouched
    numbers = [e.number for e in ordered]
    # A's CA before A's US: the envelope's event by its detail's time, 10:00Z before
    # 12:30+02:00 (10:30Z); then B's, e4 among them (only where it sorts: the handler
    # rejects its repeated key); unreadable ones last, in their order: not JSON, no time,
    # a time without offset, not UTF-8.
    assert numbers == [5, 8, 4, 2, 1, 6, 3, 7, 9, 10]
    assert isinstance(ordered[-1], Unsendable)
    assert all(isinstance(e, Line) and e.body.encode() in EVENTS for e in ordered[:-1])


def test_the_sort_key_reads_and_never_rewrites() -> None:
    line = Line(1, EVENTS[1].decode())
    assert sort_key(line) is not None
    assert line.body.encode() == EVENTS[1]
    assert sort_key({"seller_id": "A", "store_id": "US", "occurred_at": 5}) is None
    assert sort_key("[1, 2]") is None


@settings(
    max_examples=examples(ci=15, soak=200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(stream=marketplace_streams(), seed=st.randoms(use_true_random=False))
def test_a_shuffled_archive_ingested_in_bulk_order_stores_what_time_order_stores(
    stream: tuple[Any, int, list[dict[str, Any]]], seed: random.Random
) -> None:
    _, _, events = stream
    deliveries = events + [seed.choice(events) for _ in range(len(events) // 5)]
    seed.shuffle(deliveries)
    lines = [Line(n, json.dumps(e)) for n, e in enumerate(deliveries, start=1)]
    store = EmbeddedStore()
    ordered = bulk_order(lines)
    for start in range(0, len(ordered), 100):
        batch = [Message(f"m{line.number}", line.body) for line in ordered[start : start + 100]]
        results = Ingestor(store).ingest(batch, now=NOW)
        assert {r.status for r in results.values()} <= {"accepted", "duplicate"}
    assert content(store) == content(in_order(events))


class RecordingQueue:
    def __init__(self, refuse: int | None = None) -> None:
        self.requests: list[list[dict[str, str]]] = []
        self.refuse = refuse

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.requests.append(Entries)
        if self.refuse is not None and len(self.requests) == self.refuse:
            return {"Failed": [{"Id": Entries[0]["Id"], "Code": "Throttled"}]}
        return {"Successful": [{"Id": e["Id"], "MessageId": e["Id"]} for e in Entries]}


def test_send_archive_sends_every_line_in_bulk_order_within_sqs_batch_limits() -> None:
    big = "x" * 100_000
    lines = [
        Line(
            n,
            json.dumps(
                {
                    "seller_id": "S",
                    "store_id": "US",
                    "event_id": f"e{n:02d}",
                    "occurred_at": f"2026-10-01T00:00:{59 - n:02d}Z",
                    "pad": big if n % 7 == 0 else "",
                }
            ),
        )
        for n in range(1, 40)
    ]
    entries = [*lines, Unsendable(40, "too_large", "over the limit")]
    queue = RecordingQueue()

    result = send_archive(queue, "url", list(reversed(entries)))

    sent = [e["MessageBody"] for request in queue.requests for e in request]
    assert sent == [line.body for line in bulk_order(lines)]
    assert all(len(r) <= 10 for r in queue.requests)
    assert all(
        sum(len(e["MessageBody"].encode()) for e in r) <= MAX_SEND_BATCH_BYTES
        for r in queue.requests
    )
    assert result == {
        "sent": 39,
        "unsendable": [{"line": 40, "reason": "too_large", "message": "over the limit"}],
    }


def test_a_refused_batch_stops_the_import_saying_which_lines() -> None:
    lines = [
        Line(
            n,
            json.dumps(
                {
                    "seller_id": "S",
                    "store_id": "US",
                    "event_id": f"e{n}",
                    "occurred_at": "2026-10-01T00:00:00Z",
                }
            ),
        )
        for n in range(1, 25)
    ]
    with pytest.raises(RuntimeError, match=r"refused lines \[\d+\] after 10 were sent"):
        send_archive(RecordingQueue(refuse=2), "url", lines)
