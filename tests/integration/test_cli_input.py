"""The command line explains itself: archives are JSON Lines, and a file that is not one
(missing, a directory, empty, pretty-printed JSON like the events/ samples, a JSON array)
is a one-line error with what to do, exit status 2, no traceback; ingest lists rejected
lines with their number, reason and fields; `rejected` says what it lacks."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csinsights_local.archive import read_archive
from csinsights_local.cli import main
from csinsights_local.tokens import verify
from tests.builders import order_placed

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "events" / "order.placed.json"


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """`rejected` points this process's AWS settings at its target: undone after each test."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def bad_archives(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, what the message must say)."""
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "blank.jsonl").write_bytes(b"\n  \r\n\n")
    events = [order_placed(f"o{i}", "2026-11-10T08:00:00Z") for i in range(2)]
    (tmp_path / "array.json").write_text(json.dumps(events))
    (tmp_path / "pretty-array.json").write_text(json.dumps(events, indent=2))
    samples = sorted((ROOT / "events").glob("*.json"))
    (tmp_path / "samples.json").write_text("".join(p.read_text() for p in samples))
    (tmp_path / "folder").mkdir()
    return {
        "missing": (tmp_path / "nope.jsonl", "nope.jsonl: no such file (expected JSON Lines"),
        "directory": (tmp_path / "folder", "folder is a directory, not a file of JSON Lines"),
        "empty": (tmp_path / "empty.jsonl", "empty.jsonl is empty: no events"),
        "blank": (tmp_path / "blank.jsonl", "blank.jsonl has only blank lines: no events"),
        "sample": (SAMPLE, "order.placed.json looks like pretty-printed JSON; expected JSON "),
        "samples": (tmp_path / "samples.json", f"`jq -c . {tmp_path / 'samples.json'} >"),
        "array": (tmp_path / "array.json", "array.json looks like a JSON array; expected JSON"),
        "pretty array": (tmp_path / "pretty-array.json", "`jq -c '.[]' "),
    }


CASES = ["missing", "directory", "empty", "blank", "sample", "samples", "array", "pretty array"]


@pytest.mark.parametrize("command", ["replay", "ingest", "serve"])
@pytest.mark.parametrize("case", CASES)
def test_a_file_that_is_not_json_lines_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, case: str
) -> None:
    path, message = bad_archives(tmp_path)[case]
    argv = {
        "replay": ["replay", str(path), "--as-of", "2026-11-19"],
        "ingest": ["ingest", str(path)],
        "serve": ["serve", "--events", str(path)],
    }[command]
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith(f"csinsights {command}: error: ")
    assert message in err
    assert err.count("\n") == 1  # one line, no traceback


