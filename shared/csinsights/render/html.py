"""The daily insights report as a page a seller would rather look at than read.

A summary first, one row per metric per view (all stores, then each store): figure and
status, target, the store's figures, change; the legend of statuses and thresholds
(folded); the contacts that are about to be (or are) late; then each view in detail,
folded: the figures at length with their insight details and trend charts. The page is one
self-contained file (inline CSS and SVG, no script, no font, no link to
fetch), readable from a phone's 390 px to a desktop's 1280 px without sideways scrolling,
and escapes every text it shows: ids come from outside.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from csinsights.domain.catalogue import (
    BENCHMARK_WINDOW,
    CATALOGUE,
    CSDR,
    LATE,
    PROJECTION_DAYS,
    RESPONSE_TIME,
    WITHIN_24H,
    Metric,
)
from csinsights.domain.document import (
    CollectiveMetrics,
    Compared,
    Figure,
    LateContacts,
    MetricsDocument,
    PreventableRate,
    Rate,
    ResponseTime,
    StoreMetrics,
)
from csinsights.domain.figures import PREVENTABLE_RATE
from csinsights.domain.targets import FIXED_TARGET_METRICS, RenderRules, Targets, plain
from csinsights.render.arrival import STYLE as ARRIVAL_STYLE
from csinsights.render.arrival import heat_map
from csinsights.render.charts import Trend, chart
from csinsights.render.words import (
    NOT_JUDGED,
    STATUS_WORDS,
    amount,
    change_brief,
    change_text,
    day_text,
    na_reason,
    number,
    projected_text,
    target_text,
    target_words,
    to_target_text,
)

DENOMINATORS = {
    CSDR: "survey responses",
    "buyer_dissatisfaction_rate": "contacts",
    PREVENTABLE_RATE: "orders",
    RESPONSE_TIME: "contacts needing a reply",
    WITHIN_24H: "contacts answered or older than 24 h",
}
STYLE = (
    "*{box-sizing:border-box}"
    "body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "color:#1a202c;background:#f4f5f7}"
    "main{max-width:1240px;margin:0 auto;padding:16px}"
    "h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.25rem;margin:1.4em 0 .5em}"
    "h3{font-size:1rem;margin:0 0 .3em}p{margin:.3em 0}"
    ".id,dd,td,h1,h2,h3,p{overflow-wrap:anywhere}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,18rem),1fr));"
    "gap:12px}"
    ".metric,.box{background:#fff;border:1px solid #d9dce3;border-radius:8px;padding:12px;"
    "min-width:0}"
    ".value{font-size:1.6rem;font-weight:650;margin-right:.3em}"
    ".status{display:inline-block;border-radius:4px;padding:0 .45em;font-weight:600;"
    "color:#fff;white-space:nowrap}"
    ".good{background:#1e6b2e}.fair{background:#8a5300}.poor{background:#b42318}"
    ".na,.unjudged{background:#4a5160}"
    "dl{margin:.5em 0}dt{font-size:.8rem;color:#4a5160;margin-top:.4em}dd{margin:0}"
    ".reason,.low{font-weight:600}.low{color:#8a5300}"
    "figure{margin:.5em 0 0}figcaption{font-size:.85rem;color:#4a5160}"
    ".trend svg{display:block;width:100%;height:auto;background:#f8f9fb}"
    "polyline{fill:none;stroke:#1f5fa8;stroke-width:2}circle{fill:#1f5fa8}"
    ".axis{stroke:#c9ccd3}text{font-size:11px;fill:#1a202c}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed}"
    "th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e3e5ea;vertical-align:top}"
    "caption{text-align:left;font-weight:650;font-size:1.05rem;padding:.8em 0 .2em}"
    ".summary th[scope=row]{font-weight:600}.summary .fig{font-weight:650}"
    ".summary thead th:first-child{width:22%}.summary thead th:nth-child(2){width:21%}"
    ".summary small,.summary .c{color:#4a5160}.summary small{font-weight:400}"
    ".n{white-space:nowrap}"
    "details{margin:12px 0}summary{cursor:pointer;font-weight:650;font-size:1.1rem;"
    "padding:10px 12px;background:#fff;border:1px solid #d9dce3;border-radius:8px}"
    "details[open]>summary{margin-bottom:4px}"
    # A phone reads a summary row as two or three lines: the metric with its figure and
    # status, then its target, comparisons and change, each labelled.
    "@media (max-width:44rem){"
    ".summary thead{display:none}"
    ".summary,.summary tbody,.summary tr{display:block}"
    ".summary{font-size:.9375rem}.summary tr{padding:6px 0;border-bottom:1px solid #e3e5ea}"
    ".summary th,.summary td{display:inline;padding:0;border:0}.summary .none{display:none}"
    ".summary caption{display:block}"
    ".summary .fig{margin-left:.4em}.summary .status{font-size:.8125rem;padding:0 .35em}"
    ".summary .c{font-size:.875rem}"
    ".summary .c::before{content:' · ' attr(data-label) ' '}.summary .c.d::before{content:' · '}"
    ".summary .c.t::before{content:'\\A' attr(data-label) ' ';white-space:pre}}"
)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _badge(status: str | None) -> str:
    symbol, word = STATUS_WORDS[status] if status else NOT_JUDGED
    css = status if status else "unjudged"
    return f"<span class='status {css}'>{_e(symbol)} {_e(word)}</span>"


def _withheld(m: Compared, days: int, rules: RenderRules) -> bool:
    """Both comparisons withheld by the privacy floor: a published store average always
    has sellers behind it, so in the benchmark window a missing one is a withheld one."""
    return days == BENCHMARK_WINDOW and m.store_average is None and rules.min_peers > 0


def _floor(rules: RenderRules) -> str:
    return f"fewer than {rules.min_peers} sellers of the store qualify"


def _missing(m: Figure | Compared, days: int, rules: RenderRules) -> str:
    """Why a store's comparison, or the target drawn from it, is missing: the window is
    not the benchmark window (`window`), the privacy floor withholds it (`withheld`), or
    the store has none (`none`). The card says it at length, the summary in a few words."""
    if days != BENCHMARK_WINDOW:
        return "window"
    if isinstance(m, Compared) and _withheld(m, days, rules):
        return "withheld"
    return "none"


def _compared(m: Compared, what: str) -> float | None:
    return m.store_average if what == "store_average" else m.top_performers


def _comparison(metric: Metric, m: Compared, what: str, days: int, rules: RenderRules) -> str:
    value = _compared(m, what)
    if value is not None:
        return _e(amount(metric, value))
    average = what == "store_average"
    return {
        "window": f"compared over {BENCHMARK_WINDOW} days only",
        "withheld": f"withheld: {_floor(rules)} (so no seller can work out a rival's figure)"
        if average
        else "withheld with the store average",
        "none": "none: no seller of the store has a figure with enough volume"
        if average
        else "none: no seller of the store was in its best quarter in each of the last 3 months",
    }[_missing(m, days, rules)]


def _no_target(m: Figure, days: int, rules: RenderRules) -> str:
    """Why a store's benchmark-judged metric has no target."""
    return {
        "window": f"none: judged against the store's sellers over {BENCHMARK_WINDOW} days only",
        "withheld": f"none: the store's comparisons are withheld ({_floor(rules)})",
        "none": "none: no store comparison to judge by",
    }[_missing(m, days, rules)]


