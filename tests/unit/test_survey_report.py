"""The survey responses CSV: one row per order, newest vote first across stores, times to
the second, yes/no votes and 1-5 ratings in their own columns, and a previous answer only
where the answer changed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from csinsights.domain.entities import OrderState, Stamp, Vote
from csinsights.survey_report import COLUMNS, rows, to_csv

AT = datetime(2026, 11, 1, 10, 0, 0, 123456, tzinfo=UTC)


def order(*answers: str, start: datetime = AT) -> OrderState:
    return OrderState(
        votes=tuple(
            Vote(Stamp(start + timedelta(hours=i), f"e{i}"), answer, "c1")
            for i, answer in enumerate(answers)
        )
    )


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_rows_are_newest_first_across_stores_with_times_to_the_second() -> None:
    us = rows("US", [("o1", order("yes")), ("o3", order("no", start=AT + timedelta(days=2)))])
    ca = rows("CA", [("o2", order("4", start=AT + timedelta(days=1)))])
    out = read(to_csv(us + ca))
    assert [(r["store_id"], r["order_id"]) for r in out] == [
        ("US", "o3"),
        ("CA", "o2"),
        ("US", "o1"),
    ]
    assert [r["voted_at"] for r in out] == [
        "2026-11-03T10:00:00Z",
        "2026-11-02T10:00:00Z",
        "2026-11-01T10:00:00Z",
    ]
    assert list(out[0]) == COLUMNS


def test_a_vote_and_a_rating_have_their_own_columns() -> None:
    out = read(
        to_csv(rows("US", [("o1", order("no")), ("o2", order("2", start=AT - timedelta(1)))]))
    )
    assert [(r["vote"], r["rating"], r["dissatisfied"]) for r in out] == [
        ("no", "", "yes"),
        ("", "2", "yes"),
    ]


def test_a_previous_answer_is_given_only_when_the_answer_changed() -> None:
    cases = {
        "same": order("yes", "yes"),
        "changed": order("no", "yes"),
        "changed-then-repeated": order("no", "yes", "yes"),
        "rating": order("yes", "5"),
        "once": order("3"),
    }
    out = {r["order_id"]: r for r in read(to_csv(rows("US", list(cases.items()))))}
    got = {o: (r["changed"], r["previous_answer"]) for o, r in out.items()}
    assert got == {
        "same": ("no", ""),
        "changed": ("yes", "no"),
        "changed-then-repeated": ("yes", "no"),
        "rating": ("yes", "yes"),
        "once": ("no", ""),
    }