def test_an_unreadable_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.jsonl"
    path.write_text("{}\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    status, _, err = run(capsys, "replay", str(path), "--as-of", "2026-11-19")
    assert status == 2
    assert err == f"csinsights replay: error: {path}: cannot read it: Permission denied\n"


@pytest.mark.parametrize("command", ["replay", "ingest", "serve"])
def test_help_names_json_lines(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as raised:
        main([command, "--help"])
    assert raised.value.code == 0
    assert "JSON Lines" in " ".join(capsys.readouterr().out.split())


def test_ingest_lists_rejected_lines_then_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = order_placed("o1", "2026-11-10T08:00:00Z")
    lines = [json.dumps(good)]
    lines.append(json.dumps({**good, "event_id": "e-type", "type": "order.shipped"}))
    lines += [f"{{broken {i}" for i in range(12)]
    lines.append(json.dumps({**good, "event_id": "e-store", "store_id": "us"}))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    status, out, err = run(capsys, "ingest", str(path))
    assert status == 0
    result: dict[str, Any] = json.loads(out)
    assert result["ingest"] == {"received": 15, "accepted": 1, "duplicates": 0, "rejected": 14}
    listed = result["rejected_lines"]
    assert [r["line"] for r in listed] == list(range(2, 12))
    assert listed[0]["reason"] == "invalid_event"
    assert listed[0]["errors"][0]["field"] == "type"
    assert listed[1]["reason"] == "invalid_json"
    assert listed[1]["errors"] == [
        {
            "field": "(body)",
            "message": "not valid JSON: Expecting property name enclosed in double quotes "
            "at position 1",
        }
    ]
    assert result["rejected_lines_not_listed"] == 4
    assert err.splitlines()[0] == "14 of 15 lines rejected:"
    assert err.splitlines()[1].startswith("  line 2: invalid_event: type: ")
    assert err.splitlines()[-1] == "  ... and 4 more rejected lines"


def test_rejected_without_a_table_or_a_running_stack_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSINSIGHTS_STATE_FILE", str(tmp_path / "none.json"))
    for action in ("list", "replay"):
        status, out, err = run(capsys, "rejected", action)
        assert status == 2
        assert out == ""
        assert err.startswith(f"csinsights rejected {action}: error: no --table given and no ")
        assert "start one with `csinsights serve`" in err


def test_rejected_with_no_region_configured_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    status, _, err = run(capsys, "rejected", "list", "--table", "events")
    assert status == 2
    assert err == (
        "csinsights rejected list: error: no AWS region configured: pass --region "
        "(or set AWS_REGION)\n"
    )


def test_rejected_at_an_endpoint_that_does_not_answer_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # the SDK's retries are not what is tested
    status, _, err = run(
        capsys, "rejected", "list", "--table", "events", "--endpoint-url", "http://127.0.0.1:9"
    )
    assert status == 1
    assert err.startswith("csinsights rejected list: error: http://127.0.0.1:9 did not answer")
    assert err.count("\n") == 1


def test_a_csv_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "events.csv"
    path.write_text("event_id,type,seller_id\ne1,order.placed,S1\n")
    for argv in (["replay", str(path), "--as-of", "2026-11-19"], ["import", str(path)]):
        status, out, err = run(capsys, *argv)
        assert status == 2
        assert out == ""
        assert err == (
            f"csinsights {argv[0]}: error: {path}: no line holds a JSON object (an event); "
            "expected JSON Lines: one event (a JSON object) per line — is it CSV, or another "
            "format?\n"
        )


@pytest.mark.parametrize("as_of", ["2026/11/19", "19.11.2026", "2026-11-31"])
def test_an_unreadable_as_of_says_what_is_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_of: str
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["replay", str(tmp_path / "events.jsonl"), "--as-of", as_of])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith(
        f"error: argument --as-of: {as_of!r}: expected a date (2026-11-19) or a UTC midnight "
        "(2026-11-20T00:00:00Z)\n"
    )
    assert "isoformat" not in err


def test_a_byte_order_mark_costs_no_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(order_placed(f"o{i}", "2026-11-10T08:00:00Z")) for i in range(2)]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    assert [e.body for e in read_archive(path)] == lines  # line 1 as written, less the mark
    status, out, err = run(capsys, "replay", str(path), "--as-of", "2026-11-19")
    assert status == 0, err
    assert json.loads(out)["ingest"] == {
        "received": 2,
        "accepted": 2,
        "duplicates": 0,
        "rejected": 0,
    }


def test_an_as_of_before_every_event_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(order_placed("o1", "2026-11-10T08:00:00Z")) + "\n")
    status, out, err = run(capsys, "replay", str(path), "--as-of", "2026-11-01")
    assert status == 0
    assert json.loads(out)["sellers"] == []
    assert err == (
        "csinsights replay: no seller as of 2026-11-02T00:00:00Z: every accepted event "
        "occurred at or after 2026-11-02T00:00:00Z (is --as-of too early?)\n"
    )


def test_the_demo_refuses_no_sellers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo-output"
    out.mkdir()
    (out / "kept.txt").write_text("kept")
    with pytest.raises(SystemExit) as raised:
        main(["demo", "--once", "--sellers", "0", "--output", str(out)])
    assert raised.value.code == 2
    assert "argument --sellers: 0: at least 1" in capsys.readouterr().err
    assert (out / "kept.txt").read_text() == "kept"


def test_the_demo_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    described = " ".join(capsys.readouterr().out.split())
    for option in ("--sellers SELLERS sellers", "--stores {1,2,3} stores", "--days DAYS days"):
        assert option in described
    for option in ("--orders-per-day", "--runs", "--seed", "--table-sellers", "--output"):
        assert re.search(rf"{option} \S+ [a-z(]", described), option


def test_a_token_needs_a_seller_or_the_operator_role(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "token")
    assert status == 2
    assert out == ""
    assert err == (
        "csinsights token: error: a seller id (csinsights token SELLER_ID) or --operator "
        "is required\n"
    )
    for argv in (["token", "S1"], ["token", "--operator"]):
        status, out, _ = run(capsys, *argv)
        assert status == 0
        assert verify(out.strip())
