"""The insights page, read as text: what a seller sees for every figure, the charts drawn
honestly, every id escaped, nothing fetched or run. (tests/browser opens the same pages
in Chromium and checks what it shows and how it lays out.)"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from csinsights.domain.arrival import CELLS, by_arrival
from csinsights.domain.catalogue import CATALOGUE, CSDR
from csinsights.domain.document import ArrivalWeek
from csinsights.domain.documents import render_document
from csinsights.domain.metrics import METRICS, Counts
from csinsights.domain.targets import RenderRules
from csinsights.render.arrival import sentence
from csinsights.render.charts import HEIGHT, Trend, chart
from csinsights.render.html import to_html
from tests.profiles import examples
from tests.report_samples import FORMULA_ID, HOSTILE_ID, OVERDUE, PWNED, cases, sample

CASES = cases()
METRIC = next(m for m in CATALOGUE if m.name == CSDR)
DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(6)]


def cards(page: str) -> list[str]:
    return re.findall(r"<article class='metric'.*?</article>", page)


def test_every_figure_has_a_status_in_a_word_and_a_symbol() -> None:
    page = CASES["typical"].html()
    found = cards(page)
    assert len(found) == 3 * len(CATALOGUE)  # all stores, then US and CA
    for card in found:
        status = re.search(r"data-status='(\w+)'", card)
        assert status
        word = {
            "good": "✔ Good",
            "fair": "! Fair",
            "poor": "✖ Poor",
            "na": "∅ No status",
            "not_judged": "· Not judged",
        }[status.group(1)]
        assert word in card


def test_the_data_through_day_is_a_date_not_an_instant() -> None:
    page = CASES["typical"].html()
    assert "Data through 25 Nov 2026" in page
    assert "29 Oct 2026 to 25 Nov 2026" in page
    assert "T00:00:00Z" not in page


def test_a_store_card_shows_target_comparisons_change_and_what_it_takes() -> None:
    s = CASES["typical"]
    us = s.document.by_store[1]
    assert us.store_id == "US"
    figure = us.metrics.customer_service_dissatisfaction_rate
    section = s.html().split("data-store='US'")[1].split("</section>")[0]
    csdr = next(c for c in cards(section) if f"data-metric='{CSDR}'" in c)
    assert "<dt>Target</dt><dd>below 20 %</dd>" in csdr  # US has its own threshold
    assert f"<dt>Store average</dt><dd>{figure.store_average:g} %</dd>" in csdr
    assert f"<dt>Top performers</dt><dd>{figure.top_performers:g} %</dd>" in csdr
    assert f"{abs(figure.change):g} percentage points {figure.trend}" in csdr
    assert f"(was {figure.previous.value:g} %)" in csdr
    assert figure.to_target > 0
    assert f"{figure.to_target} more satisfied response" in csdr
    assert f"{figure.numerator} of {figure.denominator} survey responses" in csdr


def test_na_is_spelled_out_and_unpublished_comparisons_say_why() -> None:
    page = CASES["na-everywhere"].html()
    assert "NA: no survey responses in the last 28 days" in page
    assert "NA: no contacts in the last 28 days" in page
    assert "withheld: fewer than 5 sellers of the store qualify" in page
    assert "best quarter" not in page  # withheld, not a missing cohort
    assert "no figure this period to compare (was " in page
    assert ">0 contacts<" in page  # late contacts are never NA
    assert ">NA<" in page


def test_a_low_sample_is_flagged_with_its_size() -> None:
    page = CASES["low-samples"].html()
    assert "Low sample: 2 survey responses, fewer than 40" in page
    assert "Low sample" not in "".join(c for c in cards(page) if "data-metric='late_contacts'" in c)


def card(page: str, store: str, metric: str) -> str:
    section = page.split(f"data-store='{store}'")[1].split("</section>")[0]
    return next(c for c in cards(section) if f"data-metric='{metric}'" in c)


def test_the_target_shown_is_the_good_line_and_says_which_figure_it_is() -> None:
    page = CASES["good-line"].html()
    reply = card(page, "US", "average_contact_response_time_hours")
    assert "data-status='poor'" in reply and "✖ Poor" in reply
    assert (
        "<dt>Target</dt><dd>at or below 33.29 h: the store average, better than the top "
        "performers&#x27; 83.78 h this period</dd>"
    ) in reply
    assert "at or below 83.78 h" not in page
    bdr = card(page, "US", "buyer_dissatisfaction_rate")
    assert "<dt>Target</dt><dd>at or below 40 %: the store average (no top-performer figure)" in bdr
    assert "data-status='good'" in bdr
    assert "none: no seller of the store was in its best quarter in each of the last 3" in bdr
    preventable = card(page, "US", "preventable_contact_rate")
    assert "<dt>Target</dt><dd>at or below 4 %: the top performers</dd>" in preventable
    assert "data-status='fair'" in preventable


def test_withheld_comparisons_give_the_privacy_floor_as_the_reason() -> None:
    ca = card(CASES["good-line"].html(), "CA", "average_contact_response_time_hours")
    assert "withheld: fewer than 5 sellers of the store qualify" in ca
    assert "<dt>Top performers</dt><dd>withheld with the store average</dd>" in ca
    assert "none: the store&#x27;s comparisons are withheld" in ca
    assert "best quarter" not in ca
    floor = RenderRules(min_peers=8)
    page = to_html(CASES["good-line"].document, rules=floor)
    assert "withheld: fewer than 8 sellers of the store qualify" in page


def test_an_na_figure_shows_its_reason_only() -> None:
    page = CASES["good-line"].html()
    for metric in METRICS:
        if metric == "late_contacts":
            continue
        na = card(page, "CA", metric)
        assert "data-status='na'" in na and "NA: no " in na, metric
        assert "Low sample" not in na and "Based on" not in na, metric
    csdr = card(page, "CA", CSDR)
    assert "NA: no survey responses in the last 28 days" in csdr
    preventable = card(page, "CA", "preventable_contact_rate")
    assert "of 1 orders" not in preventable
    assert "Low sample: 10 survey responses" in card(page, "US", CSDR)  # a value keeps it


def test_the_legend_covers_every_status_rule_shown() -> None:
    legend = CASES["typical"].html().split("id='legend'")[1]
    assert "at or better than the good line" in legend
    assert "worse than the good line, at or better than the store average" in legend
    assert "the better of its top performers and its store average" in legend
    assert "nothing is fair" in legend
    assert "With only the store average (no top-performer figure)" in legend
    assert "· Not judged</span> not judged in this view" in legend
    assert "the all-stores view" in legend


def test_overdue_contacts_most_urgent_first_and_none_said_plainly() -> None:
    page = CASES["typical"].html()
    section = page.split("id='overdue'")[1].split("</section>")[0]
    # can still be saved, then late (an id may wrap after its dashes)
    assert section.index("c-<wbr>41") < section.index("c-<wbr>17")
    assert "late by 12.5 h" in section and "4.5 h left" in section
    assert "25 Nov 2026 09:30 UTC" in section  # c-17's due time: received + 48 h
    assert "order 114-<wbr>3941689-<wbr>8772232 · shipping" in section  # wraps at its dashes
    assert "product quality" in section
    assert "1 can still be answered within 48 hours and 1 is past it" in section
    assert "class='status" not in section  # a row says its time, it is not a status
    assert "GET /v1" not in page  # no API route for a seller to read
    assert "None: no unanswered contact" in CASES["low-samples"].html()
    assert "None listed" in CASES["na-everywhere"].html()  # the caller passed nothing


def test_long_late_contacts_do_not_bury_those_with_hours_left() -> None:
    late = [
        {
            "contact_id": f"old-{i}",
            "store_id": "US",
            "received_at": "2026-10-01T00:00:00Z",
            "due_at": "2026-10-03T00:00:00Z",
            "hours_left": -100.0 - i,
        }
        for i in range(12)
    ]
    due = {
        "contact_id": "soon",
        "store_id": "US",
        "received_at": "2026-11-24T02:00:00Z",
        "due_at": "2026-11-26T02:00:00Z",
        "hours_left": 3.0,
    }
    page = sample(overdue=[*late, due]).html()
    section = page.split("id='overdue'")[1].split("</section>")[0]
    assert section.index("soon") < section.index("old-<wbr>0")
    assert "old-<wbr>9<" in section and "old-<wbr>10" not in section
    assert "And 2 more past 48 hours" in section
    assert "late by 4 days" in section  # 100 h late


def test_the_legend_states_each_threshold_and_the_store_s_own() -> None:
    page = CASES["typical"].html()
    legend = page.split("id='legend'")[1]
    assert "below 25 %</td><td>25 % to below 50 %</td><td>50 % or more" in legend
    assert "Store US</td><td>below 20 %</td><td>20 % to below 40 %" in legend
    assert "90 % or more</td><td>75 % to below 90 %</td><td>below 75 %" in legend
    assert "1 to 2</td><td>more than 2" in legend


def test_hostile_ids_are_text_and_the_page_fetches_and_runs_nothing() -> None:
    page = CASES["hostile-ids"].html()
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;document.body" in page
    assert "x;=cmd|&#x27;/Ccalc&#x27;!A0" in page
    assert page.count(f"data-store='{HOSTILE_ID}'") == 0
    assert PWNED not in page and FORMULA_ID not in page
    for name, s in CASES.items():
        text = s.html()
        assert not re.search(r"<[^>]*\s(src|href)\s*=|@import|url\(|<link|<script", text), name


def test_a_flat_series_is_drawn_across_the_middle_with_its_value() -> None:
    svg = chart(METRIC, DAYS, [4.0] * 6)
    ys = {float(y) for y in re.findall(r"[\d.]+,([\d.]+)", svg)}
    assert ys == {HEIGHT / 2}
    assert ">4 %</text>" in svg and "constant at 4 %" in svg


def test_missing_days_are_gaps_and_the_scale_is_labelled() -> None:
    svg = chart(METRIC, DAYS, [1.0, 2.0, None, 3.0, None, 5.0])
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 2
    assert "lowest 1 %, highest 5 %; 2 days without a figure" in svg
    assert "1 Nov 2026 to 6 Nov 2026" in svg
    lowest, highest = (float(re.findall(r"[\d.]+,([\d.]+)", svg)[i]) for i in (0, 1))
    assert lowest > highest  # SVG y grows downwards: a higher value is drawn higher
    assert "no figure on any day" in chart(METRIC, DAYS, [None] * 6)


def test_a_trend_aligns_each_document_with_its_day() -> None:
    counts = {"US": Counts(responses=4, dissatisfied=1), "CA": Counts(responses=2)}
    documents = {
        DAYS[0]: render_document("S", DAYS[0], 28, counts, {}),
        DAYS[3]: render_document("S", DAYS[3], 28, {"US": Counts(responses=1)}, {}),
    }
    trend = Trend.from_documents(DAYS[0], DAYS[-1], documents)
    assert trend.days == tuple(DAYS)
    assert list(trend.series(None, CSDR)) == [16.67, None, None, 0.0, None, None]
    assert list(trend.series("US", CSDR)) == [25.0, None, None, 0.0, None, None]
    assert list(trend.series("CA", CSDR)) == [0.0] + [None] * 5
    assert list(trend.series("JP", CSDR)) == [None] * 6


def test_without_a_trend_no_chart_is_drawn() -> None:
    page = to_html(sample(trend=False).document)
    assert "<svg" not in page and "<figure" not in page
    assert OVERDUE[0]["contact_id"] not in page


class Parsed(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}

    def handle_data(self, data: str) -> None:
        self.text.append(data)


PAGE_TAGS = set(
    [
        "br",
        "wbr",
        "small",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "header",
        "h1",
        "h2",
        "h3",
        "p",
        "span",
        "section",
        "div",
        "article",
        "dl",
        "dt",
        "dd",
        "figure",
        "svg",
        "line",
        "polyline",
        "circle",
        "text",
        "figcaption",
        "table",
        "caption",
        "strong",
        "details",
        "summary",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "li",
    ]
)
PAGE_ATTRIBUTES = set(
    [
        "lang",
        "charset",
        "name",
        "content",
        "class",
        "id",
        "data-metric",
        "data-status",
        "data-store",
        "data-view",
        "data-label",
        "scope",
        "viewbox",
        "role",
        "aria-label",
        "x1",
        "y1",
        "x2",
        "y2",
        "points",
        "cx",
        "cy",
        "r",
        "x",
        "y",
        "text-anchor",
    ]
)


@settings(max_examples=examples(40, 400), deadline=None)
@given(
    seller=st.text(min_size=1, max_size=20),
    store=st.text(min_size=1, max_size=20),
    contact=st.text(min_size=1, max_size=20),
)
def test_any_id_stays_text_in_the_page(seller: str, store: str, contact: str) -> None:
    overdue = [{**OVERDUE[0], "contact_id": contact, "store_id": store}]
    s = sample(seller=seller, stores=(store,), trend=False, overdue=overdue)
    page = Parsed(s.html())
    assert page.tags <= PAGE_TAGS
    assert page.attributes <= PAGE_ATTRIBUTES
    text = lines("".join(page.text))
    for value in (seller, store, contact):
        assert lines(value) in text


def lines(text: str) -> str:
    """Line breaks as an HTML parser reads them: CRLF and CR are LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_outside_the_benchmark_window_comparisons_say_so() -> None:
    counts = {"US": Counts(responses=4, dissatisfied=1, contacts=2, orders=3)}
    page = to_html(render_document("S", DAYS[0], 7, counts, {}))
    assert "Data through 1 Nov 2026 · the last 7 days, 26 Oct 2026 to 1 Nov 2026" in page
    assert "compared over 28 days only" in page
    assert "Against the 7 days before" in page


