"""`csinsights replay` and `ingest` hand the ingest handler each archive line's bytes as the
queue would carry them: a repeated key, a huge number or a deep nesting is judged by the
handler (rejected, the rest goes on), a line SQS would refuse is reported as rejected by
the tool, lines end at `\\n` only, and no batch exceeds what SQS or Lambda accept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from csinsights_local.archive import MAX_BODY_BYTES, Line, split_lines
from csinsights_local.cli import main
from csinsights_local.driver import MAX_INVOKE_BYTES, MAX_SEND_BATCH_BYTES
from csinsights_local.pipeline import ingest_direct, ingest_via_queue
from csinsights_local.server import local_stack
from csinsights_local.stack import Deployment
from tests.builders import order_placed

T = "2026-11-20T00:00:00Z"
GOOD = order_placed("o1", "2026-11-10T08:00:00Z", seller="A1SELLER", store="US")


def write(tmp_path: Path, *lines: bytes) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def replay(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    capsys.readouterr()
    assert main(["replay", str(path), "--as-of", T]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def good_line(**changes: Any) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


def test_a_repeated_key_is_rejected_as_production_rejects_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = good_line(event_id="e-dup").decode()
    smuggled = text.replace('"seller_id": "A1SELLER"', '"seller_id": "HX", "seller_id": "VICTIM"')
    assert smuggled != text
    result, err = replay(write(tmp_path, good_line(), smuggled.encode()), capsys)
    assert result["ingest"] == {"received": 2, "accepted": 1, "duplicates": 0, "rejected": 1}
    assert [d["seller_id"] for d in result["sellers"]] == ["A1SELLER"]
    assert "line 2: invalid_json: seller_id: given more than once" in err


def test_invalid_utf8_is_reported_as_rejected_and_the_rest_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = good_line(event_id="e-bad").replace(b"A1SELLER", b"A1SELL\xffER")
    result, err = replay(write(tmp_path, bad, good_line()), capsys)
    assert result["ingest"] == {"received": 2, "accepted": 1, "duplicates": 0, "rejected": 1}
    assert "line 1: invalid_utf8: (line): not UTF-8 (byte 0xff" in err


def test_a_huge_integer_rejects_its_line_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = b'{"event_id": "e-big", "count": ' + b"7" * 5000 + b"}"
    result, err = replay(write(tmp_path, good_line(), huge), capsys)
    assert result["ingest"] == {"received": 2, "accepted": 1, "duplicates": 0, "rejected": 1}
    assert "line 2: invalid_json" in err


def test_a_deep_nesting_rejects_its_line_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    result, err = replay(write(tmp_path, deep, good_line()), capsys)
    assert result["ingest"] == {"received": 2, "accepted": 1, "duplicates": 0, "rejected": 1}
    assert "line 1: invalid_json" in err


def test_u2028_inside_a_line_is_not_a_line_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An EventBridge envelope whose `source` holds U+2028 (and a form feed): one event."""
    envelope = {
        "version": "0",
        "detail-type": "order.placed",
        "source": "market\u2028place\x0c",
        "detail": GOOD,
    }
    line = json.dumps(envelope, ensure_ascii=False).encode()
    assert "\u2028".encode() in line
    result, _ = replay(write(tmp_path, line), capsys)
    assert result["ingest"] == {"received": 1, "accepted": 1, "duplicates": 0, "rejected": 0}


def test_a_line_is_sent_exactly_as_written() -> None:
    raw = b'{"b": 1,   "a": 2.50}\r'
    assert split_lines(raw + b"\n\n  \n" + raw) == [
        Line(1, raw.decode()),
        Line(4, raw.decode()),
    ]


def test_lines_sqs_would_refuse_are_unsendable() -> None:
    entries = split_lines(b'{"a": "\x01"}\n' + b'"' + b" " * MAX_BODY_BYTES + b'"\n')
    assert [(e.number, getattr(e, "reason", None)) for e in entries] == [
        (1, "invalid_characters"),
        (2, "too_large"),
    ]


def padded(event_id: str, size: int) -> str:
    """A valid event padded with whitespace to `size` bytes: accepted, and large."""
    text = json.dumps({**GOOD, "event_id": event_id})
    return text[:-1] + " " * (size - len(text)) + "}"


@pytest.fixture(scope="module")
def stack() -> Iterator[Deployment]:
    with local_stack() as (_, deployment):
        yield deployment


def test_queue_batches_keep_to_sqs_and_lambda_limits(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 KB lines: ten are over SendMessageBatch's 256 KiB; 100 KB lines: 100 records are
    over Lambda's 6 MB payload."""
    sent: list[int] = []
    make_client = boto3.client

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(sum(len(e["MessageBody"].encode()) for e in params["Entries"]))

    def client(service: str, *args: Any, **kwargs: Any) -> Any:
        made = make_client(service, *args, **kwargs)
        made.meta.events.register("provide-client-params.sqs.SendMessageBatch", record)
        return made

    monkeypatch.setattr(boto3, "client", client)
    invoked: list[int] = []
    invoke = stack.invoke

    def measured(function: str, event: dict[str, Any]) -> Any:
        invoked.append(len(json.dumps(event).encode()))
        return invoke(function, event)

    monkeypatch.setattr(stack, "invoke", measured)
    items = [padded(f"q40-{i}", 40_000) for i in range(12)]
    items += [padded(f"q100-{i}", 100_000) for i in range(70)]
    summary = ingest_via_queue(stack, items)
    assert summary.as_dict() == {"received": 82, "accepted": 82, "duplicates": 0, "rejected": 0}
    assert sent and max(sent) <= MAX_SEND_BATCH_BYTES
    assert invoked and max(invoked) <= MAX_INVOKE_BYTES


def test_direct_batches_keep_to_lambdas_payload_limit(
    stack: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoked: list[int] = []
    invoke = stack.invoke

    def measured(function: str, event: dict[str, Any]) -> Any:
        invoked.append(len(json.dumps(event).encode()))
        return invoke(function, event)

    monkeypatch.setattr(stack, "invoke", measured)
    summary = ingest_direct(stack, [padded(f"d100-{i}", 100_000) for i in range(70)])
    assert summary.as_dict() == {"received": 70, "accepted": 70, "duplicates": 0, "rejected": 0}
    assert len(invoked) >= 2
    assert max(invoked) <= MAX_INVOKE_BYTES
