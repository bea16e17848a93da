"""`csinsights replay EVENTS.jsonl --as-of T --alerts`: the alert function runs once at T
after the ingest, seeing only events before T, and the output lists what it published."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from csinsights.domain.alerts import alert_id
from csinsights_local.cli import main
from tests.builders import contact_received, contact_responded, order_placed

T = "2026-11-20T00:00:00Z"


def test_replay_with_alerts_adds_what_the_alert_run_published(tmp_path: Path) -> None:
    events = [
        order_placed("o1", "2026-11-18T10:00:00Z"),
        contact_received("c1", "2026-11-18T07:30:00Z", "fulfillment", "o1"),
        # The archive holds the reply, sent after T: it does not silence the alert at T.
        contact_responded("c1", "2026-11-20T02:00:00Z"),
        contact_received("c2", "2026-11-19T12:00:00Z", "shipping", "o1"),  # 12 h old at T
    ]
    archive = tmp_path / "events.jsonl"
    archive.write_text("".join(json.dumps(e) + "\n" for e in events))
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["replay", str(archive), "--as-of", T, "--alerts"]) == 0
    result = json.loads(out.getvalue())
    assert result["ingest"]["accepted"] == 4
    assert result["alerts"] == [
        {
            "alert_id": alert_id("A1SELLER", "US", "c1", 40),
            "seller_id": "A1SELLER",
            "store_id": "US",
            "contact_id": "c1",
            "order_id": "o1",
            "reason": "fulfillment",
            "received_at": "2026-11-18T07:30:00Z",
            "due_at": "2026-11-20T07:30:00Z",
            "hours_left": 7.5,
            "threshold_hours": 40,
        }
    ]


def test_replay_without_alerts_runs_no_alert(tmp_path: Path) -> None:
    archive = tmp_path / "events.jsonl"
    archive.write_text(json.dumps(contact_received("c1", "2026-11-18T07:30:00Z")) + "\n")
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["replay", str(archive), "--as-of", "2026-11-19"]) == 0
    assert "alerts" not in json.loads(out.getvalue())
