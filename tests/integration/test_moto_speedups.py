"""The local stack's faster moto transaction and query (csinsights_local/moto_speedups.py)
behave exactly like moto's own: random sequences of TransactWriteItems run against both
leave the same tables (every item, the indexes too) and fail with the same errors,
transaction by transaction; random queries (of the table and of each index, every key
condition, filters, projections, Limit, ScanIndexForward, page by page) over random
tables answer the same pages and errors."""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.serialize import JSONSerializer
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from csinsights_local import moto_speedups
from csinsights_local.template import TEMPLATE, deployable_template
from tests.profiles import examples

# The same tables in two regions: moto keeps one backend per region, so one runs with moto's
# own rollback and the other with the speed-up, in the same process.
PLAIN, FAST = "eu-west-1", "us-west-2"
EVENTS, SEEN, INDEX = "events", "seen", "Open"
BY_VALUE = "ByValue"  # an index with no sort key, keys only
Action = dict[str, Any]


@st.composite
def keys(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A few keys of each table, so actions meet existing items and each other. Rarely the
    sort key is missing (moto cancels that action)."""
    if draw(st.booleans()):
        key = {"pk": {"S": draw(st.sampled_from("abcd"))}}
        sk = draw(st.sampled_from(["1", "2"] * 6 + [None]))
        if sk is not None:
            key["sk"] = {"S": sk}
        return EVENTS, key
    return SEEN, {"id": {"S": draw(st.sampled_from("wxyz"))}}


@st.composite
def conditions(draw: st.DrawFn, required: bool = False) -> tuple[str, dict[str, Any]] | None:
    kind = draw(
        st.sampled_from([*([] if required else [None] * 6), "exists", "absent", "equal", "less"])
    )
    if kind is None:
        return None
    if kind == "exists":
        return "attribute_exists(v)", {}
    if kind == "absent":
        return "attribute_not_exists(v)", {}
    operator = "=" if kind == "equal" else "<"
    return f"v {operator} :limit", {":limit": {"N": str(draw(st.integers(0, 3)))}}


@st.composite
def index_keys(draw: st.DrawFn) -> dict[str, Any]:
    """The index's key attributes: none, valid, or (rarely) of the wrong type, which moto
    rejects with a ValidationException in the middle of the transaction."""
    choice = draw(st.sampled_from(["none", "valid"] * 4 + ["wrong"]))
    if choice == "none":
        return {}
    if choice == "wrong":
        return {"open_pk": {"N": "1"}, "open_sk": {"S": "t"}}
    return {"open_pk": {"S": draw(st.sampled_from("pq"))}, "open_sk": {"S": "t"}}


@st.composite
def actions(draw: st.DrawFn) -> Action:
    table, key = draw(keys())
    kind = draw(st.sampled_from(["Put", "Put", "Update", "Update", "Delete", "ConditionCheck"]))
    condition = draw(conditions(required=kind == "ConditionCheck"))
    values: dict[str, Any] = {}
    op: dict[str, Any] = {"TableName": table}
    if kind == "Put":
        op["Item"] = {**key, "v": {"N": str(draw(st.integers(0, 3)))}}
        if table == EVENTS:
            op["Item"].update(draw(index_keys()))
    else:
        op["Key"] = key
    if kind == "Update":
        expressions = ["SET v = if_not_exists(v, :zero) + :one"]
        values.update({":one": {"N": "1"}, ":zero": {"N": "0"}})
        if table == EVENTS:
            index = draw(index_keys())
            if index:
                expressions[0] += ", open_pk = :open_pk, open_sk = :open_sk"
                values.update({":open_pk": index["open_pk"], ":open_sk": index["open_sk"]})
            elif draw(st.booleans()):
                expressions.append("REMOVE open_pk, open_sk")
        op["UpdateExpression"] = " ".join(expressions)
    if condition is not None:
        op["ConditionExpression"], condition_values = condition
        values.update(condition_values)
        if draw(st.booleans()):
            op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    if values:
        op["ExpressionAttributeValues"] = values
    return {kind: op}


transactions = st.lists(st.lists(actions(), min_size=1, max_size=3), min_size=1, max_size=5)


def create_tables(client: Any) -> None:
    client.create_table(
        TableName=EVENTS,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            *(
                {"AttributeName": name, "AttributeType": "S"}
                for name in ("pk", "sk", "open_pk", "open_sk")
            ),
            {"AttributeName": "v", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": INDEX,
                "KeySchema": [
                    {"AttributeName": "open_pk", "KeyType": "HASH"},
                    {"AttributeName": "open_sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": BY_VALUE,
                "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )
    client.create_table(
        TableName=SEEN,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def fresh_tables(clients: dict[str, Any]) -> tuple[Any, Any]:
    """Both regions' tables empty and new (hypothesis reuses the fixture's clients); the
    plain and the fast client."""
    for client in clients.values():
        for table in client.list_tables()["TableNames"]:
            client.delete_table(TableName=table)
        create_tables(client)
    return clients[PLAIN], clients[FAST]


def _scan(client: Any, **kwargs: Any) -> list[str]:
    """Every item; or, when moto itself cannot scan (an index key of the wrong type that an
    `Update` let through, which moto then fails to sort: a TypeError), that failure."""
    try:
        items = client.scan(**kwargs)["Items"]
    except TypeError as error:
        return [f"moto cannot scan: {type(error).__name__}"]
    return sorted(json.dumps(item, sort_keys=True) for item in items)


def state(client: Any) -> dict[str, list[str]]:
    return {
        EVENTS: _scan(client, TableName=EVENTS),
        SEEN: _scan(client, TableName=SEEN),
        INDEX: _scan(client, TableName=EVENTS, IndexName=INDEX),
    }


def transact(client: Any, items: list[Action], fast: bool) -> tuple[Any, ...] | None:
    with moto_speedups.applied(fast):
        try:
            client.transact_write_items(TransactItems=items)
        except ClientError as error:
            return (
                error.response["Error"]["Code"],
                error.response["Error"]["Message"],
                error.response.get("CancellationReasons"),
            )
    return None


@pytest.fixture
def clients() -> Iterator[dict[str, Any]]:
    with mock_aws():
        yield {region: boto3.client("dynamodb", region_name=region) for region in (PLAIN, FAST)}


@settings(
    max_examples=examples(30, 300), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=transactions)
def test_transactions_leave_the_same_tables_and_errors_as_moto(
    clients: dict[str, Any], tally: Counter[str], sequence: list[list[Action]]
) -> None:
    plain, fast = fresh_tables(clients)

    for items in sequence:
        expected = transact(plain, items, fast=False)
        assert transact(fast, items, fast=True) == expected
        tally[f"moto transactions compared ({expected[0] if expected else 'committed'})"] += 1
        assert state(fast) == state(plain)


# ---- queries ------------------------------------------------------------------------------
SORT_KEYS = ["1", "2", "3", "10", "20", "a"]


@st.composite
def writes(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """One PutItem, UpdateItem or DeleteItem (maybe conditional) on either table."""
    if draw(st.integers(0, 3)):
        table = EVENTS
        key = {
            "pk": {"S": draw(st.sampled_from("abc"))},
            "sk": {"S": draw(st.sampled_from(SORT_KEYS))},
        }
    else:
        table, key = SEEN, {"id": {"S": draw(st.sampled_from("wxyz"))}}
    kind = draw(st.sampled_from(["put_item", "put_item", "put_item", "update_item", "delete_item"]))
    op: dict[str, Any] = {"TableName": table}
    values: dict[str, Any] = {}
    if kind == "put_item":
        op["Item"] = {
            **key,
            "v": {"N": str(draw(st.integers(0, 2)))},
            "w": {"S": "x" * draw(st.integers(0, 3))},
        }
        if table == EVENTS and draw(st.booleans()):
            op["Item"]["open_pk"] = {"S": draw(st.sampled_from("pq"))}
            op["Item"]["open_sk"] = {"S": draw(st.sampled_from(SORT_KEYS))}
    else:
        op["Key"] = key
    if kind == "update_item":
        op["UpdateExpression"] = "SET v = if_not_exists(v, :zero) + :one"
        values.update({":one": {"N": "1"}, ":zero": {"N": "0"}})
        if table == EVENTS and draw(st.booleans()):
            op["UpdateExpression"] += ", open_pk = :open_pk, open_sk = :open_sk"
            values.update(
                {
                    ":open_pk": {"S": draw(st.sampled_from("pq"))},
                    ":open_sk": {"S": draw(st.sampled_from(SORT_KEYS))},
                }
            )
    condition = draw(conditions()) if draw(st.integers(0, 4)) == 0 else None
    if condition is not None:
        op["ConditionExpression"], condition_values = condition
        values.update(condition_values)
    if values:
        op["ExpressionAttributeValues"] = values
    return kind, op


def _sort_condition(draw: st.DrawFn, name: str) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["none", "=", "<", "<=", ">", ">=", "between", "begins_with"]))
    low, high = sorted(draw(st.lists(st.sampled_from(SORT_KEYS), min_size=2, max_size=2)))
    if kind == "none":
        return "", {}
    if kind == "between":
        return f" AND {name} BETWEEN :lo AND :hi", {":lo": {"S": low}, ":hi": {"S": high}}
    if kind == "begins_with":
        return f" AND begins_with({name}, :lo)", {":lo": {"S": low[:1]}}
    return f" AND {name} {kind} :lo", {":lo": {"S": low}}


@st.composite
def queries(draw: st.DrawFn) -> dict[str, Any]:
    target = draw(st.sampled_from(["table", "table", "seen", "index", "index", "by value", "bad"]))
    query: dict[str, Any] = {"TableName": SEEN if target == "seen" else EVENTS}
    if target == "seen":
        condition, values = "id = :h", {":h": {"S": draw(st.sampled_from("wxyz"))}}
    elif target == "by value":
        query["IndexName"] = BY_VALUE
        condition, values = "v = :h", {":h": {"N": str(draw(st.integers(0, 3)))}}
    else:
        if target in ("index", "bad"):
            query["IndexName"] = INDEX if target == "index" else "Missing"
            hash_name, sort_name, hash_value = "open_pk", "open_sk", draw(st.sampled_from("pq"))
        else:
            hash_name, sort_name, hash_value = "pk", "sk", draw(st.sampled_from("abcd"))
        extra, values = _sort_condition(draw, sort_name)
        condition, values = f"{hash_name} = :h{extra}", {":h": {"S": hash_value}, **values}
    query["KeyConditionExpression"] = condition
    if draw(st.booleans()):
        query["FilterExpression"] = draw(st.sampled_from(["attribute_exists(w)", "v < :lim"]))
        if "lim" in query["FilterExpression"]:
            values[":lim"] = {"N": "2"}
    query["ExpressionAttributeValues"] = values
    if draw(st.booleans()):
        query["Limit"] = draw(st.integers(1, 2))
    query["ScanIndexForward"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        query["ProjectionExpression"] = "v, w"
    if target == "index" and draw(st.integers(0, 9)) == 0:
        query["ConsistentRead"] = True  # refused on a global index
    return query


@st.composite
def histories(draw: st.DrawFn) -> list[Any]:
    """Writes enough to fill partitions past a Limit, with queries among and after them."""
    operations: list[Any] = draw(st.lists(writes(), min_size=10, max_size=40))
    for query in draw(st.lists(queries(), min_size=3, max_size=12)):
        operations.insert(draw(st.integers(len(operations) // 2, len(operations))), query)
    return operations


def pages(client: Any, query: dict[str, Any], fast: bool) -> list[Any]:
    """Every page of the query (following LastEvaluatedKey), or the error."""
    answers: list[Any] = []
    request = dict(query)
    with moto_speedups.applied(fast):
        for _ in range(30):
            try:
                page = client.query(**request)
            except ClientError as error:
                answers.append(
                    (error.response["Error"]["Code"], error.response["Error"]["Message"])
                )
                break
            answers.append(
                {k: page.get(k) for k in ("Items", "Count", "ScannedCount", "LastEvaluatedKey")}
            )
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return answers


def write(client: Any, kind: str, op: dict[str, Any]) -> tuple[str, str] | None:
    try:
        getattr(client, kind)(**op)
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    return None


@settings(
    max_examples=examples(25, 300), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=histories())
def test_queries_answer_the_same_pages_and_errors_as_moto(
    clients: dict[str, Any], tally: Counter[str], operations: list[Any]
) -> None:
    plain, fast = fresh_tables(clients)

    def answers(client: Any, fast: bool) -> list[Any]:
        """Each operation's answer, the speed-up installed (or not) for the whole history,
        so that what it keeps between a write and a query is put to the test."""
        with moto_speedups.applied(fast):
            return [
                write(client, *operation)
                if isinstance(operation, tuple)
                else pages(client, operation, fast)
                for operation in operations
            ]

    expected, actual = answers(plain, fast=False), answers(fast, fast=True)
    for operation, expected_answer, answer in zip(operations, expected, actual, strict=True):
        assert answer == expected_answer, operation
        if isinstance(operation, tuple):
            continue
        outcome = (
            "error" if isinstance(expected_answer[-1], tuple) else f"{len(expected_answer)} page(s)"
        )
        target = operation.get("IndexName", operation["TableName"])
        tally[f"moto queries compared ({target}, {outcome})"] += 1
    assert state(fast) == state(plain)


# ---- updates, items near the size limit, repeated conditions --------------------------------
BIG = 404_900  # bytes of one attribute: a few more and the item passes moto's size limit
UPDATED = ["n", "m", "s", "big", "w"]
KEYS = ["pk", "sk", "id", "v", "open_pk"]  # of the tables and of their indexes


def _attribute_value(draw: st.DrawFn) -> dict[str, Any]:
    return draw(
        st.sampled_from(
            [
                {"N": "1"},
                {"N": "-2"},
                {"N": "1.50"},
                {"N": "0.1"},
                {"N": "99999999999999999999"},
                {"S": "t"},
                {"S": ""},
                {"NS": ["1", "2"]},
                {"SS": ["a"]},
                {"M": {"x": {"N": "1"}}},
                {"BOOL": True},
                {"S": "x" * 200},
                {"S": "x" * 2_000},
            ]
        )
    )


@st.composite
def plain_updates(draw: st.DrawFn) -> dict[str, Any]:
    """An UpdateItem request: mostly SET and ADD of placeholders (the fast path), with the
    mistakes moto refuses (an unknown or unused placeholder, an attribute named twice, a
    key attribute, a type ADD cannot add), some other expressions (moto's own path) and
    sometimes a condition."""
    table, key = draw(keys())
    targets = draw(st.lists(st.sampled_from(UPDATED), min_size=1, max_size=5, unique=True))
    mistake = draw(
        st.sampled_from(
            [None] * 12 + ["twice", "key", "unknown name", "unknown value", "unused", "other"]
        )
    )
    if mistake == "twice":
        targets.append(targets[0])
    elif mistake == "key":
        targets.append(draw(st.sampled_from(KEYS)))
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets, adds = [], []
    for i, target in enumerate(targets):
        names[f"#t{i}"] = target
        if draw(st.booleans()):
            values[f":t{i}"] = _attribute_value(draw)
            sets.append(f"#t{i} = :t{i}")
        else:
            values[f":t{i}"] = (
                {"N": str(draw(st.integers(-3, 3)))}
                if draw(st.integers(0, 5))
                else _attribute_value(draw)
            )
            adds.append(f"#t{i} :t{i}")
    expression = " ".join(
        part
        for part in (
            "SET " + ", ".join(sets) if sets else "",
            "ADD " + ", ".join(adds) if adds else "",
        )
        if part
    )
    if mistake == "unknown name":
        names.pop(draw(st.sampled_from(sorted(names))))
    elif mistake == "unknown value":
        values.pop(draw(st.sampled_from(sorted(values))))
    elif mistake == "unused":
        names["#unused"] = "w"
    elif mistake == "other":
        expression = draw(
            st.sampled_from(
                [expression.lower(), expression + " REMOVE w", expression.replace("#", "")]
            )
        )
    op: dict[str, Any] = {"TableName": table, "Key": key, "UpdateExpression": expression}
    condition = draw(conditions()) if draw(st.integers(0, 5)) == 0 else None
    if condition is not None:
        op["ConditionExpression"], condition_values = condition
        values.update(condition_values)
    if names:
        op["ExpressionAttributeNames"] = names
    if values:
        op["ExpressionAttributeValues"] = values
    return op


@st.composite
def seeds(draw: st.DrawFn) -> dict[str, Any]:
    """A PutItem whose attributes an update then meets: numbers, other types, and rarely an
    attribute so big that the item is near (or past) moto's size limit."""
    table, key = draw(keys())
    item = {**key}
    for name in ("n", "m", "s"):
        if draw(st.booleans()):
            item[name] = _attribute_value(draw)
    if draw(st.integers(0, 2)) == 0:
        item["big"] = {"S": "x" * (BIG + draw(st.sampled_from([-200, 0, 60, 200, 5_000])))}
    op: dict[str, Any] = {"TableName": table, "Item": item}
    if draw(st.integers(0, 3)) == 0:  # a repeated condition, with names, maybe one unused
        op["ConditionExpression"] = "attribute_not_exists(#k)"
        op["ExpressionAttributeNames"] = {"#k": "n"}
        if draw(st.booleans()):
            op["ExpressionAttributeNames"]["#u"] = "m"
    return op


def _answer(call: Any, **request: Any) -> Any:
    """The new item, or the error; or, where moto itself fails (it raises a KeyError for an
    unknown name placeholder in an update), that failure by type."""
    try:
        return call(**request).get("Attributes")
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    except KeyError as error:
        return "moto fails", type(error).__name__


def _update_or_transact(client: Any, op: dict[str, Any], in_transaction: bool) -> Any:
    if in_transaction:
        return _answer(client.transact_write_items, TransactItems=[{"Update": op}])
    return _answer(client.update_item, **op, ReturnValues="ALL_NEW")


@settings(
    max_examples=examples(40, 400), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    operations=st.lists(
        st.one_of(seeds(), st.tuples(plain_updates(), st.booleans())), min_size=2, max_size=14
    )
)
@example(  # an update that takes an item past the size limit, alone and in a transaction
    operations=[
        {"TableName": SEEN, "Item": {"id": {"S": "w"}, "big": {"S": "x" * (BIG + 60)}}},
        *(
            (
                {
                    "TableName": SEEN,
                    "Key": {"id": {"S": "w"}},
                    "UpdateExpression": "SET #t0 = :t0 ADD #t1 :t1",
                    "ExpressionAttributeNames": {"#t0": "s", "#t1": "n"},
                    "ExpressionAttributeValues": {":t0": {"S": "x" * 2_000}, ":t1": {"N": "1"}},
                },
                in_transaction,
            )
            for in_transaction in (False, True)
        ),
    ]
)
def test_updates_and_items_near_the_limit_behave_as_in_moto(
    clients: dict[str, Any], tally: Counter[str], operations: list[Any]
) -> None:
    plain, fast = fresh_tables(clients)

    for operation in operations:
        answers = []
        for client, enabled in ((plain, False), (fast, True)):
            with moto_speedups.applied(enabled):
                if isinstance(operation, tuple):
                    answers.append(_update_or_transact(client, *operation))
                else:
                    answers.append(_answer(client.put_item, **operation))
        assert answers[1] == answers[0]
        kind = "update" if isinstance(operation, tuple) else "put"
        outcome = answers[0][0] if isinstance(answers[0], tuple) else "done"
        tally[f"moto {kind}s compared ({outcome})"] += 1
        assert state(fast) == state(plain)
    for client in (plain, fast):
        with moto_speedups.applied(client is fast):
            assert client.scan(TableName=EVENTS, IndexName=BY_VALUE)  # the keys-only index too
    assert _scan(fast, TableName=EVENTS, IndexName=BY_VALUE) == _scan(
        plain, TableName=EVENTS, IndexName=BY_VALUE
    )


# ---- the bytes of answers ---------------------------------------------------------------------
names = st.text(alphabet="abcxyz_", min_size=1, max_size=4)
scalars = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=5)),
    st.builds(
        lambda n: {"N": str(n)}, st.one_of(st.integers(-99, 99), st.decimals(-9, 9, places=2))
    ),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda b: {"B": b}, st.binary(max_size=4)),
    st.builds(
        lambda s: {"SS": s}, st.lists(st.text(max_size=3), min_size=1, max_size=3, unique=True)
    ),
    st.builds(
        lambda s: {"NS": [str(n) for n in s]},
        st.lists(st.integers(-9, 9), min_size=1, max_size=3, unique=True),
    ),
    st.builds(
        lambda s: {"BS": s},
        st.lists(st.binary(min_size=1, max_size=3), min_size=1, max_size=2, unique=True),
    ),
)
attribute_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(lambda m: {"M": m}, st.dictionaries(names, inner, max_size=3)),
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3)),
    ),
    max_leaves=8,
)
answered_items = st.lists(
    st.dictionaries(
        names.filter(lambda n: n not in ("pk", "sk", "v")), attribute_values, max_size=4
    ),
    min_size=1,
    max_size=5,
)


