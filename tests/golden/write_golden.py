"""`python -m tests.golden.write_golden OUT_DIR`: a table as a release writes it, kept so that
every later layout is tested by upgrading it (`tests/integration/test_upgrade.py`).

A generated marketplace (4 sellers in 2 stores over 40 days, shuffled, repeated deliveries,
two invalid events) goes through the ingest handler of the template deployed into the AWS
emulation; the scheduled run computes as of T, and the reply-due alert function runs once
as of T. What the table holds then is written to `items.jsonl` (one item a line, in
DynamoDB's JSON, sorted by key), and what the release answered to `expected.json`: the
replay output of the same lines (the ingest counts, every seller's document, the alerts).
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date
from pathlib import Path

import boto3
from moto import mock_aws

from csinsights_local.alerts import run_alerts
from csinsights_local.generator import StreamShape, generate
from csinsights_local.pipeline import ingest_direct
from csinsights_local.replay import replay_events
from csinsights_local.run import run_metrics
from csinsights_local.stack import FAKE_CREDENTIALS, deploy

END = date(2026, 11, 25)
T = "2026-11-26T00:00:00Z"


def lines() -> list[str]:
    shape = StreamShape(
        sellers=4,
        stores=("US", "CA"),
        days=40,
        end=END,
        orders_per_day=1.5,
        pre_sale_per_day=0.3,
        duplicate_rate=0.1,
        store_sellers=(4, 3),
        seed=22,
    )
    out = [json.dumps(e) for e in generate(shape)]
    out += ["{not json", json.dumps({"event_id": "x", "type": "order.shipped"})]
    random.Random(22).shuffle(out)
    return out


def main(folder: str) -> int:
    import os

    os.environ.update(FAKE_CREDENTIALS)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    archive = lines()
    with mock_aws():
        stack = deploy()
        ingest_direct(stack, archive)
        run_metrics(stack, T)
        from datetime import datetime

        run_alerts(stack, datetime.fromisoformat(T.replace("Z", "+00:00")))
        client = boto3.client("dynamodb")
        items = []
        for page in client.get_paginator("scan").paginate(
            TableName=stack.outputs["EventsTableName"]
        ):
            items += page["Items"]
    items.sort(key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
    with (out / "items.jsonl").open("w") as file:
        for item in items:
            file.write(json.dumps(item, sort_keys=True) + "\n")
    expected = replay_events(archive, T, alerts=True)
    (out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    (out / "archive.jsonl").write_text("\n".join(archive) + "\n")
    print(f"{len(items)} items, {len(archive)} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
