"""The product's insight details, rendered from hand-made counts: the worked examples of
the specification figure by figure, per-store targets, the choices made where it is
silent (a negative change's rounding, a previous period with nothing in it), and every
metric object equal to the plain reference's for the same counts."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csinsights.config import Settings
from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.catalogue import CATALOGUE, CSDR, LATE, WITHIN_24H
from csinsights.domain.document import (
    CollectiveMetrics,
    Compared,
    ContactsByReason,
    FixedTargetRate,
    LateContacts,
    MetricsDocument,
    PreventableRate,
    Previous,
    PreviousCount,
    Rate,
    ResponseTime,
    ResponseTimeBands,
    StoreMetrics,
    Target,
)
from csinsights.domain.documents import render_document
from csinsights.domain.figures import PREVENTABLE_RATE, REASONS, rounded
from csinsights.domain.insights import DISTRIBUTION_BANDS
from csinsights.domain.metrics import METRICS, Counts
from csinsights.domain.run import Snapshot
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.domain.targets import RenderRules, store_targets
from tests import reference
from tests.profiles import examples

DAY = date(2026, 11, 25)
DE_TARGETS = {
    CSDR: {"good": 20, "fair": 40},
    WITHIN_24H: {"good": 95, "fair": 80},
    LATE: {"fair": 1},
}


def render(
    counts: dict[str, Counts],
    previous: dict[str, Counts] | None = None,
    *,
    window_days: int = 28,
    benchmarks: dict[str, dict[str, Benchmark]] | None = None,
    targets: dict[str, Any] | None = None,
    min_sample: int = 40,
    projected: dict[str, Counts] | None = None,
) -> MetricsDocument:
    rules = RenderRules(min_sample, store_targets(targets or {}))
    return render_document(
        "S1", DAY, window_days, counts, benchmarks or {}, None, previous, rules, projected
    )


def answered_in(hours: dict[int, int]) -> Counts:
    """Contacts needing a reply, all answered, `n` of them after `h` whole hours."""
    total = sum(hours.values())
    return Counts(
        contacts=total,
        hours=Counter(hours),
        answered=total,
        within_24h=sum(n for h, n in hours.items() if h <= 24),
        answered_late=sum(n for h, n in hours.items() if h >= 48),
    )


# ---- the specification's worked examples -------------------------------------------------


def test_three_dissatisfied_of_eleven_need_two_more_satisfied_responses() -> None:
    doc = render({"US": Counts(responses=11, dissatisfied=3)})
    for metrics in (doc.metrics, doc.by_store[0].metrics):
        csdr = metrics.customer_service_dissatisfaction_rate
        assert (csdr.value, csdr.status, csdr.to_target) == (27.27, "fair", 2)
        assert csdr.target == Target(value=25, condition="less_than")


def test_twenty_one_of_twenty_five_within_24h_need_fifteen_more() -> None:
    counts = answered_in({2: 21, 30: 4})
    within = render({"US": counts}).by_store[0].metrics.response_within_24h_rate
    assert (within.numerator, within.denominator, within.value) == (21, 25, 84.0)
    assert (within.status, within.to_target) == ("fair", 15)


def test_a_met_target_takes_nothing_and_an_na_rate_has_no_target_to_reach() -> None:
    doc = render({"US": Counts(responses=4, dissatisfied=0)})
    assert doc.metrics.customer_service_dissatisfaction_rate.to_target == 0
    assert doc.metrics.response_within_24h_rate.value is None
    assert doc.metrics.response_within_24h_rate.to_target is None


def test_a_target_of_one_hundred_percent_is_out_of_reach_by_answering_more() -> None:
    doc = render({"DE": answered_in({2: 9, 30: 1})}, targets={"DE": {WITHIN_24H: {"good": 100}}})
    within = doc.by_store[0].metrics.response_within_24h_rate
    assert (within.value, within.status, within.to_target) == (90.0, "fair", None)
    assert within.target == Target(value=100, condition="greater_than_or_equal")


def test_data_through_is_the_last_whole_day() -> None:
    doc = render({"US": Counts()})
    assert (doc.as_of, doc.data_through) == ("2026-11-26T00:00:00Z", "2026-11-25")


# ---- details of the figures ---------------------------------------------------------------


def test_late_contacts_split_into_answered_and_unanswered() -> None:
    counts = answered_in({50: 2, 3: 1}) + Counts(
        hours=Counter({60: 1, 10: 1}), unanswered_over_24h=1, unanswered_over_48h=1
    )
    late = render({"US": counts}).by_store[0].metrics.late_contacts
    assert (late.value, late.answered_late, late.unanswered_late) == (3, 2, 1)
    assert late.status == "poor"


def test_response_time_bands_and_unanswered() -> None:
    counts = answered_in({0: 2, 1: 1, 3: 1, 4: 1, 8: 1, 23: 1, 24: 1, 47: 1, 48: 1}) + Counts(
        hours=Counter({100: 1, 2: 1})
    )
    figure = render({"US": counts}).metrics.average_contact_response_time_hours
    assert figure.denominator == 12
    assert figure.unanswered == 2
    assert figure.distribution.by_label() == {
        "0-1": 2,
        "1-4": 3,
        "4-8": 1,
        "8-24": 2,
        "24-48": 2,
        "48+": 2,
    }
    assert sum(figure.distribution.by_label().values()) == figure.denominator


def test_contacts_by_reason_list_every_reason_in_contract_order() -> None:
    counts = Counts(orders=10, contacts=3, preventable=1, by_reason=Counter(shipping=1, other=2))
    by_reason = render({"US": counts}).to_json()["metrics"]["preventable_contact_rate"]["by_reason"]
    assert list(by_reason) == list(REASONS)
    assert by_reason == dict.fromkeys(REASONS, 0) | {"shipping": 1, "other": 2}


@pytest.mark.parametrize(("responses", "low"), [(0, True), (39, True), (40, False), (41, False)])
def test_low_sample_below_forty_na_included(responses: int, low: bool) -> None:
    csdr = render({"US": Counts(responses=responses)}).metrics.customer_service_dissatisfaction_rate
    assert csdr.low_sample is low


def test_min_sample_is_configuration() -> None:
    metrics = render({"US": Counts(responses=39)}, min_sample=30).metrics
    assert metrics.customer_service_dissatisfaction_rate.low_sample is False


# ---- previous period, change and trend ----------------------------------------------------


def test_change_and_trend_follow_each_metric_direction() -> None:
    now = Counts(responses=10, dissatisfied=1) + answered_in({2: 9, 30: 1})
    before = Counts(responses=10, dissatisfied=3) + answered_in({2: 8, 30: 2})
    metrics = render({"US": now}, {"US": before}).metrics
    csdr, within = metrics.customer_service_dissatisfaction_rate, metrics.response_within_24h_rate
    assert csdr.previous == Previous(value=30.0, numerator=3, denominator=10)
    assert (csdr.change, csdr.trend) == (-20.0, "better")
    assert (within.change, within.trend) == (10.0, "better")
    response_time = metrics.average_contact_response_time_hours
    assert response_time.previous == Previous(value=7.6, numerator=76, denominator=10)
    assert (response_time.change, response_time.trend) == (-2.8, "better")


def test_a_negative_change_rounds_its_magnitude_half_up() -> None:
    """0 % now, 1 of 800 (0.125 %) before: -0.125 shows as -0.13, the mirror of 0.13."""
    doc = render({"US": Counts(responses=10)}, {"US": Counts(responses=800, dissatisfied=1)})
    csdr = doc.metrics.customer_service_dissatisfaction_rate
    assert (csdr.previous.value, csdr.change, csdr.trend) == (0.13, -0.13, "better")


def test_a_change_rounding_to_nothing_is_zero_not_minus_zero() -> None:
    doc = render({"US": Counts(responses=10)}, {"US": Counts(responses=25_000, dissatisfied=1)})
    csdr = doc.metrics.customer_service_dissatisfaction_rate
    assert csdr.change == 0.0 and math.copysign(1, csdr.change) == 1
    assert csdr.trend == "better"  # exact values decide: 0 < 0.004


@pytest.mark.parametrize(
    ("exact", "shown"),
    [(Fraction(-1, 8), -0.13), (Fraction(-201, 200), -1.01), (Fraction(-1, 250), 0.0)],
)
def test_rounding_mirrors_around_zero(exact: Fraction, shown: float) -> None:
    assert rounded(exact) == shown
    assert rounded(-exact) == abs(shown)


def test_a_store_without_a_previous_period_has_na_previous_figures() -> None:
    now = Counts(responses=5, dissatisfied=1) + answered_in({50: 2})
    doc = render({"US": now, "CA": now}, {"CA": Counts(responses=5, dissatisfied=1)})
    us = doc.by_store[1]
    assert us.store_id == "US"
    csdr = us.metrics.customer_service_dissatisfaction_rate
    assert csdr.previous == Previous(value=None, numerator=0, denominator=0)
    assert (csdr.change, csdr.trend) == (None, None)
    late = us.metrics.late_contacts
    assert (late.previous, late.change, late.trend) == (PreviousCount(value=0), 2, "worse")
    # The collective previous period pools what there was: CA's.
    pooled = doc.metrics.customer_service_dissatisfaction_rate
    assert pooled.previous == Previous(value=20.0, numerator=1, denominator=5)
    assert (pooled.change, pooled.trend) == (0.0, "same")


# ---- per-store targets ---------------------------------------------------------------------


def test_a_store_is_judged_against_its_own_targets_and_the_collective_against_defaults() -> None:
    counts = Counts(responses=10, dissatisfied=2) + answered_in({2: 23, 30: 2, 50: 1})
    doc = render({"DE": counts, "US": counts}, targets={"DE": DE_TARGETS})
    de, us = (entry.metrics for entry in doc.by_store)
    collective = doc.metrics
    # 2 of 10 dissatisfied: 20 %, not below DE's 20 % (fair), below the default 25 % (good).
    de_csdr, us_csdr = (
        de.customer_service_dissatisfaction_rate,
        us.customer_service_dissatisfaction_rate,
    )
    assert (de_csdr.status, de_csdr.target.value, de_csdr.to_target) == (
        "fair",
        20,
        1,
    )
    assert (us_csdr.status, us_csdr.target.value, us_csdr.to_target) == (
        "good",
        25,
        0,
    )
    assert collective.customer_service_dissatisfaction_rate.status == "good"
    # 23 of 26 within 24 h: 88.46 %: DE good from 95 (fair from 80), the default from 90.
    de_within, us_within = de.response_within_24h_rate, us.response_within_24h_rate
    assert (de_within.status, de_within.to_target) == ("fair", 34)
    assert (us_within.status, us_within.to_target) == ("fair", 4)
    # 1 late contact: fair by default, fair up to 1 in DE.
    assert de.late_contacts.status == us.late_contacts.status == "fair"
    two_late = render({"DE": answered_in({50: 2})}, targets={"DE": DE_TARGETS})
    assert two_late.by_store[0].metrics.late_contacts.status == "poor"
    assert two_late.metrics.late_contacts.status == "fair"


def test_store_targets_come_from_the_settings() -> None:
    configured = Settings(table_name="t", store_targets={"DE": DE_TARGETS}, min_sample=10)
    rules = configured.render_rules()
    assert rules.min_sample == 10
    assert rules.targets("DE").target(CSDR) == {"value": 20, "condition": "less_than"}
    assert rules.targets("US").target(CSDR) == {"value": 25, "condition": "less_than"}
    assert rules.targets(None).target(WITHIN_24H)["value"] == 90


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"buyer_dissatisfaction_rate": {"good": 1}}, "judged against the store's benchmarks"),
        ({"csdr": {"good": 20}}, "unknown metric"),
        ({CSDR: {"great": 20}}, "unknown band great"),
        ({CSDR: {"good": 60}}, "good 60 is past fair 50"),
        ({WITHIN_24H: {"fair": 95}}, "good 90 is past fair 95"),
        ({LATE: {"good": 1}}, "good is always 0"),
    ],
)
def test_an_invalid_override_fails_at_start_naming_store_and_metric(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match="STORE_TARGETS") as raised:
        Settings(table_name="t", store_targets={"DE": overrides})
    assert message in str(raised.value)
    assert "store DE" in str(raised.value)


def test_overrides_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_TARGETS", '{"DE": {"late_contacts": {"fair": 1}}}')
    assert Settings(table_name="t").store_targets == {"DE": {LATE: {"fair": 1}}}
    monkeypatch.setenv("STORE_TARGETS", '{"DE": {"late_contacts": {"fair": -1}}}')
    with pytest.raises(ValueError, match="past fair"):
        Settings(table_name="t")


# ---- the document's models follow the catalogue ------------------------------------------


@pytest.mark.parametrize(("view", "compared"), [(CollectiveMetrics, False), (StoreMetrics, True)])
def test_a_view_has_one_field_per_metric_in_catalogue_order_shaped_by_its_kind(
    view: type[CollectiveMetrics | StoreMetrics], compared: bool
) -> None:
    assert list(view.model_fields) == list(METRICS)
    for metric in CATALOGUE:
        shape = view.shape(metric.name)
        assert view.model_fields[metric.name].description == metric.label
        assert issubclass(shape, LateContacts if metric.kind == "count" else Rate)
        assert issubclass(shape, ResponseTime) == (metric.kind == "hours")
        fixed_rate = metric.kind == "rate" and metric.target == "fixed"
        assert issubclass(shape, FixedTargetRate) == fixed_rate
        assert issubclass(shape, PreventableRate) == (metric.name == PREVENTABLE_RATE)
        assert issubclass(shape, Compared) == (compared and metric.kind != "count")


def test_the_details_have_every_reason_and_band_in_order() -> None:
    assert list(ContactsByReason.model_fields) == list(REASONS)
    bands = [field.alias for field in ResponseTimeBands.model_fields.values()]
    assert bands == [label for label, _, _ in DISTRIBUTION_BANDS]


def test_views_and_figures_follow_the_document_order() -> None:
    doc = render({"US": Counts(responses=1), "CA": Counts()})
    views = list(doc.views())
    assert [store for store, _ in views] == [None, "CA", "US"]
    assert views[0][1] is doc.metrics
    for _, metrics in views:
        figures = list(metrics.figures())
        assert [metric for metric, _ in figures] == list(CATALOGUE)
        assert [figure for _, figure in figures] == [metrics.figure(m) for m in METRICS]


# ---- equal to the reference, metric object by metric object --------------------------------


def as_figures(counts: Counts) -> reference.Figures:
    """The reference's counts for the same window."""
    return reference.Figures(
        orders=counts.orders,
        responses=counts.responses,
        dissatisfied=counts.dissatisfied,
        contacts=counts.contacts,
        preventable=counts.preventable,
        bdr_dissatisfied=counts.bdr_dissatisfied,
        reasons=Counter(counts.by_reason),
        hours=sorted(counts.hours.elements()),
        unanswered=counts.unanswered,
        answered_or_old=counts.answered + counts.unanswered_over_24h,
        within_24h=counts.within_24h,
        answered_late=counts.answered_late,
        unanswered_late=counts.unanswered_over_48h,
    )


