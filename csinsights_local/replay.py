"""`csinsights replay`: any archive of events through the product's ingest and its
scheduled run as of a day, on the embedded store (by default) or on a local stack in the
AWS emulation (`emulated_aws`): the same output either way."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from moto import mock_aws

from csinsights.config import Settings
from csinsights.domain.asof import end_of, parse_as_of, timestamp
from csinsights.domain.document import MetricsDocument
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.domain.targets import RenderRules
from csinsights.store.ports import ReadPort
from csinsights.store.read import ReadStore
from csinsights_local.bulk import bulk_order
from csinsights_local.embedded import EmbeddedStore, embedded_settings
from csinsights_local.pipeline import IngestSummary, ingest_direct, ingest_embedded
from csinsights_local.run import (
    Embedded,
    RunResult,
    listed_sellers,
    published_alerts,
    run_alert_machine,
    run_metrics,
)
from csinsights_local.stack import FAKE_CREDENTIALS, Deployment, deploy


def _as_of_text(as_of: datetime | date | str) -> str:
    if isinstance(as_of, datetime):
        return timestamp(as_of)
    if isinstance(as_of, date):
        return as_of.isoformat()
    return as_of


YOUNG_COLLECTED_EVERY = 10_000
"""Allocations between two collections of the youngest generation during a replay (700 by
default): a replay holds millions of small long-lived objects."""


class Collector:
    """The garbage collector during a replay, which holds millions of small objects that
    live as long as it does: collections otherwise take a fifth of its time, passes over
    what no collection can free."""

    def __init__(self) -> None:
        self.froze = False

    def freeze(self) -> None:
        """Leave what exists now (the archive, a deployed stack) out of every further pass
        (`gc.freeze`), unless the process froze objects of its own."""
        if not self.froze and gc.get_freeze_count() == 0:
            gc.collect()
            gc.freeze()
            self.froze = True

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No collection while ingest runs (its state makes no reference cycles: nothing a
        collection could free), then what it made is frozen with the rest."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if self.froze:
                gc.freeze()
            if enabled:
                gc.enable()


@contextmanager
def _long_lived() -> Iterator[Collector]:
    """For the duration: the youngest generation collected less often, and a `Collector`
    to freeze and pause with; all as it was after, a process's own freeze kept."""
    thresholds = gc.get_threshold()
    collector = Collector()
    gc.set_threshold(YOUNG_COLLECTED_EVERY, *thresholds[1:])
    try:
        yield collector
    finally:
        gc.set_threshold(*thresholds)
        if collector.froze:
            gc.unfreeze()


def documents(
    read: ReadPort, sellers: Iterable[str], day: date, window_days: int, rules: RenderRules
) -> list[MetricsDocument]:
    """The metrics document of every seller the run listed, as of its day."""
    out = []
    for seller in sellers:
        snapshot = read.snapshot(seller, day)
        if snapshot is not None:
            out.append(document_from_snapshot(snapshot, window_days, rules=rules))
    return out


def deployed_documents(
    deployment: Deployment, run: RunResult, window_days: int
) -> list[MetricsDocument]:
    """`documents` of a local stack, rendered with the configuration the template gives
    the functions that render them."""
    with deployment.environment_of("MetricsPublishFunction"):
        configured = Settings.from_environment()
    read = ReadStore(settings=configured)
    day = date.fromisoformat(run.output["as_of_day"])
    sellers = listed_sellers(deployment, run.output)
    return documents(read, sellers, day, window_days, configured.render_rules())


def replay_events(
    items: Sequence[Any],
    as_of: datetime | date | str,
    window_days: int = 28,
    *,
    alerts: bool = False,
    bulk: bool = False,
    progress: bool = False,
    on_ingested: Callable[[IngestSummary], None] | None = None,
    emulated_aws: bool = False,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Ingest `items` (events, or an archive's lines: `csinsights_local.archive`) through the
    product's ingest, run the scheduled computation as of `as_of` in the steps of the
    template's state machine, return the spec's output; with `alerts`, run the alert run
    once at `as_of` too and add what it published; with `bulk`, ingest them in the order a
    bulk import sends them (`csinsights_local.bulk`: the same figures, fewer writes).
    `on_ingested` is told the ingest summary (with the rejected lines) before the run;
    `progress` shows a bar on stderr.

    On the embedded store by default (`settings`: the configuration it runs with); with
    `emulated_aws`, through a fresh local stack from the template in the AWS emulation,
    every event through the real ingest handler, the run through the real handlers."""
    as_of_text = _as_of_text(as_of)
    day = parse_as_of(as_of_text)  # fail early on a bad as_of
    ordered = bulk_order(items) if bulk else items
    replay = _on_emulated_aws if emulated_aws else _on_embedded_store
    with _long_lived() as collector:
        return replay(
            ordered,
            as_of_text,
            window_days,
            alerts_at=end_of(day) if alerts else None,
            progress=progress,
            on_ingested=on_ingested,
            collector=collector,
            settings=settings,
        )


def _on_embedded_store(
    items: Sequence[Any],
    as_of: str,
    window_days: int,
    *,
    alerts_at: datetime | None,
    progress: bool,
    on_ingested: Callable[[IngestSummary], None] | None,
    collector: Collector,
    settings: Settings | None,
) -> dict[str, Any]:
    store = EmbeddedStore(settings or embedded_settings())
    collector.freeze()  # the archive lives as long as the replay
    with collector.paused():
        summary = ingest_embedded(store, items, progress=progress)
    if on_ingested is not None:
        on_ingested(summary)
    target = Embedded(store)
    run = run_metrics(target, as_of)
    rules = store.settings.render_rules()
    day = date.fromisoformat(run.output["as_of_day"])
    sellers = listed_sellers(target, run.output)
    result = {
        "ingest": summary.as_dict(),
        "sellers": [d.to_json() for d in documents(store, sellers, day, window_days, rules)],
    }
    shape = run.shape()
    if alerts_at is not None:
        # As the alert run runs: judged as of `alerts_at`, claims leased by the clock.
        alerts = run_alert_machine(target, alerts_at)
        result["alerts"] = published_alerts(alerts)
        shape |= alerts.shape()
    result["run"] = shape
    return result


def _on_emulated_aws(
    items: Sequence[Any],
    as_of: str,
    window_days: int,
    *,
    alerts_at: datetime | None,
    progress: bool,
    on_ingested: Callable[[IngestSummary], None] | None,
    collector: Collector,
    settings: Settings | None,
) -> dict[str, Any]:
    if settings is not None:
        raise ValueError("the emulated AWS runs with the template's configuration")
    for name, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        deployment = deploy()
        collector.freeze()  # the stack and the archive live as long as the replay
        summary = ingest_direct(deployment, items, progress=progress)
        if on_ingested is not None:
            on_ingested(summary)
        run = run_metrics(deployment, as_of)
        result = {
            "ingest": summary.as_dict(),
            "sellers": [d.to_json() for d in deployed_documents(deployment, run, window_days)],
        }
        shape = run.shape()
        if alerts_at is not None:
            alerts = run_alert_machine(deployment, alerts_at)
            result["alerts"] = published_alerts(alerts)
            shape |= alerts.shape()
        result["run"] = shape
    return result
