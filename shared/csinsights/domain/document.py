"""The metrics document of the specification, exactly, as one type: what the domain
renders, the API answers, the insights reports write and the replay prints.

Every field is required (nullable where the specification allows NA), so validating a
document and serializing it again changes nothing. A view's metrics have one field per
metric of the catalogue, in its order; each metric's object has the shape of its kind
(a rate, the response time, late contacts) and, in a by-store entry, the store's
comparisons. A model's docstring and its fields' descriptions are the OpenAPI document's
(docs/openapi.json): a change to them is a change of the published contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from csinsights.domain.arrival import PARTS, WEEKDAYS
from csinsights.domain.catalogue import CATALOGUE, CSDR, LATE, RESPONSE_TIME, WITHIN_24H, Metric
from csinsights.domain.insights import Trend

Status = Literal["good", "fair", "poor", "na"]
Condition = Literal["less_than", "greater_than_or_equal", "equal_to", "less_than_or_equal"]
_LABELS = {m.name: m.label for m in CATALOGUE}


class _Exact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Exact):
    value: int | float = Field(description="The threshold to meet.")
    condition: Condition = Field(
        description="How the value must compare with the threshold to be good."
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


class Projected(_Exact):
    as_of: str = Field(
        description="The instant the projection is for: seven days after the document's as_of."
    )
    value: float | None = Field(
        description="The figure as of as_of if nothing new happens by then (no order, "
        "message, reply, mark or vote): the window slid by seven days, every contact still "
        "unanswered aged to then; null when it would be NA."
    )
    numerator: int = Field(description="The projected numerator.")
    denominator: int = Field(description="The projected denominator.")


class ProjectedCount(_Exact):
    as_of: str = Field(
        description="The instant the projection is for: seven days after the document's as_of."
    )
    value: int = Field(
        description="Late contacts as of as_of if nothing new happens by then: those of the "
        "window slid by seven days, every contact still unanswered aged to then."
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
    projected: Projected | None = Field(
        description="What comes next: the figure seven days on if nothing new happens; null "
        "only in a document of a day published before projections were kept."
    )
    status: Status | None = Field(
        description="good, fair or poor against the target, na without a value. The buyer "
        "dissatisfaction rate, the preventable contact rate and the response time are "
        "judged only in a by-store entry of the 28-day window, against the store's good "
        "line (the better of its top performers and its average): good at or better than "
        "it, fair worse than it but at or better than the store average, poor worse than "
        "the average (nothing is fair when the top performers are worse than the average); "
        "with only the store average, fair worse than it; na with neither figure; null "
        "where the view does not judge the metric (the collective view, other windows)."
    )
    target: Target | None = Field(
        description="What good means here: a fixed threshold, or for a metric judged "
        "against its store the good line (`less_than_or_equal`); null where nothing "
        "judges it."
    )


class FixedTargetRate(Rate):
    to_target: int | None = Field(
        description="What it takes to meet the good threshold: further satisfied responses "
        "(dissatisfaction rate) or further contacts answered within 24 h (24 h rate); 0 when "
        "met; null when NA or out of reach that way."
    )


class ContactsByReason(_Exact):
    # One field per contact reason of the contract, in its order.
    product_quality: int = Field(description="Contacts of the window with reason product_quality.")
    fulfillment: int = Field(description="Contacts of the window with reason fulfillment.")
    shipping: int = Field(description="Contacts of the window with reason shipping.")
    customer_service: int = Field(
        description="Contacts of the window with reason customer_service."
    )
    change_of_mind: int = Field(description="Contacts of the window with reason change_of_mind.")
    pre_sale_question: int = Field(
        description="Contacts of the window with reason pre_sale_question."
    )
    other: int = Field(description="Contacts of the window with reason other.")


class PreventableRate(Rate):
    by_reason: ContactsByReason = Field(
        description="The window's contacts per reason, every reason of the contract, "
        "summing to all contacts."
    )


class ResponseTimeBands(_Exact):
    # One field per band of whole hours (`insights.DISTRIBUTION_BANDS`), named by its first
    # hour and serialized by its label.
    hours_0: int = Field(description="Contacts with 0 <= whole hours < 1.", alias="0-1")
    hours_1: int = Field(description="Contacts with 1 <= whole hours < 4.", alias="1-4")
    hours_4: int = Field(description="Contacts with 4 <= whole hours < 8.", alias="4-8")
    hours_8: int = Field(description="Contacts with 8 <= whole hours < 24.", alias="8-24")
    hours_24: int = Field(description="Contacts with 24 <= whole hours < 48.", alias="24-48")
    hours_48: int = Field(description="Contacts with 48 <= whole hours.", alias="48+")

    def by_label(self) -> dict[str, int]:
        """Each band's contacts by its label ("0-1", ..., "48+"), in order."""
        return self.model_dump(by_alias=True)


class ArrivalCell(_Exact):
    contacts: int = Field(
        description="Contacts needing a reply received in this part of this weekday, in "
        "their store's local time."
    )
    within_24h: int = Field(description="Of them, those answered within 24 h.")
    late: int = Field(
        description="Of them, those late: answered after 48 h, or unanswered and older than 48 h."
    )


