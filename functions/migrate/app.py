"""Upgrades of the table's layout in place (`csinsights.migration`), as the steps of the
layout migration's state machine (`infra/template.yaml`, `LayoutMigrationStateMachine`):
`plan_handler` names the scan's segments, `handler` upgrades one segment until its time is
nearly up and says whether it is done (the state machine calls it again until it is)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from csinsights.config import PerSettings
from csinsights.migration import LayoutMigration
from csinsights.observability import logger
from csinsights.store.migration import MigrationStore

DEFAULT_SEGMENTS = 16
SPARE_MILLIS = 60_000
"""Time left for one more page and the progress's save."""

migration = PerSettings(lambda settings: LayoutMigration(MigrationStore(settings=settings)))


@logger.inject_lambda_context
def plan_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """`{"segments": n}` (default MIGRATION_SEGMENTS): one item per segment."""
    segments = int(
        event.get("segments") or os.environ.get("MIGRATION_SEGMENTS") or DEFAULT_SEGMENTS
    )
    return {"parts": [{"segment": s, "segments": segments} for s in range(segments)]}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """`{"segment", "segments"}`: as far as this invocation's time allows."""
    result = migration().run_segment(
        int(event["segment"]),
        int(event["segments"]),
        lambda: context.get_remaining_time_in_millis() > SPARE_MILLIS,
    )
    logger.info(
        "layout migration", segment=result.segment, done=result.done, upgraded=result.upgraded
    )
    return {"segment": result.segment, "segments": result.segments, "done": result.done}
