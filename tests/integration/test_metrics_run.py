"""The scheduled metrics run through the real handlers on the deployed template (moto):
snapshots, the per-seller insights reports in S3, "as of" isolation, idempotence, the
scheduled (EventBridge) entry point, and a read cost that does not grow with raw events.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from csinsights.config import Settings
from csinsights.domain.metrics import METRICS
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.store.read import ReadStore
from csinsights.store.run import RunStore
from csinsights_local.run import listed_sellers, run_metrics
from csinsights_local.stack import Deployment
from tests.builders import (
    contact_received,
    contact_responded,
    order_placed,
    survey_vote,
)
from tests.marketplace import SELLERS, STORES, T, after_t, ingest, marketplace, only_after_t

DAY = date(2026, 11, 19)  # the last day a run as of T includes
FORMATS = ("json", "csv", "html")


@pytest.fixture
def stack(restored: Deployment) -> Deployment:
    """The template as deployed: one deployment per module (and worker), restored before
    each test instead of a new one."""
    return restored


def repository(stack: Deployment) -> ReadStore:
    return ReadStore(settings=Settings(table_name=stack.outputs["EventsTableName"]))


def objects(bucket: str, prefix: str = "reports/") -> dict[str, dict[str, Any]]:
    s3 = boto3.client("s3")
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            out[item["Key"]] = item
    return out


def body(bucket: str, key: str) -> str:
    return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def report_key(seller: str, day: date, fmt: str) -> str:
    return f"reports/{seller}/insights/{day.isoformat()}/insights.{fmt}"


def run_from_plan(stack: Deployment, plan: dict[str, Any]) -> None:
    """The state machine's steps after Plan, fed with Plan's own output, each with the
    input its map's ItemSelector makes."""
    day = plan["as_of_day"]
    for shard in plan["shards"]:
        stack.invoke("MetricsListFunction", {"shard": shard, "as_of_day": day})
    shaped = stack.invoke("MetricsShardsFunction", plan)
    parts = sorted(objects(plan["bucket"], plan["sellers_prefix"]))
    for key in parts:
        event = {"key": key, "as_of_day": day, "benchmark_shards": shaped["benchmark_shards"]}
        stack.invoke("MetricsSellersFunction", event)
    for item in shaped["whole_items"]:
        event = {"item": item, "as_of_day": day, "action": "whole"}
        stack.invoke("MetricsBenchmarksFunction", event)
    for step in range(1, 5):
        for action, items in (
            ("pass", "shard_items"),
            ("merge", "merge_items"),
            ("combine", "stores"),
        ):
            for item in shaped[items]:
                event = {"item": item, "as_of_day": day, "action": action, "step": step}
                stack.invoke("MetricsBenchmarksFunction", event)
    for key in parts:
        stack.invoke("MetricsPublishFunction", {"key": key, "as_of_day": day})


# ---------------------------------------------------------------- the reports


def test_a_run_writes_a_snapshot_and_reports_per_seller(stack: Deployment) -> None:
    ingest(stack, marketplace())
    plan = run_metrics(stack, T).output
    assert plan["as_of_day"] == DAY.isoformat()
    bucket = stack.outputs["ReportsBucketName"]
    repo = repository(stack)

    stored = objects(bucket)
    assert set(stored) == {report_key(s, DAY, f) for s in SELLERS for f in FORMATS}
    for seller in SELLERS:
        snapshot = repo.snapshot(seller, DAY)
        assert snapshot is not None
        assert snapshot.seller_id == seller
        assert sorted(snapshot.stores) == list(STORES)
        expected = document_from_snapshot(snapshot)
        assert expected.seller_id == seller
        assert expected.as_of == T

        document = json.loads(body(bucket, report_key(seller, DAY, "json")))
        assert document == expected.to_json()
        assert [s["store_id"] for s in document["by_store"]] == list(STORES)

        rows = list(csv.DictReader(io.StringIO(body(bucket, report_key(seller, DAY, "csv")))))
        assert [(r["store"], r["metric"]) for r in rows] == [
            (scope, metric) for scope in ("all", *STORES) for metric in METRICS
        ]
        assert {r["seller_id"] for r in rows} == {seller}
        assert {r["as_of"] for r in rows} == {T}
        figure = document["by_store"][1]["metrics"]["preventable_contact_rate"]
        us_row = next(
            r for r in rows if r["store"] == "US" and r["metric"] == "preventable_contact_rate"
        )
        assert us_row["value"] == str(figure["value"])
        assert us_row["status"] == figure["status"]

        page = body(bucket, report_key(seller, DAY, "html"))
        assert seller in page
        assert any(f"data-status='{status}'" in page for status in ("good", "fair", "poor"))
        assert "Data through 19 Nov 2026" in page
        assert "<figure class='trend'>" in page  # the run's own day, at least, is charted

    s3 = boto3.client("s3")
    content_types = {"json": "application/json", "csv": "text/csv", "html": "text/html"}
    for key in stored:
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ServerSideEncryption"] in ("AES256", "aws:kms")
        assert head["ContentType"] == content_types[key.rsplit(".", 1)[1]]


