"""Count DynamoDB requests and capacity units at the botocore layer.

`Meter.install(session)` registers three hooks on a boto3 session's event system; every
client made from that session afterwards (the handlers make theirs with `boto3.client`,
which uses the default session) reports each call:

- `before-parameter-build.dynamodb.*`: keeps the request parameters;
- `before-call.dynamodb.*`: counts the request by operation and starts its clock;
- `after-call.dynamodb.*`: prices the request from the items it sent or received.

moto resets `boto3.DEFAULT_SESSION` whenever a mock starts, so install after
`mock_aws()` is active and before any client is made.

Table write units (see sizes.py for item sizes):

- TransactWriteItems, per action: Put = 2 WRU per started KB of the item sent; Update =
  2 WRU per started KB of the item after the update; ConditionCheck = 2 WRU per started
  KB of the checked item (an absent item: the 2 WRU minimum). The size after an update is
  known only from the table, two ways:
  * `upper_bound()`: every Update and ConditionCheck priced at the size its item has when
    the measurement ends (items only grow: an upper bound);
  * post-commit (when the meter has an unmetered `peek_client`): each touched item is read
    back right after its transaction (the closer figure).
- PutItem / BatchWriteItem: 1 WRU per started KB of the item sent.
- A failed request (a cancelled transaction) is priced like a successful one.

With a `peek_client` the meter also keeps an image of every item it saw written, which
gives two more figures:

- the AWS rule for replacing / updating an item, the larger of its size before and after
  (`wru_table_larger_of_before_after`);
- global secondary index maintenance (`wru_gsi`), per AWS's rules: an item entering or
  leaving a sparse index costs one index write, a changed index key two (delete + put),
  a changed projected attribute one, nothing otherwise; each index write is 1 WRU per
  started KB of the projected entry (table keys + index keys + projected attributes).
  Index writes are priced at the standard rate also when the table write was
  transactional (an assumption: AWS documents the 2x only for the table items).

Read units:

- BatchGetItem / GetItem: per requested key, 1 RRU per started 4 KB if consistent, half if
  not; an absent item still costs the minimum.
- Query / Scan: per page, the total bytes of the items returned per started 4 KB, halved
  when eventually consistent (the default, and what every Query of the product uses); an
  empty page still costs the minimum.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from benchmarks.sizes import item_size, read_units, transactional_write_units, write_units

Key = tuple[str, str]
"""(table, canonical JSON of the key attributes)."""
Item = dict[str, Any]


def _key(table: str, key: Item) -> Key:
    return table, json.dumps(key, sort_keys=True)


def _kind(key: Item) -> str:
    """Entity kind from the partition key (`ORDER#...` -> ORDER)."""
    for value in key.values():
        text = value.get("S")
        if isinstance(text, str) and "#" in text:
            return text.split("#", 1)[0]
    return "other"


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]
    projection: str
    """ALL, KEYS_ONLY or INCLUDE."""
    non_key: tuple[str, ...]


@dataclass(frozen=True)
class Schema:
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    def key_of(self, table: str, item: Item) -> Key:
        return _key(table, {k: item[k] for k in self.keys})

    def entry(self, index: Index, item: Item | None) -> Item | None:
        """The item's entry in a (sparse) index, or None if it is not in it."""
        if item is None or any(k not in item for k in index.keys):
            return None
        if index.projection == "ALL":
            return item
        names = set(self.keys) | set(index.keys)
        if index.projection == "INCLUDE":
            names |= set(index.non_key)
        return {n: v for n, v in item.items() if n in names}


def describe(client: Any, table: str) -> Schema:
    description = client.describe_table(TableName=table)["Table"]
    indexes = tuple(
        Index(
            gsi["IndexName"],
            tuple(k["AttributeName"] for k in gsi["KeySchema"]),
            gsi.get("Projection", {}).get("ProjectionType", "ALL"),
            tuple(gsi.get("Projection", {}).get("NonKeyAttributes", [])),
        )
        for gsi in description.get("GlobalSecondaryIndexes", [])
    )
    return Schema(tuple(k["AttributeName"] for k in description["KeySchema"]), indexes)


