"""The status of a benchmark-judged metric against its store's good line (the better of the
top performers and the store average), worked case by case, and the target a by-store
entry shows for it: the good line itself."""

from __future__ import annotations

from collections import Counter
from datetime import date
from fractions import Fraction

import pytest

from csinsights.domain.benchmarks import Benchmark, benchmark_status, good_line
from csinsights.domain.catalogue import RESPONSE_TIME
from csinsights.domain.documents import render_document
from csinsights.domain.metrics import Counts

DAY = date(2026, 11, 25)
STORE_AVERAGE = Fraction(3329, 100)
TOP_PERFORMERS = Fraction(8378, 100)


def replied_after(hours: int) -> Counts:
    """One contact needing a reply, answered after `hours` whole hours."""
    return Counts(
        contacts=1,
        hours=Counter({hours: 1}),
        answered=1,
        within_24h=int(hours <= 24),
        answered_late=int(hours >= 48),
    )


def reply_time(counts: Counts, mark: Benchmark, window_days: int = 28) -> dict[str, object]:
    """The response time of the store's by-store entry and of the collective view."""
    document = render_document(
        "S1", DAY, window_days, {"US": counts}, {"US": {RESPONSE_TIME: mark}}
    ).to_json()
    return {
        "store": document["by_store"][0]["metrics"][RESPONSE_TIME],
        "all": document["metrics"][RESPONSE_TIME],
    }


def test_67_hours_is_poor_when_the_top_performers_had_84_and_the_store_33() -> None:
    """The cohort was chosen on past months; its current window is worse than the store
    average, so the average is the good line and nothing between them is fair."""
    figure = reply_time(replied_after(67), Benchmark(STORE_AVERAGE, TOP_PERFORMERS))["store"]
    assert figure["value"] == 67.0
    assert figure["status"] == "poor"
    assert figure["target"] == {"value": 33.29, "condition": "less_than_or_equal"}
    assert figure["store_average"] == 33.29
    assert figure["top_performers"] == 83.78


@pytest.mark.parametrize(
    ("hours", "status"),
    [(33, "good"), (34, "poor"), (63, "poor"), (83, "poor"), (84, "poor"), (0, "good")],
)
def test_top_performers_worse_than_the_average_leave_nothing_fair(hours: int, status: str) -> None:
    mark = Benchmark(STORE_AVERAGE, TOP_PERFORMERS)
    assert reply_time(replied_after(hours), mark)["store"]["status"] == status


@pytest.mark.parametrize(
    ("hours", "status"), [(5, "good"), (6, "good"), (7, "fair"), (20, "fair"), (21, "poor")]
)
def test_top_performers_better_than_the_average_are_the_good_line(hours: int, status: str) -> None:
    figure = reply_time(replied_after(hours), Benchmark(Fraction(20), Fraction(6)))["store"]
    assert figure["status"] == status
    assert figure["target"] == {"value": 6.0, "condition": "less_than_or_equal"}


@pytest.mark.parametrize(("hours", "status"), [(33, "good"), (34, "fair"), (200, "fair")])
def test_only_a_store_average_judges_good_at_or_under_it_and_fair_above(
    hours: int, status: str
) -> None:
    figure = reply_time(replied_after(hours), Benchmark(STORE_AVERAGE, None))["store"]
    assert figure["status"] == status
    assert figure["target"] == {"value": 33.29, "condition": "less_than_or_equal"}


def test_both_figures_withheld_leave_no_status_and_no_target() -> None:
    figure = reply_time(replied_after(67), Benchmark(reason="too_few_sellers"))["store"]
    assert figure["status"] == "na"
    assert figure["target"] is None
    assert figure["store_average"] is None and figure["top_performers"] is None


def test_the_collective_view_and_other_windows_do_not_judge() -> None:
    mark = Benchmark(STORE_AVERAGE, TOP_PERFORMERS)
    collective = reply_time(replied_after(67), mark)["all"]
    assert collective["status"] is None and collective["target"] is None
    week = reply_time(replied_after(67), mark, window_days=7)["store"]
    assert week["status"] is None and week["target"] is None


def test_a_figure_without_a_value_is_na_whatever_the_benchmarks() -> None:
    figure = reply_time(Counts(), Benchmark(STORE_AVERAGE, TOP_PERFORMERS))["store"]
    assert figure["value"] is None and figure["status"] == "na"
    assert figure["target"] == {"value": 33.29, "condition": "less_than_or_equal"}


def test_the_good_line_is_judged_on_exact_figures() -> None:
    """A value that rounds to the line but lies above it is not good."""
    line = Fraction(1, 3)
    assert good_line(Fraction(1, 2), line) == line
    assert benchmark_status(line, Fraction(1, 2), line) == "good"
    assert benchmark_status(Fraction(3334, 10000), Fraction(1, 2), line) == "fair"
    assert good_line(None, None) is None
    assert good_line(Fraction(4), None) == Fraction(4)
    assert good_line(None, Fraction(4)) == Fraction(4)
