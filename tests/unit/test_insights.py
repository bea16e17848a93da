"""The insight details' arithmetic, exact, on the specification's worked examples and
against a brute-force search for the smallest k."""

from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csinsights.domain.insights import (
    change,
    distribution,
    low_sample,
    to_target_at_least,
    to_target_below,
    trend,
)
from tests.profiles import examples


def test_three_dissatisfied_of_eleven_need_two_more_satisfied_responses():
    assert to_target_below(3, 11, Fraction(25)) == 2


def test_twenty_one_of_twenty_five_within_24h_need_fifteen_more():
    assert to_target_at_least(21, 25, Fraction(90)) == 15


def test_a_met_target_takes_nothing():
    assert to_target_below(0, 5, Fraction(25)) == 0
    assert to_target_at_least(9, 10, Fraction(90)) == 0


def test_exactly_on_the_threshold_meets_at_least_but_not_less_than():
    assert to_target_at_least(9, 10, Fraction(90)) == 0
    assert to_target_below(1, 4, Fraction(25)) == 1  # 25 % is not less than 25 %


def test_na_or_unreachable_targets_take_none():
    assert to_target_below(0, 0, Fraction(25)) is None
    assert to_target_at_least(0, 0, Fraction(90)) is None
    assert to_target_at_least(9, 10, Fraction(100)) is None
    assert to_target_at_least(10, 10, Fraction(100)) == 0


@given(
    st.integers(0, 60),
    st.integers(1, 60),
    st.sampled_from([Fraction(1), Fraction(25), Fraction(50), Fraction(99, 2), Fraction(100)]),
)
@settings(max_examples=examples(200, 2000), deadline=None)
def test_to_target_below_is_the_smallest_k(d, n, t):
    d = min(d, n)
    k = to_target_below(d, n, t)
    assert k is not None
    assert 100 * d < t * (n + k)
    assert k == 0 or not 100 * d < t * (n + k - 1)


@given(
    st.integers(0, 60),
    st.integers(1, 60),
    st.sampled_from([Fraction(0), Fraction(75), Fraction(90), Fraction(181, 2), Fraction(100)]),
)
@settings(max_examples=examples(200, 2000), deadline=None)
def test_to_target_at_least_is_the_smallest_k(a, n, t):
    a = min(a, n)
    k = to_target_at_least(a, n, t)
    if k is None:
        assert t == 100 and a < n
        return
    assert 100 * (a + k) >= t * (n + k)
    assert k == 0 or not 100 * (a + k - 1) >= t * (n + k - 1)


def test_distribution_has_all_six_bands_summing_to_the_contacts():
    hours = Counter({0: 2, 1: 1, 3: 1, 4: 1, 7: 1, 8: 1, 23: 1, 24: 1, 47: 1, 48: 2, 130: 1})
    assert distribution(hours) == {
        "0-1": 2,
        "1-4": 2,
        "4-8": 2,
        "8-24": 2,
        "24-48": 2,
        "48+": 3,
    }
    assert distribution(Counter()) == dict.fromkeys(
        ["0-1", "1-4", "4-8", "8-24", "24-48", "48+"], 0
    )


@pytest.mark.parametrize(
    ("current", "previous", "higher_is_better", "expected"),
    [
        (Fraction(10), Fraction(20), False, "better"),
        (Fraction(30), Fraction(20), False, "worse"),
        (Fraction(95), Fraction(90), True, "better"),
        (Fraction(85), Fraction(90), True, "worse"),
        (Fraction(1, 3), Fraction(1, 3), False, "same"),
        (None, Fraction(1), False, None),
        (Fraction(1), None, True, None),
    ],
)
def test_trend_follows_the_metric_direction(current, previous, higher_is_better, expected):
    assert trend(current, previous, higher_is_better) == expected


def test_change_is_exact_and_na_when_either_is():
    assert change(Fraction(1, 3), Fraction(1, 6)) == Fraction(1, 6)
    assert change(None, Fraction(1)) is None


def test_low_sample_below_min_sample_only():
    assert low_sample(39, 40) and not low_sample(40, 40)
