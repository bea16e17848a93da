"""When contacts arrive (`by_arrival`): worked cases of the cell a contact is counted in,
at a part of the day's edge, in the hour a clock goes back (it comes twice) or skips, and
the same instant in stores on other clocks (India's half hour among them); through the
product's ingest and run on the embedded store, against the reference and by hand; what
a change of a store's time zone does to contacts counted before it; the stored forms."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from csinsights.config import Settings
from csinsights.domain.arrival import CELLS, arrival_cell
from csinsights.domain.counters import contact_changes
from csinsights.domain.document import MetricsDocument
from csinsights.domain.documents import render_document
from csinsights.domain.entities import ContactState, Received, Stamp
from csinsights.domain.metrics import Counts
from csinsights.domain.run import Snapshot
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.reports import INSIGHTS_COLUMNS, to_csv
from csinsights.store import codecs
from csinsights_local.embedded import EmbeddedStore, embedded_settings
from tests import reference
from tests.builders import contact_received, contact_responded, no_response_needed
from tests.delivery import deliver
from tests.runs import run_day

RESPONSE_TIME = "average_contact_response_time_hours"
Grid = dict[str, dict[str, dict[str, int]]]


def grid(**cells: tuple[int, int, int]) -> Grid:
    """All 28 cells, those given as (contacts, within_24h, late)."""
    out: Grid = {}
    for day in reference.WEEKDAYS:
        out[day] = {}
        for part in reference.PARTS:
            contacts, within, late = cells.get(f"{day}_{part}", (0, 0, 0))
            out[day][part] = {"contacts": contacts, "within_24h": within, "late": late}
    return out


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("received", "store", "cell"),
    [
        # Los Angeles: 06:00 PST on Monday 2 November is morning, the second before is night.
        ("2026-11-02T14:00:00Z", "US", "mon_morning"),
        ("2026-11-02T13:59:59Z", "US", "mon_night"),
        # Sunday 1 November: 01:30 comes twice, first on summer time, then on winter time.
        ("2026-11-01T08:30:00Z", "US", "sun_night"),
        ("2026-11-01T09:30:00Z", "US", "sun_night"),
        ("2026-11-01T06:59:59Z", "US", "sat_evening"),  # 23:59:59 PDT on Saturday
        ("2026-11-01T13:00:00Z", "US", "sun_night"),  # 05:00 PST: 06:00 on summer time
        ("2026-11-01T14:00:00Z", "US", "sun_morning"),
        ("2026-11-01T14:00:00Z", "CA", "sun_morning"),
        # Berlin, Sunday 25 October: 02:30 comes twice; 06:00 is at 04:00 Z the day before
        # and at 05:00 Z from then on.
        ("2026-10-25T00:30:00Z", "DE", "sun_night"),
        ("2026-10-25T01:30:00Z", "DE", "sun_night"),
        ("2026-10-24T04:00:00Z", "DE", "sat_morning"),
        ("2026-10-25T04:00:00Z", "DE", "sun_night"),
        ("2026-10-25T05:00:00Z", "DE", "sun_morning"),
        ("2026-10-25T05:00:00Z", "FR", "sun_morning"),
        # Sydney springs forward on Sunday 4 October: 02:00 to 03:00 never happens.
        ("2026-10-03T15:59:59Z", "AU", "sun_night"),  # 01:59:59 AEST
        ("2026-10-03T16:00:00Z", "AU", "sun_night"),  # 03:00 AEDT
        ("2026-10-03T19:00:00Z", "AU", "sun_morning"),  # 06:00 AEDT
        # The same instant as Los Angeles' first 01:30 elsewhere: India (UTC+5:30), Berlin,
        # a store of no listed country (UTC).
        ("2026-11-01T08:30:00Z", "IN", "sun_afternoon"),
        ("2026-11-01T08:30:00Z", "DE", "sun_morning"),
        ("2026-11-01T08:30:00Z", "XX", "sun_morning"),
        # India's parts begin on the half hour in UTC.
        ("2026-11-02T00:30:00Z", "IN", "mon_morning"),
        ("2026-11-02T00:29:59Z", "IN", "mon_night"),
        ("2026-11-01T12:30:00Z", "IN", "sun_evening"),
        ("2026-11-01T18:29:59Z", "IN", "sun_evening"),
        ("2026-11-01T18:30:00Z", "IN", "mon_night"),
        ("2026-11-01T12:00:00Z", "XX", "sun_afternoon"),
    ],
)
def test_the_cell_is_the_local_weekday_and_part_of_the_day_in_the_store_s_zone(
    received: str, store: str, cell: str
) -> None:
    zone = Settings(table_name="t").time_zone(store)
    assert arrival_cell(at(received), zone) == cell
    assert reference.arrival(at(received), store) == cell


KW = {"seller": "S1"}


def worked_events() -> list[dict[str, Any]]:
    us, de, india = KW | {"store": "US"}, KW | {"store": "DE"}, KW | {"store": "IN"}
    return [
        # US: 01:30 PDT answered in 2 h; 01:30 PST (an hour later) never answered: late.
        contact_received("u1", "2026-11-01T08:30:00Z", **us),
        contact_responded("u1", "2026-11-01T10:30:00Z", **us),
        contact_received("u2", "2026-11-01T09:30:00Z", **us),
        # 06:00 PST on Monday answered after 30 h; the second before, after 50 h (late).
        contact_received("u3", "2026-11-02T14:00:00Z", **us),
        contact_responded("u3", "2026-11-03T20:00:00Z", **us),
        contact_received("u4", "2026-11-02T13:59:59Z", **us),
        contact_responded("u4", "2026-11-04T15:59:59Z", **us),
        # DE: 02:30 CEST answered in an hour; 02:30 CET needs no reply; 06:00 CET in 10 min.
        contact_received("d1", "2026-10-25T00:30:00Z", **de),
        contact_responded("d1", "2026-10-25T01:30:00Z", **de),
        contact_received("d2", "2026-10-25T01:30:00Z", **de),
        no_response_needed("d2", "2026-10-25T02:00:00Z", **de),
        contact_received("d3", "2026-10-25T05:00:00Z", **de),
        contact_responded("d3", "2026-10-25T05:10:00Z", **de),
        # IN: the US's first 01:30 is 14:00 here, answered in an hour; 06:00 IST on Monday,
        # never answered (71.5 h old at T: late); 05:59:59 IST on Wednesday, never
        # answered (23.5 h old: pending).
        contact_received("i1", "2026-11-01T08:30:00Z", **india),
        contact_responded("i1", "2026-11-01T09:30:00Z", **india),
        contact_received("i2", "2026-11-02T00:30:00Z", **india),
        contact_received("i3", "2026-11-04T00:29:59Z", **india),
        # After T: a reply to u2 and a new contact change nothing as of T.
        contact_responded("u2", "2026-11-05T01:00:00Z", **us),
        contact_received("u5", "2026-11-05T08:00:00Z", **us),
    ]


T = datetime(2026, 11, 5, tzinfo=UTC)
WORKED = {
    "US": grid(sun_night=(2, 1, 1), mon_morning=(1, 0, 0), mon_night=(1, 0, 1)),
    "DE": grid(sun_night=(1, 1, 0), sun_morning=(1, 1, 0)),
    "IN": grid(sun_afternoon=(1, 1, 0), mon_morning=(1, 0, 1), wed_night=(1, 0, 0)),
    None: grid(
        sun_night=(3, 2, 1),
        sun_morning=(1, 1, 0),
        sun_afternoon=(1, 1, 0),
        mon_night=(1, 0, 1),
        mon_morning=(2, 0, 1),
        wed_night=(1, 0, 0),
    ),
}


def documents(store: EmbeddedStore, day: date, window: int = 28) -> list[MetricsDocument]:
    return [document_from_snapshot(s, window) for _, s in sorted(run_day(store, day).items())]


def assert_sums(document: MetricsDocument) -> None:
    """Every view's cells add up to the figures they break down."""
    for _, metrics in document.views():
        cells = metrics.average_contact_response_time_hours.by_arrival
        assert cells is not None
        by_cell = cells.cells()
        assert list(by_cell) == list(CELLS)
        hours = metrics.average_contact_response_time_hours
        assert sum(c.contacts for c in by_cell.values()) == hours.denominator
        within = metrics.response_within_24h_rate.numerator
        assert sum(c.within_24h for c in by_cell.values()) == within
        assert sum(c.late for c in by_cell.values()) == metrics.late_contacts.value


