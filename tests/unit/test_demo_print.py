"""The demo's table of figures: each status mark the rule gives, and a legend for every
mark it prints, the blank of a view that does not judge a metric included."""

from __future__ import annotations

import io

from csinsights_local.demo_print import print_table
from tests.report_samples import good_line


def table() -> list[str]:
    out = io.StringIO()
    print_table([good_line().document], out)
    return out.getvalue().splitlines()


def test_a_67_hour_reply_time_is_marked_poor_against_a_33_hour_store_average() -> None:
    us = next(line for line in table() if line.startswith("SELLER004  US"))
    assert "67 X" in us
    assert "33.33 ok" in us  # only a store average: at or under it is good
    assert "6 !" in us  # the top performers are the good line, the average the fair one


def test_the_all_view_leaves_the_benchmark_judged_metrics_blank_and_the_legend_says_why() -> None:
    lines = table()
    collective = next(line for line in lines if line.startswith("SELLER004  ALL")).split()
    assert collective[2:8] == ["10", "ok", "33.33", "5.88", "67", "0"]
    legend = "\n".join(lines)
    assert "blank: not judged in this view" in legend
    assert "the better of the store's top performers" in legend
    assert "nothing is ! when the top performers are worse" in legend
    assert "with only the average: at or better ok, worse !" in legend
    assert "- no status" in legend
