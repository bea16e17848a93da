"""The records that cross layers beside the domain's: what a report is (`ReportRecord`),
what the report worker is asked (`ReportRequest`), an invalid event kept for an operator
(`RejectedEvent`). Their stored forms (JSON in an item, a queue message) are
`store.codecs`'s."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from csinsights.domain.asof import end_of, timestamp

ReportType = Literal["insights", "survey_responses", "contacts"]
RequestedType = Literal["survey_responses", "contacts"]
ReportStatus = Literal["pending", "ready"]


def new_report_id(now: datetime, kind: str) -> str:
    """Starts with the request's time, so a seller's records sort by it; `kind` says what
    the report is (`survey`, `contacts`) to whoever reads the id."""
    return f"{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-{kind}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class ReportRequest:
    """The report requests queue's message: build this seller's survey responses report
    (the votes of the `days` before the request) or contacts report (the contacts received
    in the `days` before the end of `as_of_day`, as of that end). A message queued before
    reports had types is a survey responses request."""

    seller_id: str
    report_id: str
    stores: tuple[str, ...]
    days: int
    requested_at: datetime
    type: RequestedType = "survey_responses"
    as_of_day: date | None = None

    @property
    def as_of(self) -> datetime | None:
        """The instant a contacts report is as of (the end of `as_of_day`)."""
        return end_of(self.as_of_day) if self.as_of_day is not None else None


@dataclass(frozen=True)
class ReportRecord:
    """A report: its files (object keys by format) once `ready`. Daily insights carry
    `as_of`; requested reports `stores`, `days` (contacts reports `as_of` too), and once
    ready `rows` and `completed_at`."""

    report_id: str
    type: ReportType
    status: ReportStatus
    created_at: str
    files: Mapping[str, str] = field(default_factory=dict)
    as_of: str | None = None
    stores: tuple[str, ...] | None = None
    days: int | None = None
    rows: int | None = None
    completed_at: str | None = None

    @classmethod
    def insights(
        cls, report_id: str, as_of: str, files: Mapping[str, str], now: datetime
    ) -> ReportRecord:
        return cls(report_id, "insights", "ready", timestamp(now), dict(files), as_of=as_of)

    @classmethod
    def requested(
        cls,
        request: ReportRequest,
        files: Mapping[str, str] | None = None,
        rows: int | None = None,
        completed_at: datetime | None = None,
    ) -> ReportRecord:
        """`pending` when requested; `ready` with its files, rows and completion time."""
        as_of = request.as_of
        return cls(
            request.report_id,
            request.type,
            "ready" if files else "pending",
            timestamp(request.requested_at),
            dict(files or {}),
            as_of=timestamp(as_of) if as_of is not None else None,
            stores=request.stores,
            days=request.days,
            rows=rows,
            completed_at=timestamp(completed_at) if completed_at else None,
        )

    def public(self) -> dict[str, Any]:
        """The API's view: the formats it comes in, not where its files are."""
        fields = {
            "report_id": self.report_id,
            "type": self.type,
            "status": self.status,
            "as_of": self.as_of,
            "stores": list(self.stores) if self.stores is not None else None,
            "days": self.days,
            "rows": self.rows,
            "created_at": self.created_at,
            "completed_at": self.completed_at,
        }
        return {k: v for k, v in fields.items() if v is not None} | {"formats": sorted(self.files)}


@dataclass(frozen=True)
class RejectedEvent:
    """An invalid event kept with why it was refused, where an operator can list and
    replay it; a body too large for an item keeps its first part, its size and digest."""

    message_id: str
    rejected_at: str
    reason: str
    errors: list[dict[str, str]]
    body: str
    truncated: bool = False
    body_bytes: int | None = None
    body_sha256: str | None = None

    def public(self) -> dict[str, Any]:
        """What `csinsights rejected list` prints."""
        return {
            "truncated": self.truncated,
            "message_id": self.message_id,
            "rejected_at": self.rejected_at,
            "reason": self.reason,
            "errors": self.errors,
            "body": self.body,
            **(
                {"body_bytes": self.body_bytes, "body_sha256": self.body_sha256}
                if self.body_sha256 is not None
                else {}
            ),
        }
