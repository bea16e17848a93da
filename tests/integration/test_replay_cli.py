"""`csinsights replay EVENTS.jsonl --as-of T`: an archive of events through the real ingest
handler and the scheduled run in a fresh local stack; prints the ingest counts and one
metrics document per seller."""

from __future__ import annotations

import gc
import io
import json
from pathlib import Path
from typing import Any

import pytest

from csinsights.observability import logger
from csinsights_local.cli import main, read_jsonl
from csinsights_local.replay import YOUNG_COLLECTED_EVERY, _long_lived, replay_events
from tests.builders import (
    contact_received,
    contact_responded,
    order_placed,
    survey_vote,
)

T = "2026-11-20T00:00:00Z"


def archive_events() -> list[dict[str, Any]]:
    events = []
    for seller, stores in (("A1SELLER", ("US", "CA")), ("B2SELLER", ("US",))):
        for store in stores:
            kw = {"seller": seller, "store": store}
            events += [
                order_placed("o1", "2026-11-10T08:00:00Z", **kw),
                order_placed("o2", "2026-11-11T08:00:00Z", "marketplace", **kw),
                contact_received("c1", "2026-11-12T09:00:00Z", "shipping", "o1", **kw),
                contact_responded("c1", "2026-11-12T10:30:00Z", **kw),
                survey_vote("o1", "2026-11-12T11:00:00Z", vote="yes", **kw),
            ]
    # After T: in no document as of T.
    events.append(order_placed("o9", "2026-11-20T00:00:00Z", seller="A1SELLER", store="US"))
    return events


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    events = archive_events()
    invalid = dict(events[0], event_id="bad-type", type="order.shipped")
    lines = [json.dumps(e) for e in events]
    lines.insert(3, json.dumps(events[1]))  # the same event delivered again
    lines.insert(5, "{not json")  # malformed
    lines.insert(7, "")  # blank lines are skipped, not events
    lines.append(json.dumps(invalid))  # valid JSON, not a contract event
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, events


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["replay", *args]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1  # one JSON document on one line
    return json.loads(out)


