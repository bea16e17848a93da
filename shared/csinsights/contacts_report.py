"""The contacts report a seller requests: one row per contact received in `[T - days, T)`,
newest first, judged as of `T`, so that every contact-based figure of the metrics document
for that window and `T` can be rebuilt from the rows (an audit, contact by contact).

A large seller's report is never held in memory: each store's contacts are read from the
`Contacts` index page by page with their orders, the stores merged newest first, and each
row written at once to spooled files (in memory up to `SPOOL_BYTES`, then on disk) that
are uploaded in parts.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import IO, Any

from csinsights.domain.asof import timestamp
from csinsights.domain.contacts import ContactAsOf, contact_as_of, newest_first
from csinsights.models.records import ReportRecord, ReportRequest
from csinsights.reports import safe_cell
from csinsights.store import keys
from csinsights.store.ports import ReportsPort

COLUMNS = (
    "store_id",
    "contact_id",
    "order_id",
    "reason",
    "preventable",
    "received_at",
    "needs_reply",
    "first_response_at",
    "response_hours",
    "within_24h",
    "late",
    "state",
    "automated_replies",
    "fulfillment",
    "latest_vote",
    "latest_vote_at",
    # Added last: the columns before keep their places for a reader that counts them.
    "arrival",
)
FORMATS = {"csv": "text/csv", "json": "application/json"}
ORDERS_PER_READ = 100
"""Contacts whose orders are read in one `BatchGetItem` (its limit is 100 keys)."""
SPOOL_BYTES = 1 << 20


def _yes_no(flag: bool | None) -> str | None:
    return None if flag is None else "yes" if flag else "no"


def values(contact: ContactAsOf) -> dict[str, Any]:
    """A row's values: None where a cell does not apply (the reply columns of a contact
    needing no reply, the order columns of a pre-sale question, a vote the order lacks)."""
    vote = contact.latest_vote
    return {
        "store_id": contact.store_id,
        "contact_id": contact.contact_id,
        "order_id": contact.order_id,
        "reason": contact.reason,
        "preventable": _yes_no(contact.preventable),
        "received_at": timestamp(contact.received_at),
        "needs_reply": _yes_no(contact.needs_reply),
        "first_response_at": (
            timestamp(contact.first_response_at) if contact.first_response_at else None
        ),
        "response_hours": contact.hours,
        "within_24h": contact.within_24h,
        "late": _yes_no(contact.late),
        "state": contact.state,
        "automated_replies": contact.automated_replies,
        "fulfillment": contact.fulfillment,
        "latest_vote": vote.answer if vote else None,
        "latest_vote_at": timestamp(vote.stamp.at) if vote else None,
        "arrival": contact.arrival,
    }


def csv_cells(row: dict[str, Any]) -> list[str | int | float]:
    """Empty where nothing applies; numbers stay numbers; ids (producer-written) safe
    against formulas for a `,` and a `;` reader alike."""
    return [safe_cell(row[c]) for c in COLUMNS]


class ReportFiles:
    """The report's CSV and JSON, written row by row into (spooled temporary) files."""

    def __init__(self, header: dict[str, Any], csv_file: IO[bytes], json_file: IO[bytes]) -> None:
        self.csv, self.json = csv_file, json_file
        self.rows = 0
        self._line = io.StringIO()
        self._writer = csv.writer(self._line, lineterminator="\n")
        self._csv_row(list(COLUMNS))
        opening = json.dumps(header, separators=(",", ":"))[:-1] + ',"contacts":['
        self.json.write(opening.encode())

    def _csv_row(self, cells: list[str | int | float]) -> None:
        self._line.seek(0)
        self._line.truncate()
        self._writer.writerow(cells)
        self.csv.write(self._line.getvalue().encode())

    def write(self, contact: ContactAsOf) -> None:
        row = values(contact)
        self._csv_row(csv_cells(row))
        separator = b"," if self.rows else b""
        self.json.write(separator + json.dumps(row, separators=(",", ":")).encode())
        self.rows += 1

    def finish(self) -> None:
        self.json.write(b"]}")
        self.csv.seek(0)
        self.json.seek(0)


@dataclass
class ContactsReportBuilder:
    reports: ReportsPort

    def contacts(
        self, seller: str, store: str, start: datetime, end: datetime
    ) -> Iterator[ContactAsOf]:
        """A store's contacts of [start, end) as of `end`, newest first; their orders read
        a hundred contacts at a time."""
        listed = self.reports.contacts(seller, store, start, end, newest_first=True)
        time_zone = self.reports.settings.time_zone(store)
        while chunk := list(islice(listed, ORDERS_PER_READ)):
            wanted = {c.order_id for _, c in chunk if c.order_id is not None}
            orders = self.reports.orders(seller, store, wanted) if wanted else {}
            for contact_id, contact in chunk:
                linked = orders.get(contact.order_id) if contact.order_id else None
                judged = contact_as_of(store, contact_id, contact, linked, end, time_zone)
                if judged is not None:
                    yield judged

    def build(self, request: ReportRequest, now: datetime | None = None) -> ReportRecord:
        """Idempotent: building a request twice writes the same report (as of the same
        `T`, from the events before it)."""
        now = now or datetime.now(UTC)
        seller, end = request.seller_id, request.as_of
        if end is None:
            raise ValueError(f"contacts report {request.report_id} has no as_of")
        start = end - timedelta(days=request.days)
        header = {
            "seller_id": seller,
            "stores": list(request.stores),
            "as_of": timestamp(end),
            "window": {"start": timestamp(start), "end": timestamp(end), "days": request.days},
        }
        per_store = [self.contacts(seller, s, start, end) for s in request.stores]
        objects = {fmt: keys.contacts_key(seller, request.report_id, fmt) for fmt in FORMATS}
        with (
            tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as csv_file,
            tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as json_file,
        ):
            files = ReportFiles(header, csv_file, json_file)
            for contact in heapq.merge(*per_store, key=newest_first, reverse=True):
                files.write(contact)
            files.finish()
            self.reports.upload(objects["csv"], files.csv, FORMATS["csv"])
            self.reports.upload(objects["json"], files.json, FORMATS["json"])
        report = ReportRecord.requested(request, objects, files.rows, now)
        self.reports.put_report(seller, report)
        return report
