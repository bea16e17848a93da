"""`csinsights replay` on the embedded store and through the template deployed into the AWS
emulation (`--emulated-aws`) print the same bytes for the same archive: a generated
marketplace, shuffled, a tenth of it delivered twice, with malformed lines (not JSON, keys
given twice, an unknown type, an event id reused with other content), replayed with the
reply-due alert run. The embedded store stands in for DynamoDB in every replay and in the
unit-speed properties; this is where the two are held against each other whole.

The archive's size is bounded by the emulation, not by the embedded store: moto's
`TransactWriteItems` deep-copies the whole table once for every item of a transaction, so
the emulated replay's time grows with the square of the archive (measured here: 438 lines
in 5 s, 1,275 in 43 s, 2,844 in 230 s; 10,000 would take most of an hour). `make test`
replays about 400 lines, `make soak` about 2,000; the embedded store alone replays a
million (`benchmarks/replay_speed.py`).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from csinsights_local.cli import main
from csinsights_local.generator import StreamShape, generate
from tests.profiles import examples

END = date(2026, 11, 25)


def archive(path: Path, sellers: int) -> int:
    """The generated marketplace as JSON Lines, messy as real exports are; its line count."""
    shape = StreamShape(
        sellers=sellers,
        stores=("US", "CA"),
        days=28,
        end=END,
        orders_per_day=0.6,
        pre_sale_per_day=0.3,
        duplicate_rate=0.1,
        store_sellers=(sellers, max(1, sellers // 2)),
        seed=sellers,
    )
    events = generate(shape)
    placed = next(e for e in events if e["type"] == "order.placed")
    flipped = "marketplace" if placed["data"]["fulfillment"] == "seller" else "seller"
    reused = dict(placed, data={**placed["data"], "fulfillment": flipped})
    lines = [json.dumps(e) for e in events]
    lines += [
        "{not json",
        '{"event_id": "twice", "event_id": "again"}',
        json.dumps(dict(events[1], event_id="unknown-type", type="order.shipped")),
        json.dumps(reused),
    ]
    random.Random(sellers).shuffle(lines)
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def replay(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> str:
    capsys.readouterr()
    status = main(["replay", str(path), "--as-of", END.isoformat(), "--alerts", *extra])
    assert status == 0
    return capsys.readouterr().out


def test_the_embedded_store_and_the_emulated_aws_print_the_same_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tally: Counter[str]
) -> None:
    path = tmp_path / "archive.jsonl"
    lines = archive(path, sellers=examples(ci=7, soak=30))
    embedded = replay(capsys, path)
    emulated = replay(capsys, path, "--emulated-aws")
    # The same bytes but the run's shape: the embedded store counts each invocation's
    # requests and items read, the emulation leaves them null (its invocations the same).
    printed, other = json.loads(embedded), json.loads(emulated)
    counted, uncounted = printed.pop("run"), other.pop("run")
    assert json.dumps(printed) == json.dumps(other)
    assert (
        list(counted)
        == list(uncounted)
        == [
            "plan",
            "seller_counts",
            "store_benchmarks",
            "publish",
            "alerts",
        ]
    )
    for step, shape in counted.items():
        assert shape["invocations"] == uncounted[step]["invocations"] > 0
        assert uncounted[step]["max_requests"] is None
        assert shape["max_requests"] > 0
    assert printed["ingest"]["received"] == lines
    assert printed["ingest"]["rejected"] == 4
    assert printed["ingest"]["duplicates"] > 0
    assert len(printed["sellers"]) == examples(ci=7, soak=30)
    assert isinstance(printed["alerts"], list)
    tally["archive lines replayed both ways, byte for byte"] += lines