def summary_rows(page: str, view: str) -> dict[str, str]:
    """The summary's rows of one view ("" for all stores), by metric."""
    table = page.split(f"<table class='summary' data-view='{view}'>")[1].split("</table>")[0]
    return {m.group(1): m.group(0) for m in re.finditer(r"<tr data-metric='(\w+)'.*?</tr>", table)}


def test_the_summary_leads_with_a_row_per_metric_per_view() -> None:
    s = CASES["typical"]
    page = s.html()
    order = [
        page.index("<section id='summary'>"),
        page.index("<details id='legend'>"),
        page.index("<section id='overdue'>"),
        page.index("<details class='view'>"),
    ]
    assert order == sorted(order)
    assert page.index("<article class='metric'") > order[-1]
    views = [("", s.document.metrics, False)] + [
        (e.store_id, e.metrics, True) for e in s.document.by_store
    ]
    for view, metrics, by_store in views:
        rows = summary_rows(page, view)
        assert list(rows) == [m.name for m in CATALOGUE]
        for metric, figure in metrics.figures():
            row = rows[metric.name]
            assert f"data-status='{figure.status or 'not_judged'}'" in row
            assert _value(metric.kind, figure.value) in row
            assert ("data-label='Store average'" in row) is by_store
            assert ("data-label='Top performers'" in row) is by_store
            assert "data-label='Target'" in row and "data-label='Change'" in row
    ca = summary_rows(page, "CA")[CSDR]
    figure = s.document.by_store[0].metrics.customer_service_dissatisfaction_rate
    assert f"data-label='Store average'>{figure.store_average:g} %<" in ca
    assert f"data-label='Top performers'>{figure.top_performers:g} %<" in ca
    assert f"{abs(figure.change):g} pts {figure.trend}" in ca
    assert "data-label='Target'>below 25 %<" in ca