def test_the_page_lists_contacts_near_or_past_48_hours(stack: Deployment) -> None:
    """Waiting for a reply at the end of the day and older than 24 h then: listed with the
    hours they had left; a younger one, an answered one and an auto-replied-only one as
    its state says."""
    kw = {"seller": "PAGESELLER", "store": "US"}
    ingest(
        stack,
        [
            order_placed("p1", "2026-11-17T08:00:00Z", **kw),
            contact_received("near", "2026-11-18T06:00:00Z", order_id="p1", **kw),
            contact_received("late", "2026-11-17T12:00:00Z", order_id="p1", **kw),
            contact_received("young", "2026-11-19T12:00:00Z", order_id="p1", **kw),
            contact_received("answered", "2026-11-18T01:00:00Z", order_id="p1", **kw),
            contact_responded("answered", "2026-11-18T03:00:00Z", **kw),
            contact_received("autoreplied", "2026-11-18T02:00:00Z", order_id="p1", **kw),
            contact_responded("autoreplied", "2026-11-18T02:01:00Z", automated=True, **kw),
        ],
    )
    run_metrics(stack, T)
    page = body(stack.outputs["ReportsBucketName"], report_key("PAGESELLER", DAY, "html"))
    overdue = page[page.index("<section id='overdue'>") :]
    overdue = overdue[: overdue.index("</section>")]
    assert "late by 12 h" in overdue  # received 17 Nov 12:00: 60 h old at T
    assert "6 h left" in overdue  # 18 Nov 06:00: 42 h old
    assert "autoreplied" in overdue and "2 h left" in overdue  # an auto-reply answers nothing
    assert "young" not in overdue and ">answered<" not in overdue


def test_report_figures_are_the_hand_worked_ones(stack: Deployment) -> None:
    """A1SELLER in US as of T: 3 orders, contacts c1 (shipping, answered in 3.5 h), c2
    (pre-sale, no reply needed), c3 (product quality, unanswered, 2 h old at T); votes
    "no" on o1, 5 stars on o2."""
    ingest(stack, marketplace())
    run_metrics(stack, T)
    bucket = stack.outputs["ReportsBucketName"]
    document = json.loads(body(bucket, report_key("A1SELLER", DAY, "json")))
    us = document["by_store"][1]
    assert us["store_id"] == "US"
    m = us["metrics"]
    assert (
        m["preventable_contact_rate"]["numerator"],
        m["preventable_contact_rate"]["denominator"],
    ) == (2, 3)
    assert m["customer_service_dissatisfaction_rate"]["value"] == 50.0
    assert m["customer_service_dissatisfaction_rate"]["status"] == "poor"
    response = m["average_contact_response_time_hours"]
    assert (response["numerator"], response["denominator"]) == (3 + 2, 2)
    assert m["late_contacts"]["value"] == 0
    pooled = document["metrics"]["preventable_contact_rate"]
    assert (pooled["numerator"], pooled["denominator"]) == (4, 6)


