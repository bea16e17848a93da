"""Response models of the API: the metrics document of the specification, exactly, and
every other answer.

Every field is required (nullable where the specification allows NA), so validating an
answer and serializing it again changes nothing; a report record keeps, beyond the fields
every report has, those of its type.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class CollectiveMetrics(_Exact):
    customer_service_dissatisfaction_rate: Rate
    buyer_dissatisfaction_rate: Rate
    preventable_contact_rate: Rate
    average_contact_response_time_hours: ResponseTime
    response_within_24h_rate: Rate
    late_contacts: LateContacts


class StoreMetrics(_Exact):
    customer_service_dissatisfaction_rate: StoreRate
    buyer_dissatisfaction_rate: StoreRate
    preventable_contact_rate: StoreRate
    average_contact_response_time_hours: StoreResponseTime
    response_within_24h_rate: StoreRate
    late_contacts: LateContacts


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
