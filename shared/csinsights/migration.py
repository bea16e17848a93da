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

Everything else is kept as it is. `tests/integration/test_upgrade.py` upgrades the golden
items of layout 1 (`tests/golden/v1`) and expects the documents and alerts of before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from csinsights.store import codecs, keys
from csinsights.store.migration import MigrationStore

VERSION = keys.LAYOUT_VERSION


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
        """One item to layout 2; whether it changed."""
        pk = item["pk"]["S"]
        if pk.startswith(keys.LEGACY_REGISTRY_PREFIX):
            new_key = keys.registry_key(item["seller_id"]["S"], item["store_id"]["S"])
            self.store.move_registry_entry(item, new_key)
            return True
        if pk.startswith("CONTACT#") and keys.WAITING_PK not in item:
            contact = codecs.decode_contact(item)
            waiting = codecs.waiting_index(
                item["seller_id"]["S"], item["store_id"]["S"], item["contact_id"]["S"], contact
            )
            return bool(waiting) and self.store.add_attributes(item, waiting)
        return False
