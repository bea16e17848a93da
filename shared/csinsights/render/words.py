"""A figure of the metrics document in words a seller reads: its value with its unit, its
target, why it is NA, which way it moved, what comes next. Shared by the CSV's text
columns and the page."""

from __future__ import annotations

from datetime import date

from csinsights.domain.catalogue import PROJECTION_DAYS, Metric
from csinsights.domain.document import (
    Compared,
    Figure,
    FixedTargetRate,
    ProjectedCount,
    Target,
)

STATUS_WORDS = {
    "good": ("✔", "Good"),
    "fair": ("!", "Fair"),
    "poor": ("✖", "Poor"),
    "na": ("∅", "No status"),
}
"""The symbol and the word of each status: a page never says it by colour alone."""
NOT_JUDGED = ("·", "Not judged")
NA_REASONS = {
    "no_responses": "no survey responses in the last {days} days",
    "no_contacts": "no contacts in the last {days} days",
    "no_orders": "contacts but no orders in the last {days} days",
}


def number(value: int | float) -> str:
    """25, not 25.0; 12.5 stays 12.5."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def amount(metric: Metric, value: int | float | None) -> str:
    """A figure with its unit: 12.5 %, 3 hours, 1 contact."""
    if value is None:
        return "NA"
    if metric.kind == "rate":
        return f"{number(value)} %"
    if metric.kind == "hours":
        return f"{number(value)} h"
    return f"{number(value)} contact" + ("" if value == 1 else "s")


def target_text(metric: Metric, target: Target | None) -> str | None:
    """The `good` threshold as a sentence: below 25 %, at least 90 %, 0 contacts; for a
    benchmark-judged metric the store's good line (the better of the top performers and
    the store average)."""
    if target is None:
        return None
    value, condition = target.value, target.condition
    if condition == "less_than":
        return f"below {amount(metric, value)}"
    if condition == "greater_than_or_equal":
        return f"at least {amount(metric, value)}"
    if condition == "equal_to":
        return amount(metric, value)
    return f"at or below {amount(metric, value)}"


def target_words(metric: Metric, figure: Figure) -> str | None:
    """The target as a sentence, and for a benchmark-judged metric in a store which of
    the store's figures is its good line (the better of the two, so a top-performer
    figure worse than the average never becomes the target)."""
    text = target_text(metric, figure.target)
    if text is None or figure.target is None or metric.target != "benchmark":
        return text
    if not isinstance(figure, Compared):
        return text
    line, average, top = figure.target.value, figure.store_average, figure.top_performers
    if top is None:
        return f"{text}: the store average (no top-performer figure)"
    if average is None:
        return f"{text}: the top performers (no store average)"
    if top == average:
        return f"{text}: the top performers and the store average"
    if line == top:
        return f"{text}: the top performers"
    return (
        f"{text}: the store average, better than the top performers' "
        f"{amount(metric, top)} this period"
    )


def na_reason(reason: str | None, days: int) -> str:
    """Why a figure is NA, spelled out: NA is not zero."""
    if reason is None:
        return "not measured"
    return NA_REASONS.get(reason, reason.replace("_", " ")).format(days=days)


def change_text(metric: Metric, figure: Figure) -> str:
    """The change against the previous period with its direction: "2.5 percentage points
    better (was 10 %)"; a figure with nothing to compare says so."""
    previous = figure.previous.value
    change, trend = figure.change, figure.trend
    if change is None or trend is None:
        if previous is None:
            return "no previous figure to compare"
        return f"no figure this period to compare (was {amount(metric, previous)})"
    if trend == "same":
        return f"unchanged (was {amount(metric, previous)})"
    size = (
        f"{number(abs(change))} percentage points"
        if metric.kind == "rate"
        else amount(metric, abs(change))
    )
    return f"{size} {trend} (was {amount(metric, previous)})"


def change_brief(metric: Metric, figure: Figure) -> str:
    """The change in a few words, for a summary row: "2.5 pts better", "3 h worse",
    "unchanged"; the full sentence (with the previous figure) is `change_text`."""
    previous = figure.previous.value
    change, trend = figure.change, figure.trend
    if change is None or trend is None:
        return (
            "no earlier figure"
            if previous is None
            else f"none now (was {amount(metric, previous)})"
        )
    if trend == "same":
        return "unchanged"
    size = f"{number(abs(change))} pts" if metric.kind == "rate" else amount(metric, abs(change))
    return f"{size} {trend}"


def projected_text(metric: Metric, figure: Figure) -> str | None:
    """What comes next in one line: "in 7 days, if nothing changes: 1 late contact", with
    the figure of now when it moves ("25 % (now 30 %)"); None where no projection was kept
    (a day published before they were)."""
    ahead = figure.projected
    if ahead is None:
        return None
    if isinstance(ahead, ProjectedCount):
        what = f"{ahead.value} late contact" + ("" if ahead.value == 1 else "s")
        now = str(figure.value)
    else:
        what, now = amount(metric, ahead.value), amount(metric, figure.value)
    if ahead.value is not None and figure.value is not None and ahead.value != figure.value:
        what += f" (now {now})"
    return f"in {PROJECTION_DAYS} days, if nothing changes: {what}"


def to_target_text(metric: Metric, figure: Figure) -> str | None:
    """What it takes to meet the target, for the two rates that say it."""
    if not isinstance(figure, FixedTargetRate):
        return None
    k = figure.to_target
    if k is None:
        return None if figure.value is None else "not reachable by more replies alone"
    if k == 0:
        return "target met"
    if metric.higher_is_better:
        return f"{k} more contact{'s' if k != 1 else ''} answered within 24 h"
    return f"{k} more satisfied response{'s' if k != 1 else ''}, no new dissatisfied one"


def day_text(day: date) -> str:
    """25 Nov 2026: a date no reader takes for an instant or misreads by locale."""
    return f"{day.day} {day.strftime('%b %Y')}"
