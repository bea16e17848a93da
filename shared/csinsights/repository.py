"""Every DynamoDB call of the product. Nothing above this module touches boto3.

Single table, keys `pk`/`sk`, TTL on `expires_at`:

  ORDER#<seller>#<store>#<order_id>     STATE              order events + linked contacts
  CONTACT#<seller>#<store>#<contact_id> STATE              contact events
  AGG#<seller>#<store>                  <belongs>#<effect> daily aggregate deltas
  SELLERS#<shard>                       <seller>#<store>   registry of seller stores
  REJECTED#<day>                        <message id>       invalid events kept for replay
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from csinsights.config import Settings, get_settings
from csinsights.domain.batch import Plan, Stored
from csinsights.domain.counters import DeltaKey
from csinsights.domain.documents import Benchmark, benchmarks_from_json, benchmarks_to_json
from csinsights.domain.entities import ContactState, OrderState, Placed, Received, Stamp, Vote

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET = 100
KEPT_BODY_BYTES = 64 * 1024
RETRYABLE_CODES = frozenset(
    {
        "TransactionCanceledException",
        "TransactionConflictException",
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
    }
)


class CommitFailed(Exception):
    """The batch's writes did not commit (conflict, failed condition, throttling): nothing
    was written and the events can be retried as they are."""


class TooManyItems(Exception):
    """The writes do not fit one transaction: split the events."""


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def order_pk(seller: str, store: str, order_id: str) -> str:
    return f"ORDER#{seller}#{store}#{order_id}"


def contact_pk(seller: str, store: str, contact_id: str) -> str:
    return f"CONTACT#{seller}#{store}#{contact_id}"


def aggregate_pk(seller: str, store: str) -> str:
    return f"AGG#{seller}#{store}"


def _encode_order(state: OrderState) -> dict[str, Any]:
    return {
        "placed": {
            "S": json.dumps(
                [[p.stamp.event_id, _iso(p.stamp.at), p.fulfillment] for p in state.placed],
                separators=(",", ":"),
            )
        },
        "votes": {
            "S": json.dumps(
                [[v.stamp.event_id, _iso(v.stamp.at), v.answer, v.contact_id] for v in state.votes],
                separators=(",", ":"),
            )
        },
        "contacts": {"S": json.dumps(sorted(state.contacts), separators=(",", ":"))},
    }


def _decode_order(item: dict[str, Any]) -> OrderState:
    return OrderState(
        placed=tuple(Placed(Stamp(_at(t), e), f) for e, t, f in json.loads(item["placed"]["S"])),
        votes=tuple(Vote(Stamp(_at(t), e), a, c) for e, t, a, c in json.loads(item["votes"]["S"])),
        contacts=frozenset(json.loads(item["contacts"]["S"])),
    )


def _encode_contact(state: ContactState) -> dict[str, Any]:
    def stamps(items: Iterable[Stamp]) -> str:
        return json.dumps([[s.event_id, _iso(s.at)] for s in items], separators=(",", ":"))

    return {
        "received": {
            "S": json.dumps(
                [
                    [r.stamp.event_id, _iso(r.stamp.at), r.reason, r.order_id]
                    for r in state.received
                ],
                separators=(",", ":"),
            )
        },
        "responded": {"S": stamps(state.responded)},
        "no_response_needed": {"S": stamps(state.no_response_needed)},
    }


def _decode_contact(item: dict[str, Any]) -> ContactState:
    def stamps(text: str) -> tuple[Stamp, ...]:
        return tuple(Stamp(_at(t), e) for e, t in json.loads(text))

    return ContactState(
        received=tuple(
            Received(Stamp(_at(t), e), r, o) for e, t, r, o in json.loads(item["received"]["S"])
        ),
        responded=stamps(item["responded"]["S"]),
        no_response_needed=stamps(item["no_response_needed"]["S"]),
    )


def _open_contact_index(
    seller: str, store: str, contact_id: str, contact: ContactState
) -> dict[str, Any]:
    """Sparse index of contacts still waiting for a reply (not answered, not marked as
    needing none): what a seller should answer now."""
    first = contact.first_received()
    if first is None or contact.responded or contact.no_response_needed:
        return {}
    return {
        "open_pk": {"S": f"OPEN#{seller}#{store}"},
        "open_sk": {"S": f"{_iso(first.stamp.at)}#{contact_id}"},
        "received_at": {"S": _iso(first.stamp.at)},
        "reason": {"S": first.reason},
        **({"linked_order_id": {"S": first.order_id}} if first.order_id else {}),
    }


def _voted_order_index(seller: str, store: str, order_id: str, order: OrderState) -> dict[str, Any]:
    """Sparse index of orders with survey votes, by the time of their latest vote."""
    if not order.votes:
        return {}
    latest = max(order.votes)
    return {
        "voted_pk": {"S": f"VOTED#{seller}#{store}"},
        "voted_sk": {"S": f"{_iso(latest.stamp.at)}#{order_id}"},
    }


def _latest_event_day(*stamps: Iterable[Stamp]) -> date:
    return max((s.at.date() for group in stamps for s in group), default=datetime.now(UTC).date())


@dataclass(frozen=True)
class AggregateItem:
    belongs: date
    effective: date
    counters: dict[str, int]


@dataclass(frozen=True)
class EntityRequest:
    seller: str
    store: str
    order_ids: set[str]
    contact_ids: set[str]
    with_registry: bool = False


@dataclass(frozen=True)
class Entities:
    orders: dict[str, Stored[OrderState]]
    contacts: dict[str, Stored[ContactState]]
    registered: bool


class Repository:
    def __init__(self, client: Any = None, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.table = self.settings.table_name
        self.client = client or boto3.client("dynamodb")

    # ---- entities -------------------------------------------------------------------
    def registry_key(self, seller: str, store: str) -> dict[str, Any]:
        shard = zlib.crc32(seller.encode()) % self.settings.registry_shards
        return {"pk": {"S": f"SELLERS#{shard}"}, "sk": {"S": f"{seller}#{store}"}}

    def load_entities(
        self,
        seller: str,
        store: str,
        order_ids: Iterable[str],
        contact_ids: Iterable[str],
        with_registry: bool = False,
    ) -> Entities:
        request = EntityRequest(seller, store, set(order_ids), set(contact_ids), with_registry)
        return self.load_many([request])[0]

    def load_many(self, requests: list[EntityRequest]) -> list[Entities]:
        """The entities of several seller stores in as few `BatchGetItem`s as possible."""
        keys = []
        for r in requests:
            keys += [
                {"pk": {"S": order_pk(r.seller, r.store, o)}, "sk": {"S": "STATE"}}
                for o in r.order_ids
            ]
            keys += [
                {"pk": {"S": contact_pk(r.seller, r.store, c)}, "sk": {"S": "STATE"}}
                for c in r.contact_ids
            ]
            if r.with_registry:
                keys.append(self.registry_key(r.seller, r.store))
        found = {(i["pk"]["S"], i["sk"]["S"]): i for i in self._batch_get(keys)} if keys else {}
        return [self._entities(found, r) for r in requests]

    def _entities(self, found: dict[tuple[str, str], Any], r: EntityRequest) -> Entities:
        orders: dict[str, Stored[OrderState]] = {}
        for oid in r.order_ids:
            item = found.get((order_pk(r.seller, r.store, oid), "STATE"))
            orders[oid] = (
                Stored(_decode_order(item), int(item["version"]["N"])) if item else Stored(None)
            )
        contacts: dict[str, Stored[ContactState]] = {}
        for cid in r.contact_ids:
            item = found.get((contact_pk(r.seller, r.store, cid), "STATE"))
            contacts[cid] = (
                Stored(_decode_contact(item), int(item["version"]["N"])) if item else Stored(None)
            )
        registry = self.registry_key(r.seller, r.store)
        registered = r.with_registry and (registry["pk"]["S"], registry["sk"]["S"]) in found
        return Entities(orders, contacts, registered)

    def _batch_get(self, keys: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for start in range(0, len(keys), MAX_BATCH_GET):
            request: dict[str, Any] = {
                self.table: {"Keys": keys[start : start + MAX_BATCH_GET], "ConsistentRead": True}
            }
            for attempt in range(8):
                try:
                    response = self.client.batch_get_item(RequestItems=request)
                except ClientError as exc:
                    if exc.response["Error"]["Code"] in RETRYABLE_CODES:
                        raise CommitFailed(exc.response["Error"]["Code"]) from exc
                    raise
                yield from response["Responses"].get(self.table, [])
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                raise CommitFailed("DynamoDB left keys unprocessed after retries")

    # ---- the atomic commit of one planned batch -------------------------------------
    def commit(self, seller: str, store: str, plan: Plan, register: bool, now: datetime) -> int:
        """Write the plan in one transaction; returns the number of items it holds."""
        actions = self._actions(seller, store, plan, register, now)
        if not actions:
            return 0
        if len(actions) > MAX_TRANSACTION_ITEMS:
            raise TooManyItems(f"{len(actions)} items")
        try:
            self.client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in RETRYABLE_CODES:
                raise CommitFailed(exc.response["Error"]["Code"]) from exc
            raise
        return len(actions)

    def _expires(self, day: date) -> dict[str, str]:
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return {"N": str(int((moment + timedelta(days=self.settings.retention_days)).timestamp()))}

    def _versioned_put(
        self, key: str, version: int, attributes: dict[str, Any], last_day: date
    ) -> dict[str, Any]:
        item = {
            "pk": {"S": key},
            "sk": {"S": "STATE"},
            "version": {"N": str(version + 1)},
            "expires_at": self._expires(last_day),
            **attributes,
        }
        put: dict[str, Any] = {"TableName": self.table, "Item": item}
        if version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
        return {"Put": put}

    def _check(self, key: str, version: int) -> dict[str, Any]:
        check: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"pk": {"S": key}, "sk": {"S": "STATE"}},
        }
        if version == 0:
            check["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            check["ConditionExpression"] = "version = :v"
            check["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
        return {"ConditionCheck": check}

    def _actions(
        self, seller: str, store: str, plan: Plan, register: bool, now: datetime
    ) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = []
        for oid, (version, order) in sorted(plan.order_writes.items()):
            attributes = {
                "seller_id": {"S": seller},
                "store_id": {"S": store},
                "order_id": {"S": oid},
                **_encode_order(order),
                **_voted_order_index(seller, store, oid, order),
            }
            last = _latest_event_day(
                (p.stamp for p in order.placed), (v.stamp for v in order.votes)
            )
            actions.append(
                self._versioned_put(order_pk(seller, store, oid), version, attributes, last)
            )
        for cid, (version, contact) in sorted(plan.contact_writes.items()):
            attributes = {
                "seller_id": {"S": seller},
                "store_id": {"S": store},
                "contact_id": {"S": cid},
                **_encode_contact(contact),
                **_open_contact_index(seller, store, cid, contact),
            }
            last = _latest_event_day(
                (r.stamp for r in contact.received), contact.responded, contact.no_response_needed
            )
            actions.append(
                self._versioned_put(contact_pk(seller, store, cid), version, attributes, last)
            )
        for oid, version in sorted(plan.order_checks.items()):
            actions.append(self._check(order_pk(seller, store, oid), version))
        for cid, version in sorted(plan.contact_checks.items()):
            actions.append(self._check(contact_pk(seller, store, cid), version))
        actions.extend(self._aggregate_updates(seller, store, plan.deltas))
        if register and (plan.order_writes or plan.contact_writes):
            actions.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": {
                            **self.registry_key(seller, store),
                            "seller_id": {"S": seller},
                            "store_id": {"S": store},
                            "registered_at": {"S": _iso(now)},
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        return actions

    def _aggregate_updates(
        self, seller: str, store: str, deltas: Counter[DeltaKey]
    ) -> list[dict[str, Any]]:
        by_item: dict[tuple[date, date], dict[str, int]] = defaultdict(dict)
        for (effective, belongs, counter), value in deltas.items():
            if value:
                by_item[(belongs, effective)][counter] = value
        updates = []
        for (belongs, effective), counters in sorted(by_item.items()):
            names = {"#x": "expires_at"}
            values: dict[str, Any] = {":x": self._expires(max(belongs, effective))}
            adds = []
            for i, (counter, value) in enumerate(sorted(counters.items())):
                names[f"#c{i}"] = counter
                values[f":c{i}"] = {"N": str(value)}
                adds.append(f"#c{i} :c{i}")
            updates.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {
                            "pk": {"S": aggregate_pk(seller, store)},
                            "sk": {"S": f"{belongs.isoformat()}#{effective.isoformat()}"},
                        },
                        "UpdateExpression": "SET #x = :x ADD " + ", ".join(adds),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        return updates

    # ---- aggregates ----------------------------------------------------------------
    def aggregates(
        self, seller: str, store: str, first_day: date, last_day: date
    ) -> list[AggregateItem]:
        """Every delta item whose belongs-to day lies in [first_day, last_day]."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":pk": {"S": aggregate_pk(seller, store)},
                ":lo": {"S": f"{first_day.isoformat()}#"},
                ":hi": {"S": f"{last_day.isoformat()}#~"},
            },
        }
        items: list[AggregateItem] = []
        for item in self._query(**kwargs):
            belongs, effective = item["sk"]["S"].split("#")
            counters = {
                name: int(value["N"])
                for name, value in item.items()
                if name not in ("pk", "sk", "expires_at")
            }
            items.append(
                AggregateItem(date.fromisoformat(belongs), date.fromisoformat(effective), counters)
            )
        return items

    # ---- the scheduled run --------------------------------------------------------
    def seller_stores(self) -> list[tuple[str, str]]:
        pairs = []
        for shard in range(self.settings.registry_shards):
            for item in self._query_all(f"SELLERS#{shard}"):
                pairs.append((item["seller_id"]["S"], item["store_id"]["S"]))
        return pairs

    def stores_of(self, seller: str) -> list[str]:
        registry = self.registry_key(seller, "")
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :seller)",
            ExpressionAttributeValues={
                ":pk": registry["pk"],
                ":seller": {"S": f"{seller}#"},
            },
        )
        return sorted(i["store_id"]["S"] for i in response["Items"])

    def _query_all(self, pk: str) -> Iterator[dict[str, Any]]:
        return self._query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
        )

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item a query matches, page after page."""
        for page in self.client.get_paginator("query").paginate(**kwargs):
            yield from page["Items"]

    def put_seller_counts(self, day: date, store: str, seller: str, data: dict[str, Any]) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": f"RUN#{day.isoformat()}#{store}"},
                "sk": {"S": seller},
                "data": {"S": json.dumps(data, separators=(",", ":"))},
                "expires_at": {"N": str(int(_midnight(day + timedelta(days=35)).timestamp()))},
            },
        )

    def store_seller_counts(self, day: date, store: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for item in self._query_all(f"RUN#{day.isoformat()}#{store}"):
            yield item["sk"]["S"], json.loads(item["data"]["S"])

    def seller_counts(self, day: date, seller: str, stores: list[str]) -> dict[str, dict[str, Any]]:
        keys = [{"pk": {"S": f"RUN#{day.isoformat()}#{s}"}, "sk": {"S": seller}} for s in stores]
        return {
            item["pk"]["S"].rsplit("#", 1)[1]: json.loads(item["data"]["S"])
            for item in self._batch_get(keys)
        }

    def put_benchmarks(self, day: date, store: str, benchmarks: dict[str, Benchmark]) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": f"BENCH#{store}"},
                "sk": {"S": day.isoformat()},
                "data": {"S": json.dumps(benchmarks_to_json(benchmarks))},
                "expires_at": self._expires(day),
            },
        )

    def benchmarks(self, day: date, stores: list[str]) -> dict[str, dict[str, Benchmark]]:
        keys = [{"pk": {"S": f"BENCH#{s}"}, "sk": {"S": day.isoformat()}} for s in stores]
        return {
            item["pk"]["S"].split("#", 1)[1]: benchmarks_from_json(json.loads(item["data"]["S"]))
            for item in self._batch_get(keys)
        }

    def put_snapshot(self, seller: str, day: date, snapshot: dict[str, Any]) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": f"SNAP#{seller}"},
                "sk": {"S": day.isoformat()},
                "data": {"S": json.dumps(snapshot, separators=(",", ":"))},
                "expires_at": self._expires(day),
            },
        )

    def snapshot(self, seller: str, day: date | None = None) -> dict[str, Any] | None:
        """One read: the given day's snapshot, or the newest."""
        if day is not None:
            response = self.client.get_item(
                TableName=self.table,
                Key={"pk": {"S": f"SNAP#{seller}"}, "sk": {"S": day.isoformat()}},
            )
            item = response.get("Item")
        else:
            response = self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"SNAP#{seller}"}},
                ScanIndexForward=False,
                Limit=1,
            )
            item = (response.get("Items") or [None])[0]
        return json.loads(item["data"]["S"]) if item else None

    def snapshots(self, seller: str, first_day: date, last_day: date) -> list[dict[str, Any]]:
        """The seller's daily snapshots in [first_day, last_day], oldest first."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":pk": {"S": f"SNAP#{seller}"},
                ":lo": {"S": first_day.isoformat()},
                ":hi": {"S": last_day.isoformat()},
            },
        }
        return [json.loads(i["data"]["S"]) for i in self._query(**kwargs)]

    # ---- indexes the API and the survey report read ---------------------------------
    def open_contacts(self, seller: str, store: str, limit: int) -> list[dict[str, Any]]:
        """Oldest first."""
        response = self.client.query(
            TableName=self.table,
            IndexName="OpenContacts",
            KeyConditionExpression="open_pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"OPEN#{seller}#{store}"}},
            Limit=limit,
        )
        return [
            {
                "contact_id": i["contact_id"]["S"],
                "store_id": store,
                "order_id": i.get("linked_order_id", {}).get("S"),
                "reason": i["reason"]["S"],
                "received_at": _at(i["received_at"]["S"]),
            }
            for i in response["Items"]
        ]

    def voted_orders(
        self, seller: str, store: str, since: datetime
    ) -> Iterator[tuple[str, OrderState]]:
        """Orders whose latest vote is at or after `since`, newest first."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "VotedOrders",
            "KeyConditionExpression": "voted_pk = :pk AND voted_sk >= :since",
            "ExpressionAttributeValues": {
                ":pk": {"S": f"VOTED#{seller}#{store}"},
                ":since": {"S": _iso(since)},
            },
            "ScanIndexForward": False,
        }
        for item in self._query(**kwargs):
            yield item["order_id"]["S"], _decode_order(item)

    # ---- reports ---------------------------------------------------------------------
    def put_report(self, seller: str, report: dict[str, Any], only_if_new: bool = False) -> bool:
        """Report ids start with their creation time, so the sort key orders them.

        `only_if_new`: leave a record already there alone (returns False), so a `pending`
        written late never hides the `ready` its worker wrote first."""
        condition = {"ConditionExpression": "attribute_not_exists(pk)"} if only_if_new else {}
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": f"REPORT#{seller}"},
                    "sk": {"S": report["report_id"]},
                    "data": {"S": json.dumps(report)},
                    "expires_at": self._expires(datetime.now(UTC).date()),
                },
                **condition,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def report(self, seller: str, report_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": {"S": f"REPORT#{seller}"}, "sk": {"S": report_id}},
        ).get("Item")
        return json.loads(item["data"]["S"]) if item else None

    def reports(
        self, seller: str, limit: int, after: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; `after` is the last report id of the previous page."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"REPORT#{seller}"}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after:
            kwargs["ExclusiveStartKey"] = {"pk": {"S": f"REPORT#{seller}"}, "sk": {"S": after}}
        response = self.client.query(**kwargs)
        items = [json.loads(i["data"]["S"]) for i in response["Items"]]
        last = response.get("LastEvaluatedKey")
        return items, (last["sk"]["S"] if last else None)

    def benchmark_item(
        self, store: str, day: date | None
    ) -> tuple[date, dict[str, Benchmark]] | None:
        """One read: the store's benchmarks of `day`, or the newest."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk" + (" AND sk = :sk" if day else ""),
            "ExpressionAttributeValues": {":pk": {"S": f"BENCH#{store}"}},
            "ScanIndexForward": False,
            "Limit": 1,
        }
        if day:
            kwargs["ExpressionAttributeValues"][":sk"] = {"S": day.isoformat()}
        items = self.client.query(**kwargs)["Items"]
        if not items:
            return None
        return (
            date.fromisoformat(items[0]["sk"]["S"]),
            benchmarks_from_json(json.loads(items[0]["data"]["S"])),
        )

    # ---- rejected events --------------------------------------------------------------
    def keep_rejected(
        self, body: str, reason: str, errors: list[dict[str, str]], message_id: str, now: datetime
    ) -> None:
        """Idempotent per message: a redelivered rejection overwrites its own record.

        A body too large for an item (no valid event comes near) keeps its first
        KEPT_BODY_BYTES, its size and digest."""
        raw = body.encode("utf-8", "replace")
        extra: dict[str, Any] = {}
        if len(raw) > KEPT_BODY_BYTES:
            extra = {
                "body_bytes": {"N": str(len(raw))},
                "body_sha256": {"S": hashlib.sha256(raw).hexdigest()},
                "truncated": {"BOOL": True},
            }
            body = raw[:KEPT_BODY_BYTES].decode("utf-8", "ignore")
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": f"REJECTED#{now.date().isoformat()}"},
                "sk": {"S": f"{message_id}"},
                "body": {"S": body},
                "reason": {"S": reason},
                "errors": {"S": json.dumps(errors)},
                "rejected_at": {"S": _iso(now)},
                **extra,
                "expires_at": {
                    "N": str(
                        int(
                            (
                                now + timedelta(days=self.settings.rejected_retention_days)
                            ).timestamp()
                        )
                    )
                },
            },
        )

    def list_rejected(self, day: date) -> list[dict[str, Any]]:
        return [
            {
                "truncated": item.get("truncated", {}).get("BOOL", False),
                "message_id": item["sk"]["S"],
                "rejected_at": item["rejected_at"]["S"],
                "reason": item["reason"]["S"],
                "errors": json.loads(item["errors"]["S"]),
                "body": item["body"]["S"],
                **(
                    {
                        "body_bytes": int(item["body_bytes"]["N"]),
                        "body_sha256": item["body_sha256"]["S"],
                    }
                    if "body_sha256" in item
                    else {}
                ),
            }
            for item in self._query_all(f"REJECTED#{day.isoformat()}")
        ]

    def delete_rejected(self, day: date, message_id: str) -> None:
        self.client.delete_item(
            TableName=self.table,
            Key={"pk": {"S": f"REJECTED#{day.isoformat()}"}, "sk": {"S": message_id}},
        )
