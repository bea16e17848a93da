"""Run the scheduled computation on a local stack, step by step as the template's state
machine does: each state of its definition in turn (plan, per-seller counts in batches,
per-store benchmarks, per-seller publication), each Lambda task by its real handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import boto3

from csinsights_local.definition import ItemReader, MapStep, Retry, Task, metrics_run, resolve
from csinsights_local.stack import Deployment

T = TypeVar("T")


def run_metrics(
    deployment: Deployment, as_of: str | None = None, retries: int = 0
) -> dict[str, Any]:
    """`as_of`: a UTC midnight or a date; default the scheduled day (end of yesterday).

    `retries`: how many times a failed step is tried again before the run fails, wherever
    the definition has a Retry (each task, and each map whose item reader fails). Returns
    the plan, with `sellers`: the list the last map read."""
    run = _Run(deployment, retries)
    data: dict[str, Any] = {"as_of": as_of} if as_of else {"detail-type": "Scheduled Event"}
    sellers: list[Any] = []
    for step in metrics_run():
        if isinstance(step, Task):
            data = run.task(step, data)
            continue
        items = run.items(step, data)
        if step.reader:
            sellers = items
        for child_input in step.inputs(items, data):
            run.task(step.task, child_input)
    return {**data, "sellers": sellers}


class _Run:
    """One execution: states run one at a time, in the definition's order."""

    def __init__(self, deployment: Deployment, retries: int) -> None:
        self.deployment = deployment
        self.retries = retries

    def task(self, task: Task, event: Any) -> Any:
        return self._retrying(task.retry, lambda: self.deployment.invoke(task.function, event))

    def items(self, step: MapStep, data: dict[str, Any]) -> Any:
        reader = step.reader
        if reader is None:
            return resolve(step.items_path or "$", data)
        return self._retrying(step.retry, lambda: _read_items(reader, data))

    def _retrying(self, retry: Retry | None, call: Callable[[], T]) -> T:
        """Like a state's Retry: the same input, tried again after a failure."""
        for _ in range(self.retries if retry else 0):
            try:
                return call()
            except Exception:  # noqa: BLE001, S112 - the definition retries any failure here
                continue
        return call()


def _read_items(reader: ItemReader, data: dict[str, Any]) -> Any:
    """A distributed map's item reader: the JSON list at the bucket and key `data` names."""
    s3 = boto3.client("s3")
    bucket, key = resolve(reader.bucket_path, data), resolve(reader.key_path, data)
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
