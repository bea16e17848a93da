"""What the reply-due alert run reads and writes: the contacts of the alert window (live,
the sparse `Waiting` index by the hour they arrived; as of a past instant, a registry
shard's seller stores and their `Contacts` index), the alerts' claims (`ALERT#`), and the
product's event bus it publishes to.

A claim is one item per contact and threshold. Taken with a condition (absent, or unsent
with its lease run out), it lets one run at a time publish the alert; once published it is
recorded as sent and no run publishes it again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from csinsights.config import Settings
from csinsights.domain.alerts import DETAIL_TYPE, SOURCE, ReplyDue
from csinsights.errors import Conflict
from csinsights.store import codecs, keys
from csinsights.store.aws import client as aws_client
from csinsights.store.aws import translated
from csinsights.store.contacts import ContactIndexes
from csinsights.store.dynamo import expires_at
from csinsights.store.ports import MAX_ALERTS_PUBLISHED, Claim
from csinsights.store.registry import RegistryItems

CLAIM_KEPT_DAYS = 1
"""A claim or sent record outlives the alert's due time by this (after it, no run alerts
the contact again: it is late)."""

TAKE = "attribute_not_exists(pk) OR (attribute_not_exists(sent_at) AND lease_until < :now)"


class AlertStore(RegistryItems, ContactIndexes):
    def __init__(
        self, client: Any = None, settings: Settings | None = None, events: Any = None
    ) -> None:
        super().__init__(client, settings)
        self.bus = self.settings.required("event_bus_name")
        self.events = events or aws_client("events")

    def claims(self, alerts: Sequence[ReplyDue]) -> dict[str, Claim]:
        """The claims of `alerts` that have one, by alert id: batch reads of their keys (a
        hundred a request), whatever else the seller stores hold."""
        found = {}
        unique = {a.alert_id: a for a in alerts}.values()
        for item in self.table.batch_get([_key(a) for a in unique]):
            found[item["alert_id"]["S"]] = Claim(
                "sent_at" in item, int(item.get("lease_until", {"N": "0"})["N"])
            )
        return found

    def claim(self, alert: ReplyDue, lease_until: int, now: datetime) -> bool:
        """Take the alert for this run until `lease_until` (epoch seconds): False when
        another run has sent it or holds it."""
        item = {
            **_key(alert),
            "alert_id": {"S": alert.alert_id},
            "lease_until": {"N": str(lease_until)},
            "expires_at": expires_at(alert.due_at, CLAIM_KEPT_DAYS),
        }
        try:
            self.table.put(
                item,
                ConditionExpression=TAKE,
                ExpressionAttributeValues={":now": {"N": str(int(now.timestamp()))}},
            )
        except Conflict:
            return False
        return True

    def release(self, alert: ReplyDue, lease_until: int) -> None:
        """Give back a claim this run took but could not publish, so the next run takes it
        at once (if it is still this run's and unsent)."""
        try:
            self.table.update(
                _key(alert),
                UpdateExpression="SET lease_until = :zero",
                ConditionExpression="attribute_not_exists(sent_at) AND lease_until = :mine",
                ExpressionAttributeValues={":zero": {"N": "0"}, ":mine": {"N": str(lease_until)}},
            )
        except Conflict:
            return

    def record_sent(self, alerts: Sequence[ReplyDue], now: datetime) -> None:
        self.table.batch_put(
            [
                {
                    **_key(a),
                    "alert_id": {"S": a.alert_id},
                    "sent_at": {"S": codecs.iso(now)},
                    "expires_at": expires_at(a.due_at, CLAIM_KEPT_DAYS),
                }
                for a in alerts
            ]
        )

    def publish(self, alerts: Sequence[ReplyDue]) -> list[ReplyDue]:
        """One `PutEvents` of up to 10 alerts; returns those the bus did not take."""
        assert len(alerts) <= MAX_ALERTS_PUBLISHED
        if not alerts:
            return []
        entries = [
            {
                "Source": SOURCE,
                "DetailType": DETAIL_TYPE,
                "Detail": json.dumps(a.detail(), separators=(",", ":")),
                "EventBusName": self.bus,
                "Time": a.at,
            }
            for a in alerts
        ]
        with translated():
            response = self.events.put_events(Entries=entries)
        if not response.get("FailedEntryCount"):
            return []
        return [a for a, r in zip(alerts, response["Entries"], strict=True) if r.get("ErrorCode")]


def _key(alert: ReplyDue) -> dict[str, Any]:
    return keys.alert_key(alert.seller_id, alert.store_id, alert.contact_id, alert.threshold_hours)


if TYPE_CHECKING:
    from collections.abc import Callable

    from csinsights.store.ports import AlertPort

    _implements: Callable[..., AlertPort] = AlertStore