@contextmanager
def _bodies(client: Any) -> Iterator[list[bytes]]:
    """The raw body of every answer `client` receives meanwhile."""
    bodies: list[bytes] = []

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        bodies.append(response_dict["body"])

    client.meta.events.register("before-parse.dynamodb.*", keep)
    try:
        yield bodies
    finally:
        client.meta.events.unregister("before-parse.dynamodb.*", keep)


def _reads(client: Any, count: int) -> None:
    keys_ = [{"pk": {"S": "a"}, "sk": {"S": str(i)}} for i in range(count)]
    client.get_item(TableName=EVENTS, Key=keys_[0])
    client.batch_get_item(RequestItems={EVENTS: {"Keys": keys_}})
    client.query(
        TableName=EVENTS,
        KeyConditionExpression="pk = :a",
        ExpressionAttributeValues={":a": {"S": "a"}},
    )
    client.scan(TableName=EVENTS)
    client.transact_get_items(
        TransactItems=[{"Get": {"TableName": EVENTS, "Key": k}} for k in keys_]
    )
    client.update_item(
        TableName=EVENTS,
        Key=keys_[-1],
        UpdateExpression="SET #t = :t",
        ExpressionAttributeNames={"#t": "touched"},
        ExpressionAttributeValues={":t": {"L": [{"S": "x"}, {"M": {"y": {"B": b"1"}}}]}},
        ReturnValues="ALL_OLD",
    )
    client.delete_item(TableName=EVENTS, Key=keys_[0], ReturnValues="ALL_OLD")


