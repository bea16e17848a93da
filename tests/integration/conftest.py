"""The seeded API stack, one per test module that asks for `api`; the template deployed
once per module for modules whose tests each start from a fresh deployment (`restored`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from csinsights_local.stack import Deployment, deploy
from tests.integration.api_client import Api, seeded
from tests.state import Saved, restore, save


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    yield from seeded()


@pytest.fixture(scope="module")
def pristine() -> Iterator[tuple[Deployment, Saved]]:
    """The template deployed once per module (and worker), nothing in it yet, saved."""
    with mock_aws():
        stack = deploy()
        yield stack, save(stack)


@pytest.fixture
def restored(pristine: tuple[Deployment, Saved]) -> Deployment:
    """The module's deployment as the template creates it: what a test before wrote,
    queued or configured is gone (`tests.state.restore`)."""
    stack, saved = pristine
    restore(stack, saved)
    return stack
