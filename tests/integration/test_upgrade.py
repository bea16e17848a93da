"""A table written by an earlier release upgrades in place: the golden items of layout 1
(`tests/golden/v1`, written by that release's own code) loaded into a table of today's
template, the layout migration run through its functions' handlers (stopped midway and
resumed, then run again), and today's run and alert run then answer what that release
answered: the same documents (and what comes next, `projected`, from the counters it
stored), the same alerts owed, and none published twice (its claims survive the upgrade).

Attributes added since without a new layout are read from the same items: a store
benchmarks item of before has no count of sellers (the route says null until a run
rewrites it), and the one a run writes now keeps its `data` as that release wrote it
(a reader that knows only `data`, as every earlier release's, reads it unchanged)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from csinsights.config import Settings
from csinsights.domain.metrics import COMPARED_METRICS
from csinsights.errors import Busy, Conflict, StoreFault
from csinsights.migration import LayoutMigration
from csinsights.store import codecs, keys
from csinsights.store.migration import MigrationStore
from csinsights_local.alerts import run_alerts
from csinsights_local.replay import deployed_documents
from csinsights_local.run import run_metrics
from csinsights_local.stack import Deployment
from tests import reference
from tests.alerting import Clock, alert_run
from tests.api_events import api_event, seller_claims
from tests.builders import contact_responded, sqs_batch
from tests.faults import AFTER, Crash, inject
from tests.state import restore, save

GOLDEN = Path(__file__).parents[1] / "golden" / "v1"
GOLDEN_V2 = GOLDEN.parent / "v2"
T = "2026-11-26T00:00:00Z"
DAY = "2026-11-25"
AT = datetime(2026, 11, 26, tzinfo=UTC)


def golden_items(folder: Path = GOLDEN) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "items.jsonl").read_text().splitlines()]


def expected(folder: Path = GOLDEN) -> dict[str, Any]:
    return dict(json.loads((folder / "expected.json").read_text()))


def load(stack: Deployment, items: list[dict[str, Any]]) -> None:
    """The items as DynamoDB's JSON has them, written unchanged."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = stack.outputs["EventsTableName"]
    for start in range(0, len(items), 25):
        batch = items[start : start + 25]
        client.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": i}} for i in batch]})


def scan(stack: Deployment) -> list[dict[str, Any]]:
    pages = boto3.client("dynamodb", region_name="us-east-1").get_paginator("scan")
    return [
        item
        for page in pages.paginate(TableName=stack.outputs["EventsTableName"])
        for item in page["Items"]
    ]


class Context:
    """A Lambda context whose time runs out after `pages` scan pages (then another page
    never fits)."""

    def __init__(self, function: str, pages: int) -> None:
        self.function_name = function
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
        self.aws_request_id = "upgrade"
        self.pages = pages

    def get_remaining_time_in_millis(self) -> int:
        self.pages -= 1
        return 900_000 if self.pages > 0 else 1_000


def migrate(stack: Deployment, segments: int, pages_an_invocation: int) -> list[dict[str, Any]]:
    """The migration state machine's steps by their handlers: the plan, then each segment
    invoked again until it is done. Returns every segment invocation's answer."""
    parts = stack.invoke("MigratePlanFunction", {"segments": segments})["parts"]
    module = stack.handler_module("MigrateFunction")
    answers = []
    with stack.environment_of("MigrateFunction"):
        for part in parts:
            while True:
                answer = module.handler(part, Context("MigrateFunction", pages_an_invocation))
                answers.append(answer)
                if answer["done"]:
                    break
    return answers


UPGRADED: list[list[dict[str, Any]]] = []
"""The table the first `upgraded` of a test process migrated (the migration only writes
the table): later tests of the process start from a copy of it instead of migrating the
golden items again (on moto, a migration copies the whole table for every item it commits
in a transaction)."""


@pytest.fixture
def upgraded(stack: Deployment, monkeypatch: pytest.MonkeyPatch) -> Deployment:
    monkeypatch.setattr("csinsights.store.migration.SCAN_PAGE_ITEMS", 100)
    if UPGRADED:
        load(stack, UPGRADED[0])
        return stack
    items = golden_items()
    assert any(i["pk"]["S"].startswith(keys.LEGACY_REGISTRY_PREFIX) for i in items)
    load(stack, items)
    answers = migrate(stack, segments=3, pages_an_invocation=2)
    assert len(answers) > 3  # segments stopped for time and resumed
    UPGRADED.append(scan(stack))
    return stack