@st.composite
def window_counts(draw: st.DrawFn) -> Counts:
    small = st.integers(0, 60)
    answered = draw(st.dictionaries(st.integers(0, 80), st.integers(1, 6), max_size=5))
    unanswered = draw(st.dictionaries(st.integers(0, 80), st.integers(1, 3), max_size=3))
    hours = Counter(answered) + Counter(unanswered)
    reasons = Counter(draw(st.dictionaries(st.sampled_from(REASONS), st.integers(1, 9))))
    responses = draw(small)
    return Counts(
        orders=draw(small),
        responses=responses,
        dissatisfied=draw(st.integers(0, responses)),
        contacts=sum(reasons.values()),
        preventable=sum(reasons[r] for r in reference.PREVENTABLE),
        bdr_dissatisfied=draw(st.integers(0, sum(reasons.values()))),
        within_24h=sum(n for h, n in answered.items() if h <= 24),
        answered_late=sum(n for h, n in answered.items() if h >= 48),
        unanswered_over_24h=sum(n for h, n in unanswered.items() if h >= 24),
        unanswered_over_48h=sum(n for h, n in unanswered.items() if h >= 48),
        hours=hours,
        answered=sum(answered.values()),
        by_reason=reasons,
    )


fractions = st.fractions(min_value=0, max_value=100, max_denominator=12)
marks = st.builds(Benchmark, st.none() | fractions, st.none() | fractions)


