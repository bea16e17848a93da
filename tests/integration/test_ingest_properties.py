"""Any shuffle of a stream with repeated deliveries ends in the same stored state and the
same as-of aggregates as processing each distinct event once in time order; both equal
the plain reference computed from the raw events."""

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
from csinsights.domain.counters import as_of
from csinsights.store.run import RunStore
from csinsights_local.stack import Deployment, deploy
from tests import reference
from tests.builders import sqs_batch
from tests.profiles import examples

FIRST_DAY = date(2026, 10, 1)
DAYS = 6
OFFSETS = ["Z", "+00:00", "+05:30", "-08:00", "+14:00"]


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    day = FIRST_DAY + timedelta(days=draw(st.integers(0, DAYS - 1)))
    # Few distinct seconds, so ties on occurred_at (broken by event_id) happen often.
    hour = draw(st.sampled_from([0, 0, 1, 11, 12, 23]))
    minute = draw(st.sampled_from([0, 0, 30, 59]))
    offset = draw(st.sampled_from(OFFSETS))
    local = f"{day.isoformat()}T{hour:02d}:{minute:02d}:00"
    # Express the same UTC instant in another offset, as producers do.
    from datetime import datetime

    instant = datetime.fromisoformat(local + "+00:00")
    if offset in ("Z", "+00:00"):
        return local + offset
    sign = 1 if offset[0] == "+" else -1
    hh, mm = int(offset[1:3]), int(offset[4:6])
    shifted = instant + sign * timedelta(hours=hh, minutes=mm)
    return shifted.strftime("%Y-%m-%dT%H:%M:%S") + offset


@st.composite
def streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    orders = [f"o{i}" for i in range(draw(st.integers(1, 4)))]
    contacts = [f"c{i}" for i in range(draw(st.integers(0, 4)))]
    stores = draw(st.sampled_from([["US"], ["US", "CA"]]))
    events: list[dict[str, Any]] = []
    n = 0

    def add(type_: str, data: dict[str, Any], store: str) -> None:
        nonlocal n
        n += 1
        events.append(
            {
                "event_id": f"e{n:03d}",
                "type": type_,
                "seller_id": "S1",
                "store_id": store,
                "occurred_at": draw(timestamps()),
                "data": data,
            }
        )

    for store in stores:
        for oid in orders:
            for _ in range(draw(st.integers(0, 2))):
                add(
                    "order.placed",
                    {
                        "order_id": oid,
                        "fulfillment": draw(st.sampled_from(["seller", "marketplace"])),
                    },
                    store,
                )
            for _ in range(draw(st.integers(0, 3))):
                answer = draw(
                    st.one_of(
                        st.fixed_dictionaries({"vote": st.sampled_from(["yes", "no"])}),
                        st.fixed_dictionaries({"rating": st.integers(1, 5)}),
                    )
                )
                add("survey.vote", {"order_id": oid, **answer}, store)
        for cid in contacts:
            for _ in range(draw(st.integers(0, 2))):
                data: dict[str, Any] = {
                    "contact_id": cid,
                    "reason": draw(
                        st.sampled_from(
                            ["shipping", "other", "pre_sale_question", "product_quality"]
                        )
                    ),
                }
                linked = draw(st.sampled_from([*orders, None]))
                if linked is not None:
                    data["order_id"] = linked
                add("contact.received", data, store)
            for _ in range(draw(st.integers(0, 2))):
                add("contact.responded", {"contact_id": cid}, store)
            if draw(st.booleans()):
                add("contact.no_response_needed", {"contact_id": cid}, store)
    return events


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
            if item["pk"]["S"].startswith("SELLERS#"):
                item.pop("registered_at")
            if item["pk"]["S"].startswith("AGG#"):
                # Deltas that cancel out within one batch but not across two leave zeros.
                item = {k: v for k, v in item.items() if v != {"N": "0"}}
                if not set(item) - {"pk", "sk", "expires_at"}:
                    continue
            items[(item["pk"]["S"], item["sk"]["S"])] = item
    return items


def pipeline_counters(deployment: Deployment, store: str, day: date):  # type: ignore[no-untyped-def]
    repo = RunStore(settings=Settings(table_name=deployment.outputs["EventsTableName"]))
    items = repo.aggregates(
        "S1", store, FIRST_DAY - timedelta(days=1), FIRST_DAY + timedelta(days=DAYS + 1)
    )
    return as_of(((i.belongs, i.effective, i.counters) for i in items), day)


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
    max_examples=examples(ci=25, soak=1000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
)
@given(
    events=streams(),
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
        for offset in range(-1, DAYS + 1):
            day = FIRST_DAY + timedelta(days=offset)
            expected = reference.counters(store_events, day)
            assert pipeline_counters(messy, store, day) == expected, (store, day)
    tally["streams (shuffled, redelivered) against the reference"] += 1
    tally["events delivered in those streams"] += len(deliveries)