@settings(
    max_examples=examples(40, 400), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=answered_items)
def test_answers_carry_the_same_bytes_as_moto(
    clients: dict[str, Any], tally: Counter[str], items: list[dict[str, Any]]
) -> None:
    bodies = {}
    fresh_tables(clients)
    for region, enabled in ((PLAIN, False), (FAST, True)):
        client = clients[region]
        with moto_speedups.applied(enabled):
            for i, attributes in enumerate(items):
                item = {"pk": {"S": "a"}, "sk": {"S": str(i)}, **attributes}
                client.put_item(TableName=EVENTS, Item=item)
            with _bodies(client) as bodies[region]:
                _reads(client, len(items))
    assert bodies[FAST] == bodies[PLAIN]
    binary = any(b'"B' in body for body in bodies[PLAIN])
    tally[f"moto answers compared byte for byte ({'with' if binary else 'no'} binary values)"] += (
        len(bodies[PLAIN])
    )


# ---- templates ----------------------------------------------------------------------------
def _read_template(text: str, fast: bool) -> Any:
    from moto.cloudformation.models import Stack

    with moto_speedups.applied(fast):
        try:
            return Stack.parse_template(text)
        except Exception as error:  # both must fail alike
            return f"fails: {type(error).__name__}"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(json.dumps(deployable_template()), id="the deployed template (JSON)"),
        pytest.param(TEMPLATE.read_text(), id="infra/template.yaml (YAML, short tags)"),
        pytest.param('{"a":\t1, "b": [1.5, "x", null, true, 1e5]}', id="JSON with a tab"),
        pytest.param("A: !GetAtt B.Arn\nC: !Sub '${D}'\nE: 1e3\nF: 0o17\n", id="YAML scalars"),
        pytest.param("{a: [}", id="neither"),
        pytest.param("", id="empty"),
        pytest.param("a: 1\n\ufeffb: 2\n", id="a byte order mark inside"),
        pytest.param('a: "\\uD83D\\uDE00"\n', id="an escaped surrogate pair"),
    ],
)
def test_templates_read_as_moto_reads_them(text: str) -> None:
    assert _read_template(text, fast=True) == _read_template(text, fast=False)


