"""`csinsights serve --events F` serves a past archive as it ended: as of the end of its
last day, with the days of history before it, and says what it computed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from csinsights_local.tokens import issue
from tests.builders import contact_received, contact_responded, order_placed
from tests.e2e.test_local_tools import COMMAND, clean_environment
from tests.e2e.test_serve import call

pytestmark = pytest.mark.e2e

ARCHIVE = [
    order_placed("o1", "2026-11-23T10:00:00Z", seller="S1", store="US"),
    contact_received("c1", "2026-11-24T09:00:00Z", order_id="o1", seller="S1", store="US"),
    contact_responded("c1", "2026-11-24T11:30:00Z", seller="S1", store="US"),
    contact_received("c2", "2026-11-25T08:00:00Z", order_id="o1", seller="S1", store="US"),
]


def test_an_archive_is_served_as_of_its_last_day_with_its_history(tmp_path: Path) -> None:
    archive = tmp_path / "events.jsonl"
    archive.write_text("".join(json.dumps(e) + "\n" for e in ARCHIVE))
    process = subprocess.Popen(
        [COMMAND, "serve", "--events", str(archive)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean_environment(tmp_path / "state.json"),
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("Serving on ")
        assert process.stdout.readline().startswith("OpenAPI: ")
        assert process.stdout.readline().strip() == (
            "Computed as of 2026-11-26T00:00:00Z (the end of the archive's last day; "
            "history: 3 daily runs from 2026-11-23): 1 seller; "
            "ingest: 4 received, 4 accepted, 0 duplicates, 0 rejected"
        )
        status, document = call(url, "/v1/sellers/S1/metrics", issue("S1"))
        assert status == 200, document
        assert document["as_of"] == "2026-11-26T00:00:00Z"
        status, document = call(url, "/v1/sellers/S1/metrics?as_of=2026-11-25", issue("S1"))
        assert status == 200, document
        status, history = call(
            url,
            "/v1/sellers/S1/metrics/history?metric=late_contacts&from=2026-11-01&to=2026-11-30",
            issue("S1"),
        )
        assert status == 200, history
        assert [p["as_of"] for p in history["points"]] == [
            "2026-11-24T00:00:00Z",
            "2026-11-25T00:00:00Z",
            "2026-11-26T00:00:00Z",
        ]
    finally:
        process.terminate()
        process.wait(timeout=60)  # its workers end their invocations first
