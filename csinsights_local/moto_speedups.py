"""Make the emulated DynamoDB transaction cost what it costs in AWS: O(items), not O(table).

moto backs up a whole table (a deep copy, once per action) before every
TransactWriteItems so it can roll back; with thousands of items each transaction takes
seconds. This keeps moto's semantics (all actions apply or none) by backing up only the
items the transaction touches and restoring them if it is cancelled.
"""

from __future__ import annotations

import copy
from typing import Any

_installed = False


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


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType

    original = models.DynamoDBBackend.transact_write_items
    models.copy = _NoTableCopy()  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        backups = []
        for action in transact_items:
            _, op = next(iter(action.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            attrs = op.get("Item") or op.get("Key") or {}
            if table.hash_key_attr not in attrs:
                continue
            hash_value = DynamoType(attrs[table.hash_key_attr])
            range_value = (
                DynamoType(attrs[table.range_key_attr])
                if table.range_key_attr and table.range_key_attr in attrs
                else None
            )
            current = table.get_item(hash_value, range_value)
            backups.append((table, hash_value, range_value, copy.deepcopy(current)))
        try:
            return original(self, transact_items)
        except Exception:
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
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _installed = True