@dataclass
class Phase:
    """Everything measured while one phase was current."""

    tracked: bool = True
    """False without a peek client: no post-commit, before/after or index figures."""
    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    seconds_in_calls: float = 0.0
    rru: float = 0.0
    rru_by_op: Counter[str] = field(default_factory=Counter)
    wru_standard: float = 0.0
    wru_tx_put: float = 0.0
    wru_tx_update_post_commit: float = 0.0
    wru_tx_check_post_commit: float = 0.0
    wru_table_larger_of_before_after: float = 0.0
    wru_gsi: float = 0.0
    gsi_writes: Counter[str] = field(default_factory=Counter)
    wru_gsi_by_index: Counter[str] = field(default_factory=Counter)
    tx_updates: list[tuple[Key, str]] = field(default_factory=list)
    """(item, kind) of every transactional Update."""
    tx_checks: list[tuple[Key, str]] = field(default_factory=list)
    tx_actions: Counter[str] = field(default_factory=Counter)
    """'Put ORDER', 'Update AGG', 'ConditionCheck CONTACT', ..."""
    wru_by_action: Counter[str] = field(default_factory=Counter)
    """Post-commit table WRU per transaction action and kind."""
    tx_put_bytes_by_kind: Counter[str] = field(default_factory=Counter)
    standard_writes_by_kind: Counter[str] = field(default_factory=Counter)
    batch_get_keys: int = 0
    batch_get_found: int = 0
    query_pages: int = 0
    query_items: int = 0
    query_bytes: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def wru_post_commit(self) -> float:
        return (
            self.wru_standard
            + self.wru_tx_put
            + self.wru_tx_update_post_commit
            + self.wru_tx_check_post_commit
        )

    def upper_bound(self, final_sizes: dict[Key, int]) -> dict[str, Any]:
        """Table WRU with each transactional Update / ConditionCheck priced at its item's
        size in `final_sizes` (the table as it is at the end)."""
        by_action: Counter[str] = Counter()
        for name, keys in (("Update", self.tx_updates), ("ConditionCheck", self.tx_checks)):
            for key, kind in keys:
                by_action[f"{name} {kind}"] += transactional_write_units(final_sizes.get(key, 0))
        updates = sum(v for k, v in by_action.items() if k.startswith("Update "))
        checks = sum(v for k, v in by_action.items() if k.startswith("ConditionCheck "))
        puts = {k: v for k, v in self.wru_by_action.items() if k.startswith("Put ")}
        return {
            "wru_tx_update": float(updates),
            "wru_tx_check": float(checks),
            "wru_total": self.wru_standard + self.wru_tx_put + updates + checks,
            "wru_by_transaction_action": dict(sorted((puts | by_action).items())),
        }

    def as_dict(self) -> dict[str, Any]:
        def tracked(value: Any) -> Any:
            return value if self.tracked else None

        return {
            "requests": dict(sorted(self.requests.items())),
            "requests_total": self.total_requests,
            "errors": dict(self.errors),
            "seconds_in_dynamodb_calls": round(self.seconds_in_calls, 3),
            "rru": self.rru,
            "rru_by_operation": dict(self.rru_by_op),
            "wru_standard": self.wru_standard,
            "wru_tx_put": self.wru_tx_put,
            "wru_tx_update_post_commit": tracked(self.wru_tx_update_post_commit),
            "wru_tx_check_post_commit": tracked(self.wru_tx_check_post_commit),
            "wru_table_post_commit": tracked(self.wru_post_commit),
            "wru_table_larger_of_before_after": tracked(self.wru_table_larger_of_before_after),
            "wru_gsi": tracked(self.wru_gsi),
            "gsi_writes": tracked(dict(sorted(self.gsi_writes.items()))),
            "wru_gsi_by_index": tracked(dict(sorted(self.wru_gsi_by_index.items()))),
            "transaction_actions": dict(sorted(self.tx_actions.items())),
            "wru_by_transaction_action_post_commit": tracked(
                dict(sorted(self.wru_by_action.items()))
            ),
            "transaction_put_bytes_by_kind": dict(sorted(self.tx_put_bytes_by_kind.items())),
            "standard_writes_by_kind": dict(sorted(self.standard_writes_by_kind.items())),
            "batch_get_keys": self.batch_get_keys,
            "batch_get_found": self.batch_get_found,
            "query_pages": self.query_pages,
            "query_items": self.query_items,
            "query_bytes": self.query_bytes,
        }


