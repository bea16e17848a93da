"""Make emulated DynamoDB transactions and queries cost what they cost in AWS: O(items
touched or read), not O(table); and spare moto and botocore their walk of the API's model
for every attribute value of a request and of an answer.

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
model too, and a plain one (or a map of them, whose keys moto reads as they are) reads as
a copy of itself.

Update expressions in requests: moto's answer code parses a request's update expression
(1.5 ms) only to read its placeholders; the backend then parses it again to apply it. The
first parse is kept by its expression (nothing changes it); the backend's own, which it
changes as it applies the update, is never kept.

botocore, on the handlers' side of the emulation: before a request is sent, botocore
validates every parameter against the API's model and then writes it by that model, a
walk over an AttributeValue's ten members for each value. A value with one string,
number, boolean or null member of that type leaves botocore's validator nothing to report,
and so does a map of them whose keys are strings (its key shape sets no minimum length);
any other value is validated by botocore itself, in botocore's order, so its errors and
their report stand. A plain value (as above) is written as the copy botocore's walk
writes. This is process-wide, so the clients the handlers make take it too.

API models: each new botocore session reads the API models it uses from disk again
(moto's EC2 makes three sessions at import, each reading EC2's whole model). Each is read
once per process here, for every loader of the same kind, search paths and extras, and
shared as one loader shares it with all its clients. Data files such as the endpoints are
each session's own: botocore writes into what it read of them.

Only DynamoDB's AttributeValue is copied (a structure of its ten members, of their types;
other APIs have shapes of that name), and only by moto's JSON reader and botocore's JSON
serializer and validator themselves: a subclass of them, which may write or check
otherwise, runs its own code.

Templates: moto's CloudFormation reads every template with PyYAML's pure-Python loader
(a third of a second for this template, at every deployment); it is read here by the
same loader's C parser (libyaml), with the same constructors and the same tags.

`tests/integration/test_moto_speedups.py` checks, operation by operation, that tables,
query pages, updated items, the bytes of answers and errors are the same as with moto's
own code, and that botocore's reports, the bytes it sends and what moto reads from them
are the same as with botocore's; `applied` lets it run both in one process.
"""

from __future__ import annotations

import copy
import inspect
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Backup = tuple[Any, Any, Any, Any]  # table, hash key, range key or None, item or None

Transact = Callable[[Any, list[dict[str, Any]]], None]
Patch = tuple[Any, str, Callable[[Any], Any]]  # owner, attribute, speed-up of what is there
_ABSENT = object()
_originals: dict[tuple[Any, str], Any] = {}  # what each installed speed-up replaced
_narrowed = threading.local()  # table id -> the items its running query starts from
_parsed: dict[tuple[Any, ...], tuple[Any, list[str], list[str]]] = {}
_update_parsed: dict[str, Any] = {}
_loaded: dict[tuple[Any, ...], Any] = {}
_keeping = threading.Lock()
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


