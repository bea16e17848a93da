"""The read side the API serves: every lookup is one read of what the run published."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from csinsights.config import Settings
from csinsights.domain.asof import end_of, last_complete_day, timestamp
from csinsights.domain.catalogue import BENCHMARK_WINDOW, LATE_AFTER, WINDOWS
from csinsights.domain.contacts import OpenContact, by_urgency, contact_as_of, overdue_row
from csinsights.domain.document import MetricsDocument
from csinsights.domain.documents import rounded
from csinsights.domain.metrics import METRICS
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.errors import FAILED_CALL, InvalidRequest, NotFound
from csinsights.models.records import ReportRecord, ReportRequest, RequestedType, new_report_id
from csinsights.observability import logger
from csinsights.overdue import open_by_urgency
from csinsights.quota import ReportQuota
from csinsights.store.ports import QuotaPort, ReadPort, ReportRequestsPort, ReportsPort

MAX_HISTORY_DAYS = 366
REPORT_FORMATS = ("csv", "json", "html")
OVERDUE_LOOKBACK = timedelta(days=max(WINDOWS))
"""How far before a past `T` the overdue list looks for contacts still unanswered at `T`:
the longest window any figure covers (a contact received earlier is in no window)."""
EARLIEST_AS_OF = date(2000, 1, 1)
"""No marketplace event is older: a contacts list or report as of an earlier day is refused
(its 90 days back would leave the calendar)."""
REPORT_ID_KINDS: dict[RequestedType, str] = {"survey_responses": "survey", "contacts": "contacts"}


class Queries:
    def __init__(
        self,
        repository: ReadPort,
        reports: ReportsPort,
        quota: QuotaPort,
        requests: ReportRequestsPort | None = None,
    ) -> None:
        self.repository = repository
        self.reports = reports
        self.requests = requests
        self.quota = ReportQuota(quota)
        self.rules = repository.settings.render_rules()

    @classmethod
    def from_settings(cls, settings: Settings) -> Queries:
        """The read side as the API function composes it (its stores share one client)."""
        from csinsights.store.quota import QuotaStore
        from csinsights.store.read import ReadStore
        from csinsights.store.reports import ReportRequests, ReportsStore

        read = ReadStore(settings=settings)
        return cls(
            read,
            ReportsStore(read.table.client, settings),
            QuotaStore(read.table.client, settings),
            ReportRequests(settings=settings),
        )

    def overdue_contacts(
        self,
        seller: str,
        store: str | None,
        limit: int,
        as_of_day: date | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Unanswered contacts needing a reply, by urgency (those within 48 h first, least
        time left first; then those past 48 h, most recently due first), each with its due
        time and the hours left before the buyer can file an A-to-z claim (negative once
        past): live (as of `now`), or as they stood at the end of `as_of_day`."""
        now = now or datetime.now(UTC)
        at = now if as_of_day is None else self._past(as_of_day, now)
        stores = [store] if store else self.repository.stores_of(seller)
        contacts: list[OpenContact] = []
        for store_id in stores:
            if as_of_day is None:
                contacts += open_by_urgency(self.repository, seller, store_id, at, limit)
            else:
                contacts += self._unanswered_at(seller, store_id, at, limit)
        out = [overdue_row(contact, at) for contact in by_urgency(contacts, at)[:limit]]
        return {"seller_id": seller, "as_of": timestamp(at), "contacts": out}

    @staticmethod
    def _past(as_of_day: date, now: datetime) -> datetime:
        if as_of_day > last_complete_day(now):
            raise InvalidRequest("as_of", "as_of must not be in the future")
        if as_of_day < EARLIEST_AS_OF:
            raise InvalidRequest("as_of", f"as_of must not be before {EARLIEST_AS_OF.isoformat()}")
        return end_of(as_of_day)

    def _unanswered_at(
        self, seller: str, store: str, at: datetime, limit: int
    ) -> list[OpenContact]:
        """The `limit` most urgent contacts of [at - OVERDUE_LOOKBACK, at) unanswered at
        `at`, each judged from its events before `at` (the live index says how it stands
        now): those within 48 h read oldest first, those past it newest first, each read
        stopped once `limit` are found."""
        line = at - LATE_AFTER
        found: list[OpenContact] = []
        for start, end, newest_first in ((line, at, False), (at - OVERDUE_LOOKBACK, line, True)):
            taken = 0
            for contact_id, contact in self.repository.contacts(
                seller, store, start, end, newest_first
            ):
                judged = contact_as_of(store, contact_id, contact, None, at)
                if judged is None or judged.state != "unanswered":
                    continue
                found.append(
                    OpenContact(
                        seller,
                        store,
                        contact_id,
                        judged.order_id,
                        judged.reason,
                        judged.received_at,
                    )
                )
                taken += 1
                if taken == limit:
                    break
        return by_urgency(found, at)

    def request_report(
        self,
        seller: str,
        kind: RequestedType,
        stores: list[str] | None,
        days: int,
        as_of_day: date | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Queue a survey responses or contacts report (a contacts report is as of the end
        of `as_of_day`, by default the last complete day)."""
        if self.requests is None:
            raise RuntimeError("no report requests queue configured")
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        if kind == "contacts":
            as_of_day = as_of_day or last_complete_day(now)
            self._past(as_of_day, now)
        elif as_of_day is not None:
            raise InvalidRequest("as_of", "only a contacts report is as of a day")
        known = self.repository.stores_of(seller)
        chosen = sorted(set(stores)) if stores else known
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise NotFound(f"seller {seller} has no data in store(s) {', '.join(unknown)}")
        report_id = new_report_id(now, REPORT_ID_KINDS[kind])
        request = ReportRequest(seller, report_id, tuple(chosen), days, now, kind, as_of_day)
        report = ReportRecord.requested(request)
        # Counted against the seller's day only now that it is valid (fair use). The
        # request is queued first: if queueing fails, nothing is left behind (no `pending`
        # record that no worker will ever complete; the count is given back). Once it is
        # queued the report
        # will be built and its worker writes the whole record, so the `pending` record is
        # a courtesy: failing to write it still answers 202 (a 5xx would make the seller
        # ask again and get the same report twice).
        with self.quota.spend(seller, now):
            self.requests.send(request)
        try:
            self.reports.put_report(seller, report, only_if_new=True)
        except FAILED_CALL as exc:
            logger.warning(
                "pending record not written", report_id=request.report_id, error=str(exc)
            )
        return report.public()

    def metrics(
        self, seller: str, stores: list[str] | None, as_of_day: date | None, window_days: int
    ) -> MetricsDocument:
        snapshot = self.repository.snapshot(seller, as_of_day)
        if snapshot is None:
            raise NotFound(
                f"no metrics for seller {seller}" + (f" as of {as_of_day}" if as_of_day else "")
            )
        if stores:
            unknown = sorted(set(stores) - set(snapshot.stores))
            if unknown:
                raise NotFound(f"seller {seller} has no metrics in store(s) {', '.join(unknown)}")
        return document_from_snapshot(snapshot, window_days, stores, rules=self.rules)

    def history(
        self, seller: str, metric: str, store: str | None, first: date, last: date, window_days: int
    ) -> dict[str, Any]:
        if metric not in METRICS:
            raise InvalidRequest("metric", f"unknown metric; one of {', '.join(METRICS)}")
        if last < first:
            raise InvalidRequest("from", "'from' must not be after 'to'")
        if (last - first).days >= MAX_HISTORY_DAYS:
            raise InvalidRequest("from", f"at most {MAX_HISTORY_DAYS} days per request")
        if store is not None and store not in self.repository.stores_of(seller):
            # The rule of every route: a store the seller has never sold in is not found
            # (a store of the seller's without a run in the range has no points).
            raise NotFound(f"seller {seller} has no metrics in store {store}")
        points = []
        for snapshot in self.repository.snapshots(seller, first, last):
            if store is not None and store not in snapshot.stores:
                continue
            document = document_from_snapshot(
                snapshot, window_days, [store] if store else None, rules=self.rules
            )
            metrics = document.by_store[0].metrics if store else document.metrics
            figure = metrics.figure(metric)
            points.append({"as_of": document.as_of, "value": figure.value, "status": figure.status})
        return {
            "seller_id": seller,
            "metric": metric,
            "store_id": store,
            "window_days": window_days,
            "points": points,
        }

    def benchmarks(self, store: str, as_of_day: date | None) -> dict[str, Any]:
        found = self.repository.latest_benchmarks(store, as_of_day)
        if found is None:
            raise NotFound(f"no benchmarks for store {store}")
        day, marks = found
        return {
            "store_id": store,
            "as_of": timestamp(end_of(day)),
            "window_days": BENCHMARK_WINDOW,
            "metrics": {
                metric: {
                    "store_average": rounded(b.store_average),
                    "top_performers": rounded(b.top_performers),
                    "reason": b.reason,
                    "sellers": b.sellers,
                }
                for metric, b in marks.items()
            },
        }

    def list_reports(self, seller: str, limit: int, after: str | None) -> dict[str, Any]:
        """A page of the seller's reports, newest first; `after`: a `next_cursor` this
        listing gave (the last report of the page before), else refused."""
        if after is not None and self.reports.report(seller, after) is None:
            raise InvalidRequest("cursor", "not a cursor of this listing: start again without one")
        items, next_cursor = self.reports.reports(seller, limit, after)
        return {
            "reports": [r.public() for r in items],
            "next_cursor": next_cursor,
        }

    def report(
        self, seller: str, report_id: str, fmt: str, expires_in: int | None = None
    ) -> dict[str, Any]:
        expires_in = expires_in or self.reports.settings.link_expiry_seconds
        report = self.reports.report(seller, report_id)
        if report is None:
            raise NotFound(f"no report {report_id}")
        out = report.public()
        files = report.files
        if report.status == "ready":
            if fmt not in files:
                raise InvalidRequest("format", f"this report comes as {', '.join(sorted(files))}")
            filename = f"{report.type}-{seller}-{report_id}.{fmt}"
            out["download"] = {
                "url": self.reports.download_link(files[fmt], filename, expires_in),
                "expires_in": expires_in,
                "filename": filename,
                "format": fmt,
            }
        return out
