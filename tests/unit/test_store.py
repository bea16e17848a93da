"""The table's keys and the store's translation of AWS errors into the domain's."""

from __future__ import annotations

from datetime import date

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from csinsights.config import MAX_REGISTRY_SHARDS, MissingSetting, Settings
from csinsights.errors import Busy, Conflict, StoreFault
from csinsights.store import keys
from csinsights.store.aws import translated
from csinsights.store.dynamo import Table
from csinsights.store.reports import ReportRequests, ReportsStore


def test_every_family_has_its_key() -> None:
    day = date(2026, 11, 20)
    assert keys.order_pk("S", "US", "o1") == "ORDER#S#US#o1"
    assert keys.contact_pk("S", "US", "c1") == "CONTACT#S#US#c1"
    assert keys.aggregate_pk("S", "US") == "AGG#S#US"
    assert keys.aggregate_sk(day, date(2026, 11, 21)) == "2026-11-20#2026-11-21"
    assert keys.parse_aggregate_sk("2026-11-20#2026-11-21") == (day, date(2026, 11, 21))
    assert keys.rejected_pk(day) == "REJECTED#2026-11-20"
    assert keys.run_pk(day, "US") == "RUN#2026-11-20#US"
    assert keys.store_of_run_pk(keys.run_pk(day, "US")) == "US"
    assert keys.benchmarks_pk("US") == "BENCH#US"
    assert keys.store_of_benchmarks_pk(keys.benchmarks_pk("US")) == "US"
    assert keys.snapshot_pk("S") == "SNAP#S"
    assert keys.report_pk("S") == "REPORT#S"
    assert keys.open_pk("S", "US") == "OPEN#S#US"
    assert keys.voted_pk("S", "US") == "VOTED#S#US"
    assert keys.key("P", "Q") == {"pk": {"S": "P"}, "sk": {"S": "Q"}}


def test_a_sellers_stores_share_one_registry_bucket() -> None:
    entries = [keys.registry_key("A1SELLER", s) for s in ("US", "CA", "DE")]
    assert len({e["pk"]["S"] for e in entries}) == 1
    bucket = keys.registry_bucket("A1SELLER")
    assert 0 <= bucket < keys.REGISTRY_BUCKETS
    assert entries[0]["pk"]["S"] == f"REGISTRY#{bucket // keys.BUCKETS_A_GROUP}"
    assert entries[0]["sk"]["S"] == f"{bucket:04d}#A1SELLER#US"


def test_the_configuration_allows_a_shard_per_registry_bucket_at_most() -> None:
    assert MAX_REGISTRY_SHARDS == keys.REGISTRY_BUCKETS


@pytest.mark.parametrize("shards", [1, 7, 8, 16, 100, 1024])
def test_registry_shards_cover_every_bucket_once_each_in_few_queries(shards: int) -> None:
    covered = [b for n in range(shards) for b in keys.registry_buckets(n, shards)]
    assert covered == list(range(keys.REGISTRY_BUCKETS))
    assert all(
        keys.registry_shard(b, shards) == n
        for n in range(shards)
        for b in keys.registry_buckets(n, shards)
    )
    queries = [keys.registry_ranges(keys.registry_buckets(n, shards)) for n in range(shards)]
    groups = keys.REGISTRY_BUCKETS // keys.BUCKETS_A_GROUP
    assert sum(len(q) for q in queries) <= groups + shards
    for n, ranges in enumerate(queries):
        buckets = keys.registry_buckets(n, shards)
        for pk, first, last in ranges:  # a bucket's every entry sorts inside its range
            inside = [
                b
                for b in buckets
                if keys.registry_pk_of_bucket(b) == pk
                and first <= keys.registry_bucket_prefix(b) + "S#US" <= last
            ]
            assert inside
        assert sum(
            1
            for b in buckets
            for pk, first, last in ranges
            if keys.registry_pk_of_bucket(b) == pk
            and first <= keys.registry_bucket_prefix(b) + "S#US" <= last
        ) == len(buckets)