def _details(metric: Metric, m: Figure) -> list[tuple[str, str]]:
    """The insight details of the metrics that carry them."""
    rows = []
    if isinstance(m, ResponseTime) and m.value is not None:
        rows.append(
            (
                "Median · 90th percentile",
                f"{_e(amount(metric, m.median))} · {_e(amount(metric, m.p90))}",
            )
        )
        bands = " · ".join(f"{_e(b)} h: {n}" for b, n in m.distribution.by_label().items())
        rows.append(("Hours to reply", bands))
        rows.append(("Still unanswered", str(m.unanswered)))
    if isinstance(m, PreventableRate):
        reasons = " · ".join(
            f"{_e(r.replace('_', ' '))}: {n}" for r, n in m.by_reason.model_dump().items() if n
        )
        rows.append(("Contacts by reason", reasons or "none"))
    if isinstance(m, LateContacts):
        rows.append(("Answered after 48 h", str(m.answered_late)))
        rows.append(("Unanswered past 48 h", str(m.unanswered_late)))
    return rows


def _card(
    metric: Metric,
    m: Figure,
    days: int,
    by_store: bool,
    rules: RenderRules,
    trend: tuple[Sequence[date], Sequence[float | None]] | None,
    due: Sequence[Mapping[str, Any]] = (),
) -> str:
    value = m.value
    status = m.status
    out = [
        f"<article class='metric' data-metric='{_e(metric.name)}' "
        f"data-status='{_e(status or 'not_judged')}'>",
        f"<h3>{_e(metric.label)}</h3>",
        f"<p><span class='value'>{_e(amount(metric, value))}</span>{_badge(status)}</p>",
    ]
    # An NA figure shows why it is NA and nothing else about a value it does not have.
    if value is None:
        out.append(f"<p class='reason'>NA: {_e(na_reason(m.reason, days))}</p>")
    elif isinstance(m, Rate) and m.low_sample:
        out.append(
            f"<p class='low'>⚠ Low sample: {m.denominator} "
            f"{_e(DENOMINATORS.get(metric.name, ''))}, fewer than {rules.min_sample}; trust it "
            "less.</p>"
        )
    rows: list[tuple[str, str]] = []
    if metric.name in FIXED_TARGET_METRICS or by_store:
        target = target_words(metric, m)
        rows.append(("Target", _e(target or _no_target(m, days, rules))))
    else:
        rows.append(("Target", "none here: judged per store, against each store's sellers"))
    if isinstance(m, Compared):
        rows.append(("Store average", _comparison(metric, m, "store_average", days, rules)))
        rows.append(("Top performers", _comparison(metric, m, "top", days, rules)))
    if isinstance(m, Rate) and metric.name in DENOMINATORS and value is not None:
        rows.append(
            (
                "Based on",
                f"{m.numerator} of {m.denominator} {_e(DENOMINATORS[metric.name])}",
            )
            if metric.kind == "rate"
            else ("Based on", f"{m.denominator} {_e(DENOMINATORS[metric.name])}")
        )
    rows.append((f"Against the {days} days before", _e(change_text(metric, m))))
    ahead = projected_text(metric, m)
    if ahead:
        rows.append(("What comes next", _e(ahead[0].upper() + ahead[1:])))
    if metric.name == LATE and due:
        first = min(due, key=lambda c: float(c["hours_left"]))
        one = len(due) == 1
        rows.append(
            (
                "Before more turn late",
                f"{len(due)} contact{'' if one else 's'} still within 48 hours "
                f"{'is' if one else 'are'} listed under Contacts near or past 48 hours: "
                f"answer {'it' if one else 'them'} to keep {'it' if one else 'them'} out of "
                f"this count, the first by {_when(str(first['due_at']))}",
            )
        )
    to_target = to_target_text(metric, m)
    if to_target:
        rows.append(("To meet the target", _e(to_target)))
    rows += _details(metric, m)
    out.append("<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>")
    if trend is not None:
        out.append(chart(metric, *trend))
    out.append("</article>")
    return "".join(out)


