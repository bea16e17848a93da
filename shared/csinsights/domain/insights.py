"""The insight details of the specification: why a figure is what it is and what it takes
to move it. Pure and exact: every comparison uses the unrounded values."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Literal

Trend = Literal["better", "worse", "same"]

DISTRIBUTION_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-1", 0, 1),
    ("1-4", 1, 4),
    ("4-8", 4, 8),
    ("8-24", 8, 24),
    ("24-48", 24, 48),
    ("48+", 48, None),
)
"""(label, first whole hour, first hour past the band): `a <= h < b`."""


def distribution(hours: Counter[int]) -> dict[str, int]:
    """How many contacts fall in each band of whole hours; all six bands, always."""
    out = dict.fromkeys((label for label, _, _ in DISTRIBUTION_BANDS), 0)
    for h, n in hours.items():
        for label, low, high in DISTRIBUTION_BANDS:
            if h >= low and (high is None or h < high):
                out[label] += n
                break
    return out


def change(current: Fraction | None, previous: Fraction | None) -> Fraction | None:
    if current is None or previous is None:
        return None
    return current - previous


def trend(
    current: Fraction | None, previous: Fraction | None, higher_is_better: bool
) -> Trend | None:
    if current is None or previous is None:
        return None
    if current == previous:
        return "same"
    improved = current > previous if higher_is_better else current < previous
    return "better" if improved else "worse"


def low_sample(denominator: int, min_sample: int) -> bool:
    return denominator < min_sample


def to_target_below(dissatisfied: int, responses: int, target: Fraction) -> int | None:
    """Smallest k >= 0 with 100·d < t·(n + k): the further satisfied responses (and no new
    dissatisfied one) that bring the rate under the target `t` %."""
    if responses == 0 or target <= 0:
        return None
    if 100 * dissatisfied < target * responses:
        return 0
    # t·(n + k) > 100·d  <=>  k > 100·d / t - n
    bound = Fraction(100 * dissatisfied) / target - responses
    return int(bound // 1) + 1


def to_target_at_least(answered: int, total: int, target: Fraction) -> int | None:
    """Smallest k >= 0 with 100·(a + k) >= t·(n + k): the further contacts answered within
    24 h that bring the rate to the target `t` %; None where no k can (t = 100, a < n)."""
    if total == 0:
        return None
    shortfall = target * total - 100 * answered
    if shortfall <= 0:
        return 0
    gain = 100 - target  # each further contact answered in time raises 100·a - t·n by this
    if gain <= 0:
        return None
    k = shortfall / gain
    return int(-(-k // 1))
