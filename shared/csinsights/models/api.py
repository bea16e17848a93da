"""Response models of the API: the metrics document of the specification, exactly, and
every other answer.

Every field is required (nullable where the specification allows NA), so validating an
answer and serializing it again changes nothing; a report record keeps, beyond the fields
every report has, those of its type.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model

from csinsights.domain.catalogue import CATALOGUE, ContactReason, Metric
from csinsights.domain.insights import DISTRIBUTION_BANDS

Status = Literal["good", "fair", "poor", "na"]
Trend = Literal["better", "worse", "same"]


class _Exact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Exact):
    value: int | float = Field(description="The threshold to meet.")
    condition: Literal["less_than", "greater_than_or_equal", "equal_to", "less_than_or_equal"] = (
        Field(description="How the value must compare with the threshold to be good.")
    )


class Previous(_Exact):
    value: float | None = Field(
        description="The metric over the window just before this one, as it stood at that "
        "window's end (what the dashboard showed then); null when it was NA."
    )
    numerator: int = Field(description="The previous window's numerator.")
    denominator: int = Field(description="The previous window's denominator.")


class PreviousCount(_Exact):
    value: int = Field(
        description="Late contacts of the window just before this one, as they stood at its end."
    )


class Rate(_Exact):
    value: float | None = Field(
        description="The figure, rounded half-up to two decimals; null when NA (see reason)."
    )
    numerator: int = Field(description="What is counted over the denominator.")
    denominator: int = Field(description="What the figure is measured over.")
    reason: str | None = Field(
        description="Why the value is NA (no_responses, no_contacts, no_orders)."
    )
    low_sample: bool = Field(
        description="True when the denominator is below the minimum sample (default 40): "
        "trust the value and status less."
    )
    previous: Previous = Field(description="The same metric over the window just before.")
    change: float | None = Field(
        description="value minus previous.value, from the exact figures, rounded like a "
        "value; null when either is NA."
    )
    trend: Trend | None = Field(
        description="Whether the figure got better, worse or stayed the same since the "
        "previous window, by the metric's direction; null when either is NA."
    )
    status: Status | None = Field(
        description="good, fair or poor against the target, na without a value; null "
        "where the view does not judge this metric."
    )
    target: Target | None = Field(description="What good means here; null where nothing judges it.")


class FixedTargetRate(Rate):
    to_target: int | None = Field(
        description="What it takes to meet the good threshold: further satisfied responses "
        "(dissatisfaction rate) or further contacts answered within 24 h (24 h rate); 0 when "
        "met; null when NA or out of reach that way."
    )


ContactsByReason = create_model(
    "ContactsByReason",
    __base__=_Exact,
    **{
        reason: (int, Field(description=f"Contacts of the window with reason {reason}."))
        for reason in get_args(ContactReason)
    },
)


class PreventableRate(Rate):
    by_reason: ContactsByReason = Field(
        description="The window's contacts per reason, every reason of the contract, "
        "summing to all contacts."
    )


ResponseTimeBands = create_model(
    "ResponseTimeBands",
    __base__=_Exact,
    **{
        f"hours_{low}": (
            int,
            Field(
                description=f"Contacts with {low} <= whole hours"
                + (f" < {high}." if high is not None else "."),
                alias=label,
            ),
        )
        for label, low, high in DISTRIBUTION_BANDS
    },
)


class ResponseTime(Rate):
    median: float | None = Field(description="The median of the contacts' whole hours.")
    p90: float | None = Field(description="The 90th percentile (nearest rank) of the whole hours.")
    unanswered: int = Field(
        description="Contacts needing a reply still unanswered, counted in the mean by their age."
    )
    distribution: ResponseTimeBands = Field(
        description="How many of the denominator's contacts fall in each band of whole "
        "hours; all six bands, summing to the denominator."
    )


class LateContacts(_Exact):
    value: int = Field(description="Late contacts: answered_late plus unanswered_late.")
    answered_late: int = Field(description="Contacts answered after 48 h.")
    unanswered_late: int = Field(description="Contacts unanswered and older than 48 h.")
    status: Status = Field(description="good, fair or poor against the target.")
    target: Target = Field(description="No late contact at all.")
    reason: None = Field(description="Always null: late contacts are never NA.")
    previous: PreviousCount = Field(description="Late contacts of the window just before.")
    change: int = Field(description="value minus previous.value.")
    trend: Trend = Field(description="better when fewer, worse when more, else same.")


class _Compared(_Exact):
    store_average: float | None = Field(
        description="The mean over the store's sellers with a value and a denominator of at "
        "least the minimum volume; null below the privacy floor or outside the benchmark "
        "window."
    )
    top_performers: float | None = Field(
        description="The median current figure of the store's consistent top performers on "
        "self-fulfilled orders; null without a cohort, below the privacy floor or outside "
        "the benchmark window."
    )


class StoreRate(_Compared, Rate):
    pass


class StoreFixedTargetRate(_Compared, FixedTargetRate):
    pass


class StorePreventableRate(_Compared, PreventableRate):
    pass


class StoreResponseTime(_Compared, ResponseTime):
    pass


def _shape(metric: Metric) -> str:
    """Which model a metric's object has: rates differ by their insight details."""
    if metric.kind != "rate":
        return metric.kind
    if metric.target == "fixed":
        return "fixed_rate"
    return "preventable_rate" if metric.name == "preventable_contact_rate" else "rate"


def _metrics_model(name: str, by_shape: dict[str, type[_Exact]]) -> type[_Exact]:
    """One required field per metric of the catalogue, in document order, typed by its shape."""
    fields: dict[str, Any] = {
        m.name: (by_shape[_shape(m)], Field(description=m.label)) for m in CATALOGUE
    }
    return create_model(name, __base__=_Exact, **fields)


CollectiveMetrics = _metrics_model(
    "CollectiveMetrics",
    {
        "rate": Rate,
        "fixed_rate": FixedTargetRate,
        "preventable_rate": PreventableRate,
        "hours": ResponseTime,
        "count": LateContacts,
    },
)
StoreMetrics = _metrics_model(
    "StoreMetrics",
    {
        "rate": StoreRate,
        "fixed_rate": StoreFixedTargetRate,
        "preventable_rate": StorePreventableRate,
        "hours": StoreResponseTime,
        "count": LateContacts,
    },
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
    data_through: str = Field(
        description="The last whole day the figures include (as_of minus one day), as a date."
    )
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
