"""The DynamoDB plumbing every store shares: paginated queries, batch gets with their
unprocessed keys retried, transactions, single-item calls, conditions and TTLs, each
written once, every call with its AWS errors translated."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from csinsights.config import Settings
from csinsights.errors import Busy
from csinsights.store.aws import client as aws_client
from csinsights.store.aws import translated

MAX_BATCH_GET = 100
MAX_BATCH_WRITE = 25
UNPROCESSED_ATTEMPTS = 8


def expires_at(moment: date | datetime, days: int) -> dict[str, str]:
    """The TTL attribute: `days` after `moment` (a day counts from its midnight UTC)."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return {"N": str(int((moment + timedelta(days=days)).timestamp()))}


def version_condition(version: int) -> dict[str, Any]:
    """Optimistic concurrency: the item is still at `version` (0: does not exist yet)."""
    if version == 0:
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    return {
        "ConditionExpression": "version = :v",
        "ExpressionAttributeValues": {":v": {"N": str(version)}},
    }


NEW_ONLY: dict[str, Any] = version_condition(0)


class Table:
    def __init__(self, client: Any, name: str, backoff: float = 0.05) -> None:
        self.client = client
        self.name = name
        self.backoff = backoff
        """The first wait before asking again for what a batch left unprocessed."""

    def query(self, condition: str, values: dict[str, Any], **extra: Any) -> Iterator[Any]:
        """Every item a query matches, page after page."""
        kwargs = {
            "TableName": self.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            **extra,
        }
        with translated():
            for page in self.client.get_paginator("query").paginate(**kwargs):
                yield from page["Items"]

    def query_partition(self, pk: str) -> Iterator[Any]:
        return self.query("pk = :pk", {":pk": {"S": pk}})

    def query_page(
        self, condition: str, values: dict[str, Any], **extra: Any
    ) -> tuple[list[Any], dict[str, Any] | None]:
        """One page (a `Limit`ed read): its items and where the next page starts."""
        with translated():
            response = self.client.query(
                TableName=self.name,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
                **extra,
            )
        return response["Items"], response.get("LastEvaluatedKey")

    def batch_get(self, keys: list[dict[str, Any]]) -> Iterator[Any]:
        """Consistent reads of `keys`, in as few requests as DynamoDB allows; the keys it
        leaves unprocessed are asked again with backoff (`Busy` if they never come)."""
        for start in range(0, len(keys), MAX_BATCH_GET):
            request: dict[str, Any] = {
                self.name: {"Keys": keys[start : start + MAX_BATCH_GET], "ConsistentRead": True}
            }
            for attempt in range(UNPROCESSED_ATTEMPTS):
                with translated():
                    response = self.client.batch_get_item(RequestItems=request)
                yield from response["Responses"].get(self.name, [])
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(self.backoff * 2**attempt, 1.0))
            else:
                raise Busy("DynamoDB left keys unprocessed after retries")

    def batch_put(self, items: list[dict[str, Any]]) -> None:
        """Unconditional puts, 25 a request; unprocessed items are sent again with backoff
        (`Busy` if they never go)."""
        for start in range(0, len(items), MAX_BATCH_WRITE):
            request: dict[str, Any] = {
                self.name: [
                    {"PutRequest": {"Item": i}} for i in items[start : start + MAX_BATCH_WRITE]
                ]
            }
            for attempt in range(UNPROCESSED_ATTEMPTS):
                with translated():
                    response = self.client.batch_write_item(RequestItems=request)
                request = response.get("UnprocessedItems") or {}
                if not request:
                    break
                time.sleep(min(self.backoff * 2**attempt, 1.0))
            else:
                raise Busy("DynamoDB left items unprocessed after retries")

    def transact_write(self, actions: list[dict[str, Any]]) -> None:
        with translated():
            self.client.transact_write_items(TransactItems=actions)

    def put(self, item: dict[str, Any], **condition: Any) -> None:
        with translated():
            self.client.put_item(TableName=self.name, Item=item, **condition)

    def update(self, key: dict[str, Any], **update: Any) -> None:
        with translated():
            self.client.update_item(TableName=self.name, Key=key, **update)

    def get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        with translated():
            return self.client.get_item(TableName=self.name, Key=key).get("Item")

    def delete(self, key: dict[str, Any]) -> None:
        with translated():
            self.client.delete_item(TableName=self.name, Key=key)

    def put_action(self, item: dict[str, Any], **condition: Any) -> dict[str, Any]:
        """A transaction's put."""
        return {"Put": {"TableName": self.name, "Item": item, **condition}}

    def check_action(self, key: dict[str, Any], **condition: Any) -> dict[str, Any]:
        return {"ConditionCheck": {"TableName": self.name, "Key": key, **condition}}

    def update_action(self, key: dict[str, Any], **update: Any) -> dict[str, Any]:
        return {"Update": {"TableName": self.name, "Key": key, **update}}


class TableStore:
    """What every store of the table starts from: its settings and the table. The stores
    of the package are made of these, one class per family of items, each consumer's store
    the families it uses."""

    def __init__(self, client: Any = None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_environment()
        self.table = Table(
            client or aws_client("dynamodb"),
            self.settings.table_name,
            self.settings.retry_backoff_seconds,
        )
