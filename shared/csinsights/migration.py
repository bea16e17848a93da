"""Upgrades of the table's layout in place, never a re-ingest: each a run over the
segments of a parallel scan (fanned out by the layout migration's state machine, one
invocation a segment at a time), resumable from its saved progress, idempotent and safe to
run again.

Layout 1 -> 2 (registry buckets and the `Waiting` index):

- a registry entry under `SELLERS#<crc32(seller) % 10>` moves to its bucket
  (`REGISTRY#<group>`, `<bucket>#<seller>#<store>`);
- a contact waiting for a reply gains the `Waiting` index's keys (`waiting_pk`,
  `waiting_sk`), added only while the item is at the version read: one ingest rewrote
  meanwhile already has them.

Layout 2 -> 3 (when contacts arrive, `by_arrival`):

- a contact item without a `time_zone` gains its store's (configuration, `STORE_TIME_ZONES`)
  and, in the same transaction, its seller store's aggregates gain its arrival counters
  (`counters.contact_changes` with the zone minus without it: nothing else changes), only
  while the item is at the version read and has no zone, so each contact is counted once:
  a page done again, or a contact that ingest rewrote meanwhile (ingest gives a contact
  without a zone its store's and counts it the same way), adds nothing.

Everything else is kept as it is. `tests/integration/test_upgrade.py` upgrades the golden
items of layout 1 (`tests/golden/v1`) and expects the documents and alerts of before, with
`by_arrival` as the reference computes it from the events that release ingested.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from csinsights.domain.counters import contact_changes
from csinsights.errors import Busy
from csinsights.store import codecs, keys
from csinsights.store.migration import MigrationStore

VERSION = keys.LAYOUT_VERSION
ARRIVAL_ATTEMPTS = 5
"""Reads of a contact that ingest keeps rewriting while the migration counts it."""


@dataclass(frozen=True)
class SegmentResult:
    segment: int
    segments: int
    done: bool
    upgraded: int
    """Items changed by this invocation."""


class LayoutMigration:
    def __init__(self, store: MigrationStore) -> None:
        self.store = store

    def run_segment(
        self, segment: int, segments: int, more_time: Callable[[], bool] = lambda: True
    ) -> SegmentResult:
        """Upgrade one segment page by page from where it stopped, while `more_time()`
        says another page fits; saves the progress after each page."""
        part = f"{segment}/{segments}"
        done, start = self.store.progress(VERSION, part)
        upgraded = 0
        while not done:
            items, start = self.store.scan_page(segment, segments, start)
            upgraded += sum(self.upgrade(item) for item in items)
            self.store.save_progress(VERSION, part, start, upgraded)
            done = start is None
            if not done and not more_time():
                break
        return SegmentResult(segment, segments, done, upgraded)

    def upgrade(self, item: dict[str, Any]) -> bool:
        """One item to the current layout; whether it changed."""
        pk = item["pk"]["S"]
        if pk.startswith(keys.LEGACY_REGISTRY_PREFIX):
            new_key = keys.registry_key(item["seller_id"]["S"], item["store_id"]["S"])
            self.store.move_registry_entry(item, new_key)
            return True
        if not pk.startswith("CONTACT#"):
            return False
        indexed = False
        if keys.WAITING_PK not in item:
            contact = codecs.decode_contact(item)
            waiting = codecs.waiting_index(
                item["seller_id"]["S"], item["store_id"]["S"], item["contact_id"]["S"], contact
            )
            indexed = bool(waiting) and self.store.add_attributes(item, waiting)
        return self.count_arrival(item) or indexed

    def count_arrival(self, item: dict[str, Any]) -> bool:
        """A contact stored before arrival cells were counted, counted now in its store's
        time zone; read again when ingest moved it meanwhile without counting it."""
        for _ in range(ARRIVAL_ATTEMPTS):
            if codecs.TIME_ZONE in item:
                return False
            contact = codecs.decode_contact(item)
            zone = self.store.settings.time_zone(item["store_id"]["S"])
            deltas = Counter(contact_changes(contact._replace(time_zone=zone)))
            deltas.subtract(contact_changes(contact))
            arrival = {key: value for key, value in deltas.items() if value}
            if self.store.count_arrival(item, zone, arrival):
                return True
            current = self.store.current(item)
            if current is None:
                return False
            item = current
        raise Busy(f"contact {item['pk']['S']} kept changing while its arrival was counted")
