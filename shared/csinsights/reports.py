"""Render a seller's daily insights report: JSON (the metrics document), CSV, HTML."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from csinsights.domain.catalogue import CATALOGUE
from csinsights.domain.figures import REASONS
from csinsights.domain.insights import DISTRIBUTION_BANDS

BAND_LABELS = tuple(label for label, _, _ in DISTRIBUTION_BANDS)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BADGES = {
    "good": ("#1e7d32", "✔"),
    "fair": ("#b7791f", "!"),
    "poor": ("#c53030", "✖"),
    "na": ("#666", "-"),
}


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _yes_no(flag: bool | None) -> str | None:
    return None if flag is None else "yes" if flag else "no"


def _rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per scope (`all`, then each store) and metric; a cell that does not apply to
    a metric (the bands beyond the response time, say) is empty. The insight details'
    columns follow the original ones, so a sheet reading those by position keeps working."""
    rows = []
    scopes = [("all", document["metrics"])] + [
        (s["store_id"], s["metrics"]) for s in document["by_store"]
    ]
    for scope, metrics in scopes:
        for metric in CATALOGUE:
            m = metrics[metric.name]
            target = m.get("target") or {}
            previous = m.get("previous") or {}
            bands = m.get("distribution") or {}
            reasons = m.get("by_reason") or {}
            rows.append(
                {
                    "seller_id": document["seller_id"],
                    "as_of": document["as_of"],
                    "window_days": document["window"]["days"],
                    "store": scope,
                    "metric": metric.name,
                    "value": m.get("value"),
                    "numerator": m.get("numerator"),
                    "denominator": m.get("denominator"),
                    "median": m.get("median"),
                    "p90": m.get("p90"),
                    "status": m.get("status"),
                    "target": target.get("value"),
                    "target_condition": target.get("condition"),
                    "store_average": m.get("store_average"),
                    "top_performers": m.get("top_performers"),
                    "reason": m.get("reason"),
                    "data_through": document["data_through"],
                    "to_target": m.get("to_target"),
                    "low_sample": _yes_no(m.get("low_sample")),
                    "previous_value": previous.get("value"),
                    "previous_numerator": previous.get("numerator"),
                    "previous_denominator": previous.get("denominator"),
                    "change": m.get("change"),
                    "trend": m.get("trend"),
                    "answered_late": m.get("answered_late"),
                    "unanswered_late": m.get("unanswered_late"),
                    "unanswered": m.get("unanswered"),
                    **{f"hours_{band}": bands.get(band) for band in BAND_LABELS},
                    **{f"contacts_{reason}": reasons.get(reason) for reason in REASONS},
                }
            )
    return rows


def to_csv(document: dict[str, Any]) -> str:
    buffer = io.StringIO()
    rows = _rows(document)
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else neutralise(v) for k, v in row.items()})
    return buffer.getvalue()


def _fmt(value: Any) -> str:
    return "NA" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _sparkline(points: list[float | None], width: int = 220, height: int = 40) -> str:
    values = [p for p in points if p is not None]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(len(points) - 1, 1)
    coords = " ".join(
        f"{i * step:.1f},{height - (p - low) / span * (height - 4) - 2:.1f}"
        for i, p in enumerate(points)
        if p is not None
    )
    return (
        f'<svg width="{width}" height="{height}" role="img" aria-label="28-day trend">'
        f'<polyline fill="none" stroke="#2b6cb0" stroke-width="2" points="{coords}"/></svg>'
    )


def to_html(document: dict[str, Any], trend: dict[str, list[float | None]] | None = None) -> str:
    """A page a seller opens: a status badge per metric and store, and 28-day trends."""
    trend = trend or {}
    seller = html.escape(document["seller_id"])
    head = [
        "Metric",
        "All stores",
        *[html.escape(s["store_id"]) for s in document["by_store"]],
        "28-day trend",
    ]
    lines = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Customer service insights: {seller}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ddd;padding:6px 10px;text-align:right}"
        "td:first-child{text-align:left}"
        ".b{color:#fff;border-radius:3px;padding:0 5px;margin-right:4px}</style></head><body>",
        f"<h1>Customer service insights — {seller}</h1>",
        f"<p>As of {html.escape(document['as_of'])}, last {document['window']['days']} days.</p>",
        "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>",
    ]
    for metric in CATALOGUE:
        cells = [html.escape(metric.label)]
        for metrics in [document["metrics"]] + [s["metrics"] for s in document["by_store"]]:
            m = metrics[metric.name]
            status = m.get("status")
            badge = ""
            if status:
                colour, mark = BADGES[status]
                badge = (
                    f"<span class='b' style='background:{colour}' title='{status}'>{mark}</span>"
                )
            cells.append(badge + html.escape(_fmt(m.get("value"))))
        cells.append(_sparkline(trend.get(metric.name, [])))
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    lines.append("</table></body></html>")
    return "\n".join(lines)
