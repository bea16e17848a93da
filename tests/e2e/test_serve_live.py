"""`csinsights serve` started empty, as the README's flow starts it: it stays healthy
through its reply-due alert runs, and a backfill sent with `csinsights import` is ingested
from its queue and shows on the live overdue list."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from csinsights_local.tokens import issue
from tests.builders import contact_received, order_placed
from tests.e2e.test_local_tools import COMMAND, clean_environment, csinsights
from tests.e2e.test_serve import call

pytestmark = pytest.mark.e2e

ALERT_SECONDS = 1.0
CALLING_SECONDS = 5


@dataclass
class Served:
    url: str
    env: dict[str, str]
    stderr: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("live")
    env = clean_environment(folder / "state.json")
    stderr = folder / "stderr.txt"
    with stderr.open("w") as errors:
        process = subprocess.Popen(
            [COMMAND, "serve", "--alert-seconds", str(ALERT_SECONDS)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
        )
        try:
            assert process.stdout is not None
            first = process.stdout.readline().strip()
            assert first.startswith("Serving on http://127.0.0.1:"), stderr.read_text()
            yield Served(first.removeprefix("Serving on "), env, stderr)
        finally:
            process.terminate()
            process.wait(timeout=60)


def test_an_empty_stack_answers_through_its_alert_runs(served: Served) -> None:
    deadline = time.monotonic() + CALLING_SECONDS  # a few alert runs (about 1 s each)
    while time.monotonic() < deadline:
        for path in ("/v1/sellers/S1/contacts/overdue", "/v1/sellers/S1/reports"):
            status, body = call(served.url, path, issue("S1"))
            assert status == 200, body
        time.sleep(0.2)
    assert "Traceback" not in served.stderr.read_text()


def test_an_import_is_ingested_and_its_contacts_are_overdue_live(
    served: Served, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)

    def ago(hours: int) -> str:
        return (now - timedelta(hours=hours)).isoformat().replace("+00:00", "Z")

    events = [
        order_placed("o1", ago(50), seller="S7", store="US"),
        contact_received("c1", ago(30), order_id="o1", seller="S7", store="US"),
        contact_received("c2", ago(2), order_id="o1", seller="S7", store="US"),
    ]
    archive = tmp_path / "backfill.jsonl"
    archive.write_text("".join(json.dumps(e) + "\n" for e in events))
    sent = csinsights(served.env, "import", str(archive))
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout) == {"sent": 3, "unsendable": 0}
    listed: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and listed != ["c1", "c2"]:
        status, body = call(served.url, "/v1/sellers/S7/contacts/overdue", issue("S7"))
        assert status == 200, body
        listed = [c["contact_id"] for c in body["contacts"]]
        time.sleep(0.2)
    assert listed == ["c1", "c2"]  # least time left first
    time.sleep(2 * ALERT_SECONDS)  # an alert run over what was ingested
    status, _ = call(served.url, "/v1/sellers/S7/contacts/overdue", issue("S7"))
    assert status == 200
    assert "Traceback" not in served.stderr.read_text()