def _value(kind: str, value: float | None) -> str:
    if value is None:
        return ">NA<"
    unit = {"rate": " %", "hours": " h"}.get(kind, " contact")
    return f">{value:g}{unit}"


def test_the_summary_judges_by_the_good_line_and_says_why_a_figure_is_na() -> None:
    page = CASES["good-line"].html()
    reply = summary_rows(page, "US")["average_contact_response_time_hours"]
    assert "67 h</span> <span class='status poor'>✖ Poor" in reply
    assert "data-label='Target'>at or below 33.29 h<" in reply
    assert "data-label='Top performers'>83.78 h<" in reply
    for metric, row in summary_rows(page, "CA").items():
        if "data-status='na'" in row:
            assert "(no " in row and "low sample" not in row, metric
            assert "data-label='Store average'>withheld<" in row
    collective = summary_rows(page, "")
    assert "data-label='Target'>judged per store<" in collective["buyer_dissatisfaction_rate"]


def test_the_details_are_folded_below_the_summary() -> None:
    page = CASES["typical"].html()
    folded = re.findall(r"<details class='view'>(.*?)</details>", page)
    assert len(folded) == 3  # all stores, CA, US
    assert sum(len(cards(d)) for d in folded) == len(cards(page))
    assert "<details open" not in page and "<script" not in page
    assert "<summary>Store <span class='id'>US</span> in detail" in page


