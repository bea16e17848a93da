"""The state machines' definitions, as the template deploys them, read as steps.

moto's Step Functions interpreter cannot execute these definitions (a distributed map's
failed items never fail the map there, and it never raises `States.ItemReaderFailed`), so
the local runs follow each definition itself: this module reads it from the translated
template into the few kinds of step it uses, and refuses any field the local run would not
honour, so that the template cannot gain behaviour the local run silently skips.

The kinds: a Lambda task (its output becomes the state's data) and a map of one Lambda
task over a list of the state's data (`ItemsPath`) or over the objects under a prefix of a
bucket (`ItemReader` `s3:listObjectsV2`), each child's input made by `ItemSelector`, the
results discarded (`ResultPath: null`) or, for the last state, the execution's output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from csinsights_local.template import cloudformation_template

METRICS_RUN = "MetricsRunStateMachine"
ALERT_RUN = "ReplyDueAlertsStateMachine"
TASK_RETRY = ("States.ALL",)
"""A task is tried again whatever failed."""
READER_RETRY = ("States.ItemReaderFailed",)
"""A map is tried again only when reading its items failed, before any item ran."""
S3_LIST_READER = "arn:aws:states:::s3:listObjectsV2"
ITEM = "$$.Map.Item.Value"
"""The item a map's child is for, in an `ItemSelector` path."""

_TASK_FIELDS = {"Type", "Resource", "Retry", "Next", "End", "Comment"}
_MAP_FIELDS = {
    "Type",
    "Retry",
    "ItemReader",
    "ItemsPath",
    "ItemSelector",
    "MaxConcurrency",
    "ToleratedFailurePercentage",
    "ItemProcessor",
    "ResultPath",
    "Next",
    "End",
    "Comment",
}


class UnsupportedDefinition(ValueError):
    """The definition uses something the local run does not do as Step Functions would."""


@dataclass(frozen=True)
class Retry:
    errors: tuple[str, ...]
    max_attempts: int


@dataclass(frozen=True)
class Task:
    """A Lambda task: its output becomes the state's data."""

    state: str
    function: str
    """Logical id of the function in the template."""
    retry: Retry | None


@dataclass(frozen=True)
class ItemReader:
    """The objects under a prefix of a bucket (S3 lists them by key), as the state's data
    names them; each item is `{"Key", ...}`."""

    bucket_path: str
    prefix_path: str


@dataclass(frozen=True)
class MapStep:
    """A map running `task` on each item; the state's data is kept (`ResultPath: null`),
    or the children's outputs, in the items' order, become it (`keeps_results`)."""

    state: str
    task: Task
    retry: Retry | None
    selector: dict[str, Any]
    """Field -> a path into the item (`$$.Map.Item.Value...`) or the state's data, or a
    constant."""
    items_path: str | None = None
    reader: ItemReader | None = None
    keeps_results: bool = False

    def inputs(self, items: list[Any], data: dict[str, Any]) -> list[Any]:
        """What each child execution gets."""
        return [select(self.selector, data, item) for item in items]


Step = Task | MapStep


def resolve(path: str, data: Any) -> Any:
    """A JSONPath of plain field names (`$.a.b`), the only kind the definitions use."""
    if path == "$":
        return data
    if not path.startswith("$."):
        raise UnsupportedDefinition(f"path {path!r}")
    for name in path[2:].split("."):
        data = data[name]
    return data


def select(template: dict[str, Any], data: Any, item: Any) -> dict[str, Any]:
    """An `ItemSelector`: `name.$` fields are paths into the item or the state's data,
    others constants."""
    out = {}
    for name, value in template.items():
        if not name.endswith(".$"):
            out[name] = value
        elif value == ITEM or value.startswith(ITEM + "."):
            out[name.removesuffix(".$")] = resolve("$" + value[len(ITEM) :], item)
        else:
            out[name.removesuffix(".$")] = resolve(value, data)
    return out


def _properties(machine: str) -> dict[str, Any]:
    return dict(cloudformation_template()["Resources"][machine]["Properties"])


def raw_definition(machine: str = METRICS_RUN) -> dict[str, Any]:
    """The definition the template deploys, function ARNs still `${...}` substitutions."""
    text = _properties(machine)["DefinitionString"]
    if isinstance(text, dict):
        separator, parts = text["Fn::Join"]
        text = separator.join(parts)
    return dict(json.loads(text))


