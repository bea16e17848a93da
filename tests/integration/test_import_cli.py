"""`csinsights import EVENTS.jsonl --queue-url Q`: a backfill sent to an ingest queue in bulk
order, each line exactly as written; lines SQS would refuse are listed, not sent."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from csinsights_local.bulk import bulk_order
from csinsights_local.cli import main, read_jsonl

LINES = [
    b'{"event_id":"e2","seller_id":"S2","store_id":"US","occurred_at":"2026-10-01T00:00:00Z"}',
    b'{"event_id":"e1" , "seller_id":"S1","store_id":"US","occurred_at":"2026-10-02T00:00:00Z"}',
    b"{not json",
    b'{"event_id":"e0","seller_id":"S1","store_id":"US","occurred_at":"2026-10-01T00:00:00Z"}',
    b"\xff",
]


def test_import_sends_the_lines_as_written_in_bulk_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(LINES) + b"\n")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="ingest")["QueueUrl"]

        assert main(["import", str(path), "--queue-url", url, "--region", "us-east-1"]) == 0

        bodies = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            bodies += [m["Body"] for m in batch]
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"sent": 4, "unsendable": 1}
    assert "line 5: invalid_utf8" in captured.err
    expected = [e.body for e in bulk_order(read_jsonl(path)) if hasattr(e, "body")]
    assert bodies == expected
    assert [b.encode() for b in bodies] == [LINES[3], LINES[1], LINES[0], LINES[2]]


def test_import_without_a_queue_or_a_running_stack_says_what_to_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSINSIGHTS_STATE_FILE", str(tmp_path / "none.json"))
    path = tmp_path / "events.jsonl"
    path.write_bytes(LINES[0] + b"\n")
    assert main(["import", str(path)]) == 2
    assert "--queue-url" in capsys.readouterr().err