def _section(
    title: str,
    intro: str,
    metrics: CollectiveMetrics | StoreMetrics,
    document: MetricsDocument,
    scope: str | None,
    trend: Trend | None,
    rules: RenderRules,
    overdue: Sequence[Mapping[str, Any]] | None,
) -> str:
    days = document.window.days
    reply = metrics.average_contact_response_time_hours
    # The listed contacts of this view that can still be answered within 48 hours.
    due = [
        c
        for c in overdue or ()
        if float(c["hours_left"]) > 0 and (scope is None or str(c["store_id"]) == scope)
    ]
    cards = [
        _card(
            metric,
            figure,
            days,
            scope is not None,
            rules,
            (trend.days, trend.series(scope, metric.name)) if trend else None,
            due,
        )
        for metric, figure in metrics.figures()
    ]
    store = f" data-store='{_e(scope)}'" if scope is not None else ""
    return (
        f"<details class='view'><summary>{title} in detail: how each figure is made, its "
        "trend and what it takes</summary>"
        f"<section class='scope'{store}><h2>{title}</h2><p>{intro}</p>"
        f"{heat_map(reply.by_arrival, scope is None)}"
        f"<div class='grid'>{''.join(cards)}</div></section></details>"
    )


UNIT = re.compile(r" \((%|h)\)$")
"""A label's unit, left out where the figure beside it carries its own."""


