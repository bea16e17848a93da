"""`python -m benchmarks.replay_speed [--sellers N --days D ...]`: how fast `csinsights
replay` runs a real archive, against the least any tool can do with the same file.

A generated marketplace (by default ~500 sellers in 3 stores over 110 days, about a million
events, shuffled, 10 % delivered twice) is written as a JSON Lines archive. Two things are
timed side by side, in this one run:

- the floor: read the file and `json.loads` every line, in this process;
- the replay: `csinsights replay ARCHIVE --as-of T` in a fresh process, as a user runs it
  (its imports, the bulk order, the product's ingest and the run's steps on the embedded
  store, the documents printed), with its peak resident memory.

The ratio is replay time over floor time (goal: at most 15); peak memory's goal is 2 GiB.
Both are measured, never asserted on: this machine's speed moves from run to run, so
`--repeat N` times N replays (the floor before each) and shows the median ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from csinsights_local.generator import StreamShape, generate

GOAL_RATIO = 15.0
GOAL_PEAK_MIB = 2048
END = date(2026, 11, 25)


def archive(shape: StreamShape, path: Path) -> int:
    """The generated marketplace as JSON Lines at `path`; returns its line count."""
    stream = generate(shape)
    with path.open("w") as out:
        for event in stream:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    return len(stream)


def floor_seconds(path: Path) -> float:
    """Read the file and parse every line: what any tool reading the archive pays."""
    started = time.perf_counter()
    with path.open() as lines:
        for line in lines:
            json.loads(line)
    return time.perf_counter() - started


def replay(path: Path, as_of: str) -> tuple[float, int, dict[str, Any]]:
    """`csinsights replay` in a fresh process: wall seconds, peak RSS (KiB) and its ingest
    counts."""
    command = [sys.executable, "-m", "csinsights_local.cli", "replay", str(path), "--as-of", as_of]
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(command)} failed")
        output.seek(0)
        printed = json.loads(output.read())
    return seconds, usage.ru_maxrss, printed["ingest"]


def measure(shape: StreamShape, repeat: int, keep: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "archive.jsonl"
        events = archive(shape, path)
        as_of = (shape.end + timedelta(days=1)).isoformat()
        runs = []
        for _ in range(repeat):
            floor = floor_seconds(path)
            seconds, peak_kib, ingest = replay(path, as_of)
            runs.append(
                {
                    "floor_seconds": round(floor, 2),
                    "replay_seconds": round(seconds, 1),
                    "ratio": round(seconds / floor, 2),
                    "peak_rss_mib": round(peak_kib / 1024),
                }
            )
        return {
            "events": events,
            "archive_mib": round(path.stat().st_size / 2**20),
            "sellers": shape.sellers,
            "stores": len(shape.stores),
            "days": shape.days,
            "ingest": ingest,
            "runs": runs,
            "ratio": statistics.median(r["ratio"] for r in runs),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "goal_ratio": GOAL_RATIO,
            "goal_peak_rss_mib": GOAL_PEAK_MIB,
        }


def render(row: dict[str, Any]) -> str:
    ratio_ok = "PASS" if row["ratio"] <= GOAL_RATIO else "FAIL"
    memory_ok = "PASS" if row["peak_rss_mib"] <= GOAL_PEAK_MIB else "FAIL"
    lines = [
        f"archive: {row['events']:,} events ({row['archive_mib']} MiB), {row['sellers']} sellers "
        f"x {row['stores']} stores x {row['days']} days; ingest {row['ingest']}",
        f"{'floor s':>9} {'replay s':>9} {'ratio':>7} {'peak RSS MiB':>13}",
    ]
    for r in row["runs"]:
        lines.append(
            f"{r['floor_seconds']:>9.2f} {r['replay_seconds']:>9.1f} {r['ratio']:>7.2f} "
            f"{r['peak_rss_mib']:>13}"
        )
    lines.append(
        f"median ratio {row['ratio']:.2f} (goal <= {GOAL_RATIO:g}: {ratio_ok}); "
        f"peak RSS {row['peak_rss_mib']} MiB (goal <= {GOAL_PEAK_MIB}: {memory_ok})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replay_speed", description=__doc__)
    parser.add_argument("--sellers", type=int, default=500)
    parser.add_argument("--days", type=int, default=110)
    parser.add_argument(
        "--orders-per-day", type=float, default=3.0, help="per seller and store (default 3)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="replays to time (median shown)")
    parser.add_argument("--keep", type=Path, help="write the archive here and keep it")
    parser.add_argument("--output", type=Path, help="also write the row as JSON here")
    args = parser.parse_args(argv)
    shape = StreamShape(
        sellers=args.sellers,
        stores=("US", "CA", "DE"),
        days=args.days,
        end=END,
        orders_per_day=args.orders_per_day,
        pre_sale_per_day=0.5,
        duplicate_rate=0.10,
        seed=random.Random(args.sellers).randrange(1 << 16),
    )
    print(f"replay speed: {args.sellers} sellers over {args.days} days ...", file=sys.stderr)
    row = measure(shape, args.repeat, args.keep)
    if args.output:
        args.output.write_text(json.dumps(row, indent=2) + "\n")
    print(render(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