def test_the_upgraded_table_holds_the_new_layout_and_everything_else_unchanged(
    upgraded: Deployment,
) -> None:
    before = {(i["pk"]["S"], i["sk"]["S"]): i for i in golden_items()}
    after = {(i["pk"]["S"], i["sk"]["S"]): i for i in scan(upgraded)}
    legacy = {k for k in before if k[0].startswith(keys.LEGACY_REGISTRY_PREFIX)}
    assert not any(k[0].startswith(keys.LEGACY_REGISTRY_PREFIX) for k in after)
    moved = {
        (keys.registry_pk(before[k]["seller_id"]["S"]), keys.registry_sk(*k[1].split("#"))): k
        for k in legacy
    }
    assert set(moved) <= set(after)
    assert len(moved) == len(legacy) == 7  # 4 sellers, 7 seller stores
    for new, old in moved.items():
        assert {n: v for n, v in after[new].items() if n not in ("pk", "sk")} == {
            n: v for n, v in before[old].items() if n not in ("pk", "sk")
        }
    indexed = counted = 0
    for key, item in before.items():
        if key in legacy:
            continue
        now = after[key]
        added = {n for n in now if n not in item}
        if key[0].startswith("CONTACT#"):
            # Every contact keeps its store's zone (its arrival counted); exactly the open
            # ones gain the Waiting index.
            assert now[codecs.TIME_ZONE] == {"S": "America/Los_Angeles"}  # US and CA
            counted += 1
            if added != {codecs.TIME_ZONE}:
                assert added == {keys.WAITING_PK, keys.WAITING_SK, codecs.TIME_ZONE}
                assert keys.OPEN_PK in item
                indexed += 1
        elif key[0].startswith("AGG#"):
            assert all(n.startswith("all.arr_") for n in added), added
        else:
            assert not added, key
        assert {n: v for n, v in now.items() if n in item} == item
    assert indexed == sum(
        1 for k, i in before.items() if k[0].startswith("CONTACT#") and keys.OPEN_PK in i
    )
    assert indexed > 0
    assert counted == sum(1 for k in before if k[0].startswith("CONTACT#")) > 0
    new_items = set(after) - set(before) - set(moved)
    assert {k[0].split("#")[0] for k in new_items} <= {"LAYOUT", "AGG"}
    progress = [k for k in after if k[0] == "LAYOUT"]
    assert len(progress) == 3


def test_a_finished_or_repeated_migration_changes_nothing(upgraded: Deployment) -> None:
    items = sorted(
        json.dumps(i, sort_keys=True) for i in scan(upgraded) if i["pk"]["S"] != "LAYOUT"
    )
    again = migrate(upgraded, segments=3, pages_an_invocation=2)
    assert all(a["done"] for a in again) and len(again) == 3  # done already: nothing read
    fresh = migrate(upgraded, segments=5, pages_an_invocation=50)  # a new scan, all over
    assert all(a["done"] for a in fresh)
    with upgraded.environment_of("MigrateFunction"):
        store = MigrationStore(settings=Settings())
    assert (
        sum(
            int(store.table.get(keys.layout_key(keys.LAYOUT_VERSION, f"{s}/5"))["upgraded"]["N"])  # type: ignore[index]
            for s in range(5)
        )
        == 0
    )
    assert (
        sorted(json.dumps(i, sort_keys=True) for i in scan(upgraded) if i["pk"]["S"] != "LAYOUT")
        == items
    )


BENCHMARKS = "/v1/stores/{store_id}/benchmarks"
STORES = ("US", "CA")


def store_benchmarks(stack: Deployment, store: str) -> dict[str, Any]:
    """The store benchmarks route's metrics as of the golden day, through the API function."""
    event = api_event(
        "GET", BENCHMARKS, {"store_id": store}, {"as_of": DAY}, claims=seller_claims("SELLER001")
    )
    response = stack.invoke("ApiFunction", event)
    assert response["statusCode"] == 200, response["body"]
    body = json.loads(response["body"])
    assert body["as_of"] == T
    return dict(body["metrics"])


def qualifying(documents: list[dict[str, Any]], store: str, metric: str) -> int:
    """The sellers whose figure of `store` counts in its average (a value, a denominator of
    at least 5), read from the release's own documents."""
    return sum(
        1
        for document in documents
        for entry in document["by_store"]
        if entry["store_id"] == store
        and entry["metrics"][metric]["value"] is not None
        and entry["metrics"][metric]["denominator"] >= 5
    )


