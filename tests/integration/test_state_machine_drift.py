"""The local metrics run and the template's state machine cannot drift apart.

moto 5.2 cannot execute the definition (its ASL grammar has no `ItemBatcher`; its
distributed map counts failed items but never fails the map, and never raises
`States.ItemReaderFailed`), so the local run follows the definition itself
(csinsights_local/definition.py). These tests read the definition from the translated
template with plain dictionaries and check a real local run against it: which function
each state invokes, with which input, in which order; that the plan provides every path
the later states read; that the retry policies are the ones the local run emulates; and
that a definition the local run could not follow is refused rather than half-followed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from csinsights_local import run
from csinsights_local.definition import (
    UnsupportedDefinition,
    raw_definition,
    steps,
    substitutions,
)
from csinsights_local.run import run_metrics
from csinsights_local.stack import REGION, Deployment
from tests.marketplace import T, ingest, marketplace

RETRIES = 3  # what tests/integration/test_run_faults.py retries each step, as AWS would


def _in_order(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    states, name, order = definition["States"], definition["StartAt"], []
    while name:
        order.append((name, states[name]))
        name = states[name].get("Next")
    return order


def _processor_task(state: dict[str, Any]) -> dict[str, Any]:
    processor = state["ItemProcessor"]
    return processor["States"][processor["StartAt"]]


def _path(path: str, data: dict[str, Any]) -> Any:
    assert path.startswith("$."), path
    return data[path[2:]]


def _expected_invocations(
    definition: dict[str, Any], first_input: dict[str, Any], plan: dict[str, Any]
) -> list[tuple[str, Any]]:
    """What an execution of `definition` invokes, given the plan its first task returns."""
    functions = substitutions()
    s3 = boto3.client("s3")
    expected: list[tuple[str, Any]] = []
    data = first_input
    for _, state in _in_order(definition):
        if state["Type"] == "Task":
            expected.append((functions[state["Resource"]], data))
            data = plan
            continue
        function = functions[_processor_task(state)["Resource"]]
        if "ItemReader" in state:
            params = state["ItemReader"]["Parameters"]
            listed = s3.get_object(
                Bucket=_path(params["Bucket.$"], data), Key=_path(params["Key.$"], data)
            )
            items = json.loads(listed["Body"].read())
        else:
            items = _path(state["ItemsPath"], data)
        batcher = state.get("ItemBatcher")
        if batcher is None:
            expected += [(function, item) for item in items]
            continue
        size = batcher["MaxItemsPerBatch"]
        batch_input = {
            k.removesuffix(".$"): _path(v, data) for k, v in batcher["BatchInput"].items()
        }
        expected += [
            (function, {"Items": items[start : start + size], "BatchInput": batch_input})
            for start in range(0, len(items), size)
        ]
    return expected


def _recording(stack: Deployment, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    calls: list[tuple[str, Any]] = []
    real = stack.invoke

    def invoke(function: str, event: dict[str, Any]) -> Any:
        calls.append((function, copy.deepcopy(event)))
        return real(function, event)

    monkeypatch.setattr(stack, "invoke", invoke)
    return calls


def test_a_run_invokes_each_state_of_the_definition_in_order(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(stack, marketplace())
    calls = _recording(stack, monkeypatch)
    result = run_metrics(stack, T)
    plan = {k: v for k, v in result.items() if k != "sellers"}
    assert calls == _expected_invocations(raw_definition(), {"as_of": T}, plan)
    assert [c[0] for c in calls] == [
        "MetricsPlanFunction",
        "MetricsSellersFunction",
        "MetricsBenchmarksFunction",
        "MetricsBenchmarksFunction",
        "MetricsPublishFunction",
    ]
    assert result["sellers"] == calls[1][1]["Items"]


def test_the_batch_size_is_the_definitions(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one seller per batch, each map over sellers invokes its function per seller."""
    definition = raw_definition()
    for _, state in _in_order(definition):
        if "ItemBatcher" in state:
            state["ItemBatcher"]["MaxItemsPerBatch"] = 1
    monkeypatch.setattr(run, "metrics_run", lambda: steps(definition, substitutions()))
    ingest(stack, marketplace())
    calls = _recording(stack, monkeypatch)
    result = run_metrics(stack, T)
    plan = {k: v for k, v in result.items() if k != "sellers"}
    assert calls == _expected_invocations(definition, {"as_of": T}, plan)
    assert [c[0] for c in calls].count("MetricsSellersFunction") == len(result["sellers"]) == 2


