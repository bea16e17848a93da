"""Make the emulated DynamoDB cost closer to what it costs in AWS.

Transactions: O(items), not O(table). moto backs up a whole table (a deep copy, once per
action) before every TransactWriteItems so it can roll back; with thousands of items each
transaction takes seconds. This keeps moto's semantics (all actions apply or none) by
backing up only the items the transaction touches and restoring them if it is cancelled.
The table's stream records are not rolled back (no table of the template has a stream).

Queries and scans: moto sorts the whole table on every one, comparing keys through their
typed wrappers, which convert both values at each comparison, and a query of the table
then keeps the items of its partition; with tens of thousands of items a query takes a
second. Here the sort is by the keys' values, converted once per item (the same order: a
table's key attributes have one type each, checked on write), and a query of a table
with a sort key sorts only its partition, the items it would keep.

`tests/integration/test_moto_speedups.py` checks, transaction by transaction, that tables
and errors are the same as with moto's own rollback, and that tables list their items in
moto's order; `applied` lets it run both in one process.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Backup = tuple[Any, Any, Any, Any]  # table, hash key, range key or None, item or None

Transact = Callable[[Any, list[dict[str, Any]]], None]
_moto_transact: Transact | None = None  # moto's own while the speed-up is installed
_moto_all_items: Callable[[Any], list[Any]] | None = None
_moto_query: Callable[..., Any] | None = None
_partition: ContextVar[tuple[Any, Any] | None] = ContextVar("partition", default=None)
"""(table, hash key) while a query of that table's partition runs."""


class _NoTableCopy:
    """Stands in for the `copy` module inside moto's DynamoDB backend."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            return value  # rollback is done per item by the wrapper below
        return copy.deepcopy(value, memo)


def _backups(backend: Any, transact_items: list[dict[str, Any]]) -> list[Backup]:
    """A copy of every item an action names (None where there is none yet)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    backups = []
    for action in transact_items:
        _, op = next(iter(action.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        attrs = op.get("Item") or op.get("Key") or {}
        if table.hash_key_attr not in attrs:
            continue
        if table.range_key_attr and table.range_key_attr not in attrs:
            continue  # moto cancels such an action before it writes anything
        hash_value = DynamoType(attrs[table.hash_key_attr])
        range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        current = table.get_item(hash_value, range_value)
        backups.append((table, hash_value, range_value, copy.deepcopy(current)))
    return backups


def _restore(backups: list[Backup]) -> None:
    for table, hash_value, range_value, item in reversed(backups):
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        elif item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item


def _wrap(moto_transact: Transact) -> Transact:
    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        backups = _backups(backend, transact_items)
        try:
            return moto_transact(backend, transact_items)
        except Exception:
            _restore(backups)
            raise

    return transact_write_items


def _all_items(table: Any) -> list[Any]:
    """moto's `Table.all_items`: every item, by hash key then range key (within a query of
    one partition, that partition's: the only items the query keeps)."""
    partition = _partition.get()
    if partition is not None and partition[0] is table:
        bucket = table.items.get(partition[1], {})
        return sorted(bucket.values(), key=lambda x: x.range_key.cast_value)
    items = [
        item
        for hash_set in table.items.values()
        for item in (hash_set.values() if table.range_key_attr else [hash_set])
    ]
    if table.range_key_attr:
        items.sort(key=lambda x: (x.hash_key.cast_value, x.range_key.cast_value))
    else:
        items.sort(key=lambda x: x.hash_key.cast_value)
    return items


def _wrap_query(moto_query: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(moto_query)

    def query(table: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(table, *args, **kwargs).arguments
        hash_key = arguments.get("hash_key")
        if arguments.get("index_name") or hash_key is None or not table.range_key_attr:
            return moto_query(table, *args, **kwargs)
        token = _partition.set((table, hash_key))
        try:
            return moto_query(table, *args, **kwargs)
        finally:
            _partition.reset(token)

    return query


def installed() -> bool:
    return _moto_transact is not None


def install() -> None:
    """Patch moto's DynamoDB backend (process-wide; installing twice changes nothing)."""
    global _moto_transact, _moto_all_items, _moto_query
    if installed():
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    _moto_transact = models.DynamoDBBackend.transact_write_items
    _moto_all_items = Table.all_items
    _moto_query = Table.query
    models.copy = _NoTableCopy()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = _wrap(_moto_transact)  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]
    Table.query = _wrap_query(_moto_query)  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own transaction (and its table copies) back."""
    global _moto_transact, _moto_all_items, _moto_query
    if _moto_transact is None or _moto_all_items is None or _moto_query is None:
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    models.copy = copy  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = _moto_transact  # type: ignore[method-assign]
    Table.all_items = _moto_all_items  # type: ignore[method-assign]
    Table.query = _moto_query  # type: ignore[method-assign]
    _moto_transact = _moto_all_items = _moto_query = None


@contextmanager
def applied(enabled: bool) -> Iterator[None]:
    """The speed-up installed (or not) for the duration, then as it was before."""
    was = installed()
    (install if enabled else uninstall)()
    try:
        yield
    finally:
        (install if was else uninstall)()
