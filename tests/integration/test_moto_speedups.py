"""The local stack's faster moto (csinsights_local/moto_speedups.py) behaves exactly like
moto's own: random sequences of TransactWriteItems run against both leave the same tables
(every item, the index too) and fail with the same errors, transaction by transaction; and
scans and queries list random tables' items in the same order, page by page."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from csinsights_local import moto_speedups
from tests.profiles import examples

# The same tables in two regions: moto keeps one backend per region, so one runs with moto's
# own rollback and the other with the speed-up, in the same process.
PLAIN, FAST = "eu-west-1", "us-west-2"
EVENTS, SEEN, INDEX = "events", "seen", "Open"
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
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", "open_pk", "open_sk")
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
            }
        ],
    )
    client.create_table(
        TableName=SEEN,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def state(client: Any) -> dict[str, list[str]]:
    scans = {
        EVENTS: client.scan(TableName=EVENTS),
        SEEN: client.scan(TableName=SEEN),
        INDEX: client.scan(TableName=EVENTS, IndexName=INDEX),
    }
    return {
        name: sorted(json.dumps(item, sort_keys=True) for item in scan["Items"])
        for name, scan in scans.items()
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
    plain, fast = clients[PLAIN], clients[FAST]
    for client in (plain, fast):
        for table in client.list_tables()["TableNames"]:
            client.delete_table(TableName=table)
        create_tables(client)

    for items in sequence:
        expected = transact(plain, items, fast=False)
        assert transact(fast, items, fast=True) == expected
        tally[f"moto transactions compared ({expected[0] if expected else 'committed'})"] += 1
        assert state(fast) == state(plain)


# ---------------------------------------------------------------- the table's item order

ORDERED, BY_NUMBER = "ordered", "by-number"
key_values = st.one_of(st.sampled_from(["a", "b", "B", "a#1", "a#10", "a#9", ""]), st.text())


def create_ordered_tables(client: Any) -> None:
    """String and number keys (numbers order by value: 9 before 10), with an index."""
    client.create_table(
        TableName=ORDERED,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "n", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": INDEX,
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "pk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.create_table(
        TableName=BY_NUMBER,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "n", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "n", "KeyType": "HASH"}],
    )


def reads(client: Any, fast: bool) -> list[Any]:
    """Every read whose order comes from the table's item order, page by page."""
    with moto_speedups.applied(fast):
        pages = []
        for table, extra in (
            (ORDERED, {}),
            (BY_NUMBER, {}),
            (ORDERED, {"IndexName": INDEX}),
        ):
            pages.extend(client.get_paginator("scan").paginate(TableName=table, **extra))
        for forward in (True, False):
            for pk in ("a", "b"):
                pages.extend(
                    client.get_paginator("query").paginate(
                        TableName=ORDERED,
                        KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues={":pk": {"S": pk}},
                        ScanIndexForward=forward,
                        PaginationConfig={"PageSize": 3},
                    )
                )
            pages.extend(
                client.get_paginator("query").paginate(
                    TableName=ORDERED,
                    IndexName=INDEX,
                    KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": {"S": "x"}},
                    ScanIndexForward=forward,
                    PaginationConfig={"PageSize": 2},
                )
            )
        return [(page["Items"], page.get("LastEvaluatedKey")) for page in pages]


@settings(
    max_examples=examples(20, 200), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["a", "b"]), key_values.filter(bool)),
            st.integers(-20, 20) | st.decimals(-100, 100, places=2),
            st.sampled_from(["x", "y"]),
        ),
        max_size=40,
    )
)
def test_tables_list_their_items_in_motos_order(
    clients: dict[str, Any], items: list[tuple[str, Any, str]]
) -> None:
    client = clients[FAST]
    for table in client.list_tables()["TableNames"]:
        client.delete_table(TableName=table)
    create_ordered_tables(client)
    for pk, number, group in items:
        client.put_item(
            TableName=ORDERED, Item={"pk": {"S": pk}, "n": {"N": str(number)}, "g": {"S": group}}
        )
        client.put_item(TableName=BY_NUMBER, Item={"n": {"N": str(number)}})
    assert reads(client, fast=True) == reads(client, fast=False)
