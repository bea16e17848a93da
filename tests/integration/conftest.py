"""The seeded API stack, one per test module that asks for `api`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.api_client import Api, seeded


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    yield from seeded()