def stubbed() -> tuple[Table, Stubber]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    return Table(client, "t"), Stubber(client)


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 400, Busy),
        ("ProvisionedThroughputExceededException", 400, Busy),
        ("InternalServerError", 500, Busy),
        ("SomethingNew", 503, Busy),
        ("TransactionCanceledException", 400, Conflict),
        ("TransactionConflictException", 400, Conflict),
        ("ConditionalCheckFailedException", 400, Conflict),
    ],
)
def test_aws_errors_become_the_domains(code: str, status: int, error: type[Exception]) -> None:
    table, stubber = stubbed()
    stubber.add_client_error("transact_write_items", code, http_status_code=status)
    with stubber, pytest.raises(error):
        table.transact_write([{"Put": {"TableName": "t", "Item": keys.key("P", "Q")}}])


def test_a_throttled_read_is_busy_not_a_failed_commit() -> None:
    table, stubber = stubbed()
    stubber.add_client_error("batch_get_item", "ThrottlingException", http_status_code=400)
    with stubber, pytest.raises(Busy):
        list(table.batch_get([keys.key("P", "Q")]))


def test_keys_left_unprocessed_are_asked_again() -> None:
    table, stubber = stubbed()
    wanted = {"t": {"Keys": [keys.key("P", "Q")], "ConsistentRead": True}}
    item = {**keys.key("P", "Q"), "x": {"S": "y"}}
    stubber.add_response(
        "batch_get_item",
        {"Responses": {"t": []}, "UnprocessedKeys": wanted},
        {"RequestItems": wanted},
    )
    stubber.add_response("batch_get_item", {"Responses": {"t": [item]}}, {"RequestItems": wanted})
    with stubber:
        assert list(table.batch_get([keys.key("P", "Q")])) == [item]


def test_any_other_aws_error_is_a_store_fault_with_the_aws_error_as_its_cause() -> None:
    table, stubber = stubbed()
    stubber.add_client_error("get_item", "ValidationException", http_status_code=400)
    with stubber, pytest.raises(StoreFault, match="ValidationException") as raised:
        table.get(keys.key("P", "Q"))
    assert isinstance(raised.value.__cause__, ClientError)


@pytest.mark.parametrize(
    "exc",
    [EndpointConnectionError(endpoint_url="https://x"), ReadTimeoutError(endpoint_url="https://x")],
)
def test_no_connection_or_a_timeout_is_busy(exc: Exception) -> None:
    def fail() -> None:
        with translated():
            raise exc

    with pytest.raises(Busy):
        fail()


def test_a_missing_required_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    with pytest.raises(MissingSetting, match="TABLE_NAME"):
        Settings()
    monkeypatch.delenv("REPORTS_BUCKET", raising=False)
    monkeypatch.delenv("REPORT_REQUESTS_QUEUE_URL", raising=False)
    with pytest.raises(MissingSetting, match="REPORTS_BUCKET"):
        ReportsStore(client=object(), settings=Settings(table_name="t"), s3=object())
    with pytest.raises(MissingSetting, match="REPORT_REQUESTS_QUEUE_URL"):
        ReportRequests(client=object(), settings=Settings(table_name="t"))


def test_settings_come_from_the_environment_with_the_specs_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", "events")
    monkeypatch.setenv("LINK_EXPIRY_SECONDS", "3600")
    for name in (
        "RETENTION_DAYS",
        "COMMIT_ATTEMPTS",
        "REJECTED_RETENTION_DAYS",
        "RETRY_BACKOFF_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.table_name == "events"
    assert settings.link_expiry_seconds == 900  # capped at 15 minutes
    assert (settings.retention_days, settings.rejected_retention_days) == (400, 400)
    assert settings.commit_attempts == 3
    assert settings.retry_backoff_seconds == 0.05
    assert Settings(table_name="other").table_name == "other"
