"""`csinsights demo --once` on a small marketplace: what it prints is true of what it built
(every seller's figures, every store's comparisons as the API serves them, the privacy
floor's reason where a store has too few sellers, a trend point per daily run), every report
lands in the output folder at the path it prints, and nothing it prints needs the API
server it does not start."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import pytest

from csinsights.domain.asof import end_of, timestamp
from csinsights.domain.catalogue import CATALOGUE
from csinsights.domain.metrics import COMPARED_METRICS
from csinsights_local.cli import main, read_jsonl
from csinsights_local.demo import ONCE_NOTE, history_days
from csinsights_local.generator import StreamShape, generate
from csinsights_local.pipeline import event_days

RUNS = 2
SELLERS = 5


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = main(
            [
                "demo",
                "--once",
                f"--sellers={SELLERS}",
                "--days=6",
                f"--runs={RUNS}",
                "--orders-per-day=1",
                "--table-sellers=2",
                f"--output={out}",
            ]
        )
    assert code == 0
    return buffer.getvalue(), out


def test_once_prints_nothing_that_needs_the_server(demo: tuple[str, Path]) -> None:
    stdout, _ = demo
    assert stdout.rstrip().endswith(ONCE_NOTE)
    for needs_the_server in ("TOKEN", "curl", "http://", "Serving"):
        assert needs_the_server not in stdout


def test_the_table_says_how_many_sellers_it_shows_and_where_all_are(
    demo: tuple[str, Path],
) -> None:
    stdout, _ = demo
    shown = re.search(r"showing 2 of (\d+) sellers; all in (\S+)", stdout)
    assert shown, stdout
    table = Path(shown.group(2)).read_text()
    sellers = {line.split()[0] for line in table.splitlines() if re.match(r"\w+\s+ALL\s", line)}
    assert len(sellers) == int(shown.group(1)) == SELLERS + 1  # and the events/ samples' seller
    for metric in CATALOGUE:
        assert metric.label in stdout


def test_a_store_below_the_privacy_floor_shows_its_reason(demo: tuple[str, Path]) -> None:
    stdout, _ = demo
    rows = [line for line in stdout.splitlines() if line.startswith("MX ")]
    labels = {m.name: m.label for m in CATALOGUE}
    assert len(rows) == len(COMPARED_METRICS)
    for name in COMPARED_METRICS:
        row = next(r for r in rows if labels[name] in r)
        assert "withheld: too few sellers" in row, row


def test_the_trend_has_a_point_per_daily_run(demo: tuple[str, Path]) -> None:
    stdout, _ = demo
    assert f"({RUNS} points, 2026-11-25 to 2026-11-26)" in stdout


def test_every_report_is_written_where_it_says(demo: tuple[str, Path]) -> None:
    stdout, out = demo
    printed = [Path(p) for p in re.findall(r"^  (/\S+\.html)$", stdout, re.MULTILINE)]
    assert len(printed) == SELLERS + 1
    assert all(p.is_file() and p.is_relative_to(out) for p in printed)
    days = {p.parent.name for p in out.glob("reports/*/insights/*/insights.html")}
    assert days == {"2026-11-24", "2026-11-25"}  # one per daily run
    assert list(out.glob("reports/SELLER001/survey/*.csv"))
    reports = [p for p in out.rglob("*") if p.is_file() and p.parent != out]
    assert re.search(rf"Reports written to {re.escape(str(out))}/ \({len(reports)} files\)", stdout)
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "events.jsonl",
        "metrics-table.txt",
    ]


def test_every_step_has_its_wall_time(demo: tuple[str, Path]) -> None:
    stdout, _ = demo
    line = next(line for line in stdout.splitlines() if line.startswith("Wall time: "))
    for step in ("generate", "stack", "ingest", f"{RUNS} daily runs", "reports", "total"):
        assert re.search(rf"{step} \d+\.\d s", line), line


def test_the_default_history_covers_three_complete_months() -> None:
    # The last run is as of 26 November: August, September and October are complete.
    assert history_days(date(2026, 11, 25), 3) == (date(2026, 11, 25) - date(2026, 8, 1)).days + 1
    assert history_days(date(2026, 2, 10), 3) == (date(2026, 2, 10) - date(2025, 11, 1)).days + 1


def test_store_sellers_limit_who_sells_where() -> None:
    shape = StreamShape(sellers=4, stores=("US", "MX"), store_sellers=(4, 2), days=3)
    where = {(e["seller_id"], e["store_id"]) for e in generate(shape)}
    assert {s for s, store in where if store == "MX"} == {"SELLER001", "SELLER002"}
    assert {s for s, store in where if store == "US"} == {f"SELLER00{i}" for i in range(1, 5)}
    with pytest.raises(ValueError, match="one count per store"):
        StreamShape(stores=("US",), store_sellers=(1, 2))


def test_the_demo_shows_a_contacts_report_and_reply_due_alerts(demo: tuple[str, Path]) -> None:
    text, _ = demo
    assert "Contacts report " in text
    header = "store_id,contact_id,order_id,reason,preventable,received_at,needs_reply"
    assert header in text
    assert "Reply-due alerts as of " in text
    assert "the same run again publishes 0" in text


def test_the_events_are_written_for_serve_to_serve_the_same_marketplace(
    demo: tuple[str, Path],
) -> None:
    """`csinsights serve --events demo-output/events.jsonl` computes as of the end of the
    archive's last day: the demo's own last run."""
    stdout, out = demo
    written = re.search(r"The events: (\S+) \((\d+) lines;", stdout)
    assert written, stdout
    assert Path(written[1]) == out / "events.jsonl"
    lines = read_jsonl(out / "events.jsonl")
    deliveries = re.search(r"(\d+) deliveries, shuffled", stdout)
    assert deliveries
    assert int(written[2]) == int(deliveries[1]) == len(lines)
    span = event_days(lines)
    assert span is not None
    as_of = re.search(r"Metrics of the \d+ days as of (\S+):", stdout)
    assert as_of
    assert timestamp(end_of(span[1])) == as_of[1]