@settings(max_examples=examples(150, 1500), deadline=None)
@given(
    now=st.dictionaries(st.sampled_from(["DE", "US"]), window_counts(), min_size=1),
    before=st.dictionaries(st.sampled_from(["DE", "US"]), window_counts()),
    after=st.fixed_dictionaries({"DE": window_counts(), "US": window_counts()}),
    benchmarks=st.dictionaries(st.sampled_from(METRICS), marks),
    window_days=st.sampled_from([7, 28]),
    min_sample=st.sampled_from([1, 40]),
)
def test_every_metric_object_equals_the_reference(
    now: dict[str, Counts],
    before: dict[str, Counts],
    after: dict[str, Counts],
    benchmarks: dict[str, Benchmark],
    window_days: int,
    min_sample: int,
) -> None:
    ahead = {store: after[store] for store in now}
    document = render(
        now,
        before,
        window_days=window_days,
        benchmarks={store: benchmarks for store in now},
        targets={"DE": DE_TARGETS},
        min_sample=min_sample,
        projected=ahead,
    )
    horizon = datetime(2026, 12, 3, tzinfo=UTC)  # T + 7 days
    doc = document.to_json()
    judged = window_days == 28
    empty = Counts()
    for entry in doc["by_store"]:
        store = entry["store_id"]
        limits = reference.limits_of(store, {"DE": DE_TARGETS})
        for metric in METRICS:
            mark = benchmarks.get(metric, Benchmark())
            pair = (mark.store_average, mark.top_performers, None) if judged else (None,) * 3
            expected = reference._metric(
                metric,
                as_figures(now[store]),
                as_figures(before.get(store, empty)),
                pair if metric in reference.COMPARED else None,
                judged,
                limits,
                min_sample,
                (horizon, as_figures(ahead[store])),
            )
            assert entry["metrics"][metric] == expected, (store, metric)
    pooled = sum(now.values(), Counts())
    pooled_before = sum((before.get(s, empty) for s in now), Counts())
    pooled_ahead = sum(ahead.values(), Counts())
    defaults = reference.limits_of(None, None)
    for metric in METRICS:
        expected = reference._metric(
            metric,
            as_figures(pooled),
            as_figures(pooled_before),
            None,
            False,
            defaults,
            min_sample,
            (horizon, as_figures(pooled_ahead)),
        )
        assert doc["metrics"][metric] == expected, metric
    assert MetricsDocument.model_validate(doc) == document
    assert MetricsDocument.model_validate(doc).to_json() == doc


def test_a_snapshot_renders_its_previous_period_for_the_chosen_window() -> None:
    now = {w: Counts(responses=10, dissatisfied=1) for w in (7, 28)}
    before = {7: Counts(responses=10, dissatisfied=5), 28: Counts(responses=10, dissatisfied=2)}
    snapshot = Snapshot("S1", DAY, {"US": now, "CA": now}, {}, {"US": before})
    for window, change in [(7, -40.0), (28, -10.0)]:
        doc = document_from_snapshot(snapshot, window)
        assert doc.by_store[1].metrics.customer_service_dissatisfaction_rate.change == change
        assert doc.by_store[0].metrics.customer_service_dissatisfaction_rate.previous.value is None
    rules = RenderRules(store_targets=store_targets({"US": {CSDR: {"good": 5, "fair": 10}}}))
    us = document_from_snapshot(snapshot, 28, ["US"], rules=rules).by_store[0]
    csdr = us.metrics.customer_service_dissatisfaction_rate
    assert (csdr.status, csdr.to_target) == ("poor", 11)
