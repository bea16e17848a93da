"""Faults during the scheduled run: a crash or an AWS error at every single AWS call a run
makes (DynamoDB reads and writes, the S3 puts of each report file, the sellers list).

Two outcomes are shown for each call:
- the step is retried with the same input, as the state machine does: the end state is
  exactly a clean run's (every item, every report file);
- the run fails there: sellers still see complete documents only (the previous day's or
  the new day's, never a mix), every listed report has all its files; a re-run of the day
  then ends exactly as a clean run does.

Every case starts from the same prepared deployment (the marketplace ingested, the day
before's run done): deployed and prepared once per module and worker, restored before each
case (`tests.state.restore`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from csinsights.errors import Busy, Conflict, StoreFault
from csinsights_local.run import ItemReaderFailed, run_metrics
from csinsights_local.stack import Deployment, deploy
from tests.api_events import seller_claims
from tests.faults import AFTER, UNPROCESSED, Crash, inject
from tests.integration.api_client import METRICS_ROUTE, REPORTS, Api
from tests.marketplace import SELLERS, ingest, marketplace
from tests.profiles import PROFILE
from tests.state import Saved, restore, save, table_items

BEFORE = "2026-11-19T00:00:00Z"  # a complete run the day before
T = "2026-11-20T00:00:00Z"
CALLS_PER_RUN = 84  # every AWS call of the run as of T (checked below)
BATCH_GETS = [57, 58, 71, 72]  # the publish step's reads of counts and benchmarks
ERRORS = {
    "dynamodb": [
        "crash",
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "crash" + AFTER,
    ],
    "s3": ["crash", "SlowDown", "InternalError", "ServiceUnavailable", "crash" + AFTER],
}
KINDS = len(ERRORS["s3"])
# Every call index with one error kind in CI; every call with every kind in the soak.
CASES = [
    (index, kind)
    for index in range(CALLS_PER_RUN)
    for kind in range(KINDS)
    if PROFILE == "soak" or kind == index % KINDS
]
EVENTS = marketplace()


def state(stack: Deployment) -> dict[str, Any]:
    """Every table item and every object of the reports bucket."""
    items = {}
    for item in table_items(stack.outputs["EventsTableName"]):
        item.pop("registered_at", None)
        if item["pk"]["S"].startswith("REPORT#"):  # when it was written differs
            item["data"]["S"] = json.loads(item["data"]["S"])
            item["data"]["S"].pop("created_at")
        items[(item["pk"]["S"], item["sk"]["S"])] = item
    s3 = boto3.client("s3")
    bucket = stack.outputs["ReportsBucketName"]
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            objects[entry["Key"]] = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
    return {"items": items, "objects": objects}


def api(stack: Deployment) -> Api:
    return Api(stack)


def latest(stack: Deployment, seller: str) -> dict[str, Any]:
    return api(stack).get(METRICS_ROUTE, {"seller_id": seller}, claims=seller_claims(seller))


def listed_reports(stack: Deployment, seller: str) -> list[dict[str, Any]]:
    listing = api(stack).get(REPORTS, {"seller_id": seller}, claims=seller_claims(seller))
    return listing["reports"]


def report_files(stack: Deployment, seller: str, report_id: str) -> list[str]:
    report = api(stack).reports.report(seller, report_id)
    assert report is not None
    if report.status != "ready":
        return []
    assert sorted(report.files) == ["csv", "html", "json"]
    return list(report.files.values())


@dataclass(frozen=True)
class Clean:
    """A fault-free run as of T: the AWS calls it made, the documents sellers saw the day
    before and after it, its end state."""

    calls: list[tuple[str, str]]
    before: dict[str, dict[str, Any]]
    after: dict[str, dict[str, Any]]
    state: dict[str, Any]


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Deployment, Saved, Clean]]:
    """One deployment per module (and worker): the marketplace ingested and the run of the
    day before done, saved; then a clean run as of T."""
    with mock_aws():
        stack = deploy()
        ingest(stack, EVENTS)
        run_metrics(stack, BEFORE)
        before = {seller: latest(stack, seller) for seller in SELLERS}
        saved = save(stack)
        with inject() as faults:
            run_metrics(stack, T)
        after = {seller: latest(stack, seller) for seller in SELLERS}
        yield stack, saved, Clean(list(faults.log), before, after, state(stack))


@pytest.fixture
def clean(deployed: tuple[Deployment, Saved, Clean]) -> Clean:
    return deployed[2]


@pytest.fixture
def prepared(deployed: tuple[Deployment, Saved, Clean]) -> Deployment:
    """The deployment as saved: the marketplace ingested, the day before's run done."""
    stack, saved, _ = deployed
    restore(stack, saved)
    return stack


def error_kind(kind: int):  # type: ignore[no-untyped-def]
    return lambda service: ERRORS[service][kind]


def test_the_matrix_covers_every_call_of_a_run(clean: Clean) -> None:
    assert len(clean.calls) == CALLS_PER_RUN
    assert [i for i, call in enumerate(clean.calls) if call[1] == "BatchGetItem"] == BATCH_GETS
    assert clean.before != clean.after


@pytest.mark.parametrize(("index", "kind"), CASES)
def test_a_fault_retried_by_the_state_machine_ends_as_a_clean_run(
    prepared: Deployment, clean: Clean, index: int, kind: int, tally: Any
) -> None:
    with inject() as faults:
        faults.arm_at(index, error_kind(kind))
        run_metrics(prepared, T, retries=3)
    assert faults.injected == 1
    assert state(prepared) == clean.state
    tally["faults injected (run, retried)"] += faults.injected


@pytest.mark.parametrize(("index", "kind"), CASES)
def test_a_run_failing_midway_shows_no_half_state_and_a_rerun_ends_clean(
    prepared: Deployment, clean: Clean, index: int, kind: int, tally: Any
) -> None:
    with inject() as faults:
        faults.arm_at(index, error_kind(kind))
        with pytest.raises((Crash, StoreFault, Busy, Conflict, ItemReaderFailed)):
            run_metrics(prepared, T)
    assert faults.injected == 1
    s3 = boto3.client("s3")
    bucket = prepared.outputs["ReportsBucketName"]
    for seller in SELLERS:
        seen = latest(prepared, seller)
        assert seen in (clean.before[seller], clean.after[seller])
        for report in listed_reports(prepared, seller):
            for key in report_files(prepared, seller, report["report_id"]):
                s3.head_object(Bucket=bucket, Key=key)  # raises if a listed file is missing
    run_metrics(prepared, T)
    assert state(prepared) == clean.state
    tally["faults injected (run, failed then re-run)"] += faults.injected


@pytest.mark.parametrize("index", BATCH_GETS)
def test_unprocessed_keys_are_read_again_without_failing_the_step(
    prepared: Deployment, clean: Clean, index: int, tally: Any
) -> None:
    with inject() as faults:
        faults.arm_at(index, lambda service: UNPROCESSED)
        run_metrics(prepared, T)  # no retry needed
    assert faults.injected == 1
    assert state(prepared) == clean.state
    tally["faults injected (run, unprocessed keys)"] += faults.injected
