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

Updates: moto validates an update expression by walking its tree ten times, each walk
of its ADD and SET chain rescanning the chain (about 15 ms for 30 counters). An update
made only of `SET #name = :value` and `ADD #name :number` actions on top-level attributes
that are no key of the table or of an index, without a condition, is applied directly:
the same values (moto's own `DynamoType` and its `+`), in moto's order (the SET actions,
then the ADD actions), into moto's size-limited item. Anything else, and every request
moto would refuse (an unknown placeholder, a repeated attribute, a number that does not
parse, an ADD to an attribute that is no number), runs moto's own code, so its errors
stand.

Items: moto checks an item's size each time it sets one of its attributes, measuring the
whole item again, so building an item costs the square of its attributes. Building one
here measures each attribute once and stops at the same attribute moto's check would.

Condition expressions: a transaction's `Put` parses its condition three times, and most
conditions repeat (`attribute_not_exists(pk)`); a parse is kept by its expression, names
and values (moto's result, and the names and values it found, which moto's checks read).

Answers: moto writes every attribute value of an answer by walking the API's model of an
AttributeValue, trying each of its ten members under several spellings (about 100 us a
value). A value moto holds is already in the shape the answer takes; one whose every
level has a single member that is a string, number, boolean, null, string or number set,
map or list is copied as it stands. A binary value, or any other, is walked by moto.
Requests are read the same way: moto reads each attribute value of a request by that
model too, and a plain one reads as a copy of itself.

Templates: moto's CloudFormation reads every template with PyYAML's pure-Python loader
(a third of a second for this template, at every deployment); it is read here by the
same loader's C parser (libyaml), with the same constructors and the same tags.

`tests/integration/test_moto_speedups.py` checks, operation by operation, that tables,
query pages, updated items, the bytes of answers and errors are the same as with moto's
own code; `applied` lets it run both in one process.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
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
_moto_update: Callable[..., Any] | None = None
_moto_item_init: Callable[..., None] | None = None
_moto_parse: Callable[[Any], Any] | None = None
_parsed: dict[tuple[Any, ...], tuple[Any, list[str], list[str]]] = {}
_moto_structure: Callable[..., None] | None = None
_moto_read_structure: Callable[..., Any] | None = None
_moto_parse_template: Any = None  # moto's staticmethod, as it was on the class
_moto_put_item: Callable[..., Any] | None = None
Buckets = dict[tuple[Any, ...], list[Any]]
_buckets: dict[tuple[int, str, tuple[str, ...]], tuple[int, Any, Buckets | None]] = {}
_writes = 0  # counts the writes that may change which items an index holds
BUCKETS_KEPT = 64
CHANGING = (  # backend writes that may change what an index holds, beside the table's own
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
    "update_table",
)
PARSED_KEPT = 4096  # distinct conditions kept; past that the oldest go
ITEM_SIZE_LIMIT = 405_000  # moto's `LimitedSizeDict` limit, in bytes

_NAME, _VALUE = r"#[A-Za-z0-9_]+", r":[A-Za-z0-9_]+"
_SET_ACTION = re.compile(rf" *({_NAME}) *= *({_VALUE}) *")
_ADD_ACTION = re.compile(rf" *({_NAME}) +({_VALUE}) *")
_PLAIN_UPDATE = re.compile(  # spaces only: moto's own parser has the last word on the rest
    rf" *(?:SET (?P<set>{_SET_ACTION.pattern}(?:,{_SET_ACTION.pattern})*))?"
    rf"(?:ADD (?P<add>{_ADD_ACTION.pattern}(?:,{_ADD_ACTION.pattern})*))?"
)
Action = tuple[str, str]  # name placeholder, value placeholder


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
    backups = []
    for action in transact_items:
        _, op = next(iter(action.items()))
        table = backend.tables.get(op.get("TableName"))
        found = _stored(table, op.get("Item") or op.get("Key") or {}) if table else None
        if found is not None:  # else moto cancels the action before it writes anything
            hash_value, range_value, current = found
            backups.append((table, hash_value, range_value, copy.deepcopy(current)))
    return backups


def _stored(table: Any, attrs: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """The key `attrs` give in `table` and the item stored under it (or None); None where
    they give no readable key."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if table.hash_key_attr not in attrs:
        return None
    if table.range_key_attr and table.range_key_attr not in attrs:
        return None
    try:
        hash_value = DynamoType(attrs[table.hash_key_attr])
        range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        return hash_value, range_value, table.get_item(hash_value, range_value)
    except Exception:  # noqa: BLE001 - moto refuses such a key itself
        return None


def _restore(backups: list[Backup]) -> None:
    _changed()
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
        from moto.dynamodb.exceptions import TransactWriteSingleOpException

        backups = _backups(backend, transact_items)
        try:
            return moto_transact(backend, transact_items)
        except TransactWriteSingleOpException:
            _changed()  # moto raises it outside its rollback: what came before stays
            raise
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
    names = tuple(name for name, _ in conditions)
    buckets = _index_buckets(table, index_name, names)
    wanted = tuple(expected for _, expected in conditions)
    if buckets is not None and _hashable(wanted):
        return sorted(buckets.get(wanted, []), key=_order)
    return sorted((item for item in _every(table) if _matches(item, conditions)), key=_order)


def _hashable(values: tuple[Any, ...]) -> bool:
    try:
        hash(values)
    except Exception:  # noqa: BLE001 - a key that cannot be hashed: moto's test instead
        return False
    return True


def _every(table: Any) -> Iterator[Any]:
    if table.range_key_attr:
        return (item for partition in table.items.values() for item in partition.values())
    return iter(table.items.values())


def _index_buckets(table: Any, index: str, names: tuple[str, ...]) -> Buckets | None:
    """The table's items by their values of `names` (items lacking one left out, as
    `_matches` leaves them out), kept until a write may change what an index holds (see
    `_changed`); None where a value cannot be hashed (each query then tests every item)."""
    key = (id(table), index, names)
    kept = _buckets.get(key)
    if kept is not None and kept[0] == _writes and kept[1] is table:
        return kept[2]
    seen = _writes  # a write while these are built leaves them stale at once
    buckets: Buckets | None = {}
    try:
        for item in _every(table):
            values = tuple(item.attrs.get(name) for name in names)
            if all(value is not None for value in values):
                buckets.setdefault(values, []).append(item)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - a value that cannot be hashed: no buckets
        buckets = None
    if len(_buckets) >= BUCKETS_KEPT:
        _buckets.clear()
    _buckets[key] = (seen, table, buckets)
    return buckets


def _changed() -> None:
    """A write that may change which items an index holds: every kept bucket is stale."""
    global _writes
    _writes += 1


def _index_attributes(table: Any) -> set[str]:
    return {a["AttributeName"] for index in table.all_indexes() for a in index.schema}


def _put_item(table: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """moto's `Table.put_item`, telling the buckets when the item put, or the one it
    replaces, has an index's key attribute."""
    assert _moto_put_item is not None
    indexed = _index_attributes(table)
    if indexed.intersection(item_attrs) or _replaces_indexed(table, item_attrs, indexed):
        _changed()
    return _moto_put_item(table, item_attrs, *args, **kwargs)


def _replaces_indexed(table: Any, item_attrs: dict[str, Any], indexed: set[str]) -> bool:
    if not indexed:
        return False
    found = _stored(table, item_attrs)
    if found is None:
        return True  # moto's put refuses such an item; stale is never assumed
    current = found[2]
    return current is not None and bool(indexed.intersection(current.attrs))


def _changing(moto_method: Callable[..., Any]) -> Callable[..., Any]:
    """A moto write that may change anything: the buckets are stale after it."""

    def write(*args: Any, **kwargs: Any) -> Any:
        try:
            return moto_method(*args, **kwargs)
        finally:
            _changed()

    write.moto = moto_method  # type: ignore[attr-defined]
    return write


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


def _plain_actions(update_expression: str | None) -> tuple[list[Action], list[Action]] | None:
    """The SET and ADD actions of a plain update expression (see the module's text), or
    None for any other expression."""
    match = _PLAIN_UPDATE.fullmatch(update_expression or "")
    if match is None or (match["set"] is None and match["add"] is None):
        return None
    sets = [m.groups() for m in _SET_ACTION.finditer(match["set"] or "")]
    adds = [m.groups() for m in _ADD_ACTION.finditer(match["add"] or "")]
    return sets, adds


def _new_values(
    table: Any,
    item: Any,
    actions: tuple[list[Action], list[Action]],
    names: dict[str, str],
    values: dict[str, Any],
) -> list[tuple[str, Any]] | None:
    """(attribute, new value) in moto's order, computed without touching the item; None
    where moto's own code must run (and raise what it raises)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    sets, adds = actions
    placeholders = sets + adds
    if any(name not in names or value not in values for name, value in placeholders):
        return None
    targets = [names[name] for name, _ in placeholders]
    keyed = set(table.attribute_keys) | {a["AttributeName"] for a in table.attr}
    if len(set(targets)) != len(targets) or keyed.intersection(targets):
        return None
    current = item.attrs if item is not None else {}
    out = []
    try:
        for name, value in sets:
            out.append((names[name], DynamoType(values[value])))
        for name, value in adds:
            added = DynamoType(values[value])
            existing = current.get(names[name], DynamoType({"N": "0"}))
            if added.type != "N" or existing.type != "N":
                return None
            out.append((names[name], existing + added))
    except Exception:  # noqa: BLE001 - moto's own code raises its error for these
        return None
    return out


def _update_item(backend: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's `update_item` (its arguments, bound by its own signature), a plain update
    applied directly."""
    assert _moto_update is not None
    arguments = inspect.signature(_moto_update).bind(backend, *args, **kwargs).arguments

    def moto() -> Any:
        return _changing(_moto_update)(backend, *args, **kwargs)

    update_expression = arguments["update_expression"]
    if any(
        arguments.get(name) for name in ("attribute_updates", "expected", "condition_expression")
    ):
        return moto()
    actions = _plain_actions(update_expression)
    if actions is None:
        return moto()
    from moto.dynamodb.exceptions import ItemSizeTooLarge, ItemSizeToUpdateTooLarge

    table = backend.get_table(arguments["table_name"])
    found = _stored(table, arguments["key"])
    if table.stream_shard is not None or found is None:
        return moto()
    hash_value, range_value, item = found
    changes = _new_values(
        table,
        item,
        actions,
        arguments["expression_attribute_names"] or {},
        arguments["expression_attribute_values"] or {},
    )
    if changes is None:
        return moto()
    if item is None:  # as moto does: the key first, then the update
        data = {table.hash_key_attr: {hash_value.type: hash_value.value}}
        if range_value:
            data[table.range_key_attr] = {range_value.type: range_value.value}
        table.put_item(data)
        item = table.get_item(hash_value, range_value)
    try:
        for attribute, value in changes:
            item.attrs[attribute] = value  # moto's size check, at moto's step
    except ItemSizeTooLarge:
        raise ItemSizeToUpdateTooLarge() from None
    return item


def _item_init(item: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
    """moto's `Item.__init__`, measuring each attribute once (see the module's text)."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    item.hash_key = hash_key
    item.range_key = range_key
    converted: dict[str, Any] = {}
    size = 0
    for key, value in attrs.items():
        converted[key] = typed = DynamoType(value)
        size += bytesize(str(key)) + typed.size()
        if size > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
    item.attrs = LimitedSizeDict(converted)


def _parse(parser: Any) -> Any:
    """moto's condition parse, kept by expression, names and values."""
    assert _moto_parse is not None
    try:
        key = (
            parser.condition_expression,
            json.dumps(parser.expression_attribute_names, sort_keys=True),
            json.dumps(parser.expression_attribute_values, sort_keys=True),
        )
    except (TypeError, ValueError):
        return _moto_parse(parser)
    if any(f'"{kind}"' in key[2] for kind in ("SS", "NS", "BS")):
        return _moto_parse(parser)  # moto's SET may store a set value and change it in place
    kept = _parsed.get(key)
    if kept is None:
        op = _moto_parse(parser)  # its errors are raised, never kept
        kept = (op, list(parser.expr_attr_names_found), list(parser.expr_attr_values_found))
        if len(_parsed) >= PARSED_KEPT:
            del _parsed[next(iter(_parsed))]
        _parsed[key] = kept
        return op
    op, names_found, values_found = kept
    parser.expr_attr_names_found.extend(names_found)
    parser.expr_attr_values_found.extend(values_found)
    return op


_SCALARS = {"S": str, "N": str, "BOOL": bool, "NULL": bool}
_NOT_PLAIN = object()


def _plain_value(value: Any) -> Any:
    """A copy of an AttributeValue as moto's walk writes it, or `_NOT_PLAIN`."""
    if type(value) is not dict or len(value) != 1:
        return _NOT_PLAIN
    ((kind, inner),) = value.items()
    if kind in _SCALARS:
        return {kind: inner} if type(inner) is _SCALARS[kind] else _NOT_PLAIN
    if kind in ("SS", "NS"):
        if type(inner) is not list or any(type(member) is not str for member in inner):
            return _NOT_PLAIN
        return {kind: list(inner)}
    if kind == "M" and type(inner) is dict:
        members = {}
        for name, member in inner.items():
            if not name:  # moto's walk takes an empty key for none: its own path
                return _NOT_PLAIN
            members[name] = _plain_value(member)
            if members[name] is _NOT_PLAIN:
                return _NOT_PLAIN
        return {kind: members}
    if kind == "L" and type(inner) is list:
        elements = [_plain_value(member) for member in inner]
        return _NOT_PLAIN if any(e is _NOT_PLAIN for e in elements) else {kind: elements}
    return _NOT_PLAIN


def _serialize_structure(
    serializer: Any, serialized: Any, value: Any, shape: Any, key: str
) -> None:
    assert _moto_structure is not None
    picker = getattr(serializer, "_value_picker", None)
    if (
        key
        and shape.name == "AttributeValue"
        and getattr(picker, "response_transformers", None) == {}
    ):
        plain = _plain_value(value)
        if plain is not _NOT_PLAIN:
            serializer._default_serialize(serialized, plain, shape, key)
            return
    _moto_structure(serializer, serialized, value, shape, key)


def _parse_structure(parser: Any, shape: Any, value: Any) -> Any:
    assert _moto_read_structure is not None
    if shape.name == "AttributeValue" and parser.MAP_TYPE is dict and not shape.is_document_type:
        plain = _plain_value(value)
        if plain is not _NOT_PLAIN:
            return plain
    return _moto_read_structure(parser, shape, value)


def _parse_template(template: str) -> dict[str, Any]:
    """moto's `Stack.parse_template`, with libyaml's parser where PyYAML has it."""
    import yaml
    from moto.cloudformation.utils import yaml_tag_constructor
    from yaml.parser import ParserError
    from yaml.scanner import ScannerError

    # libyaml reads tabs that PyYAML's own parser refuses (moto then reads the text as JSON)
    loader = yaml.Loader if "\t" in template else getattr(yaml, "CLoader", yaml.Loader)
    yaml.add_multi_constructor("", yaml_tag_constructor)
    yaml.add_multi_constructor("", yaml_tag_constructor, Loader=loader)
    try:
        return yaml.load(template, Loader=loader)  # noqa: S506 - moto's own loader, C parser
    except (ParserError, ScannerError):
        return json.loads(template)


def installed() -> bool:
    return _moto_transact is not None


def install() -> None:
    """Patch moto's DynamoDB backend (process-wide; installing twice changes nothing)."""
    global _moto_transact, _moto_query, _moto_all_items, _moto_update, _moto_item_init
    global _moto_parse, _moto_structure, _moto_read_structure, _moto_parse_template
    global _moto_put_item
    if installed():
        return
    from moto.cloudformation.models import Stack
    from moto.core.parse import BaseJSONParser
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb import models
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    _moto_transact = models.DynamoDBBackend.transact_write_items
    models.copy = _NoTableCopy()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = _wrap(_moto_transact)  # type: ignore[method-assign]
    _moto_query, _moto_all_items = Table.query, Table.all_items
    Table.query = _query  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]
    _moto_update = models.DynamoDBBackend.update_item
    models.DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]
    _moto_item_init = Item.__init__
    Item.__init__ = _item_init  # type: ignore[method-assign]
    _moto_parse = ConditionExpressionParser.parse
    ConditionExpressionParser.parse = _parse  # type: ignore[method-assign]
    _moto_structure = BaseJSONSerializer._serialize_type_structure
    BaseJSONSerializer._serialize_type_structure = _serialize_structure  # type: ignore[method-assign]
    _moto_read_structure = BaseJSONParser._parse_structure
    BaseJSONParser._parse_structure = _parse_structure  # type: ignore[method-assign]
    _moto_parse_template = Stack.__dict__["parse_template"]
    Stack.parse_template = staticmethod(_parse_template)  # type: ignore[method-assign]
    _moto_put_item = Table.put_item
    Table.put_item = _put_item  # type: ignore[method-assign]
    Table.delete_item = _changing(Table.delete_item)  # type: ignore[method-assign]
    for name in CHANGING:
        setattr(models.DynamoDBBackend, name, _changing(getattr(models.DynamoDBBackend, name)))


