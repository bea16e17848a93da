"""A store's benchmarks, exactly, in the four passes of `csinsights.domain.sharded`, as the
metrics run's benchmark steps take them: each pass over every shard of the store's
benchmark inputs (`benchmark_pass`), the summaries merged in groups of a fan-in when the
store has more shards than that (`merge_summaries`), then combined (`combine`): what the
next pass needs, or, after the fourth, the store's benchmarks of the day. Summaries and
the state between passes are small files of the run (`runs/<day>/benchmarks/<store>/`):
no step reads more than one shard's inputs or a fan-in of summaries. A store of one shard
takes the four passes in one step (`whole`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from csinsights.domain import sharded
from csinsights.store import codecs, keys
from csinsights.store.ports import BenchmarkShards, Files


class ShardedBenchmarks:
    def __init__(self, repository: BenchmarkShards, files: Files | None) -> None:
        self.repository = repository
        self._files = files

    @property
    def files(self) -> Files:
        if self._files is None:
            raise RuntimeError("a store's benchmarks need the reports bucket")
        return self._files

    def whole(self, day: date, store: str) -> None:
        """The benchmarks of a store whose inputs are one shard: the four passes in this
        step (nothing written between them)."""
        settings = self.repository.settings
        inputs = [given for _, given in self.repository.benchmark_inputs(day, store, 0)]
        benchmarks = sharded.in_one_shard(inputs, settings.min_volume, settings.min_peers)
        self.repository.put_benchmarks(day, store, benchmarks)

    def benchmark_pass(self, day: date, store: str, shard: int, step: int) -> None:
        """One shard's summary of pass `step`."""
        inputs = [given for _, given in self.repository.benchmark_inputs(day, store, shard)]
        summary: Mapping[str, Any]
        if step == 1:
            summary = sharded.first_pass(inputs, self.repository.settings.min_volume)
        else:
            state = self._state(day, store, step - 1)
            summary = _PASSES[step](inputs, state)
        self._put_summary(day, store, step, 0, shard, summary)

    def merge_summaries(self, day: date, store: str, shards: int, group: int, step: int) -> None:
        """One merged summary of pass `step`: group `group` of the store's shards."""
        fan_in = self.repository.settings.benchmark_fan_in
        parts = [
            self._summary(day, store, step, 0, shard)
            for shard in sharded.merged_shards(group, shards, fan_in)
        ]
        self._put_summary(day, store, step, 1, group, sharded.merge(step, parts))

    def combine(self, day: date, store: str, shards: int, step: int) -> None:
        """Pass `step` combined for the store: what the next pass needs, or (after the
        last) the store's benchmarks of the day."""
        settings = self.repository.settings
        groups = sharded.merge_groups(shards, settings.benchmark_fan_in)
        level, count = (1, groups) if groups else (0, shards)
        parts = [self._summary(day, store, step, level, i) for i in range(count)]
        if step == 1:
            decided: Mapping[str, Any] = sharded.combine_first(parts, settings.min_peers)
        else:
            decided = _COMBINES[step](parts, self._state(day, store, step - 1))
        if step < sharded.PASSES:
            self.files.put(
                keys.benchmark_state_key(day, store, step),
                json.dumps(codecs.pass_state_to_json(decided)),
                "application/json",
            )
            return
        self.repository.put_benchmarks(day, store, dict(decided))

    def _state(self, day: date, store: str, step: int) -> dict[str, Any]:
        body = self.files.read(keys.benchmark_state_key(day, store, step))
        return codecs.pass_state_from_json(json.loads(body))

    def _summary(self, day: date, store: str, step: int, level: int, index: int) -> Any:
        body = self.files.read(keys.benchmark_summary_key(day, store, step, level, index))
        return codecs.pass_summary_from_json(step, json.loads(body))

    def _put_summary(
        self, day: date, store: str, step: int, level: int, index: int, summary: Mapping[str, Any]
    ) -> None:
        self.files.put(
            keys.benchmark_summary_key(day, store, step, level, index),
            json.dumps(codecs.pass_summary_to_json(step, summary), separators=(",", ":")),
            "application/json",
        )


_PASSES: dict[int, Any] = {
    2: sharded.second_pass,
    3: sharded.third_pass,
    4: sharded.fourth_pass,
}
_COMBINES: dict[int, Any] = {
    2: sharded.combine_second,
    3: sharded.combine_third,
    4: sharded.combine_fourth,
}
