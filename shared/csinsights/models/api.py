"""Response models of the API: the metrics document of the specification (defined in the
domain, `csinsights.domain.document`) and every other answer.

Every field is required (nullable where the specification allows NA), so validating an
answer and serializing it again changes nothing; a report record keeps, beyond the fields
every report has, those of its type.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from csinsights.domain.document import ArrivalCell as ArrivalCell
from csinsights.domain.document import ArrivalDay as ArrivalDay
from csinsights.domain.document import ArrivalWeek as ArrivalWeek
from csinsights.domain.document import CollectiveMetrics as CollectiveMetrics
from csinsights.domain.document import Compared as Compared
from csinsights.domain.document import ContactsByReason as ContactsByReason
from csinsights.domain.document import FixedTargetRate as FixedTargetRate
from csinsights.domain.document import LateContacts as LateContacts
from csinsights.domain.document import MetricsDocument as MetricsDocument
from csinsights.domain.document import PreventableRate as PreventableRate
from csinsights.domain.document import Previous as Previous
from csinsights.domain.document import PreviousCount as PreviousCount
from csinsights.domain.document import Projected as Projected
from csinsights.domain.document import ProjectedCount as ProjectedCount
from csinsights.domain.document import Rate as Rate
from csinsights.domain.document import ResponseTime as ResponseTime
from csinsights.domain.document import ResponseTimeBands as ResponseTimeBands
from csinsights.domain.document import Status
from csinsights.domain.document import StoreEntry as StoreEntry
from csinsights.domain.document import StoreFixedTargetRate as StoreFixedTargetRate
from csinsights.domain.document import StoreMetrics as StoreMetrics
from csinsights.domain.document import StorePreventableRate as StorePreventableRate
from csinsights.domain.document import StoreRate as StoreRate
from csinsights.domain.document import StoreResponseTime as StoreResponseTime
from csinsights.domain.document import Target as Target
from csinsights.domain.document import Window as Window


class _Exact(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    store_average: float | None = Field(
        description="The mean over the store's sellers with a value and enough volume (the "
        "`sellers` of them, at least the privacy floor's number); null when withheld (see "
        "reason)."
    )
    top_performers: float | None = Field(
        description="The median current figure, on self-fulfilled orders, of the sellers in "
        "the store's best quarter in each of the last 3 complete months; null when withheld "
        "(see reason) or when no seller was (reason null). A seller's status is judged "
        "against the better of this and the store average."
    )
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
    sellers: int | None = Field(
        description=(
            "How many of the store's sellers qualify for the store average (a value and a "
            "denominator of at least 5, by default, in the window): the sellers the average "
            "is over, and the number the privacy floor is judged on. Given when the figures "
            "are withheld too (`too_few_sellers`: fewer than the floor, 5 by default): a "
            "count names no seller and no figure, and no figure of the metric is published "
            "for the store that day to set it against. Null for benchmarks computed before "
            "the count was kept (by an earlier release); the next scheduled run's have it."
        ),
        ge=0,
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
    due_at: str = Field(
        description="When 48 h have passed since it was received: from then the buyer "
        "can file an A-to-z claim."
    )
    age_hours: float
    hours_left: float
    overdue: bool


class OverdueContacts(_Exact):
    """Unanswered contacts by urgency: those within 48 h first, least time left first; then
    those past 48 h, most recently due first. `hours_left` is negative once past 48 h."""

    seller_id: str
    as_of: str
    contacts: list[OverdueContact]


class Report(BaseModel):
    """A report record: the fields every report has; each type adds its own (`as_of` for
    daily insights; `stores`, `days`, and once ready `rows` and `completed_at` for survey
    responses and contacts reports, which are also `as_of`)."""

    model_config = ConfigDict(extra="allow")

    report_id: str
    type: Literal["insights", "survey_responses", "contacts"]
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
