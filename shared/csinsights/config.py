"""Every tunable of the product in one typed object, read from the environment.

Defaults match the product specification; deployments override them through the
template's environment variables. A value given to the constructor wins over the
environment (tests point a store at a table that way).

Required, so a function fails on its first construction with the variable's name instead
of talking to a resource that does not exist:

- `TABLE_NAME`, always (every function reads or writes the table; the template sets it
  for all of them);
- `REPORTS_BUCKET`, by the stores that touch report files (the template sets it for all
  functions; only ingest never uses it), checked when such a store is made;
- `REPORT_REQUESTS_QUEUE_URL`, by the report requests queue (only the API sends to it,
  and only the API's environment sets it), checked when the queue is made;
- `EVENT_BUS_NAME`, by the reply-due alerts' publisher (only the alert function's
  environment sets it), checked when the publisher is made.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csinsights.domain.alerts import DEFAULT_THRESHOLDS_HOURS, valid_thresholds
from csinsights.domain.arrival import store_time_zone, zone

if TYPE_CHECKING:
    from csinsights.domain.targets import RenderRules

T = TypeVar("T")

MAX_LINK_EXPIRY_SECONDS = 900
"""Pre-signed download links expire within 15 minutes at the most."""

ENVIRONMENT = {
    "table_name": "TABLE_NAME",
    "reports_bucket": "REPORTS_BUCKET",
    "report_requests_queue_url": "REPORT_REQUESTS_QUEUE_URL",
    "retention_days": "RETENTION_DAYS",
    "rejected_retention_days": "REJECTED_RETENTION_DAYS",
    "commit_attempts": "COMMIT_ATTEMPTS",
    "retry_backoff_seconds": "RETRY_BACKOFF_SECONDS",
    "link_expiry_seconds": "LINK_EXPIRY_SECONDS",
    "min_sample": "MIN_SAMPLE",
    "min_volume": "MIN_VOLUME",
    "min_peers": "MIN_PEERS",
    "store_targets": "STORE_TARGETS",
    "store_time_zones": "STORE_TIME_ZONES",
    "event_bus_name": "EVENT_BUS_NAME",
    "alert_thresholds_hours": "ALERT_THRESHOLDS_HOURS",
    "report_requests_per_day": "REPORT_REQUESTS_PER_DAY",
    "registry_shards": "REGISTRY_SHARDS",
    "benchmark_shard_sellers": "BENCHMARK_SHARD_SELLERS",
    "benchmark_fan_in": "BENCHMARK_FAN_IN",
}
"""Each setting's environment variable."""
MAX_REGISTRY_SHARDS = 1024
"""The registry's buckets (`store.keys.REGISTRY_BUCKETS`): a shard lists at least one."""


