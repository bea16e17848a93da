"""The reply-due alert run: find the contacts whose reply is due, publish one
`contact.reply_due` event per contact and threshold, record it. A run is planned in
partitions (`plan`), each taken by one step of the alert state machine (`run_partition`):
live, an hour of the window read from the `Waiting` index, so a run costs the same few
requests whatever the number of seller stores when nothing is due; as of a past instant, a
registry shard's seller stores.

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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from csinsights.domain.alerts import CLAIM_LEASE, ReplyDue, due, open_as_of, window
from csinsights.domain.contacts import OpenContact
from csinsights.errors import Busy
from csinsights.store.keys import WAITING_SHARDS
from csinsights.store.ports import MAX_ALERTS_PUBLISHED, AlertPort

HOUR = "%Y-%m-%dT%H"
"""A `Waiting` index hour, as its keys write it."""

PUBLISH_ATTEMPTS = 3
"""Tries of the entries `PutEvents` refused (FailedEntryCount) or of a throttled request."""


class AlertsLeftForNextRun(Exception):
    """Some alerts of this run could not be published; the next run publishes them."""

    def __init__(self, published: list[ReplyDue], left: int) -> None:
        super().__init__(f"{left} alerts left for the next run ({len(published)} published)")
        self.published = published
        self.left = left


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AlertPlan:
    """What one run reads, in partitions its steps take one each: live, the UTC hours of
    the alert window (`{"hour"}`, each read from every shard of the `Waiting` index); as of
    a past instant, the registry shards (`{"registry_shard"}`)."""

    at: datetime
    live: bool
    partitions: list[dict[str, Any]]


class ReplyDueAlerts:
    def __init__(self, store: AlertPort, clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.clock = clock
        self.thresholds = store.settings.alert_thresholds_hours

    def plan(self, at: datetime | None = None) -> AlertPlan:
        """The run's partitions (reads nothing): live (`at` None) as of now."""
        if at is not None:
            shards = self.store.settings.registry_shards
            return AlertPlan(at, False, [{"registry_shard": n} for n in range(shards)])
        instant = self.clock()
        first, last = window(instant, self.thresholds)
        hour = first.replace(minute=0, second=0, microsecond=0)
        hours = []
        while hour < last:
            hours.append({"hour": hour.strftime(HOUR)})
            hour += timedelta(hours=1)
        return AlertPlan(instant, True, hours)

    def due_in(self, partition: dict[str, Any], at: datetime, live: bool) -> list[ReplyDue]:
        """The alerts a run at `at` owes in one partition, whether or not sent already.
        Live: the contacts open now, from the sparse `Waiting` index; as of a past `at`:
        every contact of the registry shard's seller stores received in the window,
        judged on its events before `at`."""
        first, last = window(at, self.thresholds)
        if live:
            contacts = [
                contact
                for shard in range(WAITING_SHARDS)
                for contact in self.store.waiting(partition["hour"], shard, first, last)
            ]
        else:
            shards = self.store.settings.registry_shards
            contacts = [
                OpenContact.of(seller, store, contact_id, received)
                for seller, store in self.store.registry_shard(partition["registry_shard"], shards)
                for contact_id, state in self.store.contacts(seller, store, first, last)
                if (received := open_as_of(state, at)) is not None
            ]
        return sorted(a for c in contacts if (a := due(c, at, self.thresholds)))

    def due(self, at: datetime | None = None) -> list[ReplyDue]:
        """Every alert a run at `at` (default: now) owes, whether or not sent already."""
        plan = self.plan(at)
        return sorted(a for p in plan.partitions for a in self.due_in(p, plan.at, plan.live))

    def run(self, at: datetime | None = None) -> list[ReplyDue]:
        """One whole run in this process (the local tools): each partition in turn, as the
        state machine's steps would; returns what it published."""
        plan = self.plan(at)
        published, left = [], 0
        for partition in plan.partitions:
            try:
                published += self.run_partition(partition, plan.at, plan.live)
            except AlertsLeftForNextRun as exc:
                published += exc.published
                left += exc.left
        if left:
            raise AlertsLeftForNextRun(published, left)
        return sorted(published)

    def run_partition(self, partition: dict[str, Any], at: datetime, live: bool) -> list[ReplyDue]:
        """Publish what is due at `at` in one partition and not sent yet; returns what this
        step published."""
        candidates = self.due_in(partition, at, live)
        if not candidates:
            return []
        now = self.clock()
        claims = self.store.claims(candidates)
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
            raise AlertsLeftForNextRun(published, left + len(failed))
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
