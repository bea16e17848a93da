"""Invalid events kept for replay (`REJECTED#<day>`), listed and deleted by the CLI."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from csinsights.store import keys
from csinsights.store.codecs import iso
from csinsights.store.dynamo import TableStore, expires_at

KEPT_BODY_BYTES = 64 * 1024


class RejectedEvents(TableStore):
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
        self.table.put(
            {
                **keys.key(keys.rejected_pk(now.date()), message_id),
                "body": {"S": body},
                "reason": {"S": reason},
                "errors": {"S": json.dumps(errors)},
                "rejected_at": {"S": iso(now)},
                **extra,
                "expires_at": expires_at(now, self.settings.rejected_retention_days),
            }
        )

    def list_rejected(self, day: date) -> list[dict[str, Any]]:
        return [_rejected(item) for item in self.table.query_partition(keys.rejected_pk(day))]

    def delete_rejected(self, day: date, message_id: str) -> None:
        self.table.delete(keys.key(keys.rejected_pk(day), message_id))


def _rejected(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "truncated": item.get("truncated", {}).get("BOOL", False),
        "message_id": item["sk"]["S"],
        "rejected_at": item["rejected_at"]["S"],
        "reason": item["reason"]["S"],
        "errors": json.loads(item["errors"]["S"]),
        "body": item["body"]["S"],
        **(
            {"body_bytes": int(item["body_bytes"]["N"]), "body_sha256": item["body_sha256"]["S"]}
            if "body_sha256" in item
            else {}
        ),
    }