# ---- pinned sequences ---------------------------------------------------------------------
SET_CONDITION = {
    "TableName": SEEN,
    "UpdateExpression": "SET #t = :t",
    "ConditionExpression": "attribute_not_exists(#t) OR #t = :t",
    "ExpressionAttributeNames": {"#t": "tags"},
    "ExpressionAttributeValues": {":t": {"SS": ["a"]}},
}
PINNED = {
    "a condition on a set value that an ADD then changes in its item": [
        ("update_item", {**SET_CONDITION, "Key": {"id": {"S": "w"}}}),
        ("update_item", {**SET_CONDITION, "Key": {"id": {"S": "x"}}}),
        (
            "update_item",
            {
                "TableName": SEEN,
                "Key": {"id": {"S": "w"}},
                "UpdateExpression": "ADD #t :x",
                "ExpressionAttributeNames": {"#t": "tags"},
                "ExpressionAttributeValues": {":x": {"SS": ["b"]}},
            },
        ),
        ("update_item", {**SET_CONDITION, "Key": {"id": {"S": "x"}}}),
    ],
    "an empty key in a nested map": [
        ("put_item", {"TableName": SEEN, "Item": {"id": {"S": "w"}, "m": {"M": {"": {"S": "x"}}}}}),
        ("get_item", {"TableName": SEEN, "Key": {"id": {"S": "w"}}}),
    ],
    "a transaction item with two operations, after a put": [
        (
            "transact_write_items",
            {
                "TransactItems": [
                    {"Put": {"TableName": SEEN, "Item": {"id": {"S": "w"}}}},
                    {
                        "Put": {"TableName": SEEN, "Item": {"id": {"S": "x"}}},
                        "Delete": {"TableName": SEEN, "Key": {"id": {"S": "y"}}},
                    },
                ]
            },
        ),
    ],
}


