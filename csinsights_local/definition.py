"""The metrics run's state machine definition, as the template deploys it, read as steps.

moto's Step Functions interpreter cannot execute this definition (its grammar has no
`ItemBatcher`, and a distributed map's failed items never fail the map there), so the
local run follows the definition itself: this module reads it from the translated template
into the few kinds of step it uses, and refuses any field the local run would not honour,
so that the template cannot gain behaviour the local run silently skips.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from csinsights_local.template import cloudformation_template

STATE_MACHINE = "MetricsRunStateMachine"
TASK_RETRY = ("States.ALL",)
"""A task is tried again whatever failed."""
READER_RETRY = ("States.ItemReaderFailed",)
"""A map is tried again only when reading its items failed, before any item ran."""
S3_JSON_READER = "arn:aws:states:::s3:getObject"

_TASK_FIELDS = {"Type", "Resource", "Retry", "Next", "End", "Comment"}
_MAP_FIELDS = {
    "Type",
    "Retry",
    "ItemReader",
    "ItemBatcher",
    "ItemsPath",
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
    """An S3 JSON list, at the bucket and key the state's data names."""

    bucket_path: str
    key_path: str


@dataclass(frozen=True)
class MapStep:
    """A map running `task` on each item (or batch of items); the state's data is kept."""

    state: str
    task: Task
    retry: Retry | None
    items_path: str | None = None
    reader: ItemReader | None = None
    batch_size: int | None = None
    batch_input: dict[str, Any] = field(default_factory=dict)
    """Field -> a `$.` path into the state's data (or a constant)."""

    def inputs(self, items: list[Any], data: dict[str, Any]) -> list[Any]:
        """What each child execution gets: an item, or a batch of items and BatchInput."""
        if self.batch_size is None:
            return list(items)
        batch_input = select(self.batch_input, data)
        return [
            {"Items": items[start : start + self.batch_size], "BatchInput": batch_input}
            for start in range(0, len(items), self.batch_size)
        ]


Step = Task | MapStep


def resolve(path: str, data: Any) -> Any:
    """A JSONPath of plain field names (`$.a.b`), the only kind the definition uses."""
    if path == "$":
        return data
    if not path.startswith("$."):
        raise UnsupportedDefinition(f"path {path!r}")
    for name in path[2:].split("."):
        data = data[name]
    return data


def select(template: dict[str, Any], data: Any) -> dict[str, Any]:
    """Parameters or BatchInput: `name.$` fields are paths into `data`, others constants."""
    return {
        name.removesuffix(".$"): resolve(value, data) if name.endswith(".$") else value
        for name, value in template.items()
    }


def raw_definition() -> dict[str, Any]:
    """The definition the template deploys, function ARNs still `${...}` substitutions."""
    props = cloudformation_template()["Resources"][STATE_MACHINE]["Properties"]
    text = props["DefinitionString"]
    if isinstance(text, dict):
        separator, parts = text["Fn::Join"]
        text = separator.join(parts)
    return json.loads(text)


def substitutions() -> dict[str, str]:
    """`${Name}` in the definition -> the logical id of the function it names."""
    props = cloudformation_template()["Resources"][STATE_MACHINE]["Properties"]
    return {
        "${" + name + "}": value["Fn::GetAtt"][0]
        for name, value in props.get("DefinitionSubstitutions", {}).items()
    }


@lru_cache(maxsize=1)
def metrics_run() -> tuple[Step, ...]:
    """The deployed definition's top-level states, in the order an execution enters them."""
    return steps(raw_definition(), substitutions())


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
    if state.get("ResultPath", "absent") is not None:
        raise UnsupportedDefinition(f"{name}: a map's results are discarded (ResultPath null)")
    if state.get("ToleratedFailurePercentage", 0) != 0:
        raise UnsupportedDefinition(f"{name}: any failed item fails the run")
    processor = state["ItemProcessor"]
    _only(f"{name}.ItemProcessor", processor, {"ProcessorConfig", "StartAt", "States"})
    if len(processor["States"]) != 1:
        raise UnsupportedDefinition(f"{name}: an item processor of one task")
    inner = processor["StartAt"]
    task = _task(inner, processor["States"][inner], functions)
    reader, batcher = state.get("ItemReader"), state.get("ItemBatcher")
    step = MapStep(
        state=name,
        task=task,
        retry=_retry(name, state, READER_RETRY),
        items_path=state.get("ItemsPath"),
        reader=_reader(name, reader) if reader else None,
        batch_size=batcher["MaxItemsPerBatch"] if batcher else None,
        batch_input=batcher.get("BatchInput", {}) if batcher else {},
    )
    if batcher:
        _only(f"{name}.ItemBatcher", batcher, {"MaxItemsPerBatch", "BatchInput"})
    if (step.reader is None) == (step.items_path is None):
        raise UnsupportedDefinition(f"{name}: items from either ItemReader or ItemsPath")
    return step


def _task(name: str, state: dict[str, Any], functions: dict[str, str]) -> Task:
    _only(name, state, _TASK_FIELDS)
    if state["Resource"] not in functions:
        raise UnsupportedDefinition(f"{name}: resource {state['Resource']} is not a function")
    return Task(name, functions[state["Resource"]], _retry(name, state, TASK_RETRY))


def _reader(name: str, reader: dict[str, Any]) -> ItemReader:
    _only(f"{name}.ItemReader", reader, {"Resource", "ReaderConfig", "Parameters"})
    params = reader["Parameters"]
    if reader["Resource"] != S3_JSON_READER or reader.get("ReaderConfig") != {"InputType": "JSON"}:
        raise UnsupportedDefinition(f"{name}: items read from an S3 JSON list only")
    if set(params) != {"Bucket.$", "Key.$"}:
        raise UnsupportedDefinition(f"{name}: reader parameters {sorted(params)}")
    return ItemReader(bucket_path=params["Bucket.$"], key_path=params["Key.$"])


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
