"""What ingest reads and writes: entity states in shared batch gets, and each planned
batch committed in one transaction (entities with their version conditions, the
aggregate deltas, the registry entry)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from csinsights.domain.batch import Plan, Stored
from csinsights.domain.counters import DeltaKey
from csinsights.domain.entities import ContactState, OrderState, Stamp
from csinsights.store import codecs, keys
from csinsights.store.dynamo import NEW_ONLY, Table, expires_at, version_condition
from csinsights.store.ports import MAX_TRANSACTION_ITEMS, Entities, EntityRequest, TooManyItems
from csinsights.store.rejected import RejectedEvents


def _latest_event_day(*stamps: Iterable[Stamp]) -> date:
    return max((s.at.date() for group in stamps for s in group), default=datetime.now(UTC).date())


class IngestStore(RejectedEvents):
    """Entities, aggregates and the registry, and the invalid events kept beside them."""

    def load_many(self, requests: Sequence[EntityRequest]) -> list[Entities]:
        """The entities of several seller stores in as few `BatchGetItem`s as possible."""
        wanted = []
        for r in requests:
            wanted += [
                keys.key(keys.order_pk(r.seller, r.store, o), keys.STATE) for o in r.order_ids
            ]
            wanted += [
                keys.key(keys.contact_pk(r.seller, r.store, c), keys.STATE) for c in r.contact_ids
            ]
            if r.with_registry:
                wanted.append(keys.registry_key(r.seller, r.store))
        found = (
            {(i["pk"]["S"], i["sk"]["S"]): i for i in self.table.batch_get(wanted)}
            if wanted
            else {}
        )
        return [_entities(found, r) for r in requests]

    def commit(self, seller: str, store: str, plan: Plan, register: bool, now: datetime) -> int:
        """Write the plan in one transaction; returns the number of items it holds.
        Raises `Conflict` (a version moved: nothing written) or `Busy`."""
        actions = self._actions(seller, store, plan, register, now)
        if not actions:
            return 0
        if len(actions) > MAX_TRANSACTION_ITEMS:
            raise TooManyItems(f"{len(actions)} items")
        self.table.transact_write(actions)
        return len(actions)

    def _versioned_put(
        self, pk: str, version: int, attributes: dict[str, Any], last_day: date
    ) -> dict[str, Any]:
        item = {
            **keys.key(pk, keys.STATE),
            "version": {"N": str(version + 1)},
            "expires_at": expires_at(last_day, self.settings.retention_days),
            **attributes,
        }
        return self.table.put_action(item, **version_condition(version))

    def _actions(
        self, seller: str, store: str, plan: Plan, register: bool, now: datetime
    ) -> list[dict[str, Any]]:
        owner = {"seller_id": {"S": seller}, "store_id": {"S": store}}
        actions: list[dict[str, Any]] = []
        for oid, (version, order) in sorted(plan.order_writes.items()):
            attributes = {
                **owner,
                "order_id": {"S": oid},
                **codecs.encode_order(order),
                **codecs.voted_order_index(seller, store, oid, order),
            }
            last = _latest_event_day(
                (p.stamp for p in order.placed), (v.stamp for v in order.votes)
            )
            pk = keys.order_pk(seller, store, oid)
            actions.append(self._versioned_put(pk, version, attributes, last))
        for cid, (version, contact) in sorted(plan.contact_writes.items()):
            attributes = {
                **owner,
                "contact_id": {"S": cid},
                **codecs.encode_contact(contact),
                **codecs.open_contact_index(seller, store, cid, contact),
                **codecs.waiting_index(seller, store, cid, contact),
                **codecs.contact_index(seller, store, cid, contact),
            }
            last = _latest_event_day(
                (r.stamp for r in contact.received),
                contact.responded,
                contact.no_response_needed,
                contact.auto_replied,
            )
            pk = keys.contact_pk(seller, store, cid)
            actions.append(self._versioned_put(pk, version, attributes, last))
        for oid, version in sorted(plan.order_checks.items()):
            order_key = keys.key(keys.order_pk(seller, store, oid), keys.STATE)
            actions.append(self.table.check_action(order_key, **version_condition(version)))
        actions.extend(
            aggregate_updates(self.table, seller, store, plan.deltas, self.settings.retention_days)
        )
        if register and (plan.order_writes or plan.contact_writes):
            entry = {**keys.registry_key(seller, store), **owner}
            entry["registered_at"] = {"S": codecs.iso(now)}
            actions.append(self.table.put_action(entry, **NEW_ONLY))
        return actions


def aggregate_updates(
    table: Table, seller: str, store: str, deltas: Mapping[DeltaKey, int], retention_days: int
) -> list[dict[str, Any]]:
    """The transaction's updates of a seller store's aggregate items: each changed counter
    added to, by (belongs-to day, effective day), and the item's expiry set."""
    by_item: dict[tuple[date, date], dict[str, int]] = defaultdict(dict)
    for (effective, belongs, counter), value in deltas.items():
        if value:
            by_item[(belongs, effective)][counter] = value
    updates = []
    for (belongs, effective), counters in sorted(by_item.items()):
        names = {"#x": "expires_at"}
        values: dict[str, Any] = {":x": expires_at(max(belongs, effective), retention_days)}
        adds = []
        for i, (counter, value) in enumerate(sorted(counters.items())):
            names[f"#c{i}"] = counter
            values[f":c{i}"] = {"N": str(value)}
            adds.append(f"#c{i} :c{i}")
        item_key = keys.key(keys.aggregate_pk(seller, store), keys.aggregate_sk(belongs, effective))
        updates.append(
            table.update_action(
                item_key,
                UpdateExpression="SET #x = :x ADD " + ", ".join(adds),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )
    return updates


def _entities(found: dict[tuple[str, str], Any], r: EntityRequest) -> Entities:
    orders: dict[str, Stored[OrderState]] = {}
    for oid in r.order_ids:
        item = found.get((keys.order_pk(r.seller, r.store, oid), keys.STATE))
        orders[oid] = (
            Stored(codecs.decode_order(item), int(item["version"]["N"])) if item else Stored(None)
        )
    contacts: dict[str, Stored[ContactState]] = {}
    for cid in r.contact_ids:
        item = found.get((keys.contact_pk(r.seller, r.store, cid), keys.STATE))
        contacts[cid] = (
            Stored(codecs.decode_contact(item), int(item["version"]["N"])) if item else Stored(None)
        )
    registered = r.with_registry and (
        (keys.registry_pk(r.seller), keys.registry_sk(r.seller, r.store)) in found
    )
    return Entities(orders, contacts, registered)


if TYPE_CHECKING:
    from collections.abc import Callable

    from csinsights.store.ports import IngestPort

    _implements: Callable[..., IngestPort] = IngestStore