def test_the_scheduled_event_plans_the_last_complete_day(stack: Deployment) -> None:
    ingest(stack, marketplace())
    scheduled = {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-21T00:15:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/csinsights-daily"],
        "detail": {},
    }
    plan = stack.invoke("MetricsPlanFunction", scheduled)
    assert plan["as_of_day"] == "2026-11-20"
    assert plan["bucket"] == stack.outputs["ReportsBucketName"]
    assert plan["sellers_prefix"] == "runs/2026-11-20/sellers/"
    assert plan["shards"] == list(range(8))  # the local stack's REGISTRY_SHARDS

    run_from_plan(stack, plan)
    listed = [
        json.loads(line)
        for key in sorted(objects(plan["bucket"], plan["sellers_prefix"]))
        for line in body(plan["bucket"], key).splitlines()
    ]
    assert sorted(listed, key=lambda e: e["seller_id"]) == [
        {"seller_id": s, "stores": list(STORES)} for s in SELLERS
    ]
    assert RunStore(settings=repository(stack).settings).stores() == list(STORES)
    day = date(2026, 11, 20)
    bucket = stack.outputs["ReportsBucketName"]
    for seller in SELLERS:
        document = json.loads(body(bucket, report_key(seller, day, "json")))
        assert document["as_of"] == "2026-11-21T00:00:00Z"
        assert document == document_from_snapshot(repository(stack).snapshot(seller, day)).to_json()


def test_the_scheduled_time_in_another_offset_still_means_the_utc_day(stack: Deployment) -> None:
    ingest(stack, marketplace())
    plan = stack.invoke("MetricsPlanFunction", {"time": "2026-11-20T23:30:00-02:00"})
    assert plan["as_of_day"] == "2026-11-20"  # 2026-11-21T01:30Z


# ---------------------------------------------------------------- as of, idempotence


def test_events_after_t_change_nothing_as_of_t(stack: Deployment) -> None:
    ingest(stack, marketplace())
    run_metrics(stack, T)
    repo = repository(stack)
    bucket = stack.outputs["ReportsBucketName"]
    before = {s: repo.snapshot(s, DAY) for s in SELLERS}
    reports = {key: body(bucket, key) for key in objects(bucket)}

    ingest(stack, [e for s in SELLERS for st in STORES for e in after_t(s, st)] + only_after_t())
    run = run_metrics(stack, T)
    assert set(listed_sellers(stack, run.output)) == {*SELLERS, "C3LATE"}

    assert {s: repo.snapshot(s, DAY) for s in SELLERS} == before
    assert {key: body(bucket, key) for key in objects(bucket)} == reports
    # The seller whose events all come after T has nothing as of T.
    assert repo.snapshot("C3LATE", DAY) is None
    assert objects(bucket, "reports/C3LATE/") == {}


def test_events_after_t_count_in_a_later_run(stack: Deployment) -> None:
    """The control for the test above: the same late events do show up as of a later day."""
    ingest(stack, marketplace())
    ingest(stack, [e for s in SELLERS for st in STORES for e in after_t(s, st)] + only_after_t())
    run_metrics(stack, T)
    run_metrics(stack, "2026-11-23T00:00:00Z")
    repo = repository(stack)
    for seller in SELLERS:
        earlier = document_from_snapshot(repo.snapshot(seller, DAY))
        later = document_from_snapshot(repo.snapshot(seller, date(2026, 11, 22)))
        assert (
            later.metrics.customer_service_dissatisfaction_rate
            != earlier.metrics.customer_service_dissatisfaction_rate
        )
        us = next(s for s in later.by_store if s.store_id == "US").metrics
        # o1-o4; c1, c3, c4 preventable (c2 is a pre-sale question)
        assert (
            us.preventable_contact_rate.numerator,
            us.preventable_contact_rate.denominator,
        ) == (3, 4)
    assert repo.snapshot("C3LATE", DAY) is None
    assert repo.snapshot("C3LATE", date(2026, 11, 22)) is not None
    assert sorted(repo.snapshot("A1SELLER", date(2026, 11, 22)).stores) == ["CA", "DE", "US"]


