"""The contacts report end to end on the deployed template: requested through the API,
built by the report worker from the `Contacts` index and the orders it names, listed and
downloaded through a pre-signed link; its rows rebuild the served document's contact
figures. Bad requests are 422 naming the field. Overdue contacts as of a past day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from csinsights.domain.snapshots import document_from_snapshot
from csinsights_local.reports import contacts_report
from csinsights_local.run import run_metrics
from csinsights_local.stack import Deployment, deploy
from tests import contacts_rows, reference
from tests.builders import contact_received
from tests.integration.api_client import OVERDUE, REPORTS, Api, presigned
from tests.marketplace import SELLERS, STORES, after_t, before_t, ingest
from tests.state import Saved, restore, save

T = "2026-11-20T00:00:00Z"
OLD = contact_received("c0", "2026-08-01T10:00:00Z", "other", seller="A1SELLER", store="US")
EVENTS = [
    OLD,
    *(e for s in SELLERS for st in STORES for e in [*before_t(s, st), *after_t(s, st)]),
]


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Deployment, Saved]]:
    """One deployment per module (and worker): the events ingested and the run as of T
    done, saved."""
    with mock_aws():
        stack = deploy()
        ingest(stack, EVENTS)
        run_metrics(stack, T)
        yield stack, save(stack)


@pytest.fixture
def api(deployed: tuple[Deployment, Saved]) -> Api:
    """The API of the deployment as saved (no report requested yet, no quota used)."""
    stack, saved = deployed
    restore(stack, saved)
    return Api(stack)


def download(api: Api, report: dict[str, Any]) -> str:
    key, _ = presigned(api, report["download"]["url"])
    return boto3.client("s3").get_object(Bucket=api.bucket, Key=key)["Body"].read().decode()


def test_a_requested_contacts_report_rebuilds_the_documents_contact_figures(api: Api) -> None:
    report = contacts_report(api.stack, "A1SELLER", as_of=T, days=28)
    assert {k: report[k] for k in ("type", "status", "as_of", "stores", "days", "rows")} == {
        "type": "contacts",
        "status": "ready",
        "as_of": T,
        "stores": ["CA", "US"],
        "days": 28,
        "rows": 6,
    }
    assert report["formats"] == ["csv", "json"]
    filename = report["download"]["filename"]
    assert filename == f"contacts-A1SELLER-{report['report_id']}.csv"
    text = download(api, report)
    rows = contacts_rows.parse(text)
    assert text.splitlines()[:3] == [
        "store_id,contact_id,order_id,reason,preventable,received_at,needs_reply,"
        "first_response_at,response_hours,within_24h,late,state,automated_replies,"
        "fulfillment,latest_vote,latest_vote_at,arrival",
        "US,c3,o3,product_quality,yes,2026-11-19T22:00:00Z,yes,,2,pending,no,unanswered,0,"
        "seller,,,thu_afternoon",  # its reply and the vote on o3 come after T; ties: store,
        # newest first; 14:00 on Thursday in Los Angeles, the clock of both stores
        "CA,c3,o3,product_quality,yes,2026-11-19T22:00:00Z,yes,,2,pending,no,unanswered,0,"
        "seller,,,thu_afternoon",
    ]
    document = document_from_snapshot(
        api.snapshot("A1SELLER", datetime(2026, 11, 19).date())
    ).to_json()
    assert contacts_rows.from_rows(rows) == contacts_rows.from_document(document["metrics"])
    for entry in document["by_store"]:
        alone = [r for r in rows if r["store_id"] == entry["store_id"]]
        assert contacts_rows.from_rows(alone) == contacts_rows.from_document(entry["metrics"])
    (expected,) = (
        d
        for d in reference.documents(EVENTS, datetime(2026, 11, 20, tzinfo=UTC))
        if d["seller_id"] == "A1SELLER"
    )
    assert contacts_rows.from_rows(rows) == contacts_rows.from_document(expected["metrics"])

    as_json = contacts_report(api.stack, "A1SELLER", as_of=T, days=28, fmt="json")
    body = json.loads(download(api, as_json))
    assert body["window"] == {"start": "2026-10-23T00:00:00Z", "end": T, "days": 28}
    assert [(c["store_id"], c["contact_id"]) for c in body["contacts"]] == [
        (r["store_id"], r["contact_id"]) for r in rows
    ]
    listed = api.get(REPORTS, {"seller_id": "A1SELLER"}, claims={"custom:seller_id": "A1SELLER"})
    assert {r["report_id"] for r in listed["reports"]} >= {
        report["report_id"],
        as_json["report_id"],
    }


def test_another_seller_cannot_see_a_contacts_report(api: Api) -> None:
    report = contacts_report(api.stack, "A1SELLER", as_of=T)
    status, _ = api.call(
        "GET",
        "/v1/sellers/{seller_id}/reports/{report_id}",
        {"seller_id": "A1SELLER", "report_id": report["report_id"]},
        claims={"custom:seller_id": "B2SELLER"},
    )
    assert status == 404


TOMORROW = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"type": "complaints"}, "type", id="unknown-type"),
        pytest.param(
            {"type": "contacts", "stores": [f"X{i:02d}" for i in range(17)]}, "stores", id="17"
        ),
        pytest.param({"type": "contacts", "days": 0}, "days", id="days-0"),
        pytest.param({"type": "contacts", "days": 91}, "days", id="days-91"),
        pytest.param({"type": "contacts", "as_of": TOMORROW}, "as_of", id="future"),
        pytest.param({"type": "contacts", "as_of": "0001-01-01"}, "as_of", id="year-1"),
        pytest.param({"type": "contacts", "as_of": "2026-11-20T01:00:00Z"}, "as_of", id="hour"),
        pytest.param({"type": "survey_responses", "as_of": "2026-11-19"}, "as_of", id="survey"),
    ],
)
def test_a_bad_contacts_report_request_is_422_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    status, payload = api.call(
        "POST",
        REPORTS,
        {"seller_id": "A1SELLER"},
        claims={"custom:seller_id": "A1SELLER"},
        body=json.dumps(body),
    )
    assert (status, payload["code"]) == (422, "validation_error"), payload
    assert [e["field"] for e in payload["errors"]] == [field]


def _overdue(api: Api, **query: str) -> dict[str, Any]:
    claims = {"custom:seller_id": "A1SELLER"}
    return dict(api.get(OVERDUE, {"seller_id": "A1SELLER"}, query or None, claims=claims))


def test_overdue_contacts_as_of_a_past_day_are_those_unanswered_then(api: Api) -> None:
    as_of_t = _overdue(api, as_of=T)
    assert as_of_t["as_of"] == T
    assert [(c["store_id"], c["contact_id"], c["age_hours"]) for c in as_of_t["contacts"]] == [
        ("CA", "c3", 2.0),
        ("US", "c3", 2.0),
    ]  # answered on 21 November; c0 (August) is older than the 90 days looked back
    later = _overdue(api, as_of="2026-11-22")  # the end of 22 November
    assert [(c["store_id"], c["contact_id"]) for c in later["contacts"]] == [
        ("CA", "c4"),
        ("US", "c4"),
    ]
    assert later["contacts"][0]["hours_left"] == 33.0
    live = _overdue(api)  # all past 48 h: the most recently due first
    assert [(c["store_id"], c["contact_id"]) for c in live["contacts"]] == [
        ("CA", "c4"),
        ("US", "c4"),
        ("US", "c0"),
    ]


@pytest.mark.parametrize("as_of", [TOMORROW, "0001-01-01", "1999-12-31"])
def test_overdue_contacts_as_of_the_future_or_before_2000_is_422(api: Api, as_of: str) -> None:
    status, payload = api.call(
        "GET",
        OVERDUE,
        {"seller_id": "A1SELLER"},
        {"as_of": as_of},
        claims={"custom:seller_id": "A1SELLER"},
    )
    assert (status, [e["field"] for e in payload["errors"]]) == (422, ["as_of"])


def test_a_null_as_of_in_a_report_request_is_the_last_complete_day(api: Api) -> None:
    status, payload = api.call(
        "POST",
        REPORTS,
        {"seller_id": "A1SELLER"},
        claims={"custom:seller_id": "A1SELLER"},
        body=json.dumps({"type": "contacts", "as_of": None}),
    )
    assert status == 202, payload
    today = datetime.now(UTC).date().isoformat()
    assert payload["as_of"] == f"{today}T00:00:00Z"
