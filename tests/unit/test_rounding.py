"""Rounding, only when rendering: half-up to two decimals of the exact value, as a decimal
quantisation spells it (the definition), for any fraction a figure can be."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from csinsights.domain.figures import rounded
from tests.profiles import examples


def by_decimals(value: Fraction) -> float:
    thousandths = Decimal(math.floor(abs(value) * 1000)).scaleb(-3)
    magnitude = float(thousandths.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return -magnitude if value < 0 and magnitude else magnitude


@settings(max_examples=examples(ci=2000, soak=50_000), deadline=None)
@given(
    numerator=st.integers(-(10**9), 10**9),
    denominator=st.integers(1, 10**6),
)
def test_rounded_is_the_decimal_half_up_of_the_exact_value(
    numerator: int, denominator: int
) -> None:
    value = Fraction(numerator, denominator)
    got = rounded(value)
    assert got == by_decimals(value)
    assert math.copysign(1, got) == (-1 if value < 0 and got else 1)  # never -0.0


def test_the_edges_of_a_half() -> None:
    assert rounded(Fraction(1, 8)) == 0.13
    assert rounded(Fraction(-1, 8)) == -0.13
    assert rounded(Fraction(1249, 10_000)) == 0.12
    assert rounded(Fraction(-4, 1000)) == 0.0
    assert rounded(7) == 7.0 and rounded(None) is None
