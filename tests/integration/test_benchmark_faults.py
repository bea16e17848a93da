"""Faults in the store benchmarks' passes: the scheduled run's fault matrix
(`test_run_faults.py`) where every store is of one benchmark shard (its four passes in one
step), here deployed with a benchmark shard a seller (`BENCHMARK_SHARD_SELLERS=1`), so each
store's benchmarks run as four passes over two shards, each pass combined: a crash or an AWS
error at every AWS call of those steps (a shard's inputs, the state and the summaries read
and written in S3, the benchmarks' item).

In CI each call of one store's steps is faulted once, its outcome alternating (retried by
the state machine, or the run failing there and re-run); the soak faults both stores' calls
with every kind and both outcomes. Either way
the end state is exactly a clean run's, and sellers see complete documents only meanwhile.
The merging of more summaries than the fan-in makes the same calls as a combine; it runs,
with every sharding, in the unit properties (`tests/unit/test_domain_properties.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from csinsights.errors import Busy, Conflict, StoreFault
from csinsights_local.run import ItemReaderFailed, run_metrics
from csinsights_local.stack import Deployment, deploy
from tests.faults import Crash, inject
from tests.integration.test_run_faults import (
    BEFORE,
    EVENTS,
    KINDS,
    Clean,
    T,
    error_kind,
    latest,
    listed_reports,
    report_files,
    state,
)
from tests.marketplace import SELLERS, ingest
from tests.profiles import PROFILE
from tests.state import Saved, restore, save

SHARDING = {"REGISTRY_SHARDS": "1", "BENCHMARK_SHARD_SELLERS": "1", "BENCHMARK_FAN_IN": "2"}
BENCHMARKS = "MetricsBenchmarksFunction"
BENCHMARK_CALLS = range(31, 105)
"""The AWS calls the benchmark steps make in a run as of T (checked below): 2 stores, 2
shards each, 4 passes of a pass per shard and a combine per store."""
US_CALLS = [
    *range(35, 39),
    *range(42, 45),
    *range(51, 57),
    *range(61, 65),
    *range(71, 77),
    *range(81, 85),
    *range(91, 97),
    *range(101, 105),
]
"""Those of store US's steps (checked below): CA's steps make the same calls on CA's files;
the soak faults both stores' calls."""
OUTCOMES = ("retried", "failed")
CASES = [
    (index, kind, outcome)
    for index in (BENCHMARK_CALLS if PROFILE == "soak" else US_CALLS)
    for kind in range(KINDS)
    for outcome in OUTCOMES
    if PROFILE == "soak" or (kind == index % KINDS and outcome == OUTCOMES[index % 2])
]


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Deployment, Saved, Clean, list[str]]]:
    """Deployed with a benchmark shard a seller, the marketplace ingested and the day
    before's run done, saved; then a clean run as of T, each call's function noted (the
    run's own: listing the seller list for a distributed map)."""
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for variable, value in SHARDING.items():
            env.setenv(variable, value)
        stack = deploy()
        ingest(stack, EVENTS)
        run_metrics(stack, BEFORE)
        before = {seller: latest(stack, seller) for seller in SELLERS}
        saved = save(stack)
        functions: list[str] = []
        invoke = stack.invoke
        with inject() as faults:

            def noted(function: str, event: Any) -> Any:
                functions.extend(["the run"] * (len(faults.log) - len(functions)))
                output = invoke(function, event)
                store = event.get("item", {}).get("store_id", "") if function == BENCHMARKS else ""
                functions.extend(
                    [f"{function} {store}".strip()] * (len(faults.log) - len(functions))
                )
                return output

            env.setattr(stack, "invoke", noted)
            run_metrics(stack, T)
            env.setattr(stack, "invoke", invoke)
            functions.extend(["the run"] * (len(faults.log) - len(functions)))
        after = {seller: latest(stack, seller) for seller in SELLERS}
        clean = Clean(list(faults.log), before, after, state(stack))
        yield stack, saved, clean, functions


@pytest.fixture
def clean(deployed: tuple[Deployment, Saved, Clean, list[str]]) -> Clean:
    return deployed[2]


@pytest.fixture
def prepared(deployed: tuple[Deployment, Saved, Clean, list[str]]) -> Deployment:
    stack, saved, _, _ = deployed
    restore(stack, saved)
    return stack


def test_the_matrix_covers_every_call_of_the_benchmark_steps(
    deployed: tuple[Deployment, Saved, Clean, list[str]],
) -> None:
    _, _, clean, functions = deployed
    assert len(functions) == len(clean.calls)
    benchmark = [i for i, f in enumerate(functions) if f.startswith(BENCHMARKS)]
    assert benchmark == list(BENCHMARK_CALLS)
    assert [i for i, f in enumerate(functions) if f == f"{BENCHMARKS} US"] == US_CALLS
    steps = {op for i, (_, op) in enumerate(clean.calls) if i in BENCHMARK_CALLS}
    assert steps == {"Query", "GetObject", "PutObject", "PutItem"}


@pytest.mark.parametrize(("index", "kind", "outcome"), CASES)
def test_a_fault_in_a_benchmark_step_ends_as_a_clean_run(
    prepared: Deployment, clean: Clean, index: int, kind: int, outcome: str, tally: Any
) -> None:
    with inject() as faults:
        faults.arm_at(index, error_kind(kind))
        if outcome == "retried":
            run_metrics(prepared, T, retries=3)
        else:
            with pytest.raises((Crash, StoreFault, Busy, Conflict, ItemReaderFailed)):
                run_metrics(prepared, T)
    assert faults.injected == 1
    if outcome == "failed":
        s3 = boto3.client("s3")
        bucket = prepared.outputs["ReportsBucketName"]
        for seller in SELLERS:
            assert latest(prepared, seller) in (clean.before[seller], clean.after[seller])
            for report in listed_reports(prepared, seller):
                for key in report_files(prepared, seller, report["report_id"]):
                    s3.head_object(Bucket=bucket, Key=key)
        run_metrics(prepared, T)
    assert state(prepared) == clean.state
    tally[f"faults injected (store benchmarks, {outcome})"] += faults.injected
