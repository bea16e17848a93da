"""The fixed targets of the specification and each store's own thresholds. Pure.

Marketplaces set different targets in different countries: a store may override the two
band edges (`good`, `fair`) of the three fixed-target metrics; whatever it does not
override, and the collective view always, keeps the specification's defaults. An
override the table has no room for is refused when the configuration is read, so a typo
never passes silently for a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from csinsights.domain.catalogue import CATALOGUE, CSDR, LATE, WITHIN_24H
from csinsights.domain.insights import to_target_at_least, to_target_below
from csinsights.domain.metrics import MetricValue

MIN_SAMPLE = 40
"""Below this denominator a figure is a low sample (the responses a marketplace requires
before it rates a seller's customer service)."""
MIN_PEERS = 5
"""Sellers of a store that must qualify for its average before its comparisons are
published (the privacy floor)."""
BANDS = ("good", "fair")
CONDITIONS = {CSDR: "less_than", WITHIN_24H: "greater_than_or_equal", LATE: "equal_to"}
FIXED_TARGET_METRICS = frozenset(m.name for m in CATALOGUE if m.target == "fixed")


@dataclass(frozen=True)
class Thresholds:
    """The two band edges of one metric, in the table's terms: lower is better for the
    dissatisfaction rate and late contacts (good below / at `good`, fair below `fair` /
    up to `fair`), higher for the 24 h rate (good from `good`, fair from `fair`)."""

    good: Fraction
    fair: Fraction


DEFAULT_THRESHOLDS: Mapping[str, Thresholds] = {
    CSDR: Thresholds(Fraction(25), Fraction(50)),
    WITHIN_24H: Thresholds(Fraction(90), Fraction(75)),
    LATE: Thresholds(Fraction(0), Fraction(2)),
}


def plain(value: Fraction) -> int | float:
    """A threshold as configured: 25, not 25.0; 12.5 stays 12.5."""
    return int(value) if value.denominator == 1 else float(value)


@dataclass(frozen=True)
class Targets:
    """One view's thresholds: a store's, or the defaults (the collective view)."""

    thresholds: Mapping[str, Thresholds] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))

    @classmethod
    def overriding(cls, store: str, overrides: Mapping[str, Mapping[str, Any]]) -> Targets:
        """The defaults with `store`'s overrides; ValueError naming the store and metric
        for an override the table has no room for."""
        thresholds = dict(DEFAULT_THRESHOLDS)
        for metric, bands in overrides.items():
            where = f"store {store}, {metric}"
            if metric not in FIXED_TARGET_METRICS:
                known = {m.name for m in CATALOGUE}
                raise ValueError(
                    f"{where}: judged against the store's benchmarks, it has no thresholds"
                    if metric in known
                    else f"{where}: unknown metric; one of {', '.join(sorted(CONDITIONS))}"
                )
            unknown = sorted(set(bands) - set(BANDS))
            if unknown:
                raise ValueError(f"{where}: unknown band {', '.join(unknown)}; good or fair")
            given = {band: Fraction(value) for band, value in bands.items()}
            if metric == LATE and given.get("good", 0) != 0:
                raise ValueError(f"{where}: good is always 0 late contacts")
            edges = Thresholds(
                given.get("good", thresholds[metric].good),
                given.get("fair", thresholds[metric].fair),
            )
            in_order = (
                edges.fair <= edges.good if metric == WITHIN_24H else edges.good <= edges.fair
            )
            if not in_order:
                raise ValueError(
                    f"{where}: good {plain(edges.good)} is past fair {plain(edges.fair)}"
                )
            thresholds[metric] = edges
        return cls(thresholds)

    def target(self, metric: str) -> dict[str, Any]:
        """What `good` means, the way account-health reports show it."""
        return {"value": plain(self.thresholds[metric].good), "condition": CONDITIONS[metric]}

    def status(self, metric: str, value: Fraction | None) -> str:
        """Judged on the exact value, never the rounded one."""
        if value is None:
            return "na"
        edges = self.thresholds[metric]
        if metric == CSDR:
            return "good" if value < edges.good else "fair" if value < edges.fair else "poor"
        if metric == WITHIN_24H:
            return "good" if value >= edges.good else "fair" if value >= edges.fair else "poor"
        if metric == LATE:
            return "good" if value == 0 else "fair" if value <= edges.fair else "poor"
        raise ValueError(metric)

    def to_target(self, metric: str, figure: MetricValue) -> int | None:
        """What it takes to meet `good`: further satisfied responses for the dissatisfaction
        rate, further contacts answered within 24 h for the 24 h rate."""
        if figure.value is None:
            return None
        good = self.thresholds[metric].good
        if metric == CSDR:
            return to_target_below(figure.numerator, figure.denominator, good)
        if metric == WITHIN_24H:
            return to_target_at_least(figure.numerator, figure.denominator, good)
        raise ValueError(metric)


DEFAULT_TARGETS = Targets()


def store_targets(overrides: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Targets]:
    """Every store's targets from the configured overrides (STORE_TARGETS)."""
    return {store: Targets.overriding(store, o) for store, o in sorted(overrides.items())}


@dataclass(frozen=True)
class RenderRules:
    """What a document's rendering depends on beyond the counts: configuration."""

    min_sample: int = MIN_SAMPLE
    store_targets: Mapping[str, Targets] = field(default_factory=dict)
    min_peers: int = MIN_PEERS
    """The privacy floor the comparisons were published under: what a page says when a
    store's are withheld."""

    def targets(self, store: str | None) -> Targets:
        """A store's own targets; the defaults for a store without any and for the
        collective view (`None`)."""
        if store is None:
            return DEFAULT_TARGETS
        return self.store_targets.get(store, DEFAULT_TARGETS)