@pytest.mark.parametrize("calls", list(PINNED.values()), ids=list(PINNED))
def test_pinned_sequences_end_as_in_moto(
    clients: dict[str, Any], calls: list[tuple[str, dict[str, Any]]]
) -> None:
    """Cases a review of the speed-ups found, each once: the same answers, and the same
    tables (the bytes of a scan of each, index included)."""
    scans = [
        ("scan", {"TableName": SEEN}),
        ("scan", {"TableName": EVENTS}),
        ("scan", {"TableName": EVENTS, "IndexName": INDEX}),
    ]
    answers = {}
    for region, enabled in ((PLAIN, False), (FAST, True)):
        client = clients[region]
        create_tables(client)
        with moto_speedups.applied(enabled), _bodies(client) as answers[region]:
            for method, request in calls + scans:
                # An error's body is among the answers; so is an answer moto writes that
                # botocore cannot read (an empty key in a nested map: an AttributeError).
                with suppress(ClientError, AttributeError):
                    getattr(client, method)(**request)
    assert answers[FAST] == answers[PLAIN]


# ---- requests: botocore's validation and serialisation, moto's reading ---------------------
def _odd(draw: st.DrawFn) -> Any:
    """Anything a caller might pass where an AttributeValue or its member belongs."""
    return draw(
        st.one_of(
            st.none(),
            st.integers(-3, 3),
            st.booleans(),
            st.text(max_size=3),
            st.binary(max_size=2),
            st.just(1.5),
            st.just([]),
            st.just({}),
        )
    )


