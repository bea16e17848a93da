"""Translate infra/template.yaml offline (no SAM CLI, no AWS) into plain CloudFormation."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import intrinsics_multi_constructor, yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"
CODE_BUCKET = "csinsights-local-code"

# What moto cannot run: the API (exercised through its handler) and event source mappings
# (moto would invoke the functions in Docker; QueueDriver plays the poller in-process).
UNDEPLOYABLE_PREFIXES = ("AWS::ApiGateway::", "AWS::Scheduler::", "AWS::Lambda::EventSourceMapping")


class _SamLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The SAM translator's reader (PyYAML's safe loader and the intrinsics' short tags),
    on libyaml where PyYAML has it; its own class, so no other reader takes the tags."""


_SamLoader.add_multi_constructor("!", intrinsics_multi_constructor)


def read_by_libyaml(text: str, loader: type, own_reader: Callable[[str], Any]) -> Any:
    """`text` read by `loader`, a loader on libyaml (PyYAML's C parser, a third of a second
    less for this template), where it reads as the library's `own_reader` (on PyYAML's
    pure-Python parser) would; a text libyaml refuses, or may read otherwise (tabs, a
    byte order mark inside it: libyaml takes them, PyYAML refuses them), is read by
    `own_reader`, which fails as it fails."""
    if "\t" in text or "\ufeff" in text[1:]:
        return own_reader(text)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - the caller's loader, C parser
    except yaml.YAMLError:
        return own_reader(text)


def load_sam_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The SAM template as the SAM translator reads it (`yaml_parse`), parsed by libyaml."""
    return read_by_libyaml(path.read_text(), _SamLoader, yaml_parse)


def _point_code_at_s3(template: dict[str, Any]) -> None:
    for name, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://{CODE_BUCKET}/{name}.zip"


@lru_cache(maxsize=4)
def _translated(path: Path, region: str) -> dict[str, Any]:
    sam = load_sam_template(path)
    _point_code_at_s3(sam)
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        return Translator(managed_policy_map={}, sam_parser=Parser()).translate(
            sam_template=sam, parameter_values={}
        )
    finally:
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous


def cloudformation_template(path: Path = TEMPLATE, region: str = "us-east-1") -> dict[str, Any]:
    """The translated template, as AWS would deploy it."""
    return copy.deepcopy(_translated(path, region))


def deployable_template(path: Path = TEMPLATE, region: str = "us-east-1") -> dict[str, Any]:
    """The translated template less what moto cannot create."""
    template = cloudformation_template(path, region)
    resources = template["Resources"]
    dropped = {
        name for name, res in resources.items() if res["Type"].startswith(UNDEPLOYABLE_PREFIXES)
    }
    while True:  # and whatever refers to them (the API's invoke permissions)
        more = {n for n, r in resources.items() if n not in dropped and _refers_to(r, dropped)}
        if not more:
            break
        dropped |= more
    for name in dropped:
        del resources[name]
    template["Outputs"] = {
        key: value
        for key, value in template.get("Outputs", {}).items()
        if not _refers_to(value, dropped)
    }
    return template


def _refers_to(node: Any, names: set[str]) -> bool:
    if isinstance(node, dict):
        if node.get("Ref") in names:
            return True
        getatt = node.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and getatt[0] in names:
            return True
        sub = node.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) else sub
        if isinstance(text, str) and any(f"${{{n}}}" in text or f"${{{n}." in text for n in names):
            return True
        return any(_refers_to(v, names) for v in node.values())
    if isinstance(node, list):
        return any(_refers_to(v, names) for v in node)
    return False
