"""The local runs and the template's state machines cannot drift apart.

moto 5.2 cannot execute the definitions (its ASL grammar has no
`ToleratedFailurePercentage`; its distributed map counts failed items but never fails the
map, and never raises `States.ItemReaderFailed`), so the local runs follow each definition
itself (csinsights_local/definition.py). These tests read the definitions from the
translated template with plain dictionaries and check real local runs against them: which
function each state invokes, with which input (an `ItemSelector` applied to each item of a
list or of the objects under a prefix), in which order; that every path a state reads is in
the data it gets; that the retry policies are the ones the local runs emulate; and that a
definition the local run could not follow is refused rather than half-followed.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from csinsights_local.definition import (
    ALERT_RUN,
    METRICS_RUN,
    UnsupportedDefinition,
    raw_definition,
    steps,
    substitutions,
)
from csinsights_local.run import run_alert_machine, run_metrics
from csinsights_local.stack import REGION, Deployment
from tests.builders import contact_received
from tests.marketplace import T, ingest, marketplace

RETRIES = 3  # what tests/integration/test_run_faults.py retries each step, as AWS would
MACHINES = (METRICS_RUN, ALERT_RUN)


def _in_order(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    states, name, order = definition["States"], definition["StartAt"], []
    while name:
        order.append((name, states[name]))
        name = states[name].get("Next")
    return order


def _processor_task(state: dict[str, Any]) -> dict[str, Any]:
    processor = state["ItemProcessor"]
    return processor["States"][processor["StartAt"]]


def _path(path: str, data: Any) -> Any:
    if path == "$":
        return data
    assert path.startswith("$."), path
    for name in path[2:].split("."):
        data = data[name]
    return data


def _child_input(selector: dict[str, Any], data: Any, item: Any) -> dict[str, Any]:
    out = {}
    for name, value in selector.items():
        if not name.endswith(".$"):
            out[name] = value
        elif value.startswith("$$.Map.Item.Value"):
            out[name[:-2]] = _path("$" + value.removeprefix("$$.Map.Item.Value"), item)
        else:
            out[name[:-2]] = _path(value, data)
    return out


def _expected_invocations(
    definition: dict[str, Any], functions: dict[str, str], first_input: Any, calls: list[Any]
) -> list[tuple[str, Any]]:
    """What an execution of `definition` invokes, each task's output taken from the
    recorded calls (the data the next states read)."""
    s3 = boto3.client("s3")
    outputs = iter([output for _, _, output in calls])
    expected: list[tuple[str, Any]] = []
    data = first_input
    for _, state in _in_order(definition):
        if state["Type"] == "Task":
            expected.append((functions[state["Resource"]], data))
            data = next(outputs)
            continue
        function = functions[_processor_task(state)["Resource"]]
        if "ItemReader" in state:
            params = state["ItemReader"]["Parameters"]
            listed = s3.list_objects_v2(
                Bucket=_path(params["Bucket.$"], data), Prefix=_path(params["Prefix.$"], data)
            )
            items = [{"Key": o["Key"], "Size": o["Size"]} for o in listed.get("Contents", [])]
        else:
            items = _path(state["ItemsPath"], data)
        for item in items:
            expected.append((function, _child_input(state["ItemSelector"], data, item)))
            next(outputs)
    return expected


def _recording(stack: Deployment, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    real = stack.invoke

    def invoke(function: str, event: dict[str, Any]) -> Any:
        given = copy.deepcopy(event)
        output = real(function, event)
        calls.append((function, given, copy.deepcopy(output)))
        return output

    monkeypatch.setattr(stack, "invoke", invoke)
    return calls


def test_a_run_invokes_each_state_of_the_definition_in_order(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(stack, marketplace())
    calls = _recording(stack, monkeypatch)
    result = run_metrics(stack, T)
    expected = _expected_invocations(raw_definition(), substitutions(), {"as_of": T}, calls)
    assert [(f, e) for f, e, _ in calls] == expected
    functions = [c[0] for c in calls]
    shards = len(calls[0][2]["shards"])
    assert functions[: 2 + shards] == [
        "MetricsPlanFunction",
        *["MetricsListFunction"] * shards,
        "MetricsShardsFunction",
    ]
    assert functions.count("MetricsSellersFunction") == shards  # one part per shard
    assert functions.count("MetricsPublishFunction") == shards
    shaped = calls[1 + shards][2]
    assert shaped["whole_items"]  # a store of one shard: one step
    assert functions.count("MetricsBenchmarksFunction") == len(shaped["whole_items"]) + 4 * (
        len(shaped["shard_items"]) + len(shaped["merge_items"]) + len(shaped["stores"])
    )
    assert result.output == shaped  # the maps keep the data they were given
    assert [i.function for i in result.invocations] == functions


def test_an_alert_run_invokes_each_state_of_its_definition_in_order(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(stack, [contact_received("c1", "2026-11-18T18:00:00Z", "shipping")])
    calls = _recording(stack, monkeypatch)
    result = run_alert_machine(stack, datetime(2026, 11, 20, tzinfo=UTC))
    first = {"detail-type": "Scheduled Event", "source": "aws.events"}
    first["as_of"] = "2026-11-20T00:00:00+00:00"
    expected = _expected_invocations(
        raw_definition(ALERT_RUN), substitutions(ALERT_RUN), first, calls
    )
    assert [(f, e) for f, e, _ in calls] == expected
    assert result.output == [output for _, _, output in calls[1:]]  # the map's results
    assert sum(len(o["alerts"]) for o in result.output) == 1


def test_with_one_registry_shard_each_map_over_the_list_has_one_child(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`RegistryShards` 1: one part of the seller list, so each map over the parts invokes
    its function once, with that part's key."""
    for function, environment in stack.function_environments.items():
        if "REGISTRY_SHARDS" in environment:
            monkeypatch.setitem(environment, "REGISTRY_SHARDS", "1")
    ingest(stack, marketplace())
    calls = _recording(stack, monkeypatch)
    run_metrics(stack, T)
    sellers = [e for f, e, _ in calls if f == "MetricsSellersFunction"]
    assert [e["key"] for e in sellers] == ["runs/2026-11-19/sellers/00000.jsonl"]
    assert sellers[0]["benchmark_shards"] == {"CA": 1, "US": 1}
    published = [e for f, e, _ in calls if f == "MetricsPublishFunction"]
    assert published == [{"key": sellers[0]["key"], "as_of_day": "2026-11-19"}]