def test_what_comes_next_is_on_the_card_and_in_the_summary() -> None:
    page = CASES["good-line"].html()
    late = card(page, "US", "late_contacts")
    assert (
        "<dt>What comes next</dt><dd>In 7 days, if nothing changes: 2 late contacts (now 3)" in late
    )
    row = summary_rows(page, "US")["late_contacts"]
    assert "data-label='In 7 days'>2 contacts<" in row
    # The response time a week on, beside the figure of now.
    reply = card(page, "US", "average_contact_response_time_hours")
    assert "In 7 days, if nothing changes: 70.5 h (now 67 h)" in reply
    # A document of a day published before projections were kept: none shown, no guess.
    old = to_html(render_document("S", DAYS[0], 28, {"US": Counts(orders=3)}, {}))
    assert "What comes next" not in old
    assert "data-label='In 7 days'>—<" in old


def week(late: dict[str, int], contacts: int = 2) -> ArrivalWeek:
    """A week with `contacts` in every cell and `late` of them late where given."""
    return ArrivalWeek.model_validate(
        by_arrival({c: contacts for c in CELLS}, {}, {c: n for c, n in late.items()})
    )


def test_the_sentence_names_the_shortest_run_of_the_week_with_half_the_late_contacts() -> None:
    # 8 of 11 from Friday evening to Sunday evening, the rest spread over the week.
    weekend = {c: 1 for c in CELLS[CELLS.index("fri_evening") : CELLS.index("sun_evening") + 1]}
    spread = {"mon_morning": 1, "tue_afternoon": 1, "wed_evening": 1}
    assert sum(weekend.values()) == 9
    weekend["sun_evening"] = 0  # 8 at the weekend: the shortest run holding 6 or more
    got = sentence(week(weekend | spread))
    assert got == (
        "6 of your 11 late contacts were received Friday evening to Sunday night "
        "(the store's local time)."
    )
    assert sentence(week({"sat_night": 2, "sat_evening": 1})) == (
        "2 of your 3 late contacts were received Saturday night (the store's local time)."
    )
    assert "Saturday morning to afternoon" in sentence(
        week({"sat_morning": 1, "sat_afternoon": 1, "mon_night": 1, "wed_night": 1})
    )
    assert "received on Saturday" in sentence(
        week({"sat_night": 1, "sat_evening": 1, "mon_night": 1})
    )
    assert sentence(week({c: 1 for c in CELLS if c.startswith("sun")}), "each store's") == (
        "2 of your 4 late contacts were received Sunday night to morning (each store's local time)."
    )
    assert sentence(week({"tue_evening": 1})).startswith("Your late contact was received Tue")
    assert sentence(week({"mon_night": 1, "sun_evening": 1, "wed_morning": 2})).startswith(
        "2 of your 4 late contacts were received Wednesday morning"
    )
    # Round the week's end: Sunday evening then Monday night.
    assert "Sunday evening to Monday night" in sentence(
        week({"mon_night": 1, "sun_evening": 1, "wed_morning": 1})
    )
    assert sentence(week({})) == "No late contact in this window, whenever the message arrived."