class MissingSetting(RuntimeError):
    """A required environment variable is not set."""

    def __init__(self, field: str) -> None:
        self.variable = ENVIRONMENT[field]
        super().__init__(f"environment variable {self.variable} is not set")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    table_name: str
    reports_bucket: str | None = None
    report_requests_queue_url: str | None = None
    retention_days: int = 400
    rejected_retention_days: int = 400
    commit_attempts: int = 3
    retry_backoff_seconds: float = Field(default=0.05, ge=0)
    """The first wait before trying again, in the function, a commit, the keys or items a
    batch left unprocessed, or an alert publish; each further wait doubles (at most a
    second). 0 tries again at once (the tests, whose retries need no waiting)."""
    link_expiry_seconds: int = 300
    min_sample: int = 40
    """Below this denominator a figure is flagged `low_sample`."""
    min_volume: int = 5
    """A seller counts in its store's average with a denominator of at least this."""
    min_peers: int = 5
    """Below this many sellers in the store average, both comparisons are withheld."""
    store_targets: dict[str, dict[str, dict[str, int | float]]] = {}
    """Per store, overrides of the fixed targets' thresholds (JSON in STORE_TARGETS), e.g.
    `{"DE": {"customer_service_dissatisfaction_rate": {"good": 20, "fair": 40}}}`; one the
    table has no room for fails the function's start with the store and metric named."""
    store_time_zones: dict[str, str] = {}
    """Per store, its IANA time zone (JSON in STORE_TIME_ZONES), e.g. `{"DE":
    "Europe/Berlin"}`: the local time a contact's arrival cell (`by_arrival`) is read in.
    A store not named keeps the specification's default (`arrival.DEFAULT_STORE_TIME_ZONES`,
    UTC for any other store); an unknown zone fails the function's start with the store
    named."""
    event_bus_name: str | None = None
    alert_thresholds_hours: tuple[int, ...] = DEFAULT_THRESHOLDS_HOURS
    """Ages (whole hours, 1 to 47) at which a contact still unanswered gets a reply-due
    alert ("24,40" in ALERT_THRESHOLDS_HOURS); none, or one of 48 h or more, fails the
    function's start with the variable named."""

    report_requests_per_day: int = Field(default=20, ge=1)
    """Fair use: a seller's report requests a UTC day; beyond them the API answers 429."""
    registry_shards: int = Field(default=1024, ge=1, le=MAX_REGISTRY_SHARDS)
    """How many parts the run lists the registry in, each counted and published by one
    invocation: at 2 million sellers (5 million seller stores), about 2,000 sellers a part."""
    benchmark_shard_sellers: int = Field(default=10_000, ge=1)
    """About how many sellers each shard of a store's benchmarks holds: a store of a million
    sellers is benchmarked in a hundred shards, each pass one invocation a shard."""
    benchmark_fan_in: int = Field(default=32, ge=2)
    """Most shard summaries one step of a store's benchmarks reads: a store of more shards
    merges them in groups of this many first (flat up to this many squared)."""

    @classmethod
    def from_environment(cls) -> Settings:
        """Every setting from the environment (a function's configuration)."""
        return cls.model_validate({})

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        """Fill what the caller did not give from the environment; an empty variable
        counts as unset."""
        if not isinstance(given, dict):
            return given
        values = {
            field: os.environ[name]
            for field, name in ENVIRONMENT.items()
            if os.environ.get(name) and field not in given
        }
        values |= given
        if not values.get("table_name"):
            raise MissingSetting("table_name")
        return values

    @field_validator("store_targets", "store_time_zones", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("store_targets")
    @classmethod
    def _valid_targets(
        cls, overrides: dict[str, dict[str, dict[str, int | float]]]
    ) -> dict[str, dict[str, dict[str, int | float]]]:
        """Imported here: only the functions that judge figures load the targets."""
        if not overrides:
            return overrides
        from csinsights.domain.targets import store_targets

        try:
            store_targets(overrides)
        except ValueError as exc:
            raise ValueError(f"{ENVIRONMENT['store_targets']}: {exc}") from exc
        return overrides

    @field_validator("store_time_zones")
    @classmethod
    def _known_zones(cls, zones: dict[str, str]) -> dict[str, str]:
        for store, name in zones.items():
            try:
                zone(name)
            except ValueError as exc:
                raise ValueError(f"{ENVIRONMENT['store_time_zones']}: {store}: {exc}") from exc
        return zones

    @field_validator("alert_thresholds_hours", mode="before")
    @classmethod
    def _thresholds(cls, value: Any) -> Any:
        name = ENVIRONMENT["alert_thresholds_hours"]
        if isinstance(value, str):
            try:
                value = [int(part) for part in value.split(",") if part.strip()]
            except ValueError:
                raise ValueError(
                    f"{name}: whole hours separated by commas, e.g. 24,40; got {value!r}"
                ) from None
        try:
            return valid_thresholds(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: {exc}") from exc

    def __hash__(self) -> int:
        """Functions cache their clients per configuration; `store_targets` is a mapping,
        so the configuration hashes by its canonical JSON."""
        return hash(json.dumps(self.model_dump(), sort_keys=True))

    @field_validator("link_expiry_seconds")
    @classmethod
    def _capped(cls, seconds: int) -> int:
        return min(seconds, MAX_LINK_EXPIRY_SECONDS)

    def render_rules(self) -> RenderRules:
        """What rendering a document takes from the configuration: the minimum sample,
        each store's targets and the privacy floor."""
        from csinsights.domain.targets import RenderRules, store_targets

        return RenderRules(self.min_sample, store_targets(self.store_targets), self.min_peers)

    def time_zone(self, store: str) -> str:
        """The store's IANA time zone: its configured one, else the specification's."""
        return store_time_zone(store, self.store_time_zones)

    def required(self, field: str) -> str:
        """An optional setting a store cannot work without."""
        value = getattr(self, field)
        if not value:
            raise MissingSetting(field)
        return str(value)


class PerSettings(Generic[T]):
    """A function's clients: made on first use for the environment's configuration and
    reused across invocations (a new configuration, as in tests, gets new clients)."""

    def __init__(self, factory: Callable[[Settings], T]) -> None:
        self._make = lru_cache(maxsize=8)(factory)

    def __call__(self) -> T:
        return self._make(Settings.from_environment())

    def cache_clear(self) -> None:
        self._make.cache_clear()
