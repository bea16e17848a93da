"""Reply-due alerts against the template in moto: what the alert function publishes to the
product's bus (read back from a subscribed queue, as a subscriber would), that a re-run or
an overlapping run publishes nothing twice, and that the ingest rule never takes them in."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from csinsights.domain.alerts import CLAIM_LEASE, ReplyDue, alert_id
from csinsights.store.alerts import AlertStore
from csinsights_local.alerts import AlertSchedule, run_alerts, subscribe_alerts
from csinsights_local.stack import Deployment
from tests.alerting import Clock, alert_run
from tests.builders import contact_received, contact_responded, no_response_needed, order_placed
from tests.marketplace import ingest

T = datetime(2026, 11, 20, tzinfo=UTC)


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_an_unanswered_contact_past_24_hours_is_alerted_once_as_the_spec_lists(
    stack: Deployment,
) -> None:
    inbox = subscribe_alerts(stack)
    ingest(
        stack,
        [
            order_placed("o1", "2026-11-18T10:00:00Z"),
            contact_received("c1", "2026-11-18T18:00:00Z", "shipping", "o1"),
        ],
    )
    published = run_alerts(stack, T)
    expected = {
        "alert_id": alert_id("A1SELLER", "US", "c1", 24),
        "seller_id": "A1SELLER",
        "store_id": "US",
        "contact_id": "c1",
        "order_id": "o1",
        "reason": "shipping",
        "received_at": "2026-11-18T18:00:00Z",
        "due_at": "2026-11-20T18:00:00Z",
        "hours_left": 18.0,
        "threshold_hours": 24,
    }
    assert published == [expected]
    assert inbox.read() == [expected]
    # The ingest rule does not take the product's own alerts in.
    ingest_queue = boto3.client("sqs").receive_message(QueueUrl=stack.queue_url())
    assert ingest_queue.get("Messages", []) == []
    # A re-run publishes nothing; the next threshold does, under its own id.
    assert run_alerts(stack, T) == []
    assert inbox.read() == []
    later = run_alerts(stack, T + timedelta(hours=17))
    assert [(a["contact_id"], a["threshold_hours"], a["hours_left"]) for a in later] == [
        ("c1", 40, 1.0)
    ]
    assert inbox.read() == later
    assert later[0]["alert_id"] != expected["alert_id"]


def test_a_live_run_alerts_what_is_due_now_and_nothing_answered(stack: Deployment) -> None:
    now = datetime.now(UTC)
    hours = lambda h: at(now - timedelta(hours=h))  # noqa: E731
    ingest(
        stack,
        [
            contact_received("due24", hours(30)),
            contact_received("due40", hours(41), "product_quality"),
            contact_received("auto", hours(30)),
            contact_responded("auto", hours(29), automated=True),
            contact_received("answered_early", hours(30)),
            contact_responded("answered_early", hours(25)),
            # Answered after its 24 h threshold passed, before this (late) run: as it stands
            # now it needs nothing.
            contact_received("answered_late", hours(41)),
            contact_responded("answered_late", hours(10)),
            contact_received("no_reply", hours(30)),
            no_response_needed("no_reply", hours(29)),
            contact_received("late", hours(49)),
            contact_received("young", hours(10)),
            contact_received("other_store", hours(30), store="CA"),
        ],
    )
    inbox = subscribe_alerts(stack)
    published = run_alerts(stack)
    assert sorted((a["store_id"], a["contact_id"], a["threshold_hours"]) for a in published) == [
        ("CA", "other_store", 24),
        ("US", "auto", 24),
        ("US", "due24", 24),
        ("US", "due40", 40),
    ]
    assert sorted(a["alert_id"] for a in inbox.read()) == sorted(a["alert_id"] for a in published)
    assert run_alerts(stack) == []


def test_as_of_a_past_instant_only_events_before_it_count(stack: Deployment) -> None:
    ingest(
        stack,
        [
            contact_received("replied_after_t", "2026-11-18T18:00:00Z"),
            contact_responded("replied_after_t", "2026-11-20T01:00:00Z"),
            contact_received("replied_before_t", "2026-11-18T18:00:00Z"),
            contact_responded("replied_before_t", "2026-11-19T23:00:00Z"),
            contact_received("marked_after_t", "2026-11-18T18:00:00Z"),
            no_response_needed("marked_after_t", "2026-11-20T00:00:00Z"),
            contact_received("received_after_t", "2026-11-20T00:00:00Z"),
        ],
    )
    assert sorted(a["contact_id"] for a in run_alerts(stack, T)) == [
        "marked_after_t",
        "replied_after_t",
    ]


def test_two_overlapping_runs_publish_each_alert_once(stack: Deployment) -> None:
    ingest(stack, [contact_received(f"c{i}", "2026-11-18T18:00:00Z") for i in range(12)])
    inbox = subscribe_alerts(stack)
    clock = Clock()
    overlapping: list[list[ReplyDue]] = []

    class Overlapped(AlertStore):
        """The second run starts and ends while the first is about to publish."""

        def publish(self, alerts: list[ReplyDue]) -> list[ReplyDue]:
            if not overlapping:
                overlapping.append([])
                overlapping[0] = alert_run(stack, clock).run(T)
            return super().publish(alerts)

    first = alert_run(stack, clock, Overlapped).run(T)
    assert overlapping == [[]]  # the first run held every claim
    assert len(first) == 12
    details = inbox.read()
    assert sorted(d["contact_id"] for d in details) == sorted(f"c{i}" for i in range(12))
    # Once the leases have run out, a run still publishes nothing: every alert is sent.
    clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    assert alert_run(stack, clock).run(T) == []
    assert inbox.read() == []


def test_a_run_late_by_days_alerts_nothing_past_48_hours(stack: Deployment) -> None:
    ingest(stack, [contact_received("c1", "2026-11-18T18:00:00Z")])
    assert run_alerts(stack, T + timedelta(hours=18, seconds=1)) == []
    edge = run_alerts(stack, T + timedelta(hours=18))  # exactly 48:00:00: not yet late
    assert [(a["threshold_hours"], a["hours_left"]) for a in edge] == [(40, 0.0)]


def test_the_local_schedule_runs_the_alert_function_on_its_clock(stack: Deployment) -> None:
    now = datetime.now(UTC)
    ingest(stack, [contact_received("c1", at(now - timedelta(hours=30)))])
    inbox = subscribe_alerts(stack)
    schedule = AlertSchedule(stack, seconds=0.05)
    schedule.start()
    try:
        deadline = time.monotonic() + 30
        arrived: list[dict[str, Any]] = []
        while not arrived and time.monotonic() < deadline:
            time.sleep(0.1)
            arrived = inbox.read()
    finally:
        schedule.stopped.set()
        schedule.join()
    assert [a["contact_id"] for a in arrived] == ["c1"]
    assert inbox.read() == []  # later runs found it sent
