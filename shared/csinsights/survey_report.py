"""The survey responses report a seller requests: the recent survey responses, order by
order, with the latest answer, when, whether it changed and from what, and the contact."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from csinsights.domain.entities import OrderState
from csinsights.models.records import ReportRecord, ReportRequest
from csinsights.reports import neutralise
from csinsights.store.reports import ReportsStore

COLUMNS = [
    "order_id",
    "store_id",
    "latest_answer",
    "dissatisfied",
    "voted_at",
    "changed",
    "previous_answer",
    "contact_id",
]


def _voted_at(at: datetime) -> str:
    """A vote's moment to the microsecond, as the events gave it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _answer(answer: str) -> str:
    return answer if answer in ("yes", "no") else f"rating {answer}"


def rows(store: str, orders: list[tuple[str, OrderState]]) -> list[dict[str, Any]]:
    out = []
    for order_id, order in orders:
        votes = sorted(order.votes)
        latest = votes[-1]
        previous = votes[-2] if len(votes) > 1 else None
        contact = (
            latest.contact_id
            or next((v.contact_id for v in reversed(votes) if v.contact_id), None)
            or (sorted(order.contacts)[0] if order.contacts else None)
        )
        out.append(
            {
                "order_id": order_id,
                "store_id": store,
                "latest_answer": _answer(latest.answer),
                "dissatisfied": "yes" if latest.dissatisfied else "no",
                "voted_at": _voted_at(latest.stamp.at),
                "changed": "yes" if previous and previous.answer != latest.answer else "no",
                "previous_answer": _answer(previous.answer) if previous else "",
                "contact_id": contact or "",
            }
        )
    return out


def to_csv(all_rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in all_rows:
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return buffer.getvalue()


@dataclass
class SurveyReportBuilder:
    reports: ReportsStore

    def build(self, request: ReportRequest, now: datetime | None = None) -> ReportRecord:
        """Idempotent: building a request twice writes the same report."""
        now = now or datetime.now(UTC)
        seller = request.seller_id
        since = request.requested_at - timedelta(days=request.days)
        all_rows: list[dict[str, Any]] = []
        for store_id in request.stores:
            all_rows += rows(store_id, list(self.reports.voted_orders(seller, store_id, since)))
        key = self.reports.survey_key(seller, request.report_id)
        self.reports.put(key, to_csv(all_rows), "text/csv")
        report = ReportRecord.requested(request, {"csv": key}, len(all_rows), now)
        self.reports.put_report(seller, report)
        return report
