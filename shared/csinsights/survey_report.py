"""The survey responses report a seller requests: the recent survey responses, order by
order, with the latest answer, when, whether it changed and from what, and the contact."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from csinsights.domain.entities import OrderState
from csinsights.reports import neutralise
from csinsights.repository import Repository, _iso
from csinsights.storage import ReportStore

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


def new_report_id(now: datetime) -> str:
    return f"{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-survey-{secrets.token_hex(4)}"


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
                "voted_at": _iso(latest.stamp.at),
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
    repository: Repository
    store: ReportStore

    def build(self, request: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
        """Idempotent: building a request twice writes the same report."""
        now = now or datetime.now(UTC)
        seller = request["seller_id"]
        since = datetime.fromisoformat(request["requested_at"]) - timedelta(days=request["days"])
        all_rows: list[dict[str, Any]] = []
        for store_id in request["stores"]:
            all_rows += rows(store_id, list(self.repository.voted_orders(seller, store_id, since)))
        key = f"reports/{seller}/survey/{request['report_id']}.csv"
        self.store.put(key, to_csv(all_rows), "text/csv")
        report = {
            "report_id": request["report_id"],
            "type": "survey_responses",
            "status": "ready",
            "stores": request["stores"],
            "days": request["days"],
            "rows": len(all_rows),
            "created_at": request["requested_at"],
            "completed_at": _iso(now),
            "files": {"csv": key},
        }
        self.repository.put_report(seller, report)
        return report