def uninstall() -> None:
    """Put moto's own code back."""
    global _moto_transact, _moto_query, _moto_all_items, _moto_update, _moto_item_init
    global _moto_parse, _moto_structure, _moto_read_structure, _moto_parse_template
    global _moto_put_item
    if _moto_transact is None:
        return
    from moto.cloudformation.models import Stack
    from moto.core.parse import BaseJSONParser
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb import models
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    models.copy = copy  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = _moto_transact  # type: ignore[method-assign]
    Table.query, Table.all_items = _moto_query, _moto_all_items  # type: ignore[method-assign]
    models.DynamoDBBackend.update_item = _moto_update  # type: ignore[method-assign]
    Item.__init__ = _moto_item_init  # type: ignore[method-assign]
    ConditionExpressionParser.parse = _moto_parse  # type: ignore[method-assign]
    BaseJSONSerializer._serialize_type_structure = _moto_structure  # type: ignore[method-assign]
    BaseJSONParser._parse_structure = _moto_read_structure  # type: ignore[method-assign]
    Stack.parse_template = _moto_parse_template  # type: ignore[method-assign]
    Table.put_item = _moto_put_item  # type: ignore[method-assign]
    Table.delete_item = Table.delete_item.moto  # type: ignore[attr-defined,method-assign]
    for name in CHANGING:
        setattr(models.DynamoDBBackend, name, getattr(models.DynamoDBBackend, name).moto)
    _buckets.clear()
    _moto_transact = _moto_query = _moto_all_items = _moto_update = None
    _moto_item_init = _moto_parse = _moto_structure = _moto_read_structure = None
    _moto_parse_template = _moto_put_item = None


@contextmanager
def applied(enabled: bool) -> Iterator[None]:
    """The speed-up installed (or not) for the duration, then as it was before."""
    was = installed()
    (install if enabled else uninstall)()
    try:
        yield
    finally:
        (install if was else uninstall)()