def benchmark_items(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["pk"]["S"]: i for i in items if i["pk"]["S"].startswith(keys.benchmarks_pk(""))}


def archived_events(folder: Path = GOLDEN) -> list[dict[str, Any]]:
    """The valid events of the lines that release ingested (two were invalid)."""
    events = []
    for line in (folder / "archive.jsonl").read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "seller_id" in event:
            events.append(event)
    return events


def before_projections(document: dict[str, Any]) -> dict[str, Any]:
    """A document without what comes next (`projected`), which that release did not have."""
    views = [document["metrics"]] + [entry["metrics"] for entry in document["by_store"]]
    for metrics in views:
        for figure in metrics.values():
            del figure["projected"]
    return document


def without_arrival(document: dict[str, Any]) -> dict[str, Any]:
    """A document without `by_arrival`, which that release did not have."""
    for metrics in [document["metrics"]] + [entry["metrics"] for entry in document["by_store"]]:
        del metrics["average_contact_response_time_hours"]["by_arrival"]
    return document


def test_the_upgraded_table_gives_the_documents_alerts_and_benchmarks_of_before(
    upgraded: Deployment,
) -> None:
    want = expected()
    # The store benchmarks the release wrote: figures and reason as it answered them, and
    # no count of sellers (it kept none).
    before = {store: store_benchmarks(upgraded, store) for store in STORES}
    for metrics in before.values():
        assert metrics == {
            metric: {
                "store_average": None,
                "top_performers": None,
                "reason": "too_few_sellers",
                "sellers": None,
            }
            for metric in COMPARED_METRICS
        }
    run = run_metrics(upgraded, T)
    documents = [d.to_json() for d in deployed_documents(upgraded, run, 28)]
    # Every figure of before, what comes next from the counters stored before and
    # by_arrival from the counters the migration added: the reference's, recomputed from
    # the events that release ingested.
    assert documents == reference.documents(archived_events(), AT)
    assert [without_arrival(before_projections(d)) for d in documents] == want["sellers"]
    assert len(documents) == 4
    # The run rewrote them with the count, below the floor (4 sellers in US, 3 in CA); the
    # count is the number of sellers the release's documents show with a qualifying figure.
    for store in STORES:
        after = store_benchmarks(upgraded, store)
        counts = {metric: qualifying(want["sellers"], store, metric) for metric in COMPARED_METRICS}
        assert after == {
            metric: before[store][metric] | {"sellers": counts[metric]}
            for metric in COMPARED_METRICS
        }
        assert any(counts.values()), store
    # ... and their `data` is byte for byte the release's: only the `sellers` attribute is new.
    old, new = benchmark_items(golden_items()), benchmark_items(scan(upgraded))
    assert set(old) == set(new) == {keys.benchmarks_pk(s) for s in STORES}
    for pk, item in new.items():
        assert {n: v for n, v in item.items() if n != codecs.BENCHMARK_SELLERS} == old[pk]
        assert codecs.BENCHMARK_SELLERS in item and codecs.BENCHMARK_SELLERS not in old[pk]
    # The alerts owed at T: as of T (the Contacts index, registry shard by shard) and live
    # at T (the Waiting index the migration filled), both those of before.
    clock = Clock()
    clock.now = AT
    owed = [a.detail() for a in alert_run(upgraded, clock).due(AT)]
    assert owed == want["alerts"] and len(owed) == 2
    live = [a.detail() for a in alert_run(upgraded, clock).due()]
    assert live == want["alerts"]
    # ... and sent before the upgrade: their claims hold, nothing goes out twice.
    assert run_alerts(upgraded, AT) == []


def data(stack: Deployment) -> list[str]:
    """Every item but the migration's own progress (whose counts include a retried page)."""
    return sorted(json.dumps(i, sort_keys=True) for i in scan(stack) if i["pk"]["S"] != "LAYOUT")


MIGRATION_KINDS = ("crash", "crash" + AFTER, "ThrottlingException", "InternalServerError" + AFTER)