@st.composite
def any_values(draw: st.DrawFn, depth: int = 0) -> Any:
    """Mostly well-formed AttributeValues, nested; often one mistake: a member of the wrong
    type, two members or none, an unknown member, a key that is no string, not a dict."""
    kind = draw(st.sampled_from([*"SSNNB", "BOOL", "NULL", "SS", "NS", "BS", "M", "L", "odd"]))
    if kind == "odd":
        return _odd(draw)
    if kind in ("M", "L"):
        if depth >= 2:
            return {"S": "deep"}
        if kind == "L":
            return {"L": draw(st.lists(any_values(depth + 1), max_size=3))}
        return {"M": draw(any_maps(depth + 1))}
    member = {
        "S": st.text(max_size=4),
        "N": st.sampled_from(["1", "-2.5", "x"]),
        "B": st.binary(max_size=3),
        "BOOL": st.booleans(),
        "NULL": st.just(True),
        "SS": st.lists(st.text(max_size=2), max_size=2),
        "NS": st.lists(st.sampled_from(["1", "2"]), max_size=2),
        "BS": st.lists(st.binary(max_size=2), max_size=2),
    }[kind]
    value: dict[Any, Any] = {kind: draw(member)}
    mistake = draw(st.sampled_from([None] * 8 + ["type", "two", "none", "unknown"]))
    if mistake == "type":
        value = {next(iter(value)): _odd(draw)}
    elif mistake == "two":
        value["N"] = "1"
    elif mistake == "none":
        value = {}
    elif mistake == "unknown":
        value = {"X": "1"}
    return value