def _short_comparison(metric: Metric, m: Figure, what: str, days: int, rules: RenderRules) -> str:
    """A store's figure in a summary row, or in a word why there is none."""
    if not isinstance(m, Compared):
        return "—"
    value = _compared(m, what)
    if value is not None:
        return amount(metric, value)
    return {
        "window": f"{BENCHMARK_WINDOW}-day window only",
        "withheld": "withheld",
        "none": "none",
    }[_missing(m, days, rules)]


def _short_target(metric: Metric, m: Figure, days: int, by_store: bool, rules: RenderRules) -> str:
    if metric.name not in FIXED_TARGET_METRICS and not by_store:
        return "judged per store"
    text = target_text(metric, m.target)
    if text is not None:
        return text
    return {
        "window": f"judged over {BENCHMARK_WINDOW} days only",
        "withheld": "none (comparisons withheld)",
        "none": "none",
    }[_missing(m, days, rules)]


NEXT = f"In {PROJECTION_DAYS} days"
"""The summary's projection: the figure a week on if nothing new happens."""
KIND = {"Target": " t", "Change": " d"}
"""A summary cell's place on a phone: the target starts the second line, the change needs
no label."""


def _summary_row(metric: Metric, m: Figure, days: int, by_store: bool, rules: RenderRules) -> str:
    """One metric of one view in a row: figure and status, target, the store's figures,
    change. The card further down says the same at length."""
    value = m.value
    figure = f"<span class='n'>{_e(amount(metric, value))}</span> {_badge(m.status)}"
    if value is None:
        figure += f" <small>({_e(na_reason(m.reason, days))})</small>"
    elif isinstance(m, Rate) and m.low_sample:
        figure += " <small>⚠ low sample</small>"
    cells = [("Target", _short_target(metric, m, days, by_store, rules))]
    if by_store:
        cells += [
            ("Store average", _short_comparison(metric, m, "store_average", days, rules)),
            ("Top performers", _short_comparison(metric, m, "top", days, rules)),
        ]
    cells.append(("Change", change_brief(metric, m)))
    ahead = m.projected
    cells.append((NEXT, "—" if ahead is None else amount(metric, ahead.value)))
    return (
        f"<tr data-metric='{_e(metric.name)}' data-status='{_e(m.status or 'not_judged')}'>"
        f"<th scope='row'>{_e(UNIT.sub('', metric.label))}</th><td class='fig'>{figure}</td>"
        + "".join(
            f"<td class='c{KIND.get(label, '')}{' none' if v == '—' else ''}' "
            f"data-label='{label}'>{_e(v)}</td>"
            for label, v in cells
        )
        + "</tr>"
    )


