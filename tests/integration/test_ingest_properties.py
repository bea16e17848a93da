"""Any shuffle of a stream with repeated deliveries ends in the same stored state and the
same as-of aggregates as processing each distinct event once in time order; both equal
the plain reference computed from the raw events. Here on the deployed table, through the
ingest handler: DynamoDB's own conditions, transactions and encoding. The same property,
with documents as of any day, runs in far larger numbers at unit speed in
tests/unit/test_domain_properties.py."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from csinsights.config import Settings
from csinsights.store.run import RunStore
from csinsights_local.stack import Deployment, deploy
from tests import reference
from tests.builders import sqs_batch
from tests.definitions import as_of
from tests.profiles import examples
from tests.strategies import DAYS, FIRST_DAY, seller_streams


def ingest(deployment: Deployment, bodies: list[dict[str, Any]], batch_sizes: list[int]) -> None:
    start = 0
    sizes = iter(batch_sizes)
    while start < len(bodies):
        size = next(sizes, 10)
        response = deployment.invoke("IngestFunction", sqs_batch(bodies[start : start + size]))
        assert response == {"batchItemFailures": []}
        start += size


def dump_state(table: str) -> dict[tuple[str, str], dict[str, Any]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    items = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if item["pk"]["S"].startswith("REGISTRY#"):
                item.pop("registered_at")
            if item["pk"]["S"].startswith("AGG#"):
                # Deltas that cancel out within one batch but not across two leave zeros.
                item = {k: v for k, v in item.items() if v != {"N": "0"}}
                if not set(item) - {"pk", "sk", "expires_at"}:
                    continue
            items[(item["pk"]["S"], item["sk"]["S"])] = item
    return items


def aggregate_items(deployment: Deployment, store: str) -> list[tuple[date, date, Any]]:
    """The aggregate items of S1's `store` over the stream's days, as the run reads them."""
    repo = RunStore(settings=Settings(table_name=deployment.outputs["EventsTableName"]))
    items = repo.aggregates(
        "S1", store, FIRST_DAY - timedelta(days=1), FIRST_DAY + timedelta(days=DAYS + 1)
    )
    return [(i.belongs, i.effective, i.counters) for i in items]


@pytest.fixture(scope="module")
def deployments() -> Iterator[tuple[Deployment, Deployment]]:
    """One messy and one tidy deployment for every example (emptied between examples:
    deploying the template for each of a thousand examples would dominate the soak)."""
    with mock_aws():
        yield deploy("messy"), deploy("tidy")


def emptied(deployment: Deployment) -> Deployment:
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = deployment.outputs["EventsTableName"]
    keys = [
        {"pk": item["pk"], "sk": item["sk"]}
        for page in client.get_paginator("scan").paginate(
            TableName=table, ProjectionExpression="pk, sk"
        )
        for item in page["Items"]
    ]
    for start in range(0, len(keys), 25):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        client.batch_write_item(RequestItems={table: requests})
    assert client.scan(TableName=table, Select="COUNT")["Count"] == 0
    return deployment


@settings(
    max_examples=examples(ci=10, soak=100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
)
@given(
    events=seller_streams(),
    seed=st.randoms(use_true_random=False),
    batch_sizes=st.lists(st.integers(1, 12), min_size=1, max_size=20),
)
def test_shuffled_redelivered_stream_equals_each_event_once_in_time_order(
    deployments: tuple[Deployment, Deployment],
    tally: Counter[str],
    events: list[dict[str, Any]],
    seed: random.Random,
    batch_sizes: list[int],
) -> None:
    deliveries = events + [seed.choice(events) for _ in range(len(events) // 2)] if events else []
    seed.shuffle(deliveries)
    in_order = sorted(events, key=reference.key)
    messy, tidy = (emptied(d) for d in deployments)
    ingest(messy, deliveries, batch_sizes)
    ingest(tidy, in_order, [1])
    messy_state = dump_state(messy.outputs["EventsTableName"])
    tidy_state = dump_state(tidy.outputs["EventsTableName"])
    # Versions count commits, which differ with batching; everything else must match.
    for state in (messy_state, tidy_state):
        for item in state.values():
            item.pop("version", None)
    assert messy_state == tidy_state
    for store in {e["store_id"] for e in events}:
        store_events = [e for e in events if e["store_id"] == store]
        items = aggregate_items(messy, store)
        for offset in range(-1, DAYS + 1):
            day = FIRST_DAY + timedelta(days=offset)
            expected = reference.counters(store_events, day)
            assert as_of(items, day) == expected, (store, day)
    tally["streams (shuffled, redelivered) against the reference"] += 1
    tally["events delivered in those streams"] += len(deliveries)