@st.composite
def any_maps(draw: st.DrawFn, depth: int = 0) -> dict[Any, Any]:
    keys_ = st.one_of(st.text(max_size=3), st.just("k" * 70_000), st.integers(0, 2))
    weights = [st.text(alphabet="abc", min_size=1, max_size=2)] * 6 + [keys_]
    return draw(st.dictionaries(st.one_of(*weights), any_values(depth), max_size=4))


@st.composite
def any_requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """An operation's parameters with AttributeValue maps wherever the API has them."""
    item, key, values = draw(any_maps()), draw(any_maps()), draw(any_maps())
    operation = draw(
        st.sampled_from(["PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem", "Query"])
    )
    table = {"TableName": "t"}
    if operation == "PutItem":
        return operation, {**table, "Item": item, "ExpressionAttributeValues": values}
    update = {**table, "Key": key, "UpdateExpression": "SET a = :a"}
    if operation == "UpdateItem":
        return operation, {**update, "ExpressionAttributeValues": values}
    if operation == "TransactWriteItems":
        return operation, {"TransactItems": [{"Put": {**table, "Item": item}}, {"Update": update}]}
    if operation == "BatchWriteItem":
        return operation, {"RequestItems": {"t": [{"PutRequest": {"Item": item}}]}}
    return operation, {
        **table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": values,
        "ExclusiveStartKey": key,
    }


@functools.cache
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _handled(service: str, operation: str, params: dict[str, Any], fast: bool) -> Any:
    """botocore's validation report, and a strict validator subclass's; the request body
    botocore's serializer writes (sent unvalidated, as a caller may); what moto reads from
    that body. A failure is its type: both must fail alike."""
    from botocore.serialize import create_serializer
    from moto.core.parse import PROTOCOL_PARSERS

    model = _model(service)
    operation_model = model.operation_model(operation)
    protocol = model.metadata["protocol"]
    with moto_speedups.applied(fast):
        report = ParamValidator().validate(params, operation_model.input_shape)
        strict = _Strict().validate(params, operation_model.input_shape).generate_report()
        try:
            request = create_serializer(protocol, include_validation=False).serialize_to_request(
                params, operation_model
            )
        except Exception as error:  # both must fail alike
            return report.generate_report(), strict, type(error).__name__
        try:
            read = PROTOCOL_PARSERS[protocol](operation_model).parse(
                {**request, "values": {}, "url_params": {}}
            )
        except Exception as error:  # both must fail alike
            read = type(error).__name__
    return report.generate_report(), strict, request["body"], read


class _Strict(ParamValidator):  # type: ignore[misc]
    """A subclass of botocore's validator that refuses every string."""

    def _validate_string(self, param: Any, shape: Any, errors: Any, name: str) -> None:
        errors.report(name, "invalid type", param=param, valid_types=["none"])


