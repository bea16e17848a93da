"""The survey responses report a seller requests: the recent survey responses, order by
order, with the latest answer, when, whether it changed and from what, and the contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from csinsights.domain.asof import timestamp
from csinsights.domain.entities import OrderState
from csinsights.models.records import ReportRecord, ReportRequest
from csinsights.reports import write_csv
from csinsights.store import keys
from csinsights.store.ports import ReportsPort

COLUMNS = [
    "order_id",
    "store_id",
    "vote",
    "rating",
    "dissatisfied",
    "voted_at",
    "changed",
    "previous_answer",
    "contact_id",
]
"""`vote` is the latest yes/no answer, `rating` the latest 1-5 one (one of them is empty);
`previous_answer` (`yes`, `no` or `1`-`5`) is the answer the latest replaced, given only
when `changed` is `yes`."""


def rows(store: str, orders: list[tuple[str, OrderState]]) -> list[dict[str, Any]]:
    """One row per order with its latest vote. It changed when an earlier vote gave
    another answer; `previous_answer` is the latest such answer (a "no" changed to "yes"
    and voted "yes" again still changed from "no")."""
    out = []
    for order_id, order in orders:
        votes = sorted(order.votes)
        latest = votes[-1]
        previous = next((v.answer for v in reversed(votes) if v.answer != latest.answer), None)
        contact = (
            latest.contact_id
            or next((v.contact_id for v in reversed(votes) if v.contact_id), None)
            or (sorted(order.contacts)[0] if order.contacts else None)
        )
        rating = latest.answer not in ("yes", "no")
        out.append(
            {
                "order_id": order_id,
                "store_id": store,
                "vote": None if rating else latest.answer,
                "rating": int(latest.answer) if rating else None,
                "dissatisfied": latest.dissatisfied,
                "voted_at": timestamp(latest.stamp.at),
                "changed": previous is not None,
                "previous_answer": previous,
                "contact_id": contact,
            }
        )
    return out


def to_csv(all_rows: list[dict[str, Any]]) -> str:
    """Newest vote first across every store (the same second: by store, then order)."""
    ordered = sorted(all_rows, key=lambda r: (r["store_id"], r["order_id"]))
    ordered.sort(key=lambda r: r["voted_at"], reverse=True)
    return write_csv(ordered, COLUMNS)


@dataclass
class SurveyReportBuilder:
    reports: ReportsPort

    def build(self, request: ReportRequest, now: datetime | None = None) -> ReportRecord:
        """Idempotent: building a request twice writes the same report."""
        now = now or datetime.now(UTC)
        seller = request.seller_id
        since = request.requested_at - timedelta(days=request.days)
        all_rows: list[dict[str, Any]] = []
        for store_id in request.stores:
            all_rows += rows(store_id, list(self.reports.voted_orders(seller, store_id, since)))
        key = keys.survey_key(seller, request.report_id)
        self.reports.put(key, to_csv(all_rows), "text/csv")
        report = ReportRecord.requested(request, {"csv": key}, len(all_rows), now)
        self.reports.put_report(seller, report)
        return report