def test_worked_contacts_land_in_their_cells_in_every_view() -> None:
    events = worked_events()
    store = EmbeddedStore()
    deliver(store, events, [7, 3, 50])
    (document,) = documents(store, T.date() - timedelta(days=1))
    got = document.to_json()
    assert got == reference.documents(events, T)[0]
    assert got["metrics"][RESPONSE_TIME]["by_arrival"] == WORKED[None]
    for entry in got["by_store"]:
        assert entry["metrics"][RESPONSE_TIME]["by_arrival"] == WORKED[entry["store_id"]]
    assert_sums(document)
    # The 7-day window [29 Oct, 5 Nov) leaves Berlin's contacts of 25 October out.
    (week,) = documents(store, T.date() - timedelta(days=1), 7)
    assert week.to_json() == reference.documents(events, T, 7)[0]
    de = next(e for e in week.to_json()["by_store"] if e["store_id"] == "DE")
    assert de["metrics"][RESPONSE_TIME]["by_arrival"] == grid()
    assert_sums(week)


def test_a_store_s_configured_zone_counts_contacts_from_then_on_and_keeps_earlier_cells() -> None:
    """A contact keeps the zone it was first counted in: after the store's zone changes, a
    reply to it moves it out of waiting within its old cell (no cell goes negative, none is
    left with a contact that is not there), and only contacts counted from then on use the
    new zone."""
    us = KW | {"store": "US"}
    store = EmbeddedStore()
    # Monday 2 November, 06:00 Los Angeles time, 14:00 UTC.
    deliver(store, [contact_received("c1", "2026-11-02T14:00:00Z", **us)], [1])
    store.settings = embedded_settings(store_time_zones={"US": "UTC"})
    later = [
        contact_responded("c1", "2026-11-02T15:00:00Z", **us),
        contact_received("c2", "2026-11-02T14:00:00Z", **us),
        contact_responded("c2", "2026-11-02T16:00:00Z", **us),
    ]
    deliver(store, later, [3])
    (document,) = documents(store, date(2026, 11, 4))
    cells = document.metrics.average_contact_response_time_hours.by_arrival
    assert cells is not None
    assert cells.mon.morning.model_dump() == {"contacts": 1, "within_24h": 1, "late": 0}
    assert cells.mon.afternoon.model_dump() == {"contacts": 1, "within_24h": 1, "late": 0}
    assert_sums(document)
    stored = {cid: s.state for cid, s in store.contact_items[("S1", "US")].items()}
    assert {cid: s.time_zone for cid, s in stored.items() if s} == {
        "c1": "America/Los_Angeles",
        "c2": "UTC",
    }


