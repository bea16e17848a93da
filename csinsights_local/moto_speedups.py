"""Make emulated DynamoDB transactions and queries cost what they cost in AWS: O(items
touched or read), not O(table).

Transactions: moto backs up a whole table (a deep copy, once per action) before every
TransactWriteItems so it can roll back; with thousands of items each transaction takes
seconds. This keeps moto's semantics (all actions apply or none) by backing up only the
items the transaction touches and restoring them if it is cancelled. The table's stream
records are not rolled back (no table of the template has a stream).

Queries: moto's `Table.query` starts from `all_items()`, every item of the table sorted
(O(n log n) comparisons in Python), and keeps those of the queried partition. A query of
the table itself needs only its partition, which moto already keeps apart
(`Table.items[hash key]`); a query of an index needs only the items whose index key
attributes equal the key condition's (found in one pass, without the sort). The query
runs moto's own code over just those items, in moto's order (the same filter, sort,
pagination, limits and projection), so results, `LastEvaluatedKey` and errors are moto's.

`tests/integration/test_moto_speedups.py` checks, operation by operation, that tables,
query pages and errors are the same as with moto's own code; `applied` lets it run both
in one process.
"""

from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Backup = tuple[Any, Any, Any, Any]  # table, hash key, range key or None, item or None

Transact = Callable[[Any, list[dict[str, Any]]], None]
_moto_transact: Transact | None = None  # moto's own while the speed-up is installed
_moto_query: Callable[..., Any] | None = None
_moto_all_items: Callable[[Any], list[Any]] | None = None
_narrowed = threading.local()  # table id -> the items its running query starts from


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


def _order(item: Any) -> Any:
    """moto's order of `all_items()`."""
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def _matches(item: Any, conditions: list[tuple[str, Any]]) -> bool:
    """moto's test of an index's hash key conditions, verbatim."""
    for name, expected in conditions:
        value = item.attrs.get(name)
        if not value or value != expected:
            return False
    return True


def _candidates(table: Any, arguments: dict[str, Any]) -> list[Any] | None:
    """The items moto's query would keep from `all_items()` (in its order), or None where
    moto's own path must run whole (no key given, an unknown index: its errors stand)."""
    index_name = arguments.get("index_name")
    if not index_name:
        hash_key = arguments.get("hash_key")
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        items = list(partition.values()) if table.range_key_attr else [partition]
        return sorted(items, key=_order)
    conditions = list(arguments.get("hash_key_conditions") or [])
    if not conditions or index_name not in {i.name for i in table.all_indexes()}:
        return None
    every = (
        (item for partition in table.items.values() for item in partition.values())
        if table.range_key_attr
        else iter(table.items.values())
    )
    return sorted((item for item in every if _matches(item, conditions)), key=_order)


def _all_items(table: Any) -> list[Any]:
    narrowed = getattr(_narrowed, "tables", {}).get(id(table))
    if narrowed is not None:
        return list(narrowed)
    assert _moto_all_items is not None
    return _moto_all_items(table)


def _query(table: Any, *args: Any, **kwargs: Any) -> Any:
    assert _moto_query is not None
    arguments = inspect.signature(_moto_query).bind(table, *args, **kwargs).arguments
    candidates = _candidates(table, arguments)
    if candidates is None:
        return _moto_query(table, *args, **kwargs)
    tables = _narrowed.__dict__.setdefault("tables", {})
    tables[id(table)] = candidates
    try:
        return _moto_query(table, *args, **kwargs)
    finally:
        del tables[id(table)]


def installed() -> bool:
    return _moto_transact is not None


def install() -> None:
    """Patch moto's DynamoDB backend (process-wide; installing twice changes nothing)."""
    global _moto_transact, _moto_query, _moto_all_items
    if installed():
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    _moto_transact = models.DynamoDBBackend.transact_write_items
    models.copy = _NoTableCopy()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = _wrap(_moto_transact)  # type: ignore[method-assign]
    _moto_query, _moto_all_items = Table.query, Table.all_items
    Table.query = _query  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own transaction (and its table copies) and query back."""
    global _moto_transact, _moto_query, _moto_all_items
    if _moto_transact is None:
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    models.copy = copy  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = _moto_transact  # type: ignore[method-assign]
    Table.query, Table.all_items = _moto_query, _moto_all_items  # type: ignore[method-assign]
    _moto_transact = _moto_query = _moto_all_items = None


@contextmanager
def applied(enabled: bool) -> Iterator[None]:
    """The speed-up installed (or not) for the duration, then as it was before."""
    was = installed()
    (install if enabled else uninstall)()
    try:
        yield
    finally:
        (install if was else uninstall)()
