"""What `csinsights demo` prints: the ingest summary, the sellers' metrics, each store's
comparisons and a trend, every metric named by its label in the catalogue."""

from __future__ import annotations

from typing import Any, TextIO

from csinsights.domain.catalogue import CATALOGUE
from csinsights.domain.document import MetricsDocument
from csinsights_local.pipeline import IngestSummary

MARK = {"good": "ok", "fair": "!", "poor": "X", "na": "-", None: ""}
LABEL = {m.name: m.label for m in CATALOGUE}
REASONS = {"too_few_sellers": "withheld: too few sellers"}
STATUS_LEGEND = (
    "status: ok good, ! fair, X poor, - no status (no figure, or no store figure to judge it by)",
    "  blank: not judged in this view: BDR %, Prevent % and Avg resp h are judged per store",
    "    (over 28 days), never in ALL",
    "  per store, those three against the good line, the better of the store's top performers",
    "    and its average: at or better ok; worse, yet at or better than the average !; worse",
    "    than the average X (so nothing is ! when the top performers are worse than the",
    "    average); with only the average: at or better ok, worse !",
    "  the others against fixed targets (defaults; a store may set its own): CSDR % ok below 25,",
    "    ! below 50; <=24h % ok from 90, ! from 75; Late ok at 0, ! 1 or 2",
)
"""What the table's status marks mean, every rule a mark in it can come from."""


def print_summary(summary: IngestSummary, out: TextIO | None = None) -> None:
    print("Ingest summary", file=out)
    for name, value in summary.as_dict().items():
        print(f"  {name:<11} {value:>8}", file=out)
    for reason, count in summary.reasons.most_common():
        print(f"    rejected: {reason} x{count}", file=out)
    for example in summary.examples[:3]:
        fields = ", ".join(f"{e['field']}: {e['message']}" for e in example["errors"] or [])
        print(f"      e.g. {example['reason']}: {fields}", file=out)


def print_table(docs: list[MetricsDocument], out: TextIO | None = None) -> None:
    """Seller x store rows (and the collective 'ALL'), each metric with its status mark;
    the columns' short names spelled out below."""
    header = f"{'seller':<10} {'store':<5} " + " ".join(f"{m.short_label:>13}" for m in CATALOGUE)
    print(header, file=out)
    print("-" * len(header), file=out)
    for doc in docs:
        for store, metrics in doc.views():
            cells = []
            for _, m in metrics.figures():
                value = "NA" if m.value is None else f"{m.value:g}"
                cells.append(f"{value + ' ' + MARK[m.status]:>13}")
            print(f"{doc.seller_id:<10} {store or 'ALL':<5} " + " ".join(cells), file=out)
    for line in STATUS_LEGEND:
        print(line, file=out)
    for metric in CATALOGUE:
        print(f"  {metric.short_label:<10} {metric.label}", file=out)


def _figure(value: float | None) -> str:
    return "NA" if value is None else f"{value:g}"


def print_benchmarks(
    benchmarks: list[dict[str, Any]], docs: list[MetricsDocument], out: TextIO | None = None
) -> None:
    """Each store's average and top performers per compared metric, as the API serves them,
    beside how many sellers have figures there and how many of them count in the average."""
    sellers: dict[str, int] = {}
    for doc in docs:
        for entry in doc.by_store:
            sellers[entry.store_id] = sellers.get(entry.store_id, 0) + 1
    print("\nStore comparisons (the API's store benchmarks):", file=out)
    header = (
        f"{'store':<5} {'sellers':>7} {'counted':>7}  {'metric':<42} "
        f"{'store average':>13} {'top performers':>14}"
    )
    print(header, file=out)
    print("-" * len(header), file=out)
    for body in benchmarks:
        store = body.get("store_id", "?")
        if "metrics" not in body:
            print(f"{store:<5} {sellers.get(store, 0):>7} {'':>7}  {body.get('message')}", file=out)
            continue
        for name, mark in body["metrics"].items():
            figures = (
                f"{REASONS.get(mark['reason'], mark['reason']):>28}"
                if mark["reason"]
                else f"{_figure(mark['store_average']):>13} {_figure(mark['top_performers']):>14}"
            )
            counted = "NA" if mark["sellers"] is None else mark["sellers"]
            print(
                f"{store:<5} {sellers.get(store, 0):>7} {counted:>7}  "
                f"{LABEL.get(name, name):<42} {figures}",
                file=out,
            )
    print(
        "counted: the sellers whose figure has a denominator of at least 5; "
        "store average: their mean; "
        "top performers: the median of the sellers in the best quartile in each of the last "
        "3 complete months (self-fulfilled orders); NA: no such seller. Both are withheld "
        "when fewer than 5 sellers count in the average (the privacy floor).",
        file=out,
    )


def print_history(history: dict[str, Any], out: TextIO | None = None) -> None:
    points = history["points"]
    if not points:
        return
    print(
        f"\nTrend: {history['seller_id']}'s {LABEL[history['metric']]}, "
        f"{history['window_days']} days as of each day ({len(points)} points, "
        f"{points[0]['as_of'][:10]} to {points[-1]['as_of'][:10]}):",
        file=out,
    )
    values = [_figure(p["value"]) for p in points]
    for start in range(0, len(values), 14):
        print("  " + " ".join(f"{v:>6}" for v in values[start : start + 14]), file=out)