def test_the_plan_provides_every_path_the_later_states_read(stack: Deployment) -> None:
    ingest(stack, marketplace())
    plan = run_metrics(stack, T)
    read = []
    for _, state in _in_order(raw_definition())[1:]:
        read += state.get("ItemReader", {}).get("Parameters", {}).values()
        read += state.get("ItemBatcher", {}).get("BatchInput", {}).values()
        read += [state["ItemsPath"]] if "ItemsPath" in state else []
    assert sorted(set(read)) == ["$.as_of_day", "$.sellers_bucket", "$.sellers_key", "$.stores"]
    assert all(path[2:] in plan for path in read)
    assert plan["sellers_bucket"] == stack.outputs["ReportsBucketName"]


def test_the_retry_policies_are_those_the_local_run_emulates() -> None:
    """Every task is retried whatever failed, every map over a list read from S3 when the
    read failed; `run_metrics(..., retries=RETRIES)` is what the definition does."""
    for name, state in _in_order(raw_definition()):
        tasks = [state] if state["Type"] == "Task" else [_processor_task(state)]
        for task in tasks:
            assert task["Retry"] == [
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": RETRIES, "BackoffRate": 2}
            ], name
        if "ItemReader" in state:
            assert state["Retry"] == [
                {
                    "ErrorEquals": ["States.ItemReaderFailed"],
                    "MaxAttempts": RETRIES,
                    "BackoffRate": 2,
                }
            ], name
        elif state["Type"] == "Map":
            assert "Retry" not in state, name
        assert state.get("ToleratedFailurePercentage", 0) == 0, name


def _edited(path: list[Any], value: Any) -> dict[str, Any]:
    definition = raw_definition()
    node: Any = definition
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return definition


UNFOLLOWABLE = {
    "a Catch": (["States", "Plan", "Catch"], [{"ErrorEquals": ["States.ALL"], "Next": "Publish"}]),
    "a ResultSelector": (["States", "Plan", "ResultSelector"], {"day.$": "$.as_of_day"}),
    "a map's results kept": (["States", "StoreBenchmarks", "ResultPath"], "$.benchmarks"),
    "an ItemSelector": (["States", "StoreBenchmarks", "ItemSelector"], {"s.$": "$$.Map.Item"}),
    "tolerated failures": (["States", "SellerCounts", "ToleratedFailurePercentage"], 5),
    "a narrower retry": (
        ["States", "Plan", "Retry"],
        [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 3}],
    ),
    "a CSV item reader": (
        ["States", "Publish", "ItemReader", "ReaderConfig"],
        {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
    ),
    "a batch size in bytes": (
        ["States", "Publish", "ItemBatcher", "MaxInputBytesPerBatch"],
        262144,
    ),
    "a Choice state": (["States", "Plan", "Type"], "Choice"),
    "a task that is not a function": (
        ["States", "Plan", "Resource"],
        "arn:aws:states:::sqs:sendMessage",
    ),
}


@pytest.mark.parametrize("edit", UNFOLLOWABLE.values(), ids=UNFOLLOWABLE.keys())
def test_a_definition_the_local_run_cannot_follow_is_refused(edit: tuple[list[Any], Any]) -> None:
    with pytest.raises(UnsupportedDefinition):
        steps(_edited(*edit), substitutions())


def test_moto_still_cannot_execute_the_definition() -> None:
    """When this fails, moto's interpreter parses the definition: run the local metrics run
    as an execution of the deployed state machine instead of following it step by step."""
    text = json.dumps(raw_definition())
    for placeholder, function in substitutions().items():
        text = text.replace(
            placeholder, f"arn:aws:lambda:{REGION}:123456789012:function:{function}"
        )
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        with pytest.raises(ClientError, match="ItemBatcher"):
            sfn.create_state_machine(
                name="metrics-run",
                definition=text,
                roleArn="arn:aws:iam::123456789012:role/metrics-run",
            )
