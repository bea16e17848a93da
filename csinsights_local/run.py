"""Run the scheduled computation and the reply-due alert run locally, step by step as the
template's state machines do: each state of a definition in turn, each Lambda task by the
product's own step, each map's children one after another.

Two targets: a local stack in the AWS emulation (each task by its function's real handler,
a map's objects listed from the emulated bucket), or the embedded store (each task by the
step the handler calls, `csinsights.steps` and `csinsights.alerts`, the objects listed from
the store's files). On the embedded store every invocation's store requests and items read
are counted (`Invocation`): what one invocation of each step costs, as the marketplace
grows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import boto3

from csinsights import steps
from csinsights.alerts import ReplyDueAlerts
from csinsights.compute import MetricsRun
from csinsights.store import codecs
from csinsights_local.definition import (
    ItemReader,
    MapStep,
    Retry,
    Step,
    Task,
    alert_run,
    metrics_run,
    resolve,
)
from csinsights_local.embedded import EmbeddedStore
from csinsights_local.stack import Deployment

T = TypeVar("T")

METRICS_STEPS: dict[str, Callable[[MetricsRun, dict[str, Any]], dict[str, Any]]] = {
    "MetricsPlanFunction": steps.plan,
    "MetricsListFunction": steps.list_sellers,
    "MetricsShardsFunction": steps.benchmark_shards,
    "MetricsSellersFunction": steps.count_sellers,
    "MetricsBenchmarksFunction": steps.benchmarks,
    "MetricsPublishFunction": steps.publish_sellers,
}
"""Each task function of the metrics run -> the step its handler runs."""
STEP_OF = {
    "MetricsPlanFunction": "plan",
    "MetricsListFunction": "plan",
    "MetricsSellersFunction": "seller_counts",
    "MetricsShardsFunction": "store_benchmarks",
    "MetricsBenchmarksFunction": "store_benchmarks",
    "MetricsPublishFunction": "publish",
    "AlertPlanFunction": "alerts",
    "AlertFunction": "alerts",
}
"""Each function -> the step of a run it is part of, as the replay reports them."""
RUN_STEPS = ("plan", "seller_counts", "store_benchmarks", "publish", "alerts")


class ItemReaderFailed(Exception):
    """A distributed map could not read its items (Step Functions' `States.ItemReaderFailed`):
    the map is retried where the definition says so, else the run fails."""


@dataclass(frozen=True)
class Invocation:
    """One invocation of a step's function, and what it asked of the store (None where the
    target does not count)."""

    state: str
    function: str
    requests: int | None
    items_read: int | None


class Target(Protocol):
    """Where a run's tasks run and its maps list their objects."""

    def invoke(self, function: str, event: Any) -> Any: ...

    def list(self, bucket: str, prefix: str) -> list[dict[str, Any]]: ...

    def read(self, bucket: str, key: str) -> bytes: ...

    def counted(self) -> tuple[int, int] | None:
        """(requests, items read) of the last invocation, if the target counts them."""


