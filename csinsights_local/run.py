"""Run the scheduled computation locally, step by step as the template's state machine does:
each state of its definition in turn (plan, per-seller counts in batches, per-store
benchmarks, per-seller publication), each Lambda task by the product's own step.

Two targets: a local stack in the AWS emulation (each task by its function's real handler,
the seller list read from the emulated bucket), or the embedded store (each task by the
step the handler calls, `csinsights.steps`, the seller list read from the store's files).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import boto3

from csinsights import steps
from csinsights.compute import MetricsRun
from csinsights_local.definition import ItemReader, MapStep, Retry, Task, metrics_run, resolve
from csinsights_local.embedded import EmbeddedStore
from csinsights_local.stack import Deployment

T = TypeVar("T")

STEPS: dict[str, Callable[[MetricsRun, dict[str, Any]], dict[str, Any]]] = {
    "MetricsPlanFunction": steps.plan,
    "MetricsSellersFunction": steps.count_sellers,
    "MetricsBenchmarksFunction": steps.benchmark_store,
    "MetricsPublishFunction": steps.publish_sellers,
}
"""Each task function of the definition -> the step its handler runs."""


class ItemReaderFailed(Exception):
    """A distributed map could not read its items (Step Functions' `States.ItemReaderFailed`):
    the map is retried where the definition says so, else the run fails."""


class Target(Protocol):
    """Where a run's tasks run and its maps read their items."""

    def invoke(self, function: str, event: Any) -> Any: ...

    def read(self, bucket: str, key: str) -> bytes: ...


class EmulatedAws:
    """A local stack in the AWS emulation: tasks by their functions' real handlers."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    def invoke(self, function: str, event: Any) -> Any:
        return self.deployment.invoke(function, event)

    def read(self, bucket: str, key: str) -> bytes:
        return bytes(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


class Embedded:
    """The embedded store: tasks by the steps the handlers call."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.run = MetricsRun(store, store)

    def invoke(self, function: str, event: Any) -> Any:
        return STEPS[function](self.run, event)

    def read(self, bucket: str, key: str) -> bytes:
        assert bucket == self.store.bucket
        return self.store.read(key)


def run_metrics(
    target: Deployment | Target, as_of: str | None = None, retries: int = 0
) -> dict[str, Any]:
    """`as_of`: a UTC midnight or a date; default the scheduled day (end of yesterday).

    `retries`: how many times a failed step is tried again before the run fails, wherever
    the definition has a Retry (each task, and each map whose item reader fails). Returns
    the plan, with `sellers`: the list the last map read."""
    runner = _Run(EmulatedAws(target) if isinstance(target, Deployment) else target, retries)
    data: dict[str, Any] = {"as_of": as_of} if as_of else {"detail-type": "Scheduled Event"}
    sellers: list[Any] = []
    for step in metrics_run():
        if isinstance(step, Task):
            data = runner.task(step, data)
            continue
        items = runner.items(step, data)
        if step.reader:
            sellers = items
        for child_input in step.inputs(items, data):
            runner.task(step.task, child_input)
    return {**data, "sellers": sellers}


class _Run:
    """One execution: states run one at a time, in the definition's order."""

    def __init__(self, target: Target, retries: int) -> None:
        self.target = target
        self.retries = retries

    def task(self, task: Task, event: Any) -> Any:
        return self._retrying(task.retry, lambda: self.target.invoke(task.function, event))

    def items(self, step: MapStep, data: dict[str, Any]) -> Any:
        reader = step.reader
        if reader is None:
            return resolve(step.items_path or "$", data)
        return self._retrying(step.retry, lambda: self._read_items(reader, data))

    def _read_items(self, reader: ItemReader, data: dict[str, Any]) -> Any:
        """A distributed map's item reader: the JSON list at the bucket and key `data`
        names."""
        bucket, key = resolve(reader.bucket_path, data), resolve(reader.key_path, data)
        try:
            return json.loads(self.target.read(bucket, key))
        except Exception as exc:
            raise ItemReaderFailed(f"s3://{bucket}/{key}: {exc}") from exc

    def _retrying(self, retry: Retry | None, call: Callable[[], T]) -> T:
        """Like a state's Retry: the same input, tried again after a failure."""
        for _ in range(self.retries if retry else 0):
            try:
                return call()
            except Exception:  # noqa: BLE001, S112 - the definition retries any failure here
                continue
        return call()
