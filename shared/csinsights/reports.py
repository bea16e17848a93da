"""The product's CSV files, safe in any spreadsheet, and the insights CSV itself.

Every CSV the product writes goes through `write_csv`, each cell through `safe_cell`: a
cell a spreadsheet would evaluate is prefixed with a quote, and so is every piece of text
a reader splitting on `;` (spreadsheets in many locales do) would cut out of a cell. A
file written with `,` and read with `;` is split wherever a `;` stands, whatever the
quoting, and a line break outside quotes starts a row there: an order id
`x;=cmd|'/Ccalc'!A0` written as it is would become a live `=cmd|…` cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from csinsights.domain.arrival import CELLS
from csinsights.domain.document import (
    Compared,
    FixedTargetRate,
    LateContacts,
    MetricsDocument,
    PreventableRate,
    Rate,
    ResponseTime,
)
from csinsights.domain.figures import REASONS
from csinsights.domain.insights import DISTRIBUTION_BANDS
from csinsights.render.words import target_words

BAND_LABELS = tuple(label for label, _, _ in DISTRIBUTION_BANDS)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet evaluate a cell that starts with it."""
_UNSAFE = re.compile(r"""(^|[;,\r\n])(?=[" ]*[=+\-@\t\r])""")
"""A cell's start, or a point where a `,` or `;` reader may start a cell (after a
separator or a line break), followed (past any quotes or spaces a reader drops or a
spreadsheet trims) by a formula's first character."""


def safe_cell(value: Any) -> str | int | float:
    """One cell of any CSV the product writes. Numbers stay numbers (a negative change is
    a number, not a formula), `None` is empty, a flag is `yes`/`no`; text gets a `'`
    before each place a spreadsheet could read the start of a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    # A bare CR would end the row for a reader (the writer quotes only `\n`): one line break.
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub(r"\1'", text)


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A CSV file with a header of `columns` and one line per row, every cell safe; a row
    with a key not in `columns` is an error, a missing key an empty cell."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return buffer.getvalue()


ARRIVAL_FIGURES = ("contacts", "within_24h", "late")
"""An arrival cell's figures (`document.ArrivalCell`), in its order."""
INSIGHTS_COLUMNS = (
    "seller_id",
    "as_of",
    "window_days",
    "store",
    "metric",
    "metric_label",
    "unit",
    "value",
    "numerator",
    "denominator",
    "median",
    "p90",
    "status",
    "target",
    "target_condition",
    "target_text",
    "store_average",
    "top_performers",
    "reason",
    "data_through",
    "to_target",
    "low_sample",
    "previous_value",
    "previous_numerator",
    "previous_denominator",
    "change",
    "trend",
    "answered_late",
    "unanswered_late",
    "unanswered",
    *(f"hours_{band}" for band in BAND_LABELS),
    *(f"contacts_{reason}" for reason in REASONS),
    # Added last: the columns before keep their places for a reader that counts them.
    "projected_as_of",
    "projected_value",
    "projected_numerator",
    "projected_denominator",
    # When contacts arrive, after the columns a reader may count: each cell's three figures.
    *(f"arrival_{cell}_{figure}" for cell in CELLS for figure in ARRIVAL_FIGURES),
)


def _rows(document: MetricsDocument) -> list[dict[str, Any]]:
    """One row per scope (`all`, then each store) and metric; a cell that does not apply to
    a metric (the bands beyond the response time, say) is empty. The metric's label and
    unit stand beside its key, its target as a number, a condition and in words (for a
    benchmark-judged metric, which store figure is the good line)."""
    rows = []
    for scope, metrics in document.views():
        for metric, m in metrics.figures():
            rate = m if isinstance(m, Rate) else None
            late = m if isinstance(m, LateContacts) else None
            hours = m if isinstance(m, ResponseTime) else None
            compared = m if isinstance(m, Compared) else None
            ahead = m.projected
            bands = hours.distribution.by_label() if hours else {}
            reasons = m.by_reason.model_dump() if isinstance(m, PreventableRate) else {}
            cells = hours.by_arrival.cells() if hours and hours.by_arrival else {}
            rows.append(
                {
                    "seller_id": document.seller_id,
                    "as_of": document.as_of,
                    "window_days": document.window.days,
                    "store": "all" if scope is None else scope,
                    "metric": metric.name,
                    "metric_label": metric.label,
                    "unit": metric.unit,
                    "value": m.value,
                    "numerator": rate.numerator if rate else None,
                    "denominator": rate.denominator if rate else None,
                    "median": hours.median if hours else None,
                    "p90": hours.p90 if hours else None,
                    "status": m.status,
                    "target": m.target.value if m.target else None,
                    "target_condition": m.target.condition if m.target else None,
                    "target_text": target_words(metric, m),
                    "store_average": compared.store_average if compared else None,
                    "top_performers": compared.top_performers if compared else None,
                    "reason": m.reason,
                    "data_through": document.data_through,
                    "to_target": m.to_target if isinstance(m, FixedTargetRate) else None,
                    # An NA figure says why in `reason`; a sample warning has no value to
                    # qualify.
                    "low_sample": rate.low_sample if rate and m.value is not None else None,
                    "previous_value": m.previous.value,
                    "previous_numerator": rate.previous.numerator if rate else None,
                    "previous_denominator": rate.previous.denominator if rate else None,
                    "change": m.change,
                    "trend": m.trend,
                    "answered_late": late.answered_late if late else None,
                    "unanswered_late": late.unanswered_late if late else None,
                    "unanswered": hours.unanswered if hours else None,
                    **{f"hours_{band}": bands.get(band) for band in BAND_LABELS},
                    **{f"contacts_{reason}": reasons.get(reason) for reason in REASONS},
                    "projected_as_of": ahead.as_of if ahead else None,
                    "projected_value": ahead.value if ahead else None,
                    "projected_numerator": rate.projected.numerator
                    if rate and rate.projected
                    else None,
                    "projected_denominator": rate.projected.denominator
                    if rate and rate.projected
                    else None,
                    **{
                        f"arrival_{cell}_{figure}": getattr(cells[cell], figure)
                        if cell in cells
                        else None
                        for cell in CELLS
                        for figure in ARRIVAL_FIGURES
                    },
                }
            )
    return rows


def to_csv(document: MetricsDocument) -> str:
    return write_csv(_rows(document), INSIGHTS_COLUMNS)
