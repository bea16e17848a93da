"""The records that cross layers: what the run publishes and the API reads (`Snapshot`),
what a report is (`ReportRecord`), what the report worker is asked (`ReportRequest`).

Each has one conversion to and one from its stored form (JSON), used by the store only.
Further records (the alert record) belong here too."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from csinsights.domain.benchmarks import Benchmark, benchmarks_from_json, benchmarks_to_json
from csinsights.domain.metrics import Counts

ReportType = Literal["insights", "survey_responses", "contacts"]
RequestedType = Literal["survey_responses", "contacts"]
ReportStatus = Literal["pending", "ready"]


def timestamp(at: datetime) -> str:
    """The one format of a record's moments (and of the API's): UTC, whole seconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def new_report_id(now: datetime, kind: str) -> str:
    """Starts with the request's time, so a seller's records sort by it; `kind` says what
    the report is (`survey`, `contacts`) to whoever reads the id."""
    return f"{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-{kind}-{secrets.token_hex(4)}"


def end_of(day: date) -> datetime:
    """The instant `T` that ends `day`: its next UTC midnight."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


@dataclass(frozen=True)
class Snapshot:
    """A seller's published day: each store's counts per served window, the counts of the
    window just before each as they stood at its own end (`previous`), and each store's
    benchmarks, as of the end of `as_of_day`."""

    seller_id: str
    as_of_day: date
    stores: Mapping[str, Mapping[int, Counts]]
    benchmarks: Mapping[str, Mapping[str, Benchmark]]
    previous: Mapping[str, Mapping[int, Counts]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "seller_id": self.seller_id,
            "as_of_day": self.as_of_day.isoformat(),
            "stores": _windows_to_json(self.stores),
            "previous": _windows_to_json(self.previous),
            "benchmarks": {
                store: benchmarks_to_json(marks) for store, marks in sorted(self.benchmarks.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            data["seller_id"],
            date.fromisoformat(data["as_of_day"]),
            _windows_from_json(data["stores"]),
            {store: benchmarks_from_json(m) for store, m in data["benchmarks"].items()},
            _windows_from_json(data.get("previous", {})),
        )


def _windows_to_json(
    per_store: Mapping[str, Mapping[int, Counts]],
) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        store: {str(w): c.to_json() for w, c in windows.items()}
        for store, windows in sorted(per_store.items())
    }


def _windows_from_json(data: Mapping[str, Any]) -> dict[str, dict[int, Counts]]:
    return {
        store: {int(w): Counts.from_json(c) for w, c in windows.items()}
        for store, windows in data.items()
    }


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

    def to_json(self) -> dict[str, Any]:
        return {
            "seller_id": self.seller_id,
            "report_id": self.report_id,
            "stores": list(self.stores),
            "days": self.days,
            "requested_at": timestamp(self.requested_at),
            "type": self.type,
            **({"as_of_day": self.as_of_day.isoformat()} if self.as_of_day else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportRequest:
        as_of_day = data.get("as_of_day")
        return cls(
            data["seller_id"],
            data["report_id"],
            tuple(data["stores"]),
            int(data["days"]),
            parse_timestamp(data["requested_at"]),
            data.get("type", "survey_responses"),
            date.fromisoformat(as_of_day) if as_of_day else None,
        )


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

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.public().items() if k != "formats"}
        return data | ({"files": dict(self.files)} if self.files else {})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportRecord:
        stores = data.get("stores")
        return cls(
            data["report_id"],
            data["type"],
            data["status"],
            data["created_at"],
            dict(data.get("files", {})),
            as_of=data.get("as_of"),
            stores=tuple(stores) if stores is not None else None,
            days=data.get("days"),
            rows=data.get("rows"),
            completed_at=data.get("completed_at"),
        )