class EmulatedAws:
    """A local stack in the AWS emulation: tasks by their functions' real handlers."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    def invoke(self, function: str, event: Any) -> Any:
        return self.deployment.invoke(function, event)

    def list(self, bucket: str, prefix: str) -> list[dict[str, Any]]:
        pages = boto3.client("s3").get_paginator("list_objects_v2")
        return [
            {"Key": o["Key"], "Size": o["Size"]}
            for page in pages.paginate(Bucket=bucket, Prefix=prefix)
            for o in page.get("Contents", [])
        ]

    def read(self, bucket: str, key: str) -> bytes:
        return bytes(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())

    def counted(self) -> tuple[int, int] | None:
        return None


class Embedded:
    """The embedded store: tasks by the steps the handlers call."""

    def __init__(self, store: EmbeddedStore, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.run = MetricsRun(store, store)
        self.alerts = ReplyDueAlerts(store, clock) if clock else ReplyDueAlerts(store)

    def invoke(self, function: str, event: Any) -> Any:
        self.store.meter.reset()
        if function in METRICS_STEPS:
            return METRICS_STEPS[function](self.run, event)
        if function == "AlertPlanFunction":
            as_of = event.get("as_of")
            plan = self.alerts.plan(datetime.fromisoformat(as_of) if as_of else None)
            return {"at": plan.at.isoformat(), "live": plan.live, "partitions": plan.partitions}
        if function == "AlertFunction":
            at = datetime.fromisoformat(event["at"])
            published = self.alerts.run_partition(event["partition"], at, bool(event["live"]))
            return {"alerts": [a.detail() for a in published]}
        raise KeyError(function)

    def list(self, bucket: str, prefix: str) -> list[dict[str, Any]]:
        assert bucket == self.store.bucket
        self.store.meter.reset()
        return [
            {"Key": key, "Size": len(self.store.objects[key][0])}
            for key in self.store.keys_under(prefix)
        ]

    def read(self, bucket: str, key: str) -> bytes:
        assert bucket == self.store.bucket
        return self.store.objects[key][0]

    def counted(self) -> tuple[int, int] | None:
        return self.store.meter.requests, self.store.meter.items_read


@dataclass
class RunResult:
    """What an execution returned, and every invocation it made."""

    output: Any
    invocations: list[Invocation] = field(default_factory=list)

    def shape(self) -> dict[str, dict[str, int | None]]:
        """Per step of the run: how many invocations, and the most store requests and items
        read of one (None where the target does not count)."""
        out: dict[str, dict[str, int | None]] = {}
        for name in [
            n for n in RUN_STEPS if any(STEP_OF[i.function] == n for i in self.invocations)
        ]:
            mine = [i for i in self.invocations if STEP_OF[i.function] == name]
            counted = [i for i in mine if i.requests is not None]
            out[name] = {
                "invocations": len(mine),
                "max_items_read": max((i.items_read or 0 for i in counted), default=None),
                "max_requests": max((i.requests or 0 for i in counted), default=None),
            }
        return out


def listed_sellers(target: Deployment | Target, output: dict[str, Any]) -> dict[str, list[str]]:
    """Every seller a run listed, with its stores: all the parts of its seller list (a
    local tool's whole view, which no step of the run takes)."""
    chosen = _target(target)
    bucket, prefix = output["bucket"], output["sellers_prefix"]
    sellers: dict[str, list[str]] = {}
    for entry in chosen.list(bucket, prefix):
        sellers |= codecs.sellers_of_part(chosen.read(bucket, entry["Key"]))
    return dict(sorted(sellers.items()))


def published_alerts(result: RunResult) -> list[dict[str, Any]]:
    """What an alert run published, in the order of the alerts (seller, store, contact,
    threshold)."""
    details = [a for partition in result.output for a in partition["alerts"]]
    return sorted(
        details,
        key=lambda a: (a["seller_id"], a["store_id"], a["contact_id"], a["threshold_hours"]),
    )


def _target(target: Deployment | Target) -> Target:
    return EmulatedAws(target) if isinstance(target, Deployment) else target


def run_metrics(
    target: Deployment | Target, as_of: str | None = None, retries: int = 0
) -> RunResult:
    """`as_of`: a UTC midnight or a date; default the scheduled day (end of yesterday).

    `retries`: how many times a failed step is tried again before the run fails, wherever
    the definition has a Retry (each task, and each map whose item reader fails). The
    output is the last state's data (the plan's, with the stores' benchmark shards)."""
    data: dict[str, Any] = {"as_of": as_of} if as_of else {"detail-type": "Scheduled Event"}
    return _Run(_target(target), retries).execute(metrics_run(), data)


def run_alert_machine(
    target: Deployment | Target, as_of: datetime | None = None, retries: int = 0
) -> RunResult:
    """One reply-due alert run (live, or as of `as_of`): its output is each partition's
    `{"alerts": [...]}`."""
    data: dict[str, Any] = {"detail-type": "Scheduled Event", "source": "aws.events"}
    if as_of is not None:
        data["as_of"] = as_of.astimezone(UTC).isoformat()
    return _Run(_target(target), retries).execute(alert_run(), data)


class _Run:
    """One execution: states run one at a time, in the definition's order."""

    def __init__(self, target: Target, retries: int) -> None:
        self.target = target
        self.retries = retries
        self.invocations: list[Invocation] = []

    def execute(self, definition: tuple[Step, ...], data: Any) -> RunResult:
        for step in definition:
            if isinstance(step, Task):
                data = self.task(step, data)
                continue
            items = self.items(step, data)
            results = [self.task(step.task, child) for child in step.inputs(items, data)]
            if step.keeps_results:
                data = results
        return RunResult(data, self.invocations)

    def task(self, task: Task, event: Any) -> Any:
        def call() -> Any:
            output = self.target.invoke(task.function, event)
            counted = self.target.counted()
            self.invocations.append(
                Invocation(
                    task.state,
                    task.function,
                    counted[0] if counted else None,
                    counted[1] if counted else None,
                )
            )
            return output

        return self._retrying(task.retry, call)

    def items(self, step: MapStep, data: dict[str, Any]) -> list[Any]:
        reader = step.reader
        if reader is None:
            return list(resolve(step.items_path or "$", data))
        return self._retrying(step.retry, lambda: self._read_items(reader, data))

    def _read_items(self, reader: ItemReader, data: dict[str, Any]) -> list[Any]:
        """A distributed map's item reader: the objects under the prefix `data` names."""
        bucket, prefix = resolve(reader.bucket_path, data), resolve(reader.prefix_path, data)
        try:
            return self.target.list(bucket, prefix)
        except Exception as exc:
            raise ItemReaderFailed(f"s3://{bucket}/{prefix}: {exc}") from exc

    def _retrying(self, retry: Retry | None, call: Callable[[], T]) -> T:
        """Like a state's Retry: the same input, tried again after a failure."""
        for _ in range(self.retries if retry else 0):
            try:
                return call()
            except Exception:  # noqa: BLE001, S112 - the definition retries any failure here
                continue
        return call()
