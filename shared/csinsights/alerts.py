"""The reply-due alert run: find the contacts whose reply is due, publish one
`contact.reply_due` event per contact and threshold, record it.

Per alert: read its claim (skip it if sent or held), take the claim with a condition and a
short lease, publish, record it as sent. So a re-run or an overlapping run publishes nothing
twice; a run that dies after taking a claim loses nothing (the next run after the lease
takes it over); only a fault between publishing and recording repeats an alert, under the
same id. What could not be claimed, published or given back this run is left to the next
one, and the run then fails so that runs that keep failing are seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime

from csinsights.domain.alerts import CLAIM_LEASE, ReplyDue, due, open_as_of, window
from csinsights.domain.contacts import OpenContact
from csinsights.errors import Busy
from csinsights.store.ports import MAX_ALERTS_PUBLISHED, AlertPort, Claim

PUBLISH_ATTEMPTS = 3
"""Tries of the entries `PutEvents` refused (FailedEntryCount) or of a throttled request."""


class AlertsLeftForNextRun(Exception):
    """Some alerts of this run could not be published; the next run publishes them."""


def _now() -> datetime:
    return datetime.now(UTC)


class ReplyDueAlerts:
    def __init__(self, store: AlertPort, clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.clock = clock
        self.thresholds = store.settings.alert_thresholds_hours

    def due(self, at: datetime | None = None) -> list[ReplyDue]:
        """The alerts a run at `at` owes, whether or not sent already. Live (`at` None):
        the contacts open now, from the sparse index of open contacts; as of a past `at`:
        every contact received in the window, judged on its events before `at`."""
        instant = at or self.clock()
        first, last = window(instant, self.thresholds)
        alerts = []
        for seller, store in self.store.seller_stores():
            if at is None:
                contacts = self.store.open_contacts(
                    seller, store, received_from=first, received_before=last
                )
            else:
                contacts = [
                    OpenContact.of(seller, store, contact_id, received)
                    for contact_id, state in self.store.contacts(seller, store, first, last)
                    if (received := open_as_of(state, instant)) is not None
                ]
            alerts += [a for c in contacts if (a := due(c, instant, self.thresholds))]
        return sorted(alerts)

    def run(self, at: datetime | None = None) -> list[ReplyDue]:
        """Publish what is due at `at` (default: now) and not sent yet; returns what this
        run published."""
        candidates = self.due(at)
        now = self.clock()
        claims: dict[str, Claim] = {}
        for seller, store in sorted({(a.seller_id, a.store_id) for a in candidates}):
            claims |= self.store.claims(seller, store)
        lease_until = int((now + CLAIM_LEASE).timestamp())
        taken, left = [], 0
        for alert in candidates:
            claim = claims.get(alert.alert_id)
            if claim is not None and not claim.takeable(now):
                continue
            try:
                if self.store.claim(alert, lease_until, now):
                    taken.append(alert)
            except Busy:
                left += 1  # if it was taken after all, its lease runs out
        published, failed = [], []
        for start in range(0, len(taken), MAX_ALERTS_PUBLISHED):
            sent, refused = self._publish(taken[start : start + MAX_ALERTS_PUBLISHED])
            published += sent
            failed += refused
        self.store.record_sent(published, now)
        for alert in failed:
            with suppress(Busy):  # its lease runs out instead
                self.store.release(alert, lease_until)
        if left or failed:
            raise AlertsLeftForNextRun(
                f"{left + len(failed)} alerts left for the next run ({len(published)} published)"
            )
        return published

    def _publish(self, alerts: list[ReplyDue]) -> tuple[list[ReplyDue], list[ReplyDue]]:
        """(published, refused after every attempt)."""
        pending = alerts
        for attempt in range(PUBLISH_ATTEMPTS):
            if attempt:
                backoff = self.store.settings.retry_backoff_seconds
                time.sleep(min(backoff * 2 ** (attempt + 1), 1.0))
            try:
                pending = self.store.publish(pending)
            except Busy:
                continue  # whether any landed is unknown: all are tried again
            if not pending:
                break
        return [a for a in alerts if a not in pending], pending
