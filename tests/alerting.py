"""Shared pieces of the reply-due alert tests: the alert run built as the alert function
builds it, with a wall clock the test moves (claims' leases are wall-clock times)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from csinsights.alerts import ReplyDueAlerts
from csinsights.config import Settings
from csinsights.store.alerts import AlertStore
from csinsights_local.stack import Deployment


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def alert_run(
    stack: Deployment, clock: Clock, store: type[AlertStore] = AlertStore
) -> ReplyDueAlerts:
    """The alert run with the settings the template gives the alert function."""
    with stack.environment_of("AlertFunction"):
        settings = Settings()
    return ReplyDueAlerts(store(settings=settings), clock=clock)
