"""`csinsights serve --as-of T` serves the overdue contacts as of T unless a request says
otherwise; every other route is passed on as it came."""

from __future__ import annotations

import pytest

from csinsights_local.serve import as_of_by_default

OVERDUE = "/v1/sellers/S1/contacts/overdue"


@pytest.mark.parametrize(
    ("path", "as_of", "served"),
    [
        (OVERDUE, "2026-11-20T00:00:00Z", OVERDUE + "?as_of=2026-11-20T00%3A00%3A00Z"),
        (OVERDUE + "?limit=5", "2026-11-19", OVERDUE + "?limit=5&as_of=2026-11-19"),
        (OVERDUE + "?as_of=2026-11-01", "2026-11-19", OVERDUE + "?as_of=2026-11-01"),
        (OVERDUE, None, OVERDUE),
        ("/v1/sellers/S1/metrics", "2026-11-19", "/v1/sellers/S1/metrics"),
        ("/v1/sellers/S1/contacts/overdue/x", "2026-11-19", "/v1/sellers/S1/contacts/overdue/x"),
    ],
)
def test_overdue_contacts_are_served_as_of_the_servers_t_by_default(
    path: str, as_of: str | None, served: str
) -> None:
    assert as_of_by_default(path, as_of) == served
