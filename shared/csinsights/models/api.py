"""Response models of the API: the metrics document of the specification, exactly, and
every other answer.

Every field is required (nullable where the specification allows NA), so validating an
answer and serializing it again changes nothing; a report record keeps, beyond the fields
every report has, those of its type.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from csinsights.domain.catalogue import CATALOGUE

Status = Literal["good", "fair", "poor", "na"]


class _Exact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Exact):
    value: int | float
    condition: Literal["less_than", "greater_than_or_equal", "equal_to", "less_than_or_equal"]


class Rate(_Exact):
    value: float | None
    numerator: int
    denominator: int
    reason: str | None
    status: Status | None
    target: Target | None


class ResponseTime(Rate):
    median: float | None
    p90: float | None


class LateContacts(_Exact):
    value: int
    status: Status
    target: Target
    reason: None


class StoreRate(Rate):
    store_average: float | None
    top_performers: float | None


class StoreResponseTime(ResponseTime):
    store_average: float | None
    top_performers: float | None


def _metrics_model(name: str, by_kind: dict[str, type[_Exact]]) -> type[_Exact]:
    """One required field per metric of the catalogue, in document order, typed by its kind."""
    fields: dict[str, Any] = {m.name: (by_kind[m.kind], ...) for m in CATALOGUE}
    return create_model(name, __base__=_Exact, **fields)


CollectiveMetrics = _metrics_model(
    "CollectiveMetrics", {"rate": Rate, "hours": ResponseTime, "count": LateContacts}
)
StoreMetrics = _metrics_model(
    "StoreMetrics", {"rate": StoreRate, "hours": StoreResponseTime, "count": LateContacts}
)


class StoreEntry(_Exact):
    store_id: str
    metrics: StoreMetrics


class Window(_Exact):
    start: str
    end: str
    days: int


class MetricsDocument(_Exact):
    """One seller, one set of stores: collective figures and the by-store breakdown."""

    seller_id: str
    stores: list[str]
    as_of: str
    window: Window
    metrics: CollectiveMetrics
    by_store: list[StoreEntry]


class HistoryPoint(_Exact):
    as_of: str
    value: int | float | None
    status: Status | None


class History(_Exact):
    """One metric per day, oldest first: the seller's collective figure, or one store's."""

    seller_id: str
    metric: str
    store_id: str | None
    window_days: int
    points: list[HistoryPoint]


class StoreBenchmark(_Exact):
    store_average: float | None
    top_performers: float | None
    reason: Literal["too_few_sellers"] | None = Field(
        description=(
            "Why both figures are null although sellers of the store have values: "
            "`too_few_sellers` when fewer sellers than the privacy floor (5 by default) have "
            "a value with enough volume (a denominator of at least 5 by default) to count in "
            "the store average, so that no seller could work out a rival's figure; null when "
            "the figures are published (a null figure then means there is nothing to show, "
            "e.g. no top-performer cohort)."
        )
    )


class Benchmarks(_Exact):
    """A store's average and top-performer figures, per compared metric."""

    store_id: str
    as_of: str
    window_days: int
    metrics: dict[str, StoreBenchmark]


class OverdueContact(_Exact):
    contact_id: str
    store_id: str
    order_id: str | None
    reason: str
    received_at: str
    age_hours: float
    hours_left: float
    overdue: bool


class OverdueContacts(_Exact):
    """Unanswered contacts, oldest first; `hours_left` is negative once past 48 h."""

    seller_id: str
    as_of: str
    contacts: list[OverdueContact]


class Report(BaseModel):
    """A report record: the fields every report has; each type adds its own (`as_of` for
    daily insights; `stores`, `days`, and once ready `rows` and `completed_at` for survey
    responses)."""

    model_config = ConfigDict(extra="allow")

    report_id: str
    type: Literal["insights", "survey_responses"]
    status: Literal["pending", "ready"]
    created_at: str
    formats: list[Literal["csv", "json", "html"]]


class PendingReport(Report):
    """Requested, not built yet: no files, no link."""

    status: Literal["pending"]


class Download(_Exact):
    url: str
    expires_in: int
    filename: str
    format: Literal["csv", "json", "html"]


class ReadyReport(Report):
    """Built, with a fresh pre-signed link to one of its files."""

    status: Literal["ready"]
    download: Download


ReportAnswer = Annotated[PendingReport | ReadyReport, Field(discriminator="status")]


class Reports(_Exact):
    """Newest first; `next_cursor` continues the listing (null: nothing more)."""

    reports: list[Report]
    next_cursor: str | None