class ArrivalDay(_Exact):
    # One field per part of the day (`arrival.PARTS`), six hours each.
    night: ArrivalCell = Field(description="Received from 00:00 to before 06:00, local time.")
    morning: ArrivalCell = Field(description="Received from 06:00 to before 12:00, local time.")
    afternoon: ArrivalCell = Field(description="Received from 12:00 to before 18:00, local time.")
    evening: ArrivalCell = Field(description="Received from 18:00 to before 24:00, local time.")


class ArrivalWeek(_Exact):
    """When the window's contacts needing a reply arrived: the local weekday and part of the
    day of each one's received time in its store's time zone (daylight saving time as the
    zone's rules say for that instant). The 28 cells sum to the response time's
    denominator (contacts), the 24 h rate's numerator (within_24h) and late_contacts'
    value (late)."""

    # One field per weekday (`arrival.WEEKDAYS`), Monday first.
    mon: ArrivalDay = Field(description="Received on a Monday, local time.")
    tue: ArrivalDay = Field(description="Received on a Tuesday, local time.")
    wed: ArrivalDay = Field(description="Received on a Wednesday, local time.")
    thu: ArrivalDay = Field(description="Received on a Thursday, local time.")
    fri: ArrivalDay = Field(description="Received on a Friday, local time.")
    sat: ArrivalDay = Field(description="Received on a Saturday, local time.")
    sun: ArrivalDay = Field(description="Received on a Sunday, local time.")

    def cells(self) -> dict[str, ArrivalCell]:
        """Each cell by its name (`<weekday>_<part>`, e.g. `fri_evening`), Monday night
        first."""
        return {
            f"{day}_{part}": getattr(getattr(self, day), part) for day in WEEKDAYS for part in PARTS
        }


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
    by_arrival: ArrivalWeek | None = Field(
        description="When contacts arrive: the denominator's contacts by the local weekday "
        "and part of the day they were received, all 28 cells; null only in a document of a "
        "day published before arrival cells were kept."
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
    projected: ProjectedCount | None = Field(
        description="What comes next: late contacts seven days on if nothing new happens; "
        "null only in a document of a day published before projections were kept."
    )


class Compared(_Exact):
    """What a by-store entry adds to a rate and the response time: the store's figures."""

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


class StoreRate(Compared, Rate):
    pass


class StoreFixedTargetRate(Compared, FixedTargetRate):
    pass


class StorePreventableRate(Compared, PreventableRate):
    pass


class StoreResponseTime(Compared, ResponseTime):
    pass


Figure: TypeAlias = Rate | LateContacts
"""One metric's object, of any shape (the Store* shapes are rates too)."""


class _Metrics(_Exact):
    """One view's metrics: one field per metric of the catalogue, in its order."""

    @classmethod
    def shape(cls, metric: str) -> type[Figure]:
        """The model of a metric's object in this view."""
        shape: type[Figure] = cls.model_fields[metric].annotation  # type: ignore[assignment]
        return shape

    def figure(self, metric: str) -> Figure:
        """A metric's object by its name (`catalogue.Metric.name`)."""
        figure: Figure = getattr(self, metric)
        return figure

    def figures(self) -> Iterator[tuple[Metric, Figure]]:
        """Every metric of the catalogue with its object, in document order."""
        for metric in CATALOGUE:
            yield metric, getattr(self, metric.name)


class CollectiveMetrics(_Metrics):
    customer_service_dissatisfaction_rate: FixedTargetRate = Field(description=_LABELS[CSDR])
    buyer_dissatisfaction_rate: Rate = Field(description=_LABELS["buyer_dissatisfaction_rate"])
    preventable_contact_rate: PreventableRate = Field(
        description=_LABELS["preventable_contact_rate"]
    )
    average_contact_response_time_hours: ResponseTime = Field(description=_LABELS[RESPONSE_TIME])
    response_within_24h_rate: FixedTargetRate = Field(description=_LABELS[WITHIN_24H])
    late_contacts: LateContacts = Field(description=_LABELS[LATE])


class StoreMetrics(_Metrics):
    customer_service_dissatisfaction_rate: StoreFixedTargetRate = Field(description=_LABELS[CSDR])
    buyer_dissatisfaction_rate: StoreRate = Field(description=_LABELS["buyer_dissatisfaction_rate"])
    preventable_contact_rate: StorePreventableRate = Field(
        description=_LABELS["preventable_contact_rate"]
    )
    average_contact_response_time_hours: StoreResponseTime = Field(
        description=_LABELS[RESPONSE_TIME]
    )
    response_within_24h_rate: StoreFixedTargetRate = Field(description=_LABELS[WITHIN_24H])
    late_contacts: LateContacts = Field(description=_LABELS[LATE])


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

    def views(self) -> Iterator[tuple[str | None, CollectiveMetrics | StoreMetrics]]:
        """The collective view (store `None`), then each store's, in the document's order."""
        yield None, self.metrics
        for entry in self.by_store:
            yield entry.store_id, entry.metrics

    def to_json(self) -> dict[str, Any]:
        """The document as the specification prints it: the API's answer, the insights
        report's JSON and the replay's output."""
        return self.model_dump(mode="json", by_alias=True)