def test_each_view_shows_when_its_contacts_arrive() -> None:
    page = CASES["good-line"].html()
    us = page.split("data-store='US'")[1].split("</section>")[0]
    grid = us.split("<table class='arrival'>")[1].split("</table>")[0]
    assert (
        "2 of your 3 late contacts were received Friday evening to Saturday morning "
        "(the store&#x27;s local time)." in grid
    )
    rows = re.findall(r"<tr><th scope='row'>(\w+)</th>(.*?)</tr>", grid)
    assert [day for day, _ in rows] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    friday = re.findall(r"<td(?: class='(h\d|zero)')?>(.*?)</td>", dict(rows)["Fri"])
    assert friday[3] == ("h3", "1<small>1 late</small>")  # evening: all of it late
    assert friday[0] == ("zero", "0")  # no contact then: no heat, greyed
    collective = page.split("<details class='view'>")[1]
    assert "each store&#x27;s local time" in collective.split("</table>")[0]
    # A day published before arrival cells were kept says so.
    old = CASES["typical"].document.model_copy(deep=True)
    old.metrics.average_contact_response_time_hours.by_arrival = None
    assert "not kept for this day" in to_html(old)


def test_the_late_contacts_card_says_which_listed_contacts_can_still_be_saved() -> None:
    page = CASES["typical"].html()
    us, ca = card(page, "US", "late_contacts"), card(page, "CA", "late_contacts")
    # c-41 (US) has 4.5 h left; c-17 (CA) is already late.
    assert (
        "<dt>Before more turn late</dt><dd>1 contact still within 48 hours is listed under "
        "Contacts near or past 48 hours: answer it to keep it out of this count, the first by "
        "26 Nov 2026 02:00 UTC</dd>" in us
    )
    assert "Before more turn late" not in ca
    collective = page.split("<details class='view'>")[1].split("</details>")[0]
    assert "1 contact still within 48 hours" in collective
    assert "Before more turn late" not in CASES["low-samples"].html()  # nothing listed