def test_a_fault_at_any_call_of_the_migration_is_resumed_to_the_same_table(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch, tally: Any
) -> None:
    """A crash or an AWS error at each AWS call of a migration (its plan, each scan page,
    each entry moved, each item indexed, each progress record), before or after the call
    takes effect: the step fails; the state machine starts the segment again (its
    `Retry`), and the migration ends with the very table a clean one leaves."""
    monkeypatch.setattr("csinsights.store.migration.SCAN_PAGE_ITEMS", 10)
    items = golden_items()
    legacy = [i for i in items if i["pk"]["S"].startswith(keys.LEGACY_REGISTRY_PREFIX)]
    waiting = [i for i in items if i["pk"]["S"].startswith("CONTACT#") and keys.OPEN_PK in i]
    assert legacy and waiting
    load(stack, legacy + waiting[:8] + items[:20])  # what moves, what gains the index, the rest
    saved = save(stack)
    with inject() as faults:
        migrate(stack, segments=3, pages_an_invocation=2)
    calls = list(faults.log)
    clean = data(stack)
    assert {op for _, op in calls} >= {"Scan", "PutItem", "DeleteItem", "UpdateItem"}
    for index in range(len(calls)):
        restore(stack, saved)
        kind = MIGRATION_KINDS[index % len(MIGRATION_KINDS)]
        with inject() as faults:
            faults.arm_at(index, lambda service: kind)
            with pytest.raises((Crash, StoreFault, Busy, Conflict)):
                migrate(stack, segments=3, pages_an_invocation=2)
        assert faults.injected == 1
        migrate(stack, segments=3, pages_an_invocation=2)  # the segments started again
        assert data(stack) == clean, (index, kind)
        tally["faults injected (layout migration, resumed)"] += 1


def test_a_contact_ingest_rewrites_before_or_while_the_migration_counts_it_counts_once(
    stack: Deployment,
) -> None:
    """Ingest gives a contact stored without a zone its store's and counts its arrival in
    the same commit; the migration then finds it counted, whether it reads it after that
    commit or had read it before (its conditional write fails, it reads it again): the
    documents are the reference's of every event, each contact in its cell once."""
    items = golden_items()
    load(stack, items)
    open_contacts = sorted(
        (i for i in items if i["pk"]["S"].startswith("CONTACT#") and keys.OPEN_PK in i),
        key=lambda i: i["received_at"]["S"],
    )
    stale = open_contacts[0]  # as a migration's scan read it, before the reply below
    assert codecs.TIME_ZONE not in stale
    reply = contact_responded(
        stale["contact_id"]["S"],
        "2026-11-25T12:00:00Z",
        seller=stale["seller_id"]["S"],
        store=stale["store_id"]["S"],
    )
    assert stack.invoke("IngestFunction", sqs_batch([reply])) == {"batchItemFailures": []}
    with stack.environment_of("MigrateFunction"):
        migration = LayoutMigration(MigrationStore(settings=Settings()))
        assert migration.upgrade(stale) is False  # counted by ingest: nothing added
    migrate(stack, segments=2, pages_an_invocation=50)
    run = run_metrics(stack, T)
    documents = [d.to_json() for d in deployed_documents(stack, run, 28)]
    assert documents == reference.documents([*archived_events(), reply], AT)


def test_a_table_of_layout_2_gains_its_contacts_arrival_cells_and_nothing_else(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The golden items of layout 2 (`tests/golden/v2`): every contact keeps its store's
    zone, the aggregates gain only arrival counters, every other item is as it was; the
    run then gives the documents of before with `by_arrival` as the reference computes it
    from the events that release ingested."""
    monkeypatch.setattr("csinsights.store.migration.SCAN_PAGE_ITEMS", 100)
    items = golden_items(GOLDEN_V2)
    assert not any(i["pk"]["S"].startswith(keys.LEGACY_REGISTRY_PREFIX) for i in items)
    load(stack, items)
    assert len(migrate(stack, segments=3, pages_an_invocation=2)) > 3
    before = {(i["pk"]["S"], i["sk"]["S"]): i for i in items}
    after = {(i["pk"]["S"], i["sk"]["S"]): i for i in scan(stack)}
    for key, item in before.items():
        added = {n for n in after[key] if n not in item}
        if key[0].startswith("CONTACT#"):
            assert added == {codecs.TIME_ZONE}, key
        elif key[0].startswith("AGG#"):
            assert all(n.startswith("all.arr_") for n in added), added
        else:
            assert not added, key
        assert {n: v for n, v in after[key].items() if n in item} == item
    assert {k[0].split("#")[0] for k in set(after) - set(before)} <= {"LAYOUT", "AGG"}
    run = run_metrics(stack, T)
    documents = [d.to_json() for d in deployed_documents(stack, run, 28)]
    assert documents == reference.documents(archived_events(GOLDEN_V2), AT)
    assert [without_arrival(d) for d in documents] == expected(GOLDEN_V2)["sellers"]
