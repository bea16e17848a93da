"""Every CSV the product writes is safe in a spreadsheet that splits on `,` and in one that
splits on `;` (many locales do): no cell either reader sees begins with a character that
makes a spreadsheet evaluate it, whatever text the ids carry; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from csinsights.contacts_report import ReportFiles
from csinsights.domain.contacts import ContactAsOf
from csinsights.domain.document import MetricsDocument
from csinsights.domain.documents import render_document
from csinsights.domain.entities import OrderState, Stamp, Vote
from csinsights.domain.metrics import Counts
from csinsights.reports import to_csv
from csinsights.survey_report import rows as survey_rows
from csinsights.survey_report import to_csv as survey_csv
from tests.profiles import examples

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
HOSTILE = [
    "x;=cmd|'/Ccalc'!A0",
    "=cmd|'/Ccalc'!A0",
    "x;+1+cmd|'/C calc'!A0",
    "x;-2+3",
    "x;@SUM(A1)",
    "x;\"=cmd|'/Ccalc'!A0\"",
    'x;""=1+1',
    "x;\t=1",
    "x;\r=1",
    "x\n=1+1",
    "x\r\n@A1",
    "x,=1+1",
    'x","=1+1',
    "x;;=1",
    "a;b;-1;=2",
    "'=1",
    "<script>alert(1)</script>",
]
HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.sampled_from(list(";,\"'=+-@\t\r\n|!x1 ")), max_size=12),
)


def cells(text: str, delimiter: str) -> list[str]:
    return [
        c for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for c in row
    ]


def unsafe_cells(text: str, numeric: set[str]) -> list[tuple[str, str]]:
    """The cells a `,` or a `;` reader sees that a spreadsheet would evaluate; a number in
    a numeric column (a negative change, say) is a number, not a formula."""
    out = []
    for delimiter in (",", ";"):
        for cell in cells(text, delimiter):
            is_number = delimiter == "," and cell in numeric and NUMBER.fullmatch(cell)
            if cell.startswith(DANGEROUS) and not is_number:
                out.append((delimiter, cell))
    return out


def insights_document(seller: str, stores: list[str], reason: str) -> MetricsDocument:
    counts = {
        store: Counts(orders=4, contacts=2, preventable=1, responses=2, dissatisfied=1)
        for store in stores
    }
    previous = {store: Counts(orders=2, contacts=2, preventable=2) for store in stores}
    doc = render_document(seller, date(2026, 11, 19), 28, counts, {}, previous=previous)
    doc.metrics.buyer_dissatisfaction_rate.reason = reason
    return doc


def numeric_cells(doc: MetricsDocument) -> set[str]:
    """What the document's numbers look like in a cell."""
    out = set()
    for _, metrics in doc.views():
        for _, figure in metrics.figures():
            for key in ("value", "change", "numerator", "denominator"):
                number = getattr(figure, key, None)
                if isinstance(number, int | float):
                    out.add(str(number))
    return out


def survey_csv_of(order_ids: list[str], contact: str, store: str) -> str:
    at = datetime(2026, 11, 1, 10, tzinfo=UTC)
    orders = [
        (
            order_id,
            OrderState(
                votes=(
                    Vote(Stamp(at, f"e{i}a"), "no", contact),
                    Vote(Stamp(at + timedelta(hours=i + 1), f"e{i}b"), "4", contact),
                )
            ),
        )
        for i, order_id in enumerate(order_ids)
    ]
    return survey_csv(survey_rows(store, orders))


def test_a_hostile_order_id_is_one_inert_cell_under_either_separator() -> None:
    text = survey_csv_of(["x;=cmd|'/Ccalc'!A0"], "c1", "US")
    assert unsafe_cells(text, set()) == []
    assert "cmd|'/Ccalc'!A0" in text


def test_negative_changes_stay_numbers() -> None:
    doc = insights_document("A1SELLER", ["US"], "no_contacts")
    text = to_csv(doc)
    changes = [
        r["change"] for r in csv.DictReader(io.StringIO(text)) if r["change"].startswith("-")
    ]
    assert changes and all(NUMBER.fullmatch(c) for c in changes)


@settings(max_examples=examples(200, 2000))
@given(
    seller=HOSTILE_TEXT,
    stores=st.lists(HOSTILE_TEXT, min_size=1, max_size=3, unique=True),
    reason=HOSTILE_TEXT,
)
def test_no_insights_cell_is_a_formula_to_either_reader(
    seller: str, stores: list[str], reason: str
) -> None:
    doc = insights_document(seller, stores, reason)
    assert unsafe_cells(to_csv(doc), numeric_cells(doc)) == []


@settings(max_examples=examples(200, 2000))
@given(
    order_ids=st.lists(HOSTILE_TEXT, min_size=1, max_size=4, unique=True),
    contact=HOSTILE_TEXT,
    store=HOSTILE_TEXT,
)
def test_no_survey_cell_is_a_formula_to_either_reader(
    order_ids: list[str], contact: str, store: str
) -> None:
    assert unsafe_cells(survey_csv_of(order_ids, contact, store), set()) == []


def contacts_csv_of(store: str, contact: str, order: str) -> str:
    at = datetime(2026, 11, 1, 10, tzinfo=UTC)
    files = ReportFiles({"seller_id": "S"}, io.BytesIO(), io.BytesIO())
    files.write(
        ContactAsOf(
            store_id=store,
            contact_id=contact,
            order_id=order,
            reason="shipping",
            received_at=at,
            needs_reply=True,
            first_response_at=None,
            waited=timedelta(hours=30),
            automated_replies=1,
            fulfillment="seller",
            latest_vote=Vote(Stamp(at, "v1"), "no", contact),
        )
    )
    files.finish()
    return files.csv.read().decode()


@settings(max_examples=examples(200, 2000))
@given(store=HOSTILE_TEXT, contact=HOSTILE_TEXT, order=HOSTILE_TEXT)
def test_no_contacts_cell_is_a_formula_to_either_reader(
    store: str, contact: str, order: str
) -> None:
    text = contacts_csv_of(store, contact, order)
    assert unsafe_cells(text, set()) == []
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    assert row["response_hours"] == "30" and row["automated_replies"] == "1"
