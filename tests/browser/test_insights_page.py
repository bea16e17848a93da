"""The insights page in a real browser (headless Chromium): what it shows, that no id ever
runs as code, and that it fits a phone's 390 px and a desktop's 1280 px without sideways
scrolling. `make browser-test` runs these and regenerates docs/screenshots/; `make test`
does not collect them (pyproject's norecursedirs): it stays pure Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csinsights.domain.catalogue import CATALOGUE
from tests.chromium import Chromium, executable
from tests.demo_page import SELLER, demo_page
from tests.report_samples import FORMULA_ID, HOSTILE_ID, LONG_ID, PWNED, cases

CASES = cases()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = (390, 1280)
STATUS_WORDS = ("✔ Good", "! Fair", "✖ Poor", "∅ No status", "· Not judged")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Chromium:
    return Chromium(executable(), tmp_path_factory.mktemp("framed"))


@pytest.fixture(scope="module")
def seen(chromium: Chromium) -> dict[tuple[str, int], dict[str, Any]]:
    """Every case at every width, one browser run each."""
    return {
        (name, width): chromium.view(sample.html(), width)
        for name, sample in CASES.items()
        for width in WIDTHS
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_nothing_overflows_the_viewport(
    seen: dict[tuple[str, int], dict[str, Any]], name: str, width: int
) -> None:
    layout = seen[name, width]
    assert layout["viewport"] == width
    assert layout["scroll_width"] <= width, layout["overflowing"]
    assert layout["overflowing"] == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_metric_shows_its_status_target_and_comparisons_in_words(
    seen: dict[tuple[str, int], dict[str, Any]], name: str
) -> None:
    for width in WIDTHS:
        text = seen[name, width]["text"]
        scopes = 1 + len(CASES[name].document.by_store)
        for metric in CATALOGUE:
            assert text.count(metric.label) >= scopes, metric.label
        assert sum(text.count(w) for w in STATUS_WORDS) >= scopes * len(CATALOGUE)
        assert text.count("Target") >= scopes * len(CATALOGUE)
        stores_rated = (scopes - 1) * (len(CATALOGUE) - 1)  # late contacts have none
        assert text.count("Store average") >= stores_rated
        assert text.count("Top performers") >= stores_rated
        assert "Data through 25 Nov 2026" in text and "T00:00:00Z" not in text
        assert "Legend: statuses and thresholds" in text


def test_the_typical_page_shows_values_changes_and_overdue_contacts(
    seen: dict[tuple[str, int], dict[str, Any]],
) -> None:
    text = seen["typical", 390]["text"]
    ca = CASES["typical"].document.by_store[0].metrics.buyer_dissatisfaction_rate
    assert f"Store average {ca.store_average:g} %" in text
    assert f"Top performers {ca.top_performers:g} %" in text
    assert "percentage points better" in text or "percentage points worse" in text
    assert "late by 12.5 h" in text and "4.5 h left" in text
    assert text.index("4.5 h left") < text.index("late by 12.5 h")  # most urgent first
    assert "To meet the target" in text and "2 days without a figure" in text


def test_na_and_low_samples_are_spelled_out(seen: dict[tuple[str, int], dict[str, Any]]) -> None:
    na = seen["na-everywhere", 1280]["text"]
    assert "NA: no contacts in the last 28 days" in na
    assert "NA: no survey responses in the last 28 days" in na
    assert "withheld: fewer than 5 sellers of the store qualify" in na
    assert "best quarter" not in na
    low = seen["low-samples", 1280]["text"]
    assert "Low sample: 2 survey responses, fewer than 40" in low
    assert "None: no unanswered contact is near 48 hours." in low


def test_the_good_line_is_the_target_shown(seen: dict[tuple[str, int], dict[str, Any]]) -> None:
    """SELLER004's 67 h in a store whose top performers took 83.78 h and whose average is
    33.29 h: poor, and the target is the average, not the top performers' figure."""
    for width in WIDTHS:
        text = seen["good-line", width]["text"]
        assert "Target at or below 33.29 h: the store average, better than the top " in text
        assert "Target at or below 83.78 h" not in text
        reply = next(
            c
            for c in seen["good-line", width]["cards"]
            if c["store"] == "US" and c["metric"] == "average_contact_response_time_hours"
        )
        assert reply["status"] == "poor" and "67 h" in reply["text"] and "✖ Poor" in reply["text"]
        assert "Target at or below 40 %: the store average (no top-performer figure)" in text
        assert "Target at or below 4 %: the top performers" in text
        assert "The good line of a store is the better of its top performers and its store " in text


def test_na_figures_show_their_reason_without_sample_warnings(
    seen: dict[tuple[str, int], dict[str, Any]],
) -> None:
    for name in ("good-line", "na-everywhere"):
        cards = seen[name, 1280]["cards"]
        na = [c for c in cards if c["status"] == "na"]
        assert na, name
        for card in na:
            assert "NA: no " in card["text"], card
            assert "Low sample" not in card["text"] and "Based on" not in card["text"], card
    ca = seen["good-line", 1280]["text"].split("Store CA in detail")[1].split("Store US")[0]
    assert "withheld: fewer than 5 sellers of the store qualify" in ca
    assert "Top performers withheld with the store average" in ca


