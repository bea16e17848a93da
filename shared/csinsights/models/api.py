"""Response models of the API: the metrics document of the specification, exactly.

Every field is required (nullable where the specification allows NA), so validating a
document and serializing it again changes nothing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

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
