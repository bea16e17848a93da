"""`csinsights replay`: any archive of events through the product's ingest and its
scheduled run as of a day, on the embedded store (by default) or on a local stack in the
AWS emulation (`emulated_aws`): the same output either way."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from moto import mock_aws

from csinsights.alerts import ReplyDueAlerts
from csinsights.config import Settings
from csinsights.domain.asof import end_of, parse_as_of, timestamp
from csinsights.domain.document import MetricsDocument
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.domain.targets import RenderRules
from csinsights.store.ports import ReadPort
from csinsights.store.read import ReadStore
from csinsights_local.alerts import run_alerts
from csinsights_local.bulk import bulk_order
from csinsights_local.embedded import EmbeddedStore, embedded_settings
from csinsights_local.pipeline import IngestSummary, ingest_direct, ingest_embedded
from csinsights_local.run import Embedded, run_metrics
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


@contextmanager
def _long_lived() -> Iterator[Callable[[], None]]:
    """The garbage collector's youngest generation collected less often for the duration,
    and a `freeze` that leaves what exists when it is called (the deployed stack, the
    archive) out of its passes (`gc.freeze`); both as they were after, a process's own
    freeze kept. Collections otherwise take a fifth of a replay, most of them passes over
    objects that live as long as it does."""
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
    read: ReadPort, plan: dict[str, Any], window_days: int, rules: RenderRules
) -> list[MetricsDocument]:
    """The metrics document of every seller the run listed, as of its day."""
    day = date.fromisoformat(plan["as_of_day"])
    out = []
    for seller in plan["sellers"]:
        snapshot = read.snapshot(seller["seller_id"], day)
        if snapshot is not None:
            out.append(document_from_snapshot(snapshot, window_days, rules=rules))
    return out


def deployed_documents(
    deployment: Deployment, plan: dict[str, Any], window_days: int
) -> list[MetricsDocument]:
    """`documents` of a local stack, rendered with the configuration the template gives
    the functions that render them."""
    with deployment.environment_of("MetricsPublishFunction"):
        configured = Settings.from_environment()
    read = ReadStore(settings=configured)
    return documents(read, plan, window_days, configured.render_rules())


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
    with _long_lived() as freeze:
        return replay(
            ordered,
            as_of_text,
            window_days,
            alerts_at=end_of(day) if alerts else None,
            progress=progress,
            on_ingested=on_ingested,
            freeze=freeze,
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
    freeze: Callable[[], None],
    settings: Settings | None,
) -> dict[str, Any]:
    store = EmbeddedStore(settings or embedded_settings())
    freeze()  # the archive lives as long as the replay
    summary = ingest_embedded(store, items, progress=progress)
    if on_ingested is not None:
        on_ingested(summary)
    plan = run_metrics(Embedded(store), as_of)
    rules = store.settings.render_rules()
    result = {
        "ingest": summary.as_dict(),
        "sellers": [d.to_json() for d in documents(store, plan, window_days, rules)],
    }
    if alerts_at is not None:
        # As the alert function runs: judged as of `alerts_at`, claims leased by the clock.
        published = ReplyDueAlerts(store).run(alerts_at)
        result["alerts"] = [alert.detail() for alert in published]
    return result


def _on_emulated_aws(
    items: Sequence[Any],
    as_of: str,
    window_days: int,
    *,
    alerts_at: datetime | None,
    progress: bool,
    on_ingested: Callable[[IngestSummary], None] | None,
    freeze: Callable[[], None],
    settings: Settings | None,
) -> dict[str, Any]:
    if settings is not None:
        raise ValueError("the emulated AWS runs with the template's configuration")
    for name, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        deployment = deploy()
        freeze()  # the stack and the archive live as long as the replay
        summary = ingest_direct(deployment, items, progress=progress)
        if on_ingested is not None:
            on_ingested(summary)
        plan = run_metrics(deployment, as_of)
        result = {
            "ingest": summary.as_dict(),
            "sellers": [d.to_json() for d in deployed_documents(deployment, plan, window_days)],
        }
        if alerts_at is not None:
            result["alerts"] = run_alerts(deployment, alerts_at)
    return result
