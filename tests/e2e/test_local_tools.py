"""`csinsights rejected list|replay` reach a running `csinsights serve` with no AWS
variables set by hand: serve announces its endpoint, table and queue in a state file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import order_placed

pytestmark = pytest.mark.e2e

COMMAND = str(Path(sys.executable).parent / "csinsights")


def clean_environment(state: Path) -> dict[str, str]:
    """This process's environment without any AWS or Powertools setting (the tests set
    some; a user's shell has none), and no config to fall back on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = str(state.parent / "none")
    env["CSINSIGHTS_STATE_FILE"] = str(state)
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("served")
    archive = folder / "events.jsonl"
    good = order_placed("o1", "2026-11-10T10:00:00Z", seller="S1", store="US")
    bad = {**good, "event_id": "bad-type", "type": "order.shipped"}
    archive.write_text(f"{json.dumps(good)}\n{json.dumps(bad)}\n")
    env = clean_environment(folder / "state.json")
    process = subprocess.Popen(
        [
            COMMAND,
            "serve",
            "--events",
            str(archive),
            "--as-of",
            "2026-11-19",
            "--history-days",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Serving on http://127.0.0.1:")
        yield env
    finally:
        process.terminate()
        process.wait(timeout=60)  # its workers end their invocations first
    assert not (folder / "state.json").exists()  # removed when the stack stops


def csinsights(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_rejected_list_and_replay_find_the_running_stack(served: dict[str, str]) -> None:
    listed = csinsights(served, "rejected", "list")
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)
    assert [(i["reason"], json.loads(i["body"])["event_id"]) for i in items] == [
        ("invalid_event", "bad-type")
    ]
    replayed = csinsights(served, "rejected", "replay", "--message-id", items[0]["message_id"])
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout) == {"replayed": 1}
    # The running stack ingests what reaches its queue: still invalid, the event is kept
    # again, as the message the replay sent.
    deadline = time.monotonic() + 20
    again = items
    while (
        time.monotonic() < deadline and again and again[0]["message_id"] == items[0]["message_id"]
    ):
        again = json.loads(csinsights(served, "rejected", "list").stdout)
    assert [(i["reason"], json.loads(i["body"])["event_id"]) for i in again] == [
        ("invalid_event", "bad-type")
    ]
    assert again[0]["message_id"] != items[0]["message_id"]


def test_a_stale_state_file_is_not_used(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    stale = {
        "endpoint": "http://127.0.0.1:9",
        "region": "us-east-1",
        "table": "events",
        "queue_url": "http://127.0.0.1:9/q",
        "pid": 2**22 + 1,  # above Linux's largest process id
    }
    state.write_text(json.dumps(stale))
    result = csinsights(clean_environment(state), "rejected", "list")
    assert result.returncode == 2
    assert "no --table given and no local stack running" in result.stderr


def test_a_second_serve_leaves_the_first_ones_state_file_alone(served: dict[str, str]) -> None:
    state = Path(served["CSINSIGHTS_STATE_FILE"])
    first = json.loads(state.read_text())
    second = subprocess.Popen(
        [COMMAND, "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=served
    )
    try:
        assert second.stdout is not None
        url = second.stdout.readline().strip().removeprefix("Serving on ")
        assert url.startswith("http://127.0.0.1:")
        assert json.loads(state.read_text()) == first
    finally:
        second.terminate()
        _, errors = second.communicate(timeout=30)
    assert f"Another local stack (process {first['pid']}, {first['endpoint']})" in errors
    assert "--endpoint-url http://127.0.0.1:" in errors
    assert json.loads(state.read_text()) == first  # still the running first one's
    listed = csinsights(served, "rejected", "list")
    assert listed.returncode == 0, listed.stderr
