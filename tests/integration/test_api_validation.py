"""Parameters the API refuses: 422 naming the field, at the limits and past them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.api_client import (
    BENCHMARKS,
    HISTORY,
    HISTORY_QUERY,
    LATEST,
    METRICS_ROUTE,
    OVERDUE,
    REPORT,
    REPORTS,
    Api,
    T,
)

# ---------------------------------------------------------------- validation


def _stores(n: int) -> str:
    return ",".join(f"S{i:02d}" for i in range(n))


VALIDATION = [
    pytest.param(METRICS_ROUTE, {}, {"window_days": "8"}, "window_days", id="window-8"),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "5"}, "window_days", id="window-5"),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "91"}, "window_days", id="window-91"),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "x"}, "window_days", id="window-text"),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "2026-11-20T01:00:00Z"}, "as_of", id="not-midnight"),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "yesterday"}, "as_of", id="as-of-garbage"),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "2026-11-20T00:00:00"}, "as_of", id="no-offset"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "us"}, "stores", id="lower-store"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "US,C"}, "stores", id="short-store"),
    pytest.param(METRICS_ROUTE, {}, {"stores": _stores(17)}, "stores", id="17-stores"),
    pytest.param(METRICS_ROUTE, {}, {"stores": ["US", "CA"]}, "stores", id="stores-twice"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "2026-12-01"}, "from", id="from>to"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "2025-11-19"}, "from", id="367-days"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "2026-13-01"}, "from", id="bad-from"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "to": "soon"}, "to", id="bad-to"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "metric": "nps"}, "metric", id="unknown-metric"),
    pytest.param(HISTORY, {}, {"from": "2026-11-01", "to": "2026-11-30"}, "metric", id="no-metric"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "window_days": "8"}, "window_days", id="h-window"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "store": "us"}, "store", id="h-store"),
    pytest.param(REPORTS, {}, {"limit": "0"}, "limit", id="limit-0"),
    pytest.param(REPORTS, {}, {"limit": "101"}, "limit", id="limit-101"),
    pytest.param(REPORTS, {}, {"cursor": "x" * 129}, "cursor", id="long-cursor"),
    pytest.param(REPORT, {"report_id": LATEST}, {"format": "pdf"}, "format", id="format-pdf"),
    pytest.param(REPORT, {"report_id": "a b"}, None, "report_id", id="bad-report-id"),
    pytest.param(OVERDUE, {}, {"limit": "0"}, "limit", id="overdue-limit"),
    pytest.param(OVERDUE, {}, {"store": "us"}, "store", id="overdue-store"),
]


@pytest.mark.parametrize(
    ("resource", "params", "query", "field"),
    [
        pytest.param(BENCHMARKS, {"store_id": "us"}, None, "store_id", id="bench-store"),
        pytest.param(BENCHMARKS, {"store_id": "US"}, {"as_of": "x"}, "as_of", id="bench-as-of"),
        pytest.param(METRICS_ROUTE, {"seller_id": "S 1"}, None, "seller_id", id="seller-id"),
        pytest.param(METRICS_ROUTE, {"seller_id": "x" * 65}, None, "seller_id", id="long-seller"),
    ],
)
def test_invalid_path_or_store_request_is_422(
    api: Api, resource: str, params: dict[str, str], query: Any, field: str
) -> None:
    status, payload = api.call("GET", resource, params, query)
    assert (status, payload["code"]) == (422, "validation_error")
    assert [e["field"] for e in payload["errors"]] == [field]


def test_invalid_report_request_is_422(api: Api) -> None:
    for body, field in [
        (json.dumps({"type": "everything"}), "type"),
        (json.dumps({"type": "survey_responses", "days": 91}), "days"),
        (json.dumps({"type": "survey_responses", "stores": ["us"]}), "stores.0"),
    ]:
        status, payload = api.call("POST", REPORTS, {"seller_id": "S1"}, body=body)
        assert (status, payload["code"]) == (422, "validation_error"), body
        assert [e["field"] for e in payload["errors"]] == [field], payload


# ---------------------------------------------------------------- request limits


def _many_stores(n: int) -> str:
    return ",".join(["US", "CA", *(f"X{i:02d}" for i in range(n - 2))])


LIMITS = [
    pytest.param(
        METRICS_ROUTE, {}, {"as_of": "0001-01-01T00:00:00Z"}, "as_of", id="first-midnight"
    ),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "20261119"}, "as_of", id="as-of-basic-format"),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "2026-11-19" * 1000}, "as_of", id="long-as-of"),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "1" + "0" * 40}, "window_days", id="huge-win"),
    pytest.param(METRICS_ROUTE, {}, {"stores": _many_stores(17)}, "stores", id="17-named-stores"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "US," * 5000 + "CA"}, "stores", id="long-stores"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "US,,CA"}, "stores", id="empty-store-in-list"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "US,"}, "stores", id="trailing-comma"),
    pytest.param(METRICS_ROUTE, {}, {"stores": ""}, "stores", id="no-store"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "20261101"}, "from", id="from-basic"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "to": T}, "to", id="to-instant"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "0001-01-01"}, "from", id="from-year-1"),
    pytest.param(
        HISTORY, {}, {**HISTORY_QUERY, "metric": "x" * 10_000}, "metric", id="long-metric"
    ),
    pytest.param(
        HISTORY, {}, {**HISTORY_QUERY, "window_days": "-7"}, "window_days", id="h-win-neg"
    ),
    pytest.param(REPORTS, {}, {"limit": "9" * 40}, "limit", id="huge-limit"),
    pytest.param(REPORT, {"report_id": LATEST}, {"format": "CSV"}, "format", id="format-case"),
    pytest.param(REPORT, {"report_id": "r" * 129}, None, "report_id", id="long-report-id"),
    pytest.param(OVERDUE, {}, {"limit": "101"}, "limit", id="overdue-limit-101"),
]
# A whole number is digits only: what a lax integer would read as 28, 5 or 10 is refused
# (the last: a full-width five).
NOT_DIGITS = ["028", "+5", "5.0", "1_0", " 5", "5 ", "-0", "0x1", "\uff15"]
STRICT = [
    *(
        pytest.param(route, {}, {"limit": text}, "limit", id=f"{name}-limit-{text!r}")
        for route, name in ((OVERDUE, "overdue"), (REPORTS, "reports"))
        for text in NOT_DIGITS
    ),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "028"}, "window_days", id="window-028"),
    pytest.param(
        HISTORY, {}, {**HISTORY_QUERY, "window_days": "07"}, "window_days", id="h-window-07"
    ),
    pytest.param(REPORTS, {}, {"cursor": "not-issued"}, "cursor", id="cursor-not-issued"),
]


@pytest.mark.parametrize(("resource", "extra", "query", "field"), VALIDATION + LIMITS + STRICT)
def test_invalid_request_is_422_naming_the_field(
    api: Api, resource: str, extra: dict[str, str], query: Any, field: str
) -> None:
    status, payload = api.call("GET", resource, {"seller_id": "S1", **extra}, query)
    assert status == 422, payload
    assert payload["code"] == "validation_error"
    assert payload["message"]
    assert payload["errors"], payload
    assert [e["field"] for e in payload["errors"]] == [field]
    assert all(e["message"] for e in payload["errors"])
    assert all(e["message"] for e in payload["errors"])


def test_sixteen_stores_is_within_the_limit(api: Api) -> None:
    status, payload = api.call(
        "GET", METRICS_ROUTE, {"seller_id": "S1"}, {"stores": _many_stores(16)}
    )
    assert (status, payload["code"]) == (404, "not_found")  # S1 has only US and CA
    assert "X00" in payload["message"]


def test_long_store_id_in_the_path_is_422(api: Api) -> None:
    status, payload = api.call("GET", BENCHMARKS, {"store_id": "A" * 17})
    assert (status, payload["code"]) == (422, "validation_error")
    assert [e["field"] for e in payload["errors"]] == ["store_id"]


@pytest.mark.parametrize(
    ("resource", "params", "query"),
    [
        pytest.param(METRICS_ROUTE, {"seller_id": "S1"}, {"as_of": "9999-12-31"}, id="metrics"),
        pytest.param(BENCHMARKS, {"store_id": "US"}, {"as_of": "9999-12-31"}, id="benchmarks"),
        pytest.param(BENCHMARKS, {"store_id": "US"}, {"as_of": "0001-01-02T00:00:00Z"}, id="first"),
    ],
)
def test_days_at_the_ends_of_the_calendar_are_nothing_there(
    api: Api, resource: str, params: dict[str, str], query: dict[str, str]
) -> None:
    status, payload = api.call("GET", resource, params, query)
    assert (status, payload["code"]) == (404, "not_found")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_history_at_the_ends_of_the_calendar_is_empty(api: Api, day: str) -> None:
    history = api.get(HISTORY, {"seller_id": "S1"}, {**HISTORY_QUERY, "from": day, "to": day})
    assert history["points"] == []


def test_history_names_every_invalid_parameter_at_once(api: Api) -> None:
    """A wrong metric is named with the missing dates, not after they are fixed."""
    status, payload = api.call("GET", HISTORY, {"seller_id": "S1"}, {"metric": "speed"})
    assert status == 422, payload
    assert sorted(e["field"] for e in payload["errors"]) == ["from", "metric", "to"]


def test_a_store_the_seller_never_sold_in_is_not_found_on_every_route(api: Api) -> None:
    status, _ = api.call("GET", METRICS_ROUTE, {"seller_id": "S1"}, {"stores": "JP"})
    assert status == 404
    status, _ = api.call("GET", HISTORY, {"seller_id": "S1"}, {**HISTORY_QUERY, "store": "JP"})
    assert status == 404
    # A store of the seller's: its points (none is no error).
    found = api.get(HISTORY, {"seller_id": "S1"}, {**HISTORY_QUERY, "store": "US"})
    assert found["store_id"] == "US"
