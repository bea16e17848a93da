"""What an upgrade of the table's layout reads and writes: one segment of a parallel scan
at a time, page by page, and its progress (`LAYOUT`), so that a stopped upgrade resumes
where it stopped."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from csinsights.domain.counters import DeltaKey
from csinsights.errors import Conflict
from csinsights.store import codecs, keys
from csinsights.store.aws import translated
from csinsights.store.dynamo import TableStore
from csinsights.store.ingest import aggregate_updates

SCAN_PAGE_ITEMS = 500
"""Items one scan request reads at most: a page's work fits well inside an invocation."""


class MigrationStore(TableStore):
    def progress(self, version: int, part: str) -> tuple[bool, dict[str, Any] | None]:
        """(done, where the scan goes on) of one part of an upgrade; (False, None) before
        it starts."""
        item = self.table.get(keys.layout_key(version, part))
        if item is None:
            return False, None
        start = item.get("next_key", {}).get("S")
        return item["done"]["BOOL"], json.loads(start) if start else None

    def save_progress(
        self, version: int, part: str, next_key: dict[str, Any] | None, upgraded: int
    ) -> None:
        item = {
            **keys.layout_key(version, part),
            "done": {"BOOL": next_key is None},
            "upgraded": {"N": str(upgraded)},
        }
        if next_key is not None:
            item["next_key"] = {"S": json.dumps(next_key, sort_keys=True)}
        self.table.put(item)

    def scan_page(
        self, segment: int, segments: int, start: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of one segment of a parallel scan, and where the next starts."""
        kwargs: dict[str, Any] = {
            "TableName": self.table.name,
            "Segment": segment,
            "TotalSegments": segments,
            "Limit": SCAN_PAGE_ITEMS,
        }
        if start is not None:
            kwargs["ExclusiveStartKey"] = start
        with translated():
            response = self.table.client.scan(**kwargs)
        return response["Items"], response.get("LastEvaluatedKey")

    def move_registry_entry(self, item: dict[str, Any], new_key: dict[str, Any]) -> None:
        """The entry under its new key (kept if ingest wrote it there already), then the
        old one deleted: a stop between the two only repeats the move."""
        moved = {**item, **new_key}
        # Registered again under the new layout meanwhile: that entry stays.
        with suppress(Conflict):
            self.table.put(moved, ConditionExpression="attribute_not_exists(pk)")
        self.table.delete(keys.key(item["pk"]["S"], item["sk"]["S"]))

    def add_attributes(self, item: dict[str, Any], attributes: dict[str, Any]) -> bool:
        """Add index attributes to an entity item still at the version read (False: ingest
        rewrote it meanwhile, with the new layout's attributes)."""
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        values: dict[str, Any] = {f":a{i}": value for i, value in enumerate(attributes.values())}
        values[":v"] = item["version"]
        sets = ", ".join(f"#a{i} = :a{i}" for i in range(len(attributes)))
        try:
            self.table.update(
                keys.key(item["pk"]["S"], item["sk"]["S"]),
                UpdateExpression=f"SET {sets}",
                ConditionExpression="version = :v",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except Conflict:
            return False
        return True

    def count_arrival(
        self, item: dict[str, Any], time_zone: str, deltas: Mapping[DeltaKey, int]
    ) -> bool:
        """In one transaction: the contact item keeps `time_zone` (the mark that its arrival
        cell is counted), only while it is at the version read and has none, and its
        seller store's aggregates gain `deltas` (its arrival counters). False when the
        condition fails: ingest rewrote the contact meanwhile (and counted it), or this
        ran already."""
        seller, store = item["seller_id"]["S"], item["store_id"]["S"]
        mark = self.table.update_action(
            keys.key(item["pk"]["S"], item["sk"]["S"]),
            UpdateExpression="SET #z = :z",
            ConditionExpression="version = :v AND attribute_not_exists(#z)",
            ExpressionAttributeNames={"#z": codecs.TIME_ZONE},
            ExpressionAttributeValues={":z": {"S": time_zone}, ":v": item["version"]},
        )
        updates = aggregate_updates(self.table, seller, store, deltas, self.settings.retention_days)
        try:
            self.table.transact_write([mark, *updates])
        except Conflict:
            return False
        return True

    def current(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """The item as it is now (consistent read)."""
        return self.table.get(keys.key(item["pk"]["S"], item["sk"]["S"]))