def test_hostile_ids_are_shown_as_text_and_never_run(
    seen: dict[tuple[str, int], dict[str, Any]],
) -> None:
    page = seen["hostile-ids", 1280]
    assert "script" not in page["tags"] and "img" not in page["tags"]
    assert HOSTILE_ID in page["text"] and FORMULA_ID in page["text"] and PWNED in page["text"]
    assert page["pwned"] is None


def test_the_checks_would_see_a_hostile_id_that_ran_and_a_page_too_wide(
    chromium: Chromium,
) -> None:
    """The controls: the same id written raw runs, an unbreakable id in a table overflows."""
    raw = chromium.view(f"<!doctype html><html><body><p>{PWNED}</p></body></html>", 390)
    assert raw["pwned"] == "1" and "img" in raw["tags"]
    wide = chromium.view(f"<table><tr><td>{LONG_ID}</td></tr></table>", 390)
    assert wide["scroll_width"] > 390 and wide["overflowing"]


@pytest.fixture(scope="module")
def demo() -> str:
    """The page `make demo` prints first (SELLER001's), built on the embedded store."""
    return demo_page()


@pytest.fixture(scope="module")
def demo_seen(chromium: Chromium, demo: str) -> dict[int, dict[str, Any]]:
    return {width: chromium.view(demo, width) for width in WIDTHS}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_demo_s_page_fits_and_opens_on_its_summary(
    demo_seen: dict[int, dict[str, Any]], width: int
) -> None:
    page = demo_seen[width]
    assert page["scroll_width"] <= width and page["overflowing"] == []
    assert f"Seller {SELLER}" in page["folded"]["text"]
    assert "At a glance" in page["folded"]["text"]
    views = {row["view"] for row in page["folded"]["rows"]}
    assert views == {"", "CA", "MX", "US"}
    assert len(page["folded"]["rows"]) == len(views) * len(CATALOGUE)
    assert page["folded"]["height"] < page["height"] / 3


@pytest.mark.parametrize(("width", "name"), [(1280, "desktop"), (390, "phone")])
def test_screenshots(
    chromium: Chromium, demo_seen: dict[int, dict[str, Any]], demo: str, width: int, name: str
) -> None:
    """docs/screenshots/insights-{desktop,phone}.png: the demo's page as it opens (the
    summary, the folded legend, the overdue contacts and the folded details)."""
    height = demo_seen[width]["folded"]["height"]
    out = SCREENSHOTS / f"insights-{name}.png"
    page = demo
    assert chromium.screenshot(page, out, width, height) == (width, height)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_page_opens_on_its_summary_with_the_details_folded(
    seen: dict[tuple[str, int], dict[str, Any]], name: str, width: int
) -> None:
    """As it opens: the summary's rows (one per metric per view, each with a status in
    words, as the card below says), the overdue contacts; no card's details."""
    page = seen[name, width]
    folded = page["folded"]
    assert "At a glance" in folded["text"]
    assert "Contacts near or past 48 hours" in folded["text"]
    assert "Legend: statuses and thresholds" in folded["text"]
    assert "Answered after 48 h" not in folded["text"]
    assert "Answered after 48 h" in page["text"]  # unfolded, the details are there
    cards = {(c["store"] or "", c["metric"]): c["status"] for c in page["cards"]}
    rows = {(r["view"], r["metric"]): r for r in folded["rows"]}
    assert len(rows) == len(folded["rows"]) == len(cards)
    for key, row in rows.items():
        assert row["status"] == cards[key], key
        assert any(w in row["text"] for w in STATUS_WORDS), row


@pytest.mark.parametrize("width", WIDTHS)
def test_a_two_store_seller_reads_the_summary_in_under_three_phone_screens(
    seen: dict[tuple[str, int], dict[str, Any]], width: int
) -> None:
    """18 rows (all stores and two stores, 6 metrics each): under 2,400 px on a phone
    (three screens of 800 px), 1,500 px on a desktop; the page as it opens is under a
    quarter of its unfolded length on a phone, a third on a desktop."""
    for name in ("typical", "good-line"):
        page = seen[name, width]
        assert page["folded"]["summary_height"] < (2400 if width == 390 else 1500), name
        assert page["folded"]["height"] < page["height"] / (4 if width == 390 else 3), name


@pytest.mark.parametrize("width", WIDTHS)
def test_each_view_shows_when_its_contacts_arrive_and_where_late_replies_start(
    seen: dict[tuple[str, int], dict[str, Any]], width: int
) -> None:
    """The arrival grid of every view, unfolded, fitting the width (checked above for every
    case), with its sentence; the good-line case's late replies start on Friday evening."""
    for name, sample in CASES.items():
        text = seen[name, width]["text"]
        assert text.count("When contacts arrive") == 1 + len(sample.document.by_store), name
        assert "When contacts arrive" not in seen[name, width]["folded"]["text"]
    text = seen["good-line", width]["text"]
    assert "2 of your 3 late contacts were received Friday evening to Saturday morning" in text
    assert "Fri 0 0 0 1 1 late" in text
