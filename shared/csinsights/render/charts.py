"""Trend charts of the insights page: inline SVG, no script, no external file.

A chart says what it shows in text (its days, its lowest and highest value) and draws
honestly: a day without a figure (no run that day, or NA) is a gap, not a zero; a series
that never moves is a flat line across the middle with its value labelled, not a line
along the bottom that reads as zero.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from csinsights.domain.catalogue import CATALOGUE, Metric
from csinsights.domain.document import MetricsDocument
from csinsights.render.words import amount, day_text

WIDTH, HEIGHT, PAD = 300, 60, 6


@dataclass(frozen=True)
class Trend:
    """Each view's daily figures over consecutive `days`: `values[scope][metric]` is
    aligned with `days`, `None` where that day has no figure; the scope is a store id, or
    `None` for the collective view."""

    days: tuple[date, ...]
    values: Mapping[str | None, Mapping[str, Sequence[float | None]]]

    @classmethod
    def from_documents(
        cls, first: date, last: date, documents: Mapping[date, MetricsDocument]
    ) -> Trend:
        """From the metrics documents of the days in [first, last] that have one."""
        days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
        scopes: dict[str | None, dict[str, list[float | None]]] = {}
        for i, day in enumerate(days):
            document = documents.get(day)
            if document is None:
                continue
            for scope, metrics in document.views():
                series = scopes.setdefault(scope, {m.name: [None] * len(days) for m in CATALOGUE})
                for metric, figure in metrics.figures():
                    series[metric.name][i] = figure.value
        return cls(days, scopes)

    def series(self, scope: str | None, metric: str) -> Sequence[float | None]:
        return self.values.get(scope, {}).get(metric, [None] * len(self.days))


def _y(value: float, low: float, high: float) -> float:
    if high == low:
        return HEIGHT / 2
    return PAD + (high - value) / (high - low) * (HEIGHT - 2 * PAD)


def _runs(points: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive days with a figure: each is drawn on its own, gaps between."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, p in enumerate(points):
        if p is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, p))
    if current:
        runs.append(current)
    return runs


def chart(metric: Metric, days: Sequence[date], points: Sequence[float | None]) -> str:
    """One labelled chart, or a sentence when there is nothing to draw."""
    values = [p for p in points if p is not None]
    span = f"{day_text(days[0])} to {day_text(days[-1])}" if days else ""
    if not values:
        return f"<p class='trend none'>Trend {span}: no figure on any day.</p>"
    low, high = min(values), max(values)
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    shapes = []
    for run in _runs(points):
        xy = [(PAD + i * step, _y(p, low, high)) for i, p in run]
        if len(xy) == 1:
            x, y = xy[0]
            shapes.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='2.5'/>")
        else:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            shapes.append(f"<polyline points='{coords}'/>")
    missing = len(points) - len(values)
    if low == high:
        scale = f"constant at {amount(metric, low)}"
    else:
        scale = f"lowest {amount(metric, low)}, highest {amount(metric, high)}"
    gaps = f"; {missing} day{'s' if missing != 1 else ''} without a figure" if missing else ""
    label = html.escape(f"{metric.label}, {span}: {scale}{gaps}")
    flat = (
        f"<text x='{WIDTH - PAD}' y='{HEIGHT / 2 - 5:.1f}' text-anchor='end'>"
        f"{html.escape(amount(metric, low))}</text>"
        if low == high
        else ""
    )
    return (
        f"<figure class='trend'><svg viewBox='0 0 {WIDTH} {HEIGHT}' role='img' "
        f"aria-label='{label}'>"
        f"<line class='axis' x1='0' y1='{HEIGHT - 1}' x2='{WIDTH}' y2='{HEIGHT - 1}'/>"
        f"{''.join(shapes)}{flat}</svg>"
        f"<figcaption>{html.escape(span)} · {html.escape(scale)}{html.escape(gaps)}"
        "</figcaption></figure>"
    )