def test_replay_prints_ingest_counts_and_a_document_per_seller(
    archive: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, events = archive
    result = replay(capsys, str(path), "--as-of", T)
    assert set(result) == {"ingest", "sellers", "run"}
    assert result["ingest"] == {
        "received": len(events) + 3,
        "accepted": len(events),
        "duplicates": 1,
        "rejected": 2,
    }
    docs = {d["seller_id"]: d for d in result["sellers"]}
    assert [d["seller_id"] for d in result["sellers"]] == ["A1SELLER", "B2SELLER"]
    assert docs["A1SELLER"]["stores"] == ["CA", "US"]
    assert [s["store_id"] for s in docs["A1SELLER"]["by_store"]] == ["CA", "US"]
    assert docs["B2SELLER"]["stores"] == ["US"]
    for doc in docs.values():
        assert doc["as_of"] == T
        assert doc["window"] == {
            "start": "2026-10-23T00:00:00Z",
            "end": T,
            "days": 28,
        }
    # The order placed at T is not counted as of T.
    pooled = docs["A1SELLER"]["metrics"]["preventable_contact_rate"]
    assert (pooled["numerator"], pooled["denominator"]) == (2, 4)
    assert docs["A1SELLER"]["metrics"]["customer_service_dissatisfaction_rate"]["value"] == 0.0


def test_replay_prints_the_runs_shape_honouring_the_sharding_of_the_environment(
    archive: tuple[Path, list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Per step: how many invocations it fanned out to, the most store items one read and
    requests one made. `REGISTRY_SHARDS` and `BENCHMARK_SHARD_SELLERS` shape it as they
    shape a deployment's; the documents stay the same."""
    path, _ = archive
    default = replay(capsys, str(path), "--as-of", T, "--alerts")
    assert list(default["run"]) == [
        "plan",
        "seller_counts",
        "store_benchmarks",
        "publish",
        "alerts",
    ]
    for shape in default["run"].values():
        assert set(shape) == {"invocations", "max_items_read", "max_requests"}
    assert default["run"]["plan"]["invocations"] == 1 + 8  # the plan, 8 registry shards
    assert default["run"]["seller_counts"]["invocations"] == 8
    assert default["run"]["publish"]["invocations"] == 8
    # the sizing, then one shard a store (2 stores): each store's four passes in one step
    assert default["run"]["store_benchmarks"]["invocations"] == 1 + 2
    monkeypatch.setenv("REGISTRY_SHARDS", "1")
    monkeypatch.setenv("BENCHMARK_SHARD_SELLERS", "1")
    sharded = replay(capsys, str(path), "--as-of", T, "--alerts")
    assert sharded["run"]["plan"]["invocations"] == 1 + 1
    assert sharded["run"]["publish"]["invocations"] == 1
    # the sizing; CA's one seller in one step; US's two sellers in two shards: a pass each
    # and a combine, four times
    assert sharded["run"]["store_benchmarks"]["invocations"] == 1 + 1 + 4 * (2 + 1)
    assert sharded["sellers"] == default["sellers"]
    assert sharded["alerts"] == default["alerts"]


def test_a_replay_in_archive_order_prints_the_same_document_as_in_bulk_order(
    archive: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A replay ingests in bulk order by default (`--bulk` says so); `--archive-order`
    sends the lines as the archive holds them."""
    path, _ = archive
    in_bulk_order = replay(capsys, str(path), "--as-of", T)
    assert replay(capsys, str(path), "--as-of", T, "--bulk") == in_bulk_order
    assert replay(capsys, str(path), "--as-of", T, "--archive-order") == in_bulk_order


def test_a_date_means_the_end_of_that_day(
    archive: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = archive
    by_instant = replay(capsys, str(path), "--as-of", T)
    by_date = replay(capsys, str(path), "--as-of", "2026-11-19")
    assert by_date == by_instant


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2026-11-20T06:00:00Z", "midnight"),
        ("2026-11-20T00:00:00+01:00", "midnight"),  # 23:00 UTC
        ("2026-11-20T00:00:00", "offset"),
    ],
)
def test_an_as_of_that_is_not_the_end_of_a_utc_day_is_refused(
    archive: tuple[Path, list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    as_of: str,
    message: str,
) -> None:
    path, _ = archive
    capsys.readouterr()
    with pytest.raises((ValueError, SystemExit)) as raised:
        main(["replay", str(path), "--as-of", as_of])
    captured = capsys.readouterr()
    text = str(raised.value) if isinstance(raised.value, ValueError) else captured.err
    assert message in text
    assert captured.out == ""


def test_window_days_selects_the_window(
    archive: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = archive
    result = replay(capsys, str(path), "--as-of", T, "--window-days", "7")
    assert result["sellers"]
    for doc in result["sellers"]:
        assert doc["window"] == {"start": "2026-11-13T00:00:00Z", "end": T, "days": 7}
        # Only the fixed-target metrics carry a status outside the benchmark window.
        assert doc["by_store"][0]["metrics"]["preventable_contact_rate"]["status"] is None
    # Orders of 10-11 Nov are outside the last 7 days.
    pooled = result["sellers"][0]["metrics"]["preventable_contact_rate"]
    assert pooled["denominator"] == 0


def test_window_days_outside_the_served_windows_is_refused(
    archive: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = archive
    with pytest.raises(SystemExit) as raised:
        main(["replay", str(path), "--as-of", T, "--window-days", "14"])
    assert raised.value.code == 2
    assert "window-days" in capsys.readouterr().err


def test_ingest_counts_do_not_depend_on_where_stdout_pointed_at_import(
    archive: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, events = archive
    handler = logger.registered_handler
    previous = handler.stream
    handler.stream = io.StringIO()  # as if first imported under contextlib.redirect_stdout
    try:
        result = replay_events(read_jsonl(path), T)
    finally:
        handler.stream = previous
    assert len(result["sellers"]) == 2  # the events were ingested and computed ...
    assert result["ingest"]["accepted"] == len(events)  # ... and must be counted


@pytest.mark.usefixtures("unfrozen_process")
def test_a_replay_leaves_the_garbage_collector_as_it_found_it() -> None:
    """A replay collects less often, freezes what exists after deployment, collects nothing
    while ingest runs and freezes what it made, then puts all back, also when it fails."""
    before = gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()
    seen = []

    def fail() -> None:
        with _long_lived() as collector:
            seen.append((gc.get_threshold()[0], gc.get_freeze_count(), gc.isenabled()))
            collector.freeze()
            frozen = gc.get_freeze_count()
            seen.append((gc.get_threshold()[0], frozen, gc.isenabled()))
            with collector.paused():
                kept = [[i] for i in range(1000)]  # what ingest makes
                seen.append((gc.get_threshold()[0], gc.get_freeze_count(), gc.isenabled()))
            seen.append((gc.get_threshold()[0], gc.get_freeze_count() - frozen, gc.isenabled()))
            assert kept
            raise RuntimeError("the replay failed")

    with pytest.raises(RuntimeError):
        fail()
    assert seen[0] == (YOUNG_COLLECTED_EVERY, before[1], True)
    assert seen[1][1] > before[1]
    assert seen[2][2] is False  # paused
    assert seen[3][1] >= 1000 and seen[3][2] is True  # what it made is frozen, collecting again
    assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == before


@pytest.mark.usefixtures("unfrozen_process")
def test_a_replay_leaves_what_the_process_froze_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        # Frozen objects that are freed leave the count: it can only fall, never rise.
        with _long_lived() as collector:
            collector.freeze()
            with collector.paused():
                assert [[i] for i in range(100)]
            assert 0 < gc.get_freeze_count() <= frozen  # not frozen a second time
        assert 0 < gc.get_freeze_count() <= frozen  # nor unfrozen
    finally:
        gc.unfreeze()