def _putting(moto_put_item: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `Table.put_item`, telling the buckets when the item put, or the one it
    replaces, has an index's key attribute."""

    def put_item(table: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        indexed = _index_attributes(table)
        if indexed.intersection(item_attrs) or _replaces_indexed(table, item_attrs, indexed):
            _changed()
        return moto_put_item(table, item_attrs, *args, **kwargs)

    return put_item


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

    return write


def _narrowing(moto_all_items: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    """moto's `Table.all_items`: while a query runs, the items it starts from."""

    def all_items(table: Any) -> list[Any]:
        narrowed = getattr(_narrowed, "tables", {}).get(id(table))
        if narrowed is not None:
            return list(narrowed)
        return moto_all_items(table)

    return all_items


def _querying(moto_query: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `Table.query` over the items it would keep (see `_candidates`)."""
    signature = inspect.signature(moto_query)

    def query(table: Any, *args: Any, **kwargs: Any) -> Any:
        candidates = _candidates(table, signature.bind(table, *args, **kwargs).arguments)
        if candidates is None:
            return moto_query(table, *args, **kwargs)
        tables = _narrowed.__dict__.setdefault("tables", {})
        tables[id(table)] = candidates
        try:
            return moto_query(table, *args, **kwargs)
        finally:
            del tables[id(table)]

    return query


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


def _updating(moto_update: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `update_item` (its arguments bound by its own signature), a plain update
    applied directly."""
    signature = inspect.signature(moto_update)
    moto_changing = _changing(moto_update)

    def update_item(backend: Any, *args: Any, **kwargs: Any) -> Any:
        updated = _plain_update(backend, signature.bind(backend, *args, **kwargs).arguments)
        return moto_changing(backend, *args, **kwargs) if updated is None else updated

    return update_item


def _plain_update(backend: Any, arguments: dict[str, Any]) -> Any | None:
    """The item a plain update leaves, applied here; None where moto's own code must run."""
    if any(
        arguments.get(name) for name in ("attribute_updates", "expected", "condition_expression")
    ):
        return None
    actions = _plain_actions(arguments["update_expression"])
    if actions is None:
        return None
    from moto.dynamodb.exceptions import ItemSizeTooLarge, ItemSizeToUpdateTooLarge

    table = backend.get_table(arguments["table_name"])
    found = _stored(table, arguments["key"])
    if table.stream_shard is not None or found is None:
        return None
    hash_value, range_value, item = found
    changes = _new_values(
        table,
        item,
        actions,
        arguments["expression_attribute_names"] or {},
        arguments["expression_attribute_values"] or {},
    )
    if changes is None:
        return None
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


def _parsing(moto_parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto's condition parse, kept by expression, names and values."""

    def parse(parser: Any) -> Any:
        # as read from a request's JSON: the text of each is the value (another order of
        # the same names or values is a key of its own, and parses the same)
        key = (
            parser.condition_expression,
            repr(parser.expression_attribute_names),
            repr(parser.expression_attribute_values),
        )
        if any(f"'{kind}'" in key[2] for kind in ("SS", "NS", "BS")):
            return moto_parse(parser)  # moto's SET may store a set value, change it in place
        kept = _parsed.get(key)
        if kept is None:
            op = moto_parse(parser)  # its errors are raised, never kept
            kept = (op, list(parser.expr_attr_names_found), list(parser.expr_attr_values_found))
            _keep(_parsed, key, kept)
            return op
        op, names_found, values_found = kept
        parser.expr_attr_names_found.extend(names_found)
        parser.expr_attr_values_found.extend(values_found)
        return op

    return parse


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> None:
    with _keeping:  # the local server answers from several threads
        if len(cache) >= PARSED_KEPT:
            del cache[next(iter(cache))]  # the oldest
        cache[key] = value


class _UpdateParses:
    """Stands in for moto's `UpdateExpressionParser` where moto's DynamoDB answers read an
    update expression's placeholders before the backend applies it (a parse of 1.5 ms
    each; the backend parses it again itself, and only its own parse is ever changed)."""

    def __init__(self, moto_parser: Any) -> None:
        self.moto_parser = moto_parser

    def make(self, expression: Any) -> Any:
        if type(expression) is not str:
            return self.moto_parser.make(expression)  # moto's own error
        tree = _update_parsed.get(expression)
        if tree is None:
            tree = self.moto_parser.make(expression)  # its errors are raised, never kept
            _keep(_update_parsed, expression, tree)
        return tree


_SCALARS = {"S": str, "N": str, "BOOL": bool, "NULL": bool}
_NOT_PLAIN = object()
_MEMBERS = {  # DynamoDB's AttributeValue: its members and their types
    "S": "string",
    "N": "string",
    "B": "blob",
    "SS": "list",
    "NS": "list",
    "BS": "list",
    "M": "map",
    "L": "list",
    "NULL": "boolean",
    "BOOL": "boolean",
}
_judged: dict[int, tuple[Any, bool]] = {}  # id(shape) -> the shape, whether it is DynamoDB's


def _dynamodb_value(shape: Any) -> bool:
    """Whether `shape` is DynamoDB's AttributeValue: a structure of exactly its ten members
    of their types, none constrained, renamed or written specially, its maps and lists of
    AttributeValues under string keys (other APIs have shapes of that name too, a string
    or a structure of other members; the speed-ups take DynamoDB's alone)."""
    if shape.name != "AttributeValue":
        return False
    judged = _judged.get(id(shape))
    if judged is not None and judged[0] is shape:
        return judged[1]
    members = getattr(shape, "members", None) if shape.type_name == "structure" else None
    verdict = (
        members is not None
        and not shape.is_document_type
        and not shape.metadata
        and {name: member.type_name for name, member in members.items()} == _MEMBERS
        and not any(member.metadata or member.serialization for member in members.values())
        and members["M"].key.type_name == "string"
        and members["M"].value.name == members["L"].member.name == "AttributeValue"
        and members["SS"].member.type_name == members["NS"].member.type_name == "string"
        and not any(members[kind].member.serialization for kind in ("SS", "NS", "L"))
    )
    _keep(_judged, id(shape), (shape, verdict))
    return verdict


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


def _plain_map(value: Any) -> Any:
    """A copy of a map of AttributeValues whose every value is plain, or `_NOT_PLAIN`."""
    if type(value) is not dict:
        return _NOT_PLAIN
    out = {}
    for name, member in value.items():
        out[name] = plain = _plain_value(member)
        if plain is _NOT_PLAIN:
            return _NOT_PLAIN
    return out


def _copying_answer_value(moto_structure: Callable[..., None]) -> Callable[..., None]:
    """moto's writer of an answer's structure; a plain AttributeValue copied as it is."""

    def structure(serializer: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        picker = getattr(serializer, "_value_picker", None)
        if key and _dynamodb_value(shape) and getattr(picker, "response_transformers", None) == {}:
            plain = _plain_value(value)
            if plain is not _NOT_PLAIN:
                serializer._default_serialize(serialized, plain, shape, key)
                return
        moto_structure(serializer, serialized, value, shape, key)

    return structure


def _dynamodb_map(shape: Any) -> bool:
    """Whether `shape` is a map of DynamoDB's AttributeValues under string keys (which moto
    reads, and botocore writes, as they are)."""
    return shape.key.type_name == "string" and _dynamodb_value(shape.value)


Judged = Callable[[Any], bool]  # whether a shape is one a speed-up copies
Copied = Callable[[Any], Any]  # the plain copy of a value, or `_NOT_PLAIN`


def _reading(
    moto_read: Callable[..., Any], reader: type, judged: Judged, copied: Copied
) -> Callable[..., Any]:
    """moto's reader of a request's structure or map; a plain DynamoDB value (or a map of
    them) read as a copy, by moto's JSON reader itself (no subclass of it), which reads
    strings, numbers in strings and booleans as they are."""

    def read(parser: Any, shape: Any, value: Any) -> Any:
        if (
            type(parser) is reader
            and parser.MAP_TYPE is dict
            and getattr(parser, "_parse_string", None) is None
            and judged(shape)
        ):
            plain = copied(value)
            if plain is not _NOT_PLAIN:
                return plain
        return moto_read(parser, shape, value)

    return read


# ---- botocore, on the handlers' side of the emulation -------------------------------------
def _leaf(value: Any) -> bool:
    """Whether `value`, given for DynamoDB's AttributeValue, has one string, number,
    boolean or null member of its type: botocore's validator reports nothing in it."""
    if type(value) is not dict or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    return type(inner) is _SCALARS.get(kind)


def _validating_value(
    validate_structure: Callable[..., None], validator_type: type
) -> Callable[..., None]:
    """botocore's validator of a structure; a leaf AttributeValue passes as it would (with
    botocore's own validator, no subclass of it)."""

    def structure(validator: Any, params: Any, shape: Any, errors: Any, name: str) -> None:
        if type(validator) is validator_type and _dynamodb_value(shape) and _leaf(params):
            return
        validate_structure(validator, params, shape, errors, name)

    return structure


def _plain_keys(params: dict[Any, Any], key_shape: Any) -> bool:
    """Whether botocore's validator reports nothing in the keys: strings, and a key shape
    with no minimum length and no special serialisation."""
    return (
        key_shape.type_name == "string"
        and "min" not in key_shape.metadata
        and not key_shape.serialization
        and all(type(key) is str for key in params)
    )


def _validating_map(validate_map: Callable[..., None], validator_type: type) -> Callable[..., None]:
    """botocore's validator of a map; in a map of AttributeValues with plain keys, leaf
    values pass as they would and the others are validated by botocore, in order."""

    def map_(validator: Any, params: Any, shape: Any, errors: Any, name: str) -> None:
        value_shape = shape.value
        if (
            type(validator) is not validator_type
            or type(params) is not dict
            or not _dynamodb_value(value_shape)
            or not _plain_keys(params, shape.key)
        ):
            validate_map(validator, params, shape, errors, name)
            return
        for key, value in params.items():
            if not _leaf(value):
                validator._validate(value, value_shape, errors, f"{name}.{key}")

    return map_


def _writing(
    write: Callable[..., None], writer: type, judged: Judged, copied: Copied
) -> Callable[..., None]:
    """botocore's serializer of a structure or map; a plain DynamoDB value (or a map of
    them) written as a copy, by botocore's JSON serializer itself (no subclass of it),
    which writes strings, numbers in strings and booleans as they are."""

    def serialize(serializer: Any, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        if key is not None and type(serializer) is writer and judged(shape):
            plain = copied(value)
            if plain is not _NOT_PLAIN:
                serialized[key] = plain
                return
        write(serializer, serialized, value, shape, key)

    return serialize


def _reading_template(moto_parse: Callable[[str], dict[str, Any]]) -> Any:
    """moto's `Stack.parse_template`, by libyaml's parser (PyYAML's C one) with moto's
    loader's constructors and tags, where PyYAML has it; any text libyaml refuses, or may
    read otherwise, is read by moto itself (and fails as it fails there)."""
    import yaml
    from moto.cloudformation.utils import yaml_tag_constructor

    from csinsights_local.template import read_by_libyaml

    c_loader = getattr(yaml, "CLoader", None)
    if c_loader is None:
        return staticmethod(moto_parse)

    class TemplateLoader(c_loader):  # type: ignore[misc,valid-type]
        """moto's template loader (PyYAML's `Loader` and moto's tags), on libyaml."""

    TemplateLoader.add_multi_constructor("", yaml_tag_constructor)

    def parse_template(template: str) -> dict[str, Any]:
        yaml.add_multi_constructor("", yaml_tag_constructor)  # as moto does at each parse
        return read_by_libyaml(template, TemplateLoader, moto_parse)

    return staticmethod(parse_template)


def _botocore_patches() -> list[Patch]:
    """The speed-ups of botocore (installed first: moto reads API models as it is imported)."""
    from botocore.loaders import Loader
    from botocore.serialize import JSONSerializer
    from botocore.validate import ParamValidator

    return [
        (Loader, "load_service_model", _reading_once),
        (ParamValidator, "_validate_structure", lambda f: _validating_value(f, ParamValidator)),
        (ParamValidator, "_validate_map", lambda f: _validating_map(f, ParamValidator)),
        (
            JSONSerializer,
            "_serialize_type_structure",
            lambda f: _writing(f, JSONSerializer, _dynamodb_value, _plain_value),
        ),
        (
            JSONSerializer,
            "_serialize_type_map",
            lambda f: _writing(f, JSONSerializer, _dynamodb_map, _plain_map),
        ),
    ]


def _moto_patches() -> list[Patch]:
    """The speed-ups of moto."""
    from moto.cloudformation.models import Stack
    from moto.core.parse import BaseJSONParser, JSONParser
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb import models, responses
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    return [
        (models, "copy", lambda _: _NoTableCopy()),
        (models.DynamoDBBackend, "transact_write_items", _wrap),
        (models.DynamoDBBackend, "update_item", _updating),
        *((models.DynamoDBBackend, name, _changing) for name in CHANGING),
        (Table, "query", _querying),
        (Table, "all_items", _narrowing),
        (Table, "put_item", _putting),
        (Table, "delete_item", _changing),
        (Item, "__init__", lambda _: _item_init),
        (ConditionExpressionParser, "parse", _parsing),
        (responses, "UpdateExpressionParser", _UpdateParses),
        (BaseJSONSerializer, "_serialize_type_structure", _copying_answer_value),
        (
            BaseJSONParser,
            "_parse_structure",
            lambda f: _reading(f, JSONParser, _dynamodb_value, _plain_value),
        ),
        (
            BaseJSONParser,
            "_parse_map",
            lambda f: _reading(f, JSONParser, _dynamodb_map, _plain_map),
        ),
        (Stack, "parse_template", _reading_template),
    ]


def _reading_once(read: Callable[..., Any]) -> Callable[..., Any]:
    """A botocore loader's read of an API model, done once per process for every loader of
    the same kind, search paths and extras. Each new session reads its own: moto's EC2
    lists its regions at import from three new sessions, each reading EC2's whole model
    again. A loader keeps a model it read and hands the same to every client it makes; so
    does this, for every loader. (Data files such as the endpoints are not shared: botocore
    writes into what it read of them.)"""

    def read_once(loader: Any, *args: Any, **kwargs: Any) -> Any:
        # keyed as botocore's loader keeps what it read (by how it was asked)
        kind = (type(loader), tuple(loader.search_paths), tuple(loader.extras_types))
        key = (kind, args, tuple(sorted(kwargs.items())))
        if key not in _loaded:
            _loaded[key] = read(loader, *args, **kwargs)
        return _loaded[key]

    return read_once


def installed() -> bool:
    return bool(_originals)


def install() -> None:
    """Patch moto and botocore (process-wide; installing twice changes nothing)."""
    if installed():
        return
    for patches in (_botocore_patches, _moto_patches):
        for owner, name, speed_up in patches():
            _originals[(owner, name)] = vars(owner).get(name, _ABSENT)  # as is, staticmethods too
            setattr(owner, name, speed_up(getattr(owner, name)))


def uninstall() -> None:
    """Put moto's and botocore's own code back."""
    for (owner, name), original in reversed(_originals.items()):
        if original is _ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    _originals.clear()
    _buckets.clear()  # writes meanwhile are not counted; parses stay true and are kept


@contextmanager
def applied(enabled: bool) -> Iterator[None]:
    """The speed-up installed (or not) for the duration, then as it was before."""
    was = installed()
    (install if enabled else uninstall)()
    try:
        yield
    finally:
        (install if was else uninstall)()
