"""Fair use: one atomic counter per seller and UTC day of the report requests it made
(`QUOTA#<seller>`, `<day>`), expiring two days after its day."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from csinsights.errors import Conflict
from csinsights.store import keys
from csinsights.store.dynamo import TableStore, expires_at

COUNT = "requests"
KEPT_DAYS = 2


class QuotaStore(TableStore):
    def take(self, seller: str, day: date, limit: int) -> bool:
        """Count one request unless `limit` are counted already (False). One conditional
        `ADD`: concurrent requests can never pass the limit together."""
        try:
            self.table.update(
                keys.quota_key(seller, day),
                UpdateExpression="ADD #n :one SET expires_at = if_not_exists(expires_at, :ttl)",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": COUNT},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":ttl": expires_at(day, KEPT_DAYS),
                },
            )
        except Conflict:
            return False
        return True

    def give_back(self, seller: str, day: date) -> None:
        """Uncount one request that was counted but not queued."""
        self.table.update(
            keys.quota_key(seller, day),
            UpdateExpression="ADD #n :minus_one",
            ConditionExpression="#n > :zero",
            ExpressionAttributeNames={"#n": COUNT},
            ExpressionAttributeValues={":minus_one": {"N": "-1"}, ":zero": {"N": "0"}},
        )


if TYPE_CHECKING:
    from collections.abc import Callable

    from csinsights.store.ports import QuotaPort

    _implements: Callable[..., QuotaPort] = QuotaStore