class Meter:
    def __init__(self, peek_client: Any = None) -> None:
        """`peek_client`: an unmetered DynamoDB client to read items back after writes
        (None: only the request-based figures and the upper bound)."""
        self.phases: dict[str, Phase] = {}
        self.phase = "unassigned"
        self.peek_client = peek_client
        self.unmetered: Any = None
        """A client that is not metered, for reads the benchmark itself makes."""
        self.peek_seconds = 0.0
        self.schemas: dict[str, Schema] = {}
        self.images: dict[Key, Item] = {}
        """The last image of every item written through a metered client."""

    def install(self, session: Any) -> None:
        events = session.events
        events.register("before-parameter-build.dynamodb.*", self._params)
        events.register("before-call.dynamodb.*", self._before)
        events.register("after-call.dynamodb.*", self._after)

    def uninstall(self, session: Any) -> None:
        """Remove the hooks from the session. Clients made afterwards are not metered;
        botocore copies a session's hooks into each client it makes, so clients made
        before still report (make new ones)."""
        events = session.events
        events.unregister("before-parameter-build.dynamodb.*", self._params)
        events.unregister("before-call.dynamodb.*", self._before)
        events.unregister("after-call.dynamodb.*", self._after)

    def current(self) -> Phase:
        return self.get(self.phase)

    def get(self, name: str) -> Phase:
        if name not in self.phases:
            self.phases[name] = Phase(tracked=self.peek_client is not None)
        return self.phases[name]

    @property
    def tracking(self) -> bool:
        return self.peek_client is not None

    def schema(self, table: str) -> Schema:
        if table not in self.schemas:
            self.schemas[table] = describe(self.peek_client, table)
        return self.schemas[table]

    # ---- hooks -------------------------------------------------------------------
    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench_params"] = params

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        self.current().requests[model.name] += 1
        context["bench_t0"] = time.perf_counter()

    def _after(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        phase = self.current()
        started = context.get("bench_t0")
        if started is not None:
            phase.seconds_in_calls += time.perf_counter() - started
        params = context.get("bench_params") or {}
        failed = "Error" in parsed
        if failed:
            phase.errors[f"{model.name}:{parsed['Error'].get('Code')}"] += 1
        price = getattr(self, f"_price_{model.name}", None)
        if price is not None:
            price(phase, params, parsed, failed)

    # ---- item images and index maintenance (tracking only) -------------------------
    def _written(self, phase: Phase, table: str, key: Key, after: Item | None) -> None:
        """Record a committed write of `key` (after: None = deleted) and price the index
        maintenance it causes."""
        before = self.images.get(key)
        schema = self.schema(table)
        for index in schema.indexes:
            old, new = schema.entry(index, before), schema.entry(index, after)
            if old is None and new is None:
                continue
            if old is None or new is None:
                writes, units = 1, write_units(item_size(new if old is None else old))
            elif any(old[k] != new[k] for k in index.keys):
                writes, units = 2, write_units(item_size(old)) + write_units(item_size(new))
            elif old == new:
                continue
            else:
                writes, units = 1, write_units(max(item_size(old), item_size(new)))
            phase.gsi_writes[index.name] += writes
            phase.wru_gsi_by_index[index.name] += units
            phase.wru_gsi += units
        if after is None:
            self.images.pop(key, None)
        else:
            self.images[key] = after

    def _before_size(self, key: Key) -> int:
        return item_size(self.images.get(key))

    # ---- prices ------------------------------------------------------------------
    def _price_TransactWriteItems(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any], failed: bool
    ) -> None:
        touched: list[tuple[str, str, Item]] = []
        puts: list[tuple[str, Item]] = []
        for action in params.get("TransactItems", []):
            ((name, op),) = action.items()
            table = op["TableName"]
            if name == "Put":
                kind = _kind(op["Item"])
                size = item_size(op["Item"])
                units = transactional_write_units(size)
                phase.wru_tx_put += units
                phase.wru_by_action[f"Put {kind}"] += units
                phase.tx_put_bytes_by_kind[kind] += size
                puts.append((table, op["Item"]))
            elif name in ("Update", "ConditionCheck"):
                kind = _kind(op["Key"])
                target = phase.tx_updates if name == "Update" else phase.tx_checks
                target.append((_key(table, op["Key"]), kind))
                touched.append((name, table, op["Key"]))
            else:  # Delete: the minimum (nothing here deletes in a transaction)
                kind = _kind(op["Key"])
                phase.wru_tx_put += 2
            phase.tx_actions[f"{name} {kind}"] += 1
        if not self.tracking:
            return
        images = self._peek([(t, k) for _, t, k in touched])
        for table, item in puts:
            key = self.schema(table).key_of(table, item)
            larger = max(item_size(item), self._before_size(key))
            phase.wru_table_larger_of_before_after += transactional_write_units(larger)
            if not failed:
                self._written(phase, table, key, item)
        for name, table, raw_key in touched:
            key = _key(table, raw_key)
            after = images.get(key)
            units = transactional_write_units(item_size(after))
            phase.wru_by_action[f"{name} {_kind(raw_key)}"] += units
            if name == "Update":
                phase.wru_tx_update_post_commit += units
                larger = max(item_size(after), self._before_size(key))
                phase.wru_table_larger_of_before_after += transactional_write_units(larger)
                if not failed:
                    self._written(phase, table, key, after)
            else:
                phase.wru_tx_check_post_commit += units
                phase.wru_table_larger_of_before_after += units

    def _standard_put(self, phase: Phase, table: str, item: Item, failed: bool) -> None:
        size = item_size(item)
        phase.wru_standard += write_units(size)
        phase.standard_writes_by_kind[f"Put {_kind(item)}"] += 1
        if self.tracking:
            key = self.schema(table).key_of(table, item)
            phase.wru_table_larger_of_before_after += write_units(max(size, self._before_size(key)))
            if not failed:
                self._written(phase, table, key, item)

    def _standard_delete(self, phase: Phase, table: str, raw_key: Item, failed: bool) -> None:
        key = _key(table, raw_key)
        units = write_units(self._before_size(key))
        phase.wru_standard += units
        phase.standard_writes_by_kind[f"Delete {_kind(raw_key)}"] += 1
        if self.tracking:
            phase.wru_table_larger_of_before_after += units
            if not failed:
                self._written(phase, table, key, None)

    def _price_PutItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any], failed: bool
    ) -> None:
        self._standard_put(phase, params["TableName"], params["Item"], failed)

    def _price_DeleteItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any], failed: bool
    ) -> None:
        self._standard_delete(phase, params["TableName"], params["Key"], failed)

    def _price_UpdateItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any], failed: bool
    ) -> None:
        table, raw_key = params["TableName"], params["Key"]
        phase.standard_writes_by_kind[f"Update {_kind(raw_key)}"] += 1
        if not self.tracking:
            phase.wru_standard += 1  # the minimum: the size after is unknown
            return
        key = _key(table, raw_key)
        after = self._peek([(table, raw_key)]).get(key)
        phase.wru_standard += write_units(item_size(after))
        phase.wru_table_larger_of_before_after += write_units(
            max(item_size(after), self._before_size(key))
        )
        if not failed:
            self._written(phase, table, key, after)

    def _price_BatchWriteItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any], failed: bool
    ) -> None:
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    self._standard_put(phase, table, request["PutRequest"]["Item"], failed)
                else:
                    self._standard_delete(phase, table, request["DeleteRequest"]["Key"], failed)

    def _price_BatchGetItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any], failed: bool
    ) -> None:
        unprocessed = parsed.get("UnprocessedKeys") or {}
        for table, spec in params.get("RequestItems", {}).items():
            consistent = bool(spec.get("ConsistentRead", False))
            names = list(spec["Keys"][0]) if spec.get("Keys") else []
            found = {
                _key(table, {k: item[k] for k in names}): item_size(item)
                for item in parsed.get("Responses", {}).get(table, [])
            }
            skipped = {_key(table, k) for k in unprocessed.get(table, {}).get("Keys", [])}
            for raw_key in spec.get("Keys", []):
                key = _key(table, raw_key)
                if key in skipped:
                    continue
                units = read_units(found.get(key, 0), consistent)
                phase.rru += units
                phase.rru_by_op["BatchGetItem"] += units
                phase.batch_get_keys += 1
                phase.batch_get_found += key in found

    def _price_GetItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any], failed: bool
    ) -> None:
        units = read_units(item_size(parsed.get("Item")), bool(params.get("ConsistentRead")))
        phase.rru += units
        phase.rru_by_op["GetItem"] += units

    def _price_Query(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any], failed: bool
    ) -> None:
        items = parsed.get("Items", [])
        size = sum(item_size(i) for i in items)
        units = read_units(size, bool(params.get("ConsistentRead")))
        op = "Query" if "KeyConditionExpression" in params else "Scan"
        if params.get("IndexName"):
            op += f" {params['IndexName']}"
        phase.rru += units
        phase.rru_by_op[op] += units
        phase.query_pages += 1
        phase.query_items += len(items)
        phase.query_bytes += size

    _price_Scan = _price_Query

    # ---- reading items back (not metered) ------------------------------------------
    def _peek(self, keys: list[tuple[str, Item]]) -> dict[Key, Item]:
        started = time.perf_counter()
        found: dict[Key, Item] = {}
        by_table: dict[str, list[Item]] = {}
        for table, key in keys:
            by_table.setdefault(table, []).append(key)
        for table, table_keys in by_table.items():
            names = list(table_keys[0])
            for start in range(0, len(table_keys), 100):
                request: dict[str, Any] = {
                    table: {"Keys": table_keys[start : start + 100], "ConsistentRead": True}
                }
                while request:
                    response = self.peek_client.batch_get_item(RequestItems=request)
                    for item in response["Responses"].get(table, []):
                        found[_key(table, {n: item[n] for n in names})] = item
                    request = response.get("UnprocessedKeys") or {}
        self.peek_seconds += time.perf_counter() - started
        return found


def table_sizes(client: Any, table: str) -> dict[Key, int]:
    """Every item's size in `table` (an unmetered scan), by key."""
    schema = describe(client, table)
    sizes: dict[Key, int] = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            sizes[schema.key_of(table, item)] = item_size(item)
    return sizes
