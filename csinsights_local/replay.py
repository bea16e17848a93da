"""`csinsights replay`: any archive of events through the real handlers, as of a day."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from moto import mock_aws

from csinsights.config import Settings
from csinsights.domain.asof import parse_as_of
from csinsights.domain.document import MetricsDocument
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.domain.targets import RenderRules
from csinsights.store.read import ReadStore
from csinsights_local.alerts import run_alerts
from csinsights_local.bulk import bulk_order
from csinsights_local.pipeline import IngestSummary, ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.stack import FAKE_CREDENTIALS, Deployment, deploy


def _as_of_text(as_of: datetime | date | str) -> str:
    if isinstance(as_of, datetime):
        return as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(as_of, date):
        return as_of.isoformat()
    return as_of


YOUNG_COLLECTED_EVERY = 10_000
"""Allocations between two collections of the youngest generation during a replay (700 by
default): emulated tables are made of millions of small long-lived objects."""


@contextmanager
def _long_lived() -> Iterator[Callable[[], None]]:
    """The garbage collector's youngest generation collected less often for the duration,
    and a `freeze` that leaves what exists when it is called (the deployed stack, the
    archive) out of its passes (`gc.freeze`); both as they were after, a process's own
    freeze kept. Collections took a fifth of a 10,000-event replay, most of them passes
    over the imports, the stack and the growing tables."""
    thresholds = gc.get_threshold()
    froze = False

    def freeze() -> None:
        nonlocal froze
        if not froze and gc.get_freeze_count() == 0:
            gc.collect()
            gc.freeze()
            froze = True

    gc.set_threshold(YOUNG_COLLECTED_EVERY, *thresholds[1:])
    try:
        yield freeze
    finally:
        gc.set_threshold(*thresholds)
        if froze:
            gc.unfreeze()


def documents(
    deployment: Deployment, plan: dict[str, Any], window_days: int
) -> list[MetricsDocument]:
    settings = Settings(table_name=deployment.outputs["EventsTableName"])
    repository = ReadStore(settings=settings)
    rules = RenderRules.from_settings(settings)
    day = date.fromisoformat(plan["as_of_day"])
    out = []
    for seller in plan["sellers"]:
        snapshot = repository.snapshot(seller["seller_id"], day)
        if snapshot is not None:
            out.append(document_from_snapshot(snapshot, window_days, rules=rules))
    return out


def replay_events(
    items: Sequence[Any],
    as_of: datetime | date | str,
    window_days: int = 28,
    *,
    alerts: bool = False,
    bulk: bool = False,
    progress: bool = False,
    on_ingested: Callable[[IngestSummary], None] | None = None,
) -> dict[str, Any]:
    """Ingest `items` (events, or an archive's lines: `csinsights_local.archive`) through
    the ingest handler into a fresh local stack, run the scheduled computation as of
    `as_of`, return the spec's output; with `alerts`, run the alert function once at
    `as_of` too and add what it published; with `bulk`, ingest them in the order a bulk
    import sends them (`csinsights_local.bulk`: the same figures, fewer writes).
    `on_ingested` is told the ingest summary (with the rejected lines) before the run;
    `progress` shows a bar on stderr."""
    as_of_text = _as_of_text(as_of)
    day = parse_as_of(as_of_text)  # fail early on a bad as_of
    for name, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws(), _long_lived() as freeze:
        deployment = deploy()
        freeze()  # the stack and the archive live as long as the replay
        ordered = bulk_order(items) if bulk else items
        summary = ingest_direct(deployment, ordered, progress=progress)
        if on_ingested is not None:
            on_ingested(summary)
        plan = run_metrics(deployment, as_of_text)
        result = {
            "ingest": summary.as_dict(),
            "sellers": [d.to_json() for d in documents(deployment, plan, window_days)],
        }
        if alerts:
            instant = datetime.combine(day + timedelta(days=1), time(), UTC)
            result["alerts"] = run_alerts(deployment, instant)
        return result
