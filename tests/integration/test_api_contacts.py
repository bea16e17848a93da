"""Overdue contacts through the API: unanswered contacts, oldest first, with the hours left
before the 48-hour target."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from csinsights.queries import Queries
from tests.integration.api_client import (
    OVERDUE,
    Api,
)

# ---------------------------------------------------------------- overdue contacts


def test_overdue_contacts_oldest_first_with_hours_left(api: Api) -> None:
    overdue = api.get(OVERDUE, {"seller_id": "S1"})
    assert overdue["seller_id"] == "S1"
    now = overdue["as_of"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", now)
    contacts = overdue["contacts"]
    # c3 needs no reply and both c1 are answered: only US c2 is open
    assert [(c["store_id"], c["contact_id"]) for c in contacts] == [("US", "c2")]
    (c2,) = contacts
    assert (c2["order_id"], c2["reason"], c2["received_at"]) == (
        "o2",
        "product_quality",
        "2026-11-17T12:00:00Z",
    )
    # exact agreement is test_overdue_hours_left_and_age_add_up_to_48 below
    assert abs(c2["hours_left"] - (48 - c2["age_hours"])) < 0.011
    assert c2["overdue"] is (c2["age_hours"] > 48)


def test_overdue_hours_left_and_age_add_up_to_48(api: Api) -> None:
    # c2 was received 2026-11-17T12:00:00Z; now is 228 h 17.5 s later
    now = datetime(2026, 11, 27, 0, 0, 17, 500_000, tzinfo=UTC)
    queries = Queries(api.read, api.reports, api.quota)
    (c2,) = queries.overdue_contacts("S1", "US", 10, now=now)["contacts"]
    assert c2["age_hours"] == 228.0  # 228.0049 h
    assert c2["hours_left"] == -180.0  # -180.0049 h, served as -180.01
