"""Reply-due alerts, on their own schedule, as the steps of the alert state machine
(`infra/template.yaml`, `ReplyDueAlertsStateMachine`): `plan_handler` splits a run into
partitions (the hours of the alert window, or registry shards as of a past instant) and
`handler` publishes `contact.reply_due` to the product's event bus for the contacts of one
partition whose reply is due.

The schedule's event time is not used: a run delivered late judges the contacts as they
stand when it runs, so a reply sent meanwhile silences its alert. `{"as_of": "<RFC 3339
instant>"}` runs it as of a past instant instead (the local replay).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights.alerts import ReplyDueAlerts
from csinsights.config import PerSettings
from csinsights.observability import logger, metrics
from csinsights.store.alerts import AlertStore

alerts = PerSettings(lambda settings: ReplyDueAlerts(AlertStore(settings=settings)))


def _instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError("as_of must carry an offset, e.g. 2026-11-20T00:00:00Z")
    return instant


@logger.inject_lambda_context
def plan_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduled (live), or `{"as_of"}`: `{"at", "live", "partitions"}`."""
    as_of = event.get("as_of")
    plan = alerts().plan(_instant(as_of) if as_of else None)
    return {"at": plan.at.isoformat(), "live": plan.live, "partitions": plan.partitions}


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """One partition of a run: `{"partition", "at", "live"}`."""
    published = alerts().run_partition(
        event["partition"], _instant(event["at"]), bool(event["live"])
    )
    metrics.add_metric(name="AlertsPublished", unit=MetricUnit.Count, value=len(published))
    logger.info("reply-due alerts published", published=len(published))
    return {"alerts": [a.detail() for a in published]}
