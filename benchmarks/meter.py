"""Count DynamoDB requests and capacity units at the botocore layer.

`Meter.install(session)` registers three hooks on a boto3 session's event system; every
client made from that session afterwards (the handlers make theirs with `boto3.client`,
which uses the default session) reports each call:

- `before-parameter-build.dynamodb.*`: keeps the request parameters;
- `before-call.dynamodb.*`: counts the request by operation and starts its clock;
- `after-call.dynamodb.*`: prices the request from the items it sent or received.

moto resets `boto3.DEFAULT_SESSION` whenever a mock starts, so install after
`mock_aws()` is active and before any client is made.

Prices (see sizes.py for item sizes):

- TransactWriteItems, per action: Put = 2 WRU per started KB of the item sent; Update =
  2 WRU per started KB of the item after the update; ConditionCheck = 2 WRU per started
  KB of the checked item (an absent item: the 2 WRU minimum). The size after an update is
  known only from the table: `upper_bound()` prices every Update and ConditionCheck at the
  size its item has when the measurement ends (items only grow, so an upper bound), and
  `peek=True` reads each touched item right after its transaction with a client that is
  not metered (the post-commit size: the closer figure).
- PutItem / BatchWriteItem: 1 WRU per started KB of the item sent (a replaced item could
  cost up to its old size: not modelled, nothing here replaces large items).
- BatchGetItem / GetItem: per requested key, 1 RRU per started 4 KB if consistent,
  half if not; an absent item still costs the minimum.
- Query / Scan: per page, the total bytes of the items returned per started 4 KB, halved
  when eventually consistent (the default, and what every Query of the product uses);
  an empty page still costs the minimum.
- Failed requests (a cancelled transaction) are priced like successful ones.
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


def _key(table: str, key: dict[str, Any]) -> Key:
    return table, json.dumps(key, sort_keys=True)


def _kind(key: dict[str, Any]) -> str:
    """Entity kind from the partition key (`ORDER#...` -> ORDER)."""
    for value in key.values():
        text = value.get("S")
        if isinstance(text, str) and "#" in text:
            return text.split("#", 1)[0]
    return "other"


@dataclass
class Phase:
    """Everything measured while one phase was current."""

    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    seconds_in_calls: float = 0.0
    rru: float = 0.0
    rru_by_op: Counter[str] = field(default_factory=Counter)
    wru_standard: float = 0.0
    wru_tx_put: float = 0.0
    wru_tx_update_peek: float = 0.0
    wru_tx_check_peek: float = 0.0
    tx_updates: list[tuple[Key, str]] = field(default_factory=list)
    """(item, kind) of every transactional Update."""
    tx_checks: list[tuple[Key, str]] = field(default_factory=list)
    tx_actions: Counter[str] = field(default_factory=Counter)
    """'Put ORDER', 'Update AGG', 'ConditionCheck CONTACT', ..."""
    wru_peek_by_action: Counter[str] = field(default_factory=Counter)
    put_bytes_by_kind: Counter[str] = field(default_factory=Counter)
    standard_writes_by_kind: Counter[str] = field(default_factory=Counter)
    post_commit: bool = True
    """False when items were not read back after transactions (no post-commit figures)."""
    batch_get_keys: int = 0
    batch_get_found: int = 0
    query_pages: int = 0
    query_items: int = 0
    query_bytes: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def wru_peek(self) -> float:
        return (
            self.wru_standard + self.wru_tx_put + self.wru_tx_update_peek + self.wru_tx_check_peek
        )

    def upper_bound(self, final_sizes: dict[Key, int]) -> dict[str, float]:
        """WRU with each transactional Update / ConditionCheck priced at its item's size
        in `final_sizes` (the table as it is at the end)."""
        by_action: Counter[str] = Counter()
        for name, keys in (("Update", self.tx_updates), ("ConditionCheck", self.tx_checks)):
            for key, kind in keys:
                by_action[f"{name} {kind}"] += transactional_write_units(final_sizes.get(key, 0))
        updates = sum(v for k, v in by_action.items() if k.startswith("Update "))
        checks = sum(v for k, v in by_action.items() if k.startswith("ConditionCheck "))
        puts = {k: v for k, v in self.wru_peek_by_action.items() if k.startswith("Put ")}
        return {
            "wru_tx_update": float(updates),
            "wru_tx_check": float(checks),
            "wru_total": self.wru_standard + self.wru_tx_put + updates + checks,
            "wru_by_transaction_action": dict(sorted((puts | by_action).items())),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(sorted(self.requests.items())),
            "requests_total": self.total_requests,
            "errors": dict(self.errors),
            "seconds_in_dynamodb_calls": round(self.seconds_in_calls, 3),
            "rru": self.rru,
            "rru_by_operation": dict(self.rru_by_op),
            "wru_standard": self.wru_standard,
            "wru_tx_put": self.wru_tx_put,
            "wru_tx_update_post_commit": self.wru_tx_update_peek if self.post_commit else None,
            "wru_tx_check_post_commit": self.wru_tx_check_peek if self.post_commit else None,
            "wru_total_post_commit": self.wru_peek if self.post_commit else None,
            "transaction_actions": dict(sorted(self.tx_actions.items())),
            "wru_by_transaction_action_post_commit": dict(sorted(self.wru_peek_by_action.items()))
            if self.post_commit
            else None,
            "transaction_put_bytes_by_kind": dict(sorted(self.put_bytes_by_kind.items())),
            "standard_writes_by_kind": dict(sorted(self.standard_writes_by_kind.items())),
            "batch_get_keys": self.batch_get_keys,
            "batch_get_found": self.batch_get_found,
            "query_pages": self.query_pages,
            "query_items": self.query_items,
            "query_bytes": self.query_bytes,
        }


class Meter:
    def __init__(self, peek_client: Any = None) -> None:
        """`peek_client`: an unmetered DynamoDB client to read items back after each
        transaction (None: no post-commit sizes, only the upper bound)."""
        self.phases: dict[str, Phase] = {}
        self.phase = "unassigned"
        self.peek_client = peek_client
        self.peek_seconds = 0.0

    def install(self, session: Any) -> None:
        events = session.events
        events.register("before-parameter-build.dynamodb.*", self._params)
        events.register("before-call.dynamodb.*", self._before)
        events.register("after-call.dynamodb.*", self._after)

    def current(self) -> Phase:
        return self.get(self.phase)

    def get(self, name: str) -> Phase:
        if name not in self.phases:
            self.phases[name] = Phase(post_commit=self.peek_client is not None)
        return self.phases[name]

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
        if "Error" in parsed:
            phase.errors[f"{model.name}:{parsed['Error'].get('Code')}"] += 1
        price = getattr(self, f"_price_{model.name}", None)
        if price is not None:
            price(phase, params, parsed)

    # ---- prices ------------------------------------------------------------------
    def _price_TransactWriteItems(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        touched: list[tuple[str, str, dict[str, Any]]] = []
        for action in params.get("TransactItems", []):
            ((name, op),) = action.items()
            table = op["TableName"]
            if name == "Put":
                kind = _kind(op["Item"])
                size = item_size(op["Item"])
                units = transactional_write_units(size)
                phase.wru_tx_put += units
                phase.wru_peek_by_action[f"Put {kind}"] += units
                phase.put_bytes_by_kind[kind] += size
            elif name == "Update":
                kind = _kind(op["Key"])
                phase.tx_updates.append((_key(table, op["Key"]), kind))
                touched.append(("Update", table, op["Key"]))
            elif name == "ConditionCheck":
                kind = _kind(op["Key"])
                phase.tx_checks.append((_key(table, op["Key"]), kind))
                touched.append(("ConditionCheck", table, op["Key"]))
            else:  # Delete: the minimum (nothing here deletes in a transaction)
                kind = _kind(op["Key"])
                phase.wru_tx_put += 2
            phase.tx_actions[f"{name} {kind}"] += 1
        if touched and self.peek_client is not None:
            sizes = self._peek([(t, k) for _, t, k in touched])
            for name, table, key in touched:
                units = transactional_write_units(sizes.get(_key(table, key), 0))
                if name == "Update":
                    phase.wru_tx_update_peek += units
                else:
                    phase.wru_tx_check_peek += units
                phase.wru_peek_by_action[f"{name} {_kind(key)}"] += units

    def _price_PutItem(self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        phase.wru_standard += write_units(item_size(params.get("Item")))
        phase.standard_writes_by_kind[f"PutItem {_kind(params.get('Item') or {})}"] += 1

    def _price_UpdateItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        size = 0
        if self.peek_client is not None:
            size = self._peek([(params["TableName"], params["Key"])]).get(
                _key(params["TableName"], params["Key"]), 0
            )
        phase.wru_standard += write_units(size)

    def _price_DeleteItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        phase.wru_standard += 1

    def _price_BatchWriteItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        for requests in params.get("RequestItems", {}).values():
            for request in requests:
                if "PutRequest" in request:
                    phase.wru_standard += write_units(item_size(request["PutRequest"]["Item"]))
                else:
                    phase.wru_standard += 1

    def _price_BatchGetItem(
        self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        unprocessed = parsed.get("UnprocessedKeys") or {}
        for table, spec in params.get("RequestItems", {}).items():
            consistent = bool(spec.get("ConsistentRead", False))
            found = {
                _key(table, {k: item[k] for k in spec["Keys"][0]}): item_size(item)
                for item in parsed.get("Responses", {}).get(table, [])
            }
            skipped = {_key(table, k) for k in unprocessed.get(table, {}).get("Keys", [])}
            for key in spec.get("Keys", []):
                k = _key(table, key)
                if k in skipped:
                    continue
                units = read_units(found.get(k, 0), consistent)
                phase.rru += units
                phase.rru_by_op["BatchGetItem"] += units
                phase.batch_get_keys += 1
                phase.batch_get_found += k in found

    def _price_GetItem(self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        units = read_units(item_size(parsed.get("Item")), bool(params.get("ConsistentRead")))
        phase.rru += units
        phase.rru_by_op["GetItem"] += units

    def _price_Query(self, phase: Phase, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        items = parsed.get("Items", [])
        size = sum(item_size(i) for i in items)
        units = read_units(size, bool(params.get("ConsistentRead")))
        phase.rru += units
        phase.rru_by_op[self._op_name(params)] += units
        phase.query_pages += 1
        phase.query_items += len(items)
        phase.query_bytes += size

    _price_Scan = _price_Query

    @staticmethod
    def _op_name(params: dict[str, Any]) -> str:
        return "Query" if "KeyConditionExpression" in params else "Scan"

    # ---- reading items back (not metered) ------------------------------------------
    def _peek(self, keys: list[tuple[str, dict[str, Any]]]) -> dict[Key, int]:
        started = time.perf_counter()
        sizes: dict[Key, int] = {}
        by_table: dict[str, list[dict[str, Any]]] = {}
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
                        sizes[_key(table, {n: item[n] for n in names})] = item_size(item)
                    request = response.get("UnprocessedKeys") or {}
        self.peek_seconds += time.perf_counter() - started
        return sizes


def table_sizes(client: Any, table: str) -> dict[Key, int]:
    """Every item's size in `table` (an unmetered scan), by key."""
    names = [
        k["AttributeName"] for k in client.describe_table(TableName=table)["Table"]["KeySchema"]
    ]
    sizes: dict[Key, int] = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            sizes[_key(table, {n: item[n] for n in names})] = item_size(item)
    return sizes
