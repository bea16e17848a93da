"""Invalid events kept for replay (`REJECTED#<day>`), listed and deleted by the CLI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from csinsights.models.records import RejectedEvent
from csinsights.store import codecs, keys
from csinsights.store.dynamo import TableStore, expires_at


class RejectedEvents(TableStore):
    def keep_rejected(
        self,
        body: str,
        reason: str,
        errors: Sequence[Mapping[str, str]],
        message_id: str,
        now: datetime,
    ) -> None:
        """Idempotent per message: a redelivered rejection overwrites its own record."""
        self.table.put(
            {
                **keys.key(keys.rejected_pk(now.date()), message_id),
                **codecs.rejected_item(codecs.kept(body, reason, errors, message_id, now)),
                "expires_at": expires_at(now, self.settings.rejected_retention_days),
            }
        )

    def list_rejected(self, day: date) -> list[RejectedEvent]:
        items = self.table.query_partition(keys.rejected_pk(day))
        return [codecs.rejected_of(item) for item in items]

    def delete_rejected(self, day: date, message_id: str) -> None:
        self.table.delete(keys.key(keys.rejected_pk(day), message_id))


if TYPE_CHECKING:
    from collections.abc import Callable

    from csinsights.store.ports import RejectedPort

    _implements: Callable[..., RejectedPort] = RejectedEvents
