"""The metrics of the specification, in document order, and the business constants they
rest on: the one place a metric's name, direction, kind of target and labels are defined.
The domain, the reports, the API's models and the CLI all read it. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Literal

WINDOWS = (7, 28, 30, 90)
"""Window lengths, in days, a metrics document can cover."""
BENCHMARK_WINDOW: Final = 28
"""The window the store benchmarks (store average, top performers) are computed over."""
RESPONSE_DUE = timedelta(hours=24)
"""A reply within this long counts towards the response-within-24h rate."""
LATE_AFTER = timedelta(hours=48)
"""A contact still unanswered after this long is late: the buyer can file an A-to-z claim."""
PROJECTION_DAYS: Final = 7
"""What comes next: the figures this many days ahead of the run's, if nothing new happens."""
ContactReason = Literal[
    "product_quality",
    "fulfillment",
    "shipping",
    "customer_service",
    "change_of_mind",
    "pre_sale_question",
    "other",
]
"""The contract's contact reasons, in its order (here, not in models.events, so what only
reads them loads no event model)."""


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    """In reports (CSV, HTML)."""
    short_label: str
    """In the CLI's table."""
    kind: Literal["rate", "hours", "count"]
    """A percentage of a numerator over a denominator, a mean of hours, or a count."""
    target: Literal["fixed", "benchmark"]
    """Judged against a fixed target, or (in the benchmark window) against the store."""
    higher_is_better: bool = False

    @property
    def unit(self) -> str:
        """What the figure counts, for a report's unit column and its headline."""
        return {"rate": "%", "hours": "hours", "count": "contacts"}[self.kind]


CSDR = "customer_service_dissatisfaction_rate"
RESPONSE_TIME = "average_contact_response_time_hours"
WITHIN_24H = "response_within_24h_rate"
LATE = "late_contacts"

CATALOGUE: tuple[Metric, ...] = (
    Metric(CSDR, "Customer service dissatisfaction rate (%)", "CSDR %", "rate", "fixed"),
    Metric(
        "buyer_dissatisfaction_rate", "Buyer dissatisfaction rate (%)", "BDR %", "rate", "benchmark"
    ),
    Metric(
        "preventable_contact_rate", "Preventable contact rate (%)", "Prevent %", "rate", "benchmark"
    ),
    Metric(RESPONSE_TIME, "Average contact response time (h)", "Avg resp h", "hours", "benchmark"),
    Metric(WITHIN_24H, "Responses within 24 h (%)", "<=24h %", "rate", "fixed", True),
    Metric(LATE, "Late contacts (A-to-z exposure)", "Late", "count", "fixed"),
)