def test_a_contact_without_a_zone_contributes_no_arrival_counter_and_one_with_a_zone_one() -> None:
    received = Received(Stamp(at("2026-11-02T14:00:00Z"), "e1"), "other")
    before = ContactState(received=(received,))
    names = {name for _, _, name in contact_changes(before)}
    assert not any(name.startswith("all.arr_") for name in names)
    counted = before._replace(time_zone="America/Los_Angeles")
    added = {k: v for k, v in contact_changes(counted).items() if k[2].startswith("all.arr_")}
    assert added == {(date(2026, 11, 2), date(2026, 11, 2), "all.arr_wait:mon_morning"): 1}
    replied = counted._replace(responded=(Stamp(at("2026-11-05T14:00:01Z"), "e2"),))
    moved = {k: v for k, v in contact_changes(replied).items() if k[2].startswith("all.arr_")}
    assert moved == {
        (date(2026, 11, 2), date(2026, 11, 2), "all.arr_wait:mon_morning"): 1,
        (date(2026, 11, 5), date(2026, 11, 2), "all.arr_wait:mon_morning"): -1,
        (date(2026, 11, 5), date(2026, 11, 2), "all.arr_late:mon_morning"): 1,
    }


def test_the_contact_item_keeps_its_zone_and_one_stored_before_reads_without() -> None:
    received = Received(Stamp(at("2026-11-02T14:00:00Z"), "e1"), "other")
    state = ContactState(received=(received,), time_zone="Asia/Kolkata")
    item = codecs.encode_contact(state)
    assert item[codecs.TIME_ZONE] == {"S": "Asia/Kolkata"}
    assert codecs.decode_contact(item) == state
    older = {k: v for k, v in item.items() if k != codecs.TIME_ZONE}
    assert codecs.decode_contact(older) == state._replace(time_zone=None)


