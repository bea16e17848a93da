"""Fair use of report requests (SPEC, *Fair use*): a seller may request
`report_requests_per_day` reports a UTC day, so one seller cannot take the report workers,
the stage's report-request throttle or the reports bucket from everyone else."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

from csinsights.errors import FAILED_CALL, QuotaExceeded
from csinsights.observability import logger
from csinsights.store.ports import QuotaPort


def seconds_until_next_day(now: datetime) -> int:
    """Whole seconds until the next UTC midnight, at least 1 (the `Retry-After`)."""
    midnight = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)
    return max(1, math.ceil((midnight - now).total_seconds()))


class ReportQuota:
    def __init__(self, store: QuotaPort) -> None:
        self.store = store
        self.limit = store.settings.report_requests_per_day

    @contextmanager
    def spend(self, seller: str, now: datetime) -> Iterator[None]:
        """Count one request of the seller's day, then run the block that queues it.

        Raises `QuotaExceeded` when the day's requests are used up. Call it once the
        request is valid, so a refused request costs nothing; a block that fails gives its
        request back (if that fails too, the request stays counted and is logged)."""
        day = now.astimezone(UTC).date()
        if not self.store.take(seller, day, self.limit):
            raise QuotaExceeded(seconds_until_next_day(now))
        try:
            yield
        except Exception:
            try:
                self.store.give_back(seller, day)
            except FAILED_CALL as exc:
                logger.warning("report request not given back", seller_id=seller, error=str(exc))
            raise