def test_rerunning_a_day_is_idempotent(stack: Deployment) -> None:
    ingest(stack, marketplace())
    first_plan = run_metrics(stack, T).output
    repo = repository(stack)
    bucket = stack.outputs["ReportsBucketName"]
    first = {s: repo.snapshot(s, DAY) for s in SELLERS}
    reports = {key: body(bucket, key) for key in objects(bucket)}

    second_plan = run_metrics(stack, T).output
    assert second_plan == first_plan
    assert {s: repo.snapshot(s, DAY) for s in SELLERS} == first
    assert {key: body(bucket, key) for key in objects(bucket)} == reports


def test_a_date_means_the_end_of_that_day(stack: Deployment) -> None:
    ingest(stack, marketplace())
    assert run_metrics(stack, "2026-11-19").output["as_of_day"] == DAY.isoformat()
    assert repository(stack).snapshot("A1SELLER", DAY) is not None


# ---------------------------------------------------------------- cost


def busy_days(seller: str, per_day: int) -> list[dict[str, Any]]:
    """`per_day` orders a day over the same five days, each with a contact answered two
    hours later and a vote: 4 x per_day events a day."""
    kw = {"seller": seller, "store": "US"}
    events = []
    for d in range(10, 15):
        for i in range(per_day):
            order, contact = f"o-{d}-{i}", f"c-{d}-{i}"
            events += [
                order_placed(order, f"2026-11-{d}T08:{i:02d}:00Z", **kw),
                contact_received(contact, f"2026-11-{d}T09:{i:02d}:00Z", "shipping", order, **kw),
                contact_responded(contact, f"2026-11-{d}T11:{i:02d}:00Z", **kw),
                survey_vote(
                    order, f"2026-11-{d}T12:{i:02d}:00Z", vote="no" if i % 3 else "yes", **kw
                ),
            ]
    return events


@pytest.fixture
def dynamodb_requests(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every DynamoDB request any client makes, by operation."""
    requests: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            requests[operation] += 1
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return requests


def test_the_seller_step_reads_do_not_grow_with_raw_events(
    stack: Deployment, dynamodb_requests: Counter[str]
) -> None:
    small, large = busy_days("QUIET", 1), busy_days("BUSY", 10)
    assert len(large) == 10 * len(small)
    ingest(stack, small + large)
    bucket = stack.outputs["ReportsBucketName"]
    s3 = boto3.client("s3")

    def sellers_step(seller: str) -> Counter[str]:
        key = f"runs/test/{seller}.jsonl"
        s3.put_object(
            Bucket=bucket, Key=key, Body=json.dumps({"seller_id": seller, "stores": ["US"]})
        )
        dynamodb_requests.clear()
        event = {"key": key, "as_of_day": DAY.isoformat(), "benchmark_shards": {"US": 1}}
        result = stack.invoke("MetricsSellersFunction", event)
        assert result == {"sellers": 1, "active": 1}
        return Counter(dynamodb_requests)

    quiet, busy = sellers_step("QUIET"), sellers_step("BUSY")
    assert quiet == busy
    assert quiet["Query"] >= 1
    # one aggregates query and one counts write per store, one batch of benchmark inputs
    assert sum(quiet.values()) <= 3
    # ... and what they computed does differ tenfold.
    run_store = RunStore(settings=repository(stack).settings)
    counts = {s: run_store.seller_counts(DAY, s, ["US"])["US"] for s in ("QUIET", "BUSY")}
    assert counts["BUSY"].windows[28].orders == 10 * counts["QUIET"].windows[28].orders


def test_the_day_boundary_is_utc_whatever_the_offset(stack: Deployment) -> None:
    kw = {"seller": "A1SELLER", "store": "US"}
    ingest(
        stack,
        [
            order_placed("in", "2026-11-20T00:30:00+01:00", **kw),  # 19 Nov 23:30 UTC
            order_placed("out", "2026-11-19T23:30:00-01:00", **kw),  # 20 Nov 00:30 UTC
            contact_received("c", "2026-11-19T12:00:00Z", "shipping", "in", **kw),
        ],
    )
    run_metrics(stack, T)
    document = document_from_snapshot(repository(stack).snapshot("A1SELLER", DAY))
    assert document.metrics.preventable_contact_rate.denominator == 1
