"""Who may read what, case by case: every route, every id-bearing parameter (seller,
store, report id) and every kind of caller (the owner, another seller, a seller with no
data, an operator, no identity), with ids as they are and disguised (other case, padded,
encoded, traversal, lists, wildcards).

A seller never reaches another seller's data: the answer is 404 `not_found` (or 422 for
an id that is not an id), with nothing of the other seller in it, no link minted, no
message queued, and the same answer whether or not the other seller exists, so ids cannot
be probed. The owner and operators are served.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.api_events import seller_claims
from tests.integration.api_client import (
    BENCHMARKS,
    HISTORY,
    HISTORY_QUERY,
    LATEST,
    METRICS_ROUTE,
    OLDER,
    OPERATOR,
    OVERDUE,
    REPORT,
    REPORTS,
    S1,
    S2,
    SURVEY_REQUEST,
    Api,
)

S3 = seller_claims("S3")  # a seller with no data at all
ROUTES = [
    ("GET", METRICS_ROUTE, {}, None),
    ("GET", METRICS_ROUTE, {}, {"stores": "US", "window_days": "7"}),
    ("GET", METRICS_ROUTE, {}, {"as_of": "2026-11-18"}),
    ("GET", HISTORY, {}, HISTORY_QUERY),
    ("GET", HISTORY, {}, {**HISTORY_QUERY, "store": "CA"}),
    ("GET", REPORTS, {}, None),
    ("GET", REPORT, {"report_id": LATEST}, None),
    ("GET", REPORT, {"report_id": OLDER}, {"format": "html"}),
    ("GET", OVERDUE, {}, None),
    ("GET", OVERDUE, {}, {"store": "US"}),
    ("POST", REPORTS, {}, None),
]
ROUTE_IDS = [
    f"{method} {resource.removeprefix('/v1/sellers/{seller_id}') or '/'} {extra} {query or ''}"
    for method, resource, extra, query in ROUTES
]
# How S1's id may be dressed up by someone who is not S1.
DISGUISED_SELLER = [
    "S1",
    "s1",
    "S1 ",
    " S1",
    "S1\u200b",
    "S1%00",
    "S%31",
    "S1/../S2",
    "..%2FS1",
    "S1,S2",
    "*",
    "S1\nS2",
]
SECRETS = ("S1", LATEST, OLDER, "insights", "http", "X-Amz", "c2", "o2")


def body_for(method: str) -> str | None:
    return SURVEY_REQUEST if method == "POST" else None


def queued(api: Api) -> int:
    """Report requests waiting in the queue."""
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=api.stack.outputs["ReportRequestsQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(count) for count in attributes.values())


def refused(
    status: int, payload: dict[str, Any], asked: str, *, allow_invalid: bool = False
) -> None:
    """Refused, and nothing in the answer but what the caller asked for."""
    assert status in ((404, 422) if allow_invalid else (404,)), (status, payload)
    text = json.dumps(payload).replace(json.dumps(asked)[1:-1], "<asked>")
    for secret in SECRETS:
        assert secret not in text, (secret, payload)
    assert "download" not in payload


@pytest.mark.parametrize("caller", [S2, S3], ids=["other-seller", "seller-without-data"])
@pytest.mark.parametrize(("method", "resource", "extra", "query"), ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("seller_id", DISGUISED_SELLER)
def test_no_seller_reaches_another_sellers_data_however_the_id_is_written(
    api: Api,
    tally: Any,
    seller_id: str,
    method: str,
    resource: str,
    extra: dict[str, str],
    query: dict[str, str] | None,
    caller: dict[str, str],
) -> None:
    before = queued(api)
    status, payload = api.call(
        method,
        resource,
        {"seller_id": seller_id, **extra},
        query,
        claims=caller,
        body=body_for(method),
        check=seller_id == "S1",
    )
    refused(status, payload, seller_id, allow_invalid=seller_id != "S1")
    assert queued(api) == before, "a refused request queued a report"
    tally["authorization cases (BOLA), refused without a leak"] += 1


@pytest.mark.parametrize(("method", "resource", "extra", "query"), ROUTES, ids=ROUTE_IDS)
def test_probing_an_existing_seller_answers_as_for_a_seller_that_does_not_exist(
    api: Api,
    tally: Any,
    method: str,
    resource: str,
    extra: dict[str, str],
    query: dict[str, str] | None,
) -> None:
    answers = []
    for target in ("S1", "S9"):
        answers.append(
            api.call(
                method,
                resource,
                {"seller_id": target, **extra},
                query,
                claims=S2,
                body=body_for(method),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    tally["authorization cases (BOLA), refused without a leak"] += 1


@pytest.mark.parametrize(("method", "resource", "extra", "query"), ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("caller", [S1, OPERATOR], ids=["owner", "operator"])
def test_the_owner_and_operators_are_served(
    api: Api,
    tally: Any,
    caller: dict[str, str],
    method: str,
    resource: str,
    extra: dict[str, str],
    query: dict[str, str] | None,
) -> None:
    status, payload = api.call(
        method, resource, {"seller_id": "S1", **extra}, query, claims=caller, body=body_for(method)
    )
    assert status == (202 if method == "POST" else 200), payload
    tally["authorization cases, owner or operator served"] += 1


# ---- store and report ids under the caller's own seller id --------------------------------


@pytest.mark.parametrize(
    ("resource", "query"),
    [
        (METRICS_ROUTE, {"stores": "{store}"}),
        (METRICS_ROUTE, {"stores": "US,{store}"}),
        (HISTORY, {**HISTORY_QUERY, "store": "{store}"}),
        (OVERDUE, {"store": "{store}"}),
    ],
    ids=["metrics-stores", "metrics-stores-list", "history-store", "overdue-store"],
)
def test_a_store_only_another_seller_has_answers_as_a_store_nobody_has(
    api: Api, tally: Any, resource: str, query: dict[str, str]
) -> None:
    """S2 sells in US only; S1 also sells in CA. S2 asking for CA learns nothing."""

    def ask(store: str) -> tuple[int, Any]:
        filled = {k: v.replace("{store}", store) for k, v in query.items()}
        return api.call("GET", resource, {"seller_id": "S2"}, filled, claims=S2)

    in_use, unused = ask("CA"), ask("JP")
    assert json.dumps(in_use).replace("CA", "XX") == json.dumps(unused).replace("JP", "XX")
    assert "S1" not in json.dumps(in_use)
    tally["authorization cases (BOLA), refused without a leak"] += 1


@pytest.mark.parametrize(
    "report_id",
    [
        OLDER,  # S1's only: nothing of S2's has this id
        OLDER.upper(),
        f"../S1/{OLDER}",
        f"..%2FS1%2F{OLDER}",
        f"{OLDER}/../../S1/{LATEST}",
        "*",
        "20261118-insights ",
    ],
)
@pytest.mark.parametrize("fmt", [None, "csv", "json", "html"])
def test_another_sellers_report_id_under_ones_own_path_is_not_found(
    api: Api, tally: Any, report_id: str, fmt: str | None
) -> None:
    query = {"format": fmt} if fmt else None
    status, payload = api.call(
        "GET",
        REPORT,
        {"seller_id": "S2", "report_id": report_id},
        query,
        claims=S2,
        check=report_id == OLDER,
    )
    refused(status, payload, report_id, allow_invalid=report_id != OLDER)
    if report_id == OLDER:  # exists (for S1) and answers as an id nobody has
        status_none, payload_none = api.call(
            "GET", REPORT, {"seller_id": "S2", "report_id": "20991231-insights"}, query, claims=S2
        )
        assert status_none == status
        assert json.dumps(payload_none).replace("20991231", "X") == json.dumps(payload).replace(
            "20261118", "X"
        )
    tally["authorization cases (BOLA), refused without a leak"] += 1


@pytest.mark.parametrize("store", ["US", "CA"])
@pytest.mark.parametrize("caller", [S1, S2, S3, OPERATOR], ids=["s1", "s2", "s3", "operator"])
def test_store_benchmarks_name_no_seller(
    api: Api, tally: Any, store: str, caller: dict[str, str]
) -> None:
    """Benchmarks are the store's average and top performers: open to every signed-in
    caller, and about no seller in particular."""
    status, payload = api.call("GET", BENCHMARKS, {"store_id": store}, claims=caller)
    assert status == 200
    text = json.dumps(payload)
    assert "S1" not in text
    assert "S2" not in text
    tally["authorization cases, benchmarks name no seller"] += 1