def _summary_table(
    caption: str,
    metrics: CollectiveMetrics | StoreMetrics,
    scope: str | None,
    days: int,
    rules: RenderRules,
) -> str:
    view = _e(scope) if scope is not None else ""
    rows = "".join(
        _summary_row(metric, figure, days, scope is not None, rules)
        for metric, figure in metrics.figures()
    )
    compared = (
        "<th scope='col'>Store average</th><th scope='col'>Top performers</th>"
        if scope is not None
        else ""
    )
    return (
        f"<table class='summary' data-view='{view}'><caption>{caption}</caption><thead><tr>"
        "<th scope='col'>Metric</th><th scope='col'>Figure</th><th scope='col'>Target</th>"
        f"{compared}<th scope='col'>Change</th><th scope='col'>{NEXT}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _summary(document: MetricsDocument, rules: RenderRules) -> str:
    days = document.window.days
    tables = [_summary_table("All stores", document.metrics, None, days, rules)]
    tables += [
        _summary_table(
            f"Store <span class='id'>{_e(s.store_id)}</span>", s.metrics, s.store_id, days, rules
        )
        for s in document.by_store
    ]
    return (
        "<section id='summary'><h2>At a glance</h2><p>Each metric in a row: figure and "
        "status, target, the store's figures (store by store), change, and the figure in "
        f"{PROJECTION_DAYS} days if nothing changes. How each is made: in the details below."
        "</p>" + "".join(tables) + "</section>"
    )


def _when(received_at: str) -> str:
    try:
        at = datetime.strptime(received_at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return _e(received_at)
    return f"{_e(day_text(at.date()))} {at:%H:%M} UTC"


LATE_LISTED = 10
"""Contacts already past 48 h the page lists (the most recently due first)."""
SEPARATORS = re.compile(r"([-_#/.:])")


def _id(text: str) -> str:
    """An id that may wrap after its separators (on a phone), never inside a word."""
    return "".join(
        _e(part) + ("<wbr>" if SEPARATORS.fullmatch(part) else "")
        for part in SEPARATORS.split(text)
    )


def _left(hours_left: float) -> str:
    if hours_left > 0:
        return f"{_e(number(hours_left))} h left"
    late_by = -hours_left
    return "late by " + (
        f"{int(late_by // 24)} days" if late_by >= 48 else f"{_e(number(late_by))} h"
    )


def _overdue(overdue: Sequence[Mapping[str, Any]] | None, seller: str) -> str:
    head = "<section id='overdue'><h2>Contacts near or past 48 hours</h2>"
    if overdue is None:
        return head + (
            "<p class='none-listed'>None listed: this report was built without the open "
            "contacts.</p></section>"
        )
    if not overdue:
        return (
            head
            + "<p class='none-listed'>None: no unanswered contact is near 48 hours.</p></section>"
        )
    # What a seller can still save first (least time left), then the late ones, most
    # recently due first: a contact late for weeks must not bury one with hours left.
    due = sorted((c for c in overdue if c["hours_left"] > 0), key=lambda c: c["hours_left"])
    late = sorted((c for c in overdue if c["hours_left"] <= 0), key=lambda c: -c["hours_left"])
    shown = due + late[:LATE_LISTED]
    rows = []
    for c in shown:
        about = " · ".join(
            part
            for part in (
                f"order {_id(str(c['order_id']))}" if c.get("order_id") else "",
                _e(str(c["reason"]).replace("_", " ")) if c.get("reason") else "",
            )
            if part
        )
        rows.append(
            f"<tr><td class='id'>{_id(str(c['contact_id']))}"
            + (f"<br><small>{about}</small>" if about else "")
            + f"</td><td class='id'>{_id(str(c['store_id']))}</td>"
            f"<td>{_when(str(c['due_at']))}</td>"
            f"<td>{_left(float(c['hours_left']))}</td></tr>"
        )
    return head + (
        f"<p>{len(due)} can still be answered within 48 hours and {len(late)} "
        f"{'is' if len(late) == 1 else 'are'} past it: "
        "every contact still waiting for a reply when this report was built and older than "
        "24 hours at the end of its day, whenever it arrived, most urgent first. Past 48 "
        "hours a buyer can file an A-to-z claim. (The late contacts figure above counts only "
        "the window's contacts answered after 48 hours or still waiting past it.)</p>"
        "<table><thead><tr><th>Contact</th><th>Store</th><th>Due (48 h)</th>"
        f"<th>Time left</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + (
            f"<p>And {len(late) - LATE_LISTED} more past 48 hours, listed by the overdue "
            "contacts of the API.</p>"
            if len(late) > LATE_LISTED
            else ""
        )
        + "</section>"
    )


def _bands(metric: str, targets: Targets) -> tuple[str, str, str]:
    edges = targets.thresholds[metric]
    good, fair = number(plain(edges.good)), number(plain(edges.fair))
    if metric == CSDR:
        return f"below {good} %", f"{good} % to below {fair} %", f"{fair} % or more"
    if metric == WITHIN_24H:
        return f"{good} % or more", f"{fair} % to below {good} %", f"below {fair} %"
    return "0", f"1 to {fair}" if edges.fair >= 1 else "never", f"more than {fair}"


def _legend(document: MetricsDocument, rules: RenderRules) -> str:
    statuses = "".join(
        f"<li>{_badge(s)} {_e(meaning)}</li>"
        for s, meaning in (
            ("good", "meets the target"),
            ("fair", "misses it"),
            ("poor", "misses it badly"),
            (
                "na",
                "no figure to judge, or (for a metric judged against the store) no store "
                "figure to judge it by: the store's comparisons are withheld or it has none",
            ),
            (
                None,
                "not judged in this view: the buyer dissatisfaction rate, the preventable "
                "contact rate and the average response time are judged against each store's "
                f"sellers, store by store and over {BENCHMARK_WINDOW} days, never across "
                "stores (the all-stores view) or over another window",
            ),
        )
    )
    rows = []
    views: list[tuple[str, Targets]] = [
        ("All stores and stores without their own", rules.targets(None))
    ]
    views += [
        (f"Store {_e(s.store_id)}", rules.targets(s.store_id))
        for s in document.by_store
        if s.store_id in rules.store_targets
    ]
    for metric in CATALOGUE:
        if metric.name in FIXED_TARGET_METRICS:
            for view, targets in views:
                good, fair, poor = _bands(metric.name, targets)
                rows.append(
                    f"<tr><td>{_e(metric.label)} · {view}</td><td>{_e(good)}</td>"
                    f"<td>{_e(fair)}</td><td>{_e(poor)}</td></tr>"
                )
        else:
            rows.append(
                f"<tr><td>{_e(metric.label)} · each store</td><td>at or better than the good "
                "line</td><td>worse than the good line, at or better than the store average"
                "</td><td>worse than the store average</td></tr>"
            )
    return (
        "<details id='legend'><summary>Legend: statuses and thresholds</summary><div class='box'>"
        f"<ul>{statuses}</ul><table><thead><tr><th>Metric</th><th>✔ Good</th><th>! Fair</th>"
        f"<th>✖ Poor</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<p id='good-line'>The good line of a store is the better of its top performers and "
        "its store average, and it is the target shown. When the top performers did worse "
        "than the average this period, nothing is fair: at or better than the average is "
        "good, worse is poor. With only the store average (no top-performer figure), at or "
        "better than it is good and worse is fair; with neither, there is no status.</p>"
        f"<p>Low sample: fewer than {rules.min_sample} behind a figure; an NA figure shows only "
        "why it is NA. Store averages count sellers with at least 5; they and the top "
        f"performers are published only where at least {rules.min_peers} sellers of the store "
        "qualify. Missing a target carries no penalty.</p>"
        "</div></details>"
    )


def to_html(
    document: MetricsDocument,
    trend: Trend | None = None,
    overdue: Sequence[Mapping[str, Any]] | None = None,
    rules: RenderRules | None = None,
) -> str:
    """The page of one metrics document. `trend`: each view's daily figures for the
    charts (none drawn without it); `overdue`: the unanswered contacts near or past 48 h,
    each `{contact_id, store_id, received_at, hours_left}` (`None`: not known to the
    caller, and the page says so); `rules`: the thresholds the document was judged by."""
    rules = rules or RenderRules()
    seller = document.seller_id
    days = document.window.days
    through = date.fromisoformat(document.data_through)
    start = date.fromisoformat(document.window.start[:10])
    stores = [s.store_id for s in document.by_store]
    sections = [
        _summary(document, rules),
        _legend(document, rules),
        _overdue(overdue, seller),
        _section(
            "All stores",
            f"{_e(', '.join(stores))}, pooled. Comparisons with other sellers are per store.",
            document.metrics,
            document,
            None,
            trend,
            rules,
            overdue,
        ),
        *(
            _section(
                f"Store <span class='id'>{_e(s.store_id)}</span>",
                "This store alone, against the store's other sellers.",
                s.metrics,
                document,
                s.store_id,
                trend,
                rules,
                overdue,
            )
            for s in document.by_store
        ),
    ]
    return "".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>Customer service insights: {_e(seller)}</title>",
            f"<style>{STYLE}{ARRIVAL_STYLE}</style></head><body><main>",
            f"<header><h1>Customer service insights</h1><p class='id'>Seller {_e(seller)}</p>",
            f"<p id='data-through'>Data through {_e(day_text(through))} · the last {days} "
            f"days, {_e(day_text(start))} to {_e(day_text(through))}</p></header>",
            *sections,
            "</main></body></html>",
        ]
    )