def counts_with_cells() -> Counts:
    counts = Counts(contacts=3, answered=2, within_24h=1, answered_late=1)
    counts.hours.update({2: 1, 50: 1, 80: 1})
    counts.arrival.update({"fri_evening": 2, "mon_night": 1})
    counts.arrival_within_24h.update({"fri_evening": 1})
    counts.arrival_late.update({"fri_evening": 1, "mon_night": 1})
    return counts


def test_the_snapshot_keeps_the_cells_compactly_and_one_published_before_shows_none() -> None:
    counts = counts_with_cells()
    assert codecs.arrival_to_json(counts) == [0, 1, 0, 1, 19, 2, 1, 1]
    # The run keeps a previous period summarised: without cells, which it does not show.
    before = counts.summarised()
    snapshot = Snapshot("S1", date(2026, 11, 19), {"US": {28: counts}}, {}, {"US": {28: before}})
    data = json.loads(json.dumps(codecs.snapshot_to_json(snapshot)))
    assert data["stores"]["US"]["28"]["arrival"] == [0, 1, 0, 1, 19, 2, 1, 1]
    assert "arrival" not in data["previous"]["US"]["28"]
    again = codecs.snapshot_from_json(data)
    assert again.stores == snapshot.stores and again.arrival_kept
    cells = document_from_snapshot(again).metrics.average_contact_response_time_hours.by_arrival
    assert cells is not None and cells.fri.evening.model_dump() == {
        "contacts": 2,
        "within_24h": 1,
        "late": 1,
    }
    del data[codecs.ARRIVAL_KEPT]
    old = codecs.snapshot_from_json(data)
    assert not old.arrival_kept
    document = document_from_snapshot(old)
    for _, metrics in document.views():
        assert metrics.average_contact_response_time_hours.by_arrival is None


def test_the_insights_csv_carries_each_cell_s_figures_on_the_response_time_rows() -> None:
    document = render_document("S1", date(2026, 11, 19), 28, {"US": counts_with_cells()}, {})
    rows = list(csv.DictReader(io.StringIO(to_csv(document))))
    arrival = [c for c in INSIGHTS_COLUMNS if c.startswith("arrival_")]
    assert len(arrival) == 28 * 3 and INSIGHTS_COLUMNS[-len(arrival) :] == tuple(arrival)
    assert arrival[:3] == [
        "arrival_mon_night_contacts",
        "arrival_mon_night_within_24h",
        "arrival_mon_night_late",
    ]
    for row in rows:
        if row["metric"] == RESPONSE_TIME:
            assert row["arrival_fri_evening_contacts"] == "2"
            assert row["arrival_fri_evening_within_24h"] == "1"
            assert row["arrival_fri_evening_late"] == "1"
            assert row["arrival_mon_night_contacts"] == "1"
            assert row["arrival_sun_evening_contacts"] == "0"
        else:
            assert all(row[c] == "" for c in arrival)


def test_a_store_s_time_zone_is_configuration_and_an_unknown_one_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORE_TIME_ZONES", '{"US": "America/New_York", "XX": "Asia/Tokyo"}')
    settings = Settings(table_name="t")
    assert settings.time_zone("US") == "America/New_York"
    assert settings.time_zone("XX") == "Asia/Tokyo"
    assert settings.time_zone("CA") == "America/Los_Angeles"  # the specification's default
    assert settings.time_zone("ZZ") == "UTC"
    monkeypatch.setenv("STORE_TIME_ZONES", '{"DE": "Europe/Berlinn"}')
    with pytest.raises(ValueError, match="STORE_TIME_ZONES: DE: unknown time zone"):
        Settings(table_name="t")
