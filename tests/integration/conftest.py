"""The seeded API stack, one per test module that asks for `api`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.stack import deploy
from tests.api_events import seed_events
from tests.integration.api_client import T_PREV, Api, T


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with mock_aws():
        stack = deploy()
        events = seed_events()
        summary = ingest_direct(stack, events)
        assert (summary.accepted, summary.rejected) == (len(events), 0)
        run_metrics(stack, T)
        run_metrics(stack, T_PREV)
        yield Api(stack)