def substitutions(machine: str = METRICS_RUN) -> dict[str, str]:
    """`${Name}` in the definition -> the logical id of the function it names."""
    return {
        "${" + name + "}": value["Fn::GetAtt"][0]
        for name, value in _properties(machine).get("DefinitionSubstitutions", {}).items()
    }


@lru_cache(maxsize=4)
def machine_steps(machine: str) -> tuple[Step, ...]:
    """The deployed definition's top-level states, in the order an execution enters them."""
    return steps(raw_definition(machine), substitutions(machine))


def metrics_run() -> tuple[Step, ...]:
    return machine_steps(METRICS_RUN)


def alert_run() -> tuple[Step, ...]:
    return machine_steps(ALERT_RUN)


def steps(definition: dict[str, Any], functions: dict[str, str]) -> tuple[Step, ...]:
    states = definition["States"]
    order, name = [], definition["StartAt"]
    while True:
        state = states[name]
        order.append(_step(name, state, functions))
        if state.get("End"):
            return tuple(order)
        name = state["Next"]


def _step(name: str, state: dict[str, Any], functions: dict[str, str]) -> Step:
    if state["Type"] == "Task":
        return _task(name, state, functions)
    if state["Type"] != "Map":
        raise UnsupportedDefinition(f"{name}: state type {state['Type']}")
    _only(name, state, _MAP_FIELDS)
    keeps_results = "ResultPath" not in state
    if not keeps_results and state["ResultPath"] is not None:
        raise UnsupportedDefinition(f"{name}: a map's results are discarded or are the output")
    if keeps_results and not state.get("End"):
        raise UnsupportedDefinition(f"{name}: only the last state's results are kept")
    if state.get("ToleratedFailurePercentage", 0) != 0:
        raise UnsupportedDefinition(f"{name}: any failed item fails the run")
    processor = state["ItemProcessor"]
    _only(f"{name}.ItemProcessor", processor, {"ProcessorConfig", "StartAt", "States"})
    if len(processor["States"]) != 1:
        raise UnsupportedDefinition(f"{name}: an item processor of one task")
    inner = processor["StartAt"]
    task = _task(inner, processor["States"][inner], functions)
    reader = state.get("ItemReader")
    if "ItemSelector" not in state:
        raise UnsupportedDefinition(f"{name}: each child's input is made by an ItemSelector")
    step = MapStep(
        state=name,
        task=task,
        retry=_retry(name, state, READER_RETRY),
        selector=dict(state["ItemSelector"]),
        items_path=state.get("ItemsPath"),
        reader=_reader(name, reader) if reader else None,
        keeps_results=keeps_results,
    )
    if (step.reader is None) == (step.items_path is None):
        raise UnsupportedDefinition(f"{name}: items from either ItemReader or ItemsPath")
    if step.reader is None and step.retry is not None:
        raise UnsupportedDefinition(f"{name}: only a map that reads its items is retried")
    return step


def _task(name: str, state: dict[str, Any], functions: dict[str, str]) -> Task:
    _only(name, state, _TASK_FIELDS)
    if state["Resource"] not in functions:
        raise UnsupportedDefinition(f"{name}: resource {state['Resource']} is not a function")
    return Task(name, functions[state["Resource"]], _retry(name, state, TASK_RETRY))


def _reader(name: str, reader: dict[str, Any]) -> ItemReader:
    _only(f"{name}.ItemReader", reader, {"Resource", "ReaderConfig", "Parameters"})
    params = reader["Parameters"]
    if reader["Resource"] != S3_LIST_READER or reader.get("ReaderConfig"):
        raise UnsupportedDefinition(f"{name}: items are the objects under an S3 prefix only")
    if set(params) != {"Bucket.$", "Prefix.$"}:
        raise UnsupportedDefinition(f"{name}: reader parameters {sorted(params)}")
    return ItemReader(bucket_path=params["Bucket.$"], prefix_path=params["Prefix.$"])


def _retry(name: str, state: dict[str, Any], errors: tuple[str, ...]) -> Retry | None:
    policies = state.get("Retry", [])
    if not policies:
        return None
    if len(policies) != 1 or tuple(policies[0]["ErrorEquals"]) != errors:
        raise UnsupportedDefinition(f"{name}: retried on {list(errors)} only")
    return Retry(errors, policies[0].get("MaxAttempts", 3))


def _only(name: str, state: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(state) - allowed
    if unknown:
        raise UnsupportedDefinition(f"{name}: {sorted(unknown)} not followed by the local run")
