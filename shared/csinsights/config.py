"""Every tunable of the product in one typed object, read from the environment.

Defaults match the product specification; deployments override them through the
template's environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    table_name: str = field(default_factory=lambda: _env("TABLE_NAME", "csinsights"))
    retention_days: int = field(default_factory=lambda: int(_env("RETENTION_DAYS", "400")))
    rejected_retention_days: int = field(
        default_factory=lambda: int(_env("REJECTED_RETENTION_DAYS", "400"))
    )
    commit_attempts: int = field(default_factory=lambda: int(_env("COMMIT_ATTEMPTS", "3")))
    reports_bucket: str = field(
        default_factory=lambda: _env("REPORTS_BUCKET", "csinsights-reports")
    )
    link_expiry_seconds: int = field(
        default_factory=lambda: min(int(_env("LINK_EXPIRY_SECONDS", "300")), 900)
    )
    """Pre-signed download links expire within 15 minutes at the most."""
    report_requests_queue_url: str = field(
        default_factory=lambda: _env("REPORT_REQUESTS_QUEUE_URL", "")
    )
    registry_shards: int = 10
    endpoint_url: str | None = field(default_factory=lambda: os.environ.get("AWS_ENDPOINT_URL"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


class PerSettings:
    """A function's clients: made on first use for the environment's configuration and
    reused across invocations (a new configuration, as in tests, gets new clients)."""

    def __init__(self, factory: Callable[[Settings], T]) -> None:
        self._make = lru_cache(maxsize=8)(factory)

    def __call__(self):  # type: ignore[no-untyped-def]
        return self._make(Settings())

    def cache_clear(self) -> None:
        self._make.cache_clear()