def test_every_path_a_state_reads_is_in_the_data_it_gets(stack: Deployment) -> None:
    ingest(stack, marketplace())
    result = run_metrics(stack, T)
    plan = stack.invoke("MetricsPlanFunction", {"as_of": T})
    shaped = result.output
    data = plan
    for name, state in _in_order(raw_definition())[1:]:
        read = list(state.get("ItemReader", {}).get("Parameters", {}).values())
        read += [state["ItemsPath"]] if "ItemsPath" in state else []
        read += [
            v for k, v in state.get("ItemSelector", {}).items() if k.endswith(".$") and v[1] != "$"
        ]
        for path in read:
            _path(path, data)  # present
        if name == "BenchmarkShards":
            data = shaped
    assert plan["bucket"] == stack.outputs["ReportsBucketName"]


@pytest.mark.parametrize("machine", MACHINES)
def test_the_retry_policies_are_those_the_local_run_emulates(machine: str) -> None:
    """Every task is retried whatever failed, every map over the objects of a prefix when
    listing them failed; `run_metrics(..., retries=RETRIES)` is what the definition does."""
    for name, state in _in_order(raw_definition(machine)):
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


def _edited(path: list[Any], value: Any, machine: str = METRICS_RUN) -> dict[str, Any]:
    definition = raw_definition(machine)
    node: Any = definition
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return definition


DELETE = object()
UNFOLLOWABLE = {
    "a Catch": (["States", "Plan", "Catch"], [{"ErrorEquals": ["States.ALL"], "Next": "Publish"}]),
    "a ResultSelector": (["States", "Plan", "ResultSelector"], {"day.$": "$.as_of_day"}),
    "a map's results kept midway": (["States", "ListSellers", "ResultPath"], "$.listed"),
    "a map's results put in the data": (["States", "Publish", "ResultPath"], "$.published"),
    "a map without an ItemSelector": (["States", "Combine1", "ItemSelector"], DELETE),
    "tolerated failures": (["States", "SellerCounts", "ToleratedFailurePercentage"], 5),
    "a narrower retry": (
        ["States", "Plan", "Retry"],
        [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 3}],
    ),
    "a JSON item reader": (
        ["States", "Publish", "ItemReader", "Resource"],
        "arn:aws:states:::s3:getObject",
    ),
    "a reader's config": (["States", "Publish", "ItemReader", "ReaderConfig"], {"MaxItems": 5}),
    "an item batcher": (["States", "Publish", "ItemBatcher"], {"MaxItemsPerBatch": 10}),
    "a retried map of a list": (
        ["States", "Pass1", "Retry"],
        [{"ErrorEquals": ["States.ItemReaderFailed"], "MaxAttempts": 3}],
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


def test_the_deployed_definitions_are_followed() -> None:
    for machine in MACHINES:
        assert steps(raw_definition(machine), substitutions(machine))


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
        with pytest.raises(ClientError, match="ToleratedFailurePercentage"):
            sfn.create_state_machine(
                name="metrics-run",
                definition=text,
                roleArn="arn:aws:iam::123456789012:role/metrics-run",
            )
