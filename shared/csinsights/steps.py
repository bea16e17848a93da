"""The metrics run's steps as the state machine calls them: each takes its state's input
and returns its output (`infra/template.yaml`, `MetricsRunStateMachine`). The functions'
handlers and the local run (`csinsights_local.run`) both call these, so the payloads are
read in one place.

- `plan`: scheduled (`{"time": ...}`), or for a past day (`{"as_of": "2026-11-20T00:00:00Z"}`
  or a date); returns the day, where the seller list's parts go and the registry shards;
- `list_sellers`: one registry shard, `{"shard", "as_of_day"}`;
- `benchmark_shards`: the plan's output; returns it with every store's benchmark shards and
  the items of the benchmark maps: `whole_items` (the stores of one shard, each benchmarked
  in one step), and of the stores of more shards `shard_items`, `merge_items`, `stores`;
- `count_sellers` and `publish_sellers`: one part of the seller list, as the distributed
  maps read it from the bucket, `{"key", "as_of_day"}` (and `benchmark_shards` to count);
- `benchmarks`: one item of a benchmark map, `{"action": "whole" | "pass" | "merge" |
  "combine", "step": 1-4 (not for "whole"), "as_of_day", "item": {"store_id", "shards",
  "index"}}`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from csinsights.compute import MetricsRun, RunPlan, StoreShards
from csinsights.domain.asof import last_complete_day, parse_as_of


def run_day(event: dict[str, Any], now: datetime | None = None) -> date:
    """The day a run computes as of the end of: asked for, or the schedule's last complete
    day (a late start still computes the right day)."""
    if event.get("as_of"):
        return parse_as_of(event["as_of"])
    if event.get("time"):
        return last_complete_day(datetime.fromisoformat(event["time"]))
    return last_complete_day(now or datetime.now(UTC))


def plan(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    return plan_output(run.plan(run_day(event)))


def plan_output(planned: RunPlan) -> dict[str, Any]:
    return {
        "as_of_day": planned.as_of_day.isoformat(),
        "bucket": planned.bucket,
        "sellers_prefix": planned.sellers_prefix,
        "shards": list(range(planned.shards)),
    }


def _day(event: dict[str, Any]) -> date:
    return date.fromisoformat(event["as_of_day"])


def list_sellers(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    return {"sellers": run.list_sellers(_day(event), int(event["shard"]))}


def benchmark_shards(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    stores = run.benchmark_shards(_day(event))
    sharded = [s for s in stores if s.shards > 1]
    return {
        "as_of_day": event["as_of_day"],
        "bucket": event["bucket"],
        "sellers_prefix": event["sellers_prefix"],
        "benchmark_shards": {s.store: s.shards for s in stores},
        "whole_items": [_item(s, 0) for s in stores if s.shards == 1],
        "shard_items": [_item(s, i) for s in sharded for i in range(s.shards)],
        "merge_items": [_item(s, g) for s in sharded for g in range(s.groups)],
        "stores": [_item(s, 0) for s in sharded],
    }


def _item(store: StoreShards, index: int) -> dict[str, Any]:
    return {"store_id": store.store, "shards": store.shards, "index": index}


def count_sellers(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    sellers = run.sellers_of(event["key"])
    active = run.count_sellers(sellers, _day(event), event["benchmark_shards"])
    return {"sellers": len(sellers), "active": active}


def benchmarks(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    day, step, item = _day(event), int(event.get("step", 0)), event["item"]
    store, shards, index = item["store_id"], int(item["shards"]), int(item["index"])
    action = event["action"]
    if action == "whole":
        run.benchmarks.whole(day, store)
    elif action == "pass":
        run.benchmarks.benchmark_pass(day, store, index, step)
    elif action == "merge":
        run.benchmarks.merge_summaries(day, store, shards, index, step)
    elif action == "combine":
        run.benchmarks.combine(day, store, shards, step)
    else:
        raise ValueError(f"unknown benchmark action {action!r}")
    return {"store_id": store, "step": step, "action": action}


def publish_sellers(run: MetricsRun, event: dict[str, Any]) -> dict[str, Any]:
    return {"published": run.publish_sellers(run.sellers_of(event["key"]), _day(event))}
