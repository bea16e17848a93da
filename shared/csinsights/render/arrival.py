"""When a view's contacts arrived, as a picture: the week's 28 cells (weekday by part of the
day, in each contact's store's local time) as a coloured table, each cell saying how many
contacts arrived then and how many of them are late, and one sentence naming where most
late replies start. No script: a table whose colour only repeats what its words say."""

from __future__ import annotations

import html
from collections.abc import Sequence

from csinsights.domain.arrival import PARTS, WEEKDAYS
from csinsights.domain.document import ArrivalCell, ArrivalWeek

DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
PART_HOURS = {
    "night": "00-06",
    "morning": "06-12",
    "afternoon": "12-18",
    "evening": "18-24",
}
STYLE = (
    ".arrival{margin:.5em 0 1em;max-width:42rem}.arrival th,.arrival td{text-align:center;"
    "padding:4px 2px;"
    "font-size:.875rem}.arrival th[scope=row]{text-align:left}"
    ".arrival td small{display:block;font-weight:600}.arrival .zero{color:#5f6673}"
    ".arrival thead th{font-size:.8125rem}.arrival thead th:first-child{width:12%}"
    ".arrival caption{font-weight:400;font-size:.9rem;padding:.3em 0}"
    ".h1{background:#fdecea}.h2{background:#f8c9c3}.h3{background:#f1a199}"
)
"""Heat by the share of a cell's contacts that are late (a third, two thirds, more): light
enough that the text stays readable on every shade."""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _heat(cell: ArrivalCell) -> str:
    if not cell.late or not cell.contacts:
        return ""
    share = cell.late / cell.contacts
    return " class='h1'" if share <= 1 / 3 else " class='h2'" if share <= 2 / 3 else " class='h3'"


def _name(cell: str) -> str:
    day, part = cell.split("_")
    return f"{DAY_NAMES[day]} {part}"


def _span(first: str, last: str) -> str:
    """A run of cells in words: "Friday evening", "Saturday morning to evening", "on
    Saturday", "Friday evening to Sunday night"."""
    if first == last:
        return _name(first)
    (day, part), (last_day, last_part) = first.split("_"), last.split("_")
    if day != last_day:
        return f"{_name(first)} to {_name(last)}"
    if (part, last_part) == (PARTS[0], PARTS[-1]):
        return f"on {DAY_NAMES[day]}"
    return f"{DAY_NAMES[day]} {part} to {last_part}"


def worst_run(cells: Sequence[tuple[str, ArrivalCell]]) -> tuple[int, str, str] | None:
    """The shortest run of consecutive cells of the week (Monday night to Sunday evening,
    then round again) holding at least half the late contacts, the one with the most of
    them at that length, the earliest of equals: (late in it, first cell, last cell).
    None without a late contact."""
    total = sum(c.late for _, c in cells)
    if not total:
        return None
    n = len(cells)
    for length in range(1, n + 1):
        best: tuple[int, int] | None = None
        for start in range(n):
            late = sum(cells[(start + k) % n][1].late for k in range(length))
            if 2 * late >= total and (best is None or late > best[0]):
                best = (late, start)
        if best is not None:
            late, start = best
            return late, cells[start][0], cells[(start + length - 1) % n][0]
    return None  # pragma: no cover - the whole week holds every late contact


def sentence(week: ArrivalWeek, clock: str = "the store's") -> str:
    """Where late replies start, in one sentence."""
    cells = list(week.cells().items())
    total = sum(c.late for _, c in cells)
    run = worst_run(cells)
    if run is None:
        return "No late contact in this window, whenever the message arrived."
    late, first, last = run
    if total == 1:
        of = "Your late contact was"
    else:
        of = f"{late} of your {total} late contacts {'was' if late == 1 else 'were'}"
    return f"{of} received {_span(first, last)} ({clock} local time)."


def heat_map(week: ArrivalWeek | None, collective: bool) -> str:
    """The view's arrival grid with its sentence (`collective`: all stores, each contact in
    its own store's time); a line saying why when the document has none (a day published
    before arrival cells were kept)."""
    if week is None:
        return (
            "<p class='arrival-none'>When contacts arrive: not kept for this day (published "
            "before arrival times were counted).</p>"
        )
    cells = week.cells()
    head = "".join(f"<th scope='col'>{_e(p.capitalize())}<br>{PART_HOURS[p]}</th>" for p in PARTS)
    rows = []
    for day in WEEKDAYS:
        tds = []
        for part in PARTS:
            cell = cells[f"{day}_{part}"]
            late = f"<small>{cell.late} late</small>" if cell.late else ""
            heat = _heat(cell) or (" class='zero'" if not cell.contacts else "")
            tds.append(f"<td{heat}>{cell.contacts}{late}</td>")
        rows.append(f"<tr><th scope='row'>{_e(DAY_NAMES[day][:3])}</th>{''.join(tds)}</tr>")
    clock = "each store's" if collective else "the store's"
    return (
        "<table class='arrival'><caption><strong>When contacts arrive</strong>: the contacts "
        "needing a reply by the weekday and part of the day they were received, in "
        f"{clock} local time, and how many of them are late (the darker, the larger the "
        f"late share). {_e(sentence(week, clock))}</caption>"
        f"<thead><tr><th scope='col'>Day</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
