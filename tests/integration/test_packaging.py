"""Each function imports as Lambda imports it: its `CodeUri` folder is the code root and
the layer (`shared/`) holds `csinsights`; nothing else of this repository is there. The
local stack imports handlers as `functions.<name>.app`, which would hide a handler that
reaches outside its own folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from csinsights_local.template import ROOT, TEMPLATE, load_sam_template

FUNCTIONS = {
    name: resource["Properties"]
    for name, resource in load_sam_template()["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}
IMPORT = """
import importlib, sys
module, name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module), name)
assert callable(handler)
leaked = sorted(m for m in sys.modules if m == "functions" or m.startswith("functions."))
assert not leaked, leaked
"""


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_the_handler_imports_from_its_own_folder_and_the_layer(function: str) -> None:
    properties = FUNCTIONS[function]
    code_root = (TEMPLATE.parent / properties["CodeUri"]).resolve()
    assert code_root.is_relative_to(ROOT / "functions"), code_root
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PYTHON") and key != "PYTHONPATH"
    }
    env["PYTHONPATH"] = os.pathsep.join([str(code_root), str(ROOT / "shared")])
    result = subprocess.run(
        [sys.executable, "-P", "-c", IMPORT, properties["Handler"]],
        cwd=code_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_every_function_is_checked() -> None:
    assert len(FUNCTIONS) >= 7
    assert all(Path(p["CodeUri"]).parts[:2] == ("..", "functions") for p in FUNCTIONS.values())