@settings(
    max_examples=examples(150, 1500),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(request=any_requests())
def test_requests_are_validated_written_and_read_as_without_the_speed_up(
    tally: Counter[str], request: tuple[str, dict[str, Any]]
) -> None:
    operation, params = request
    plain = _handled("dynamodb", operation, params, fast=False)
    assert _handled("dynamodb", operation, params, fast=True) == plain
    tally[f"requests compared ({'refused' if plain[0] else 'valid'})"] += 1


# Cases a review of the speed-ups found: other APIs with shapes named AttributeValue, a
# subclass of botocore's validator or serializer, loaders of other kinds, and what botocore
# writes into the endpoints it read.
class _Shouting(JSONSerializer):  # type: ignore[misc]
    def _default_serialize(self, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        serialized[key] = value.upper() if isinstance(value, str) else value


OTHER_APIS = [  # (service, operation, parameters); DynamoDB's own for the strict validator
    ("dynamodb", "PutItem", {"TableName": "t", "Item": {"a": {"S": "x"}, "b": {"N": "1"}}}),
    ("iot", "CreateThing", {"thingName": "x", "attributePayload": {"attributes": {"a": "b"}}}),
    (
        "ssm",
        "PutComplianceItems",
        {
            "ResourceId": "i",
            "ResourceType": "t",
            "ComplianceType": "c",
            "ExecutionSummary": {"ExecutionTime": 1},
            "Items": [{"Severity": "LOW", "Status": "COMPLIANT", "Details": {"k": "v"}}],
        },
    ),
    (
        "gamelift",
        "StartMatchmaking",
        {
            "ConfigurationName": "c",
            "Players": [{"PlayerId": "p", "PlayerAttributes": {"skill": {"N": "5"}}}],
        },
    ),
    (
        "gamelift",
        "StartMatchmaking",
        {
            "ConfigurationName": "c",
            "Players": [{"PlayerId": "p", "PlayerAttributes": {"skill": {"N": 5.0}}}],
        },
    ),
]


@pytest.mark.parametrize("case", OTHER_APIS, ids=[f"{s} {o}" for s, o, _ in OTHER_APIS])
def test_other_apis_are_validated_written_and_read_as_without_the_speed_up(
    case: tuple[str, str, dict[str, Any]],
) -> None:
    assert _handled(*case, fast=True) == _handled(*case, fast=False)


def test_a_subclass_of_the_serializer_writes_as_without_the_speed_up() -> None:
    operation_model = _model("dynamodb").operation_model("PutItem")
    params = {"TableName": "t", "Item": {"a": {"S": "x"}, "b": {"M": {"c": {"S": "y"}}}}}
    bodies = []
    for fast in (False, True):
        with moto_speedups.applied(fast):
            bodies.append(_Shouting().serialize_to_request(params, operation_model)["body"])
    assert bodies[1] == bodies[0]
    assert b'"X"' in bodies[0]


def test_loaders_of_other_kinds_and_endpoints_are_not_shared() -> None:
    """A loader without the SDK's extras reads its own model; the endpoints botocore
    resolves into are each session's own."""
    import botocore.session
    from botocore.loaders import Loader

    def resolved() -> list[Any]:
        first = botocore.session.Session()
        first.create_client("sqs", region_name="us-east-1")  # resolves into its endpoints
        second = botocore.session.Session()
        resolver = second._get_internal_component("endpoint_resolver")
        return [
            resolver.construct_endpoint("sqs", "us-east-1", use_dualstack_endpoint=True),
            Loader(include_default_extras=False).load_service_model("rds", "service-2"),
        ]

    Loader().load_service_model("rds", "service-2")
    with moto_speedups.applied(False):
        plain = resolved()
    with moto_speedups.applied(True):
        Loader().load_service_model("rds", "service-2")
        fast = resolved()
    assert fast == plain


def test_an_update_expression_that_is_no_string_fails_as_in_moto() -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    def made(parser: Any, expression: Any) -> str:
        try:
            parser.make(expression)
        except Exception as error:  # both must fail alike
            return type(error).__name__
        return "made"

    fast = moto_speedups._UpdateParses(UpdateExpressionParser)
    for expression in (["SET a = :a"], {"SET": 1}, "SET a = :a", "SET"):
        assert made(fast, expression) == made(UpdateExpressionParser, expression)


def test_api_models_are_read_once_and_are_those_botocore_reads() -> None:
    """With the speed-ups, every new session gets the API models and endpoints botocore's
    loader reads, read once in the process."""
    import botocore.session

    def read() -> tuple[Any, Any, list[str]]:
        session = botocore.session.Session()
        model = session.get_service_model("dynamodb")
        regions = session.get_available_regions("ec2", "aws-cn")
        return session.get_service_data("ec2"), model.operation_names, regions

    with moto_speedups.applied(False):
        plain, again = read(), read()
    assert plain[0] is not again[0]  # each session reads its own
    with moto_speedups.applied(True):
        fast, fast_again = read(), read()
    assert fast[0] is fast_again[0]
    assert fast == plain
