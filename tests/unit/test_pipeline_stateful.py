"""The pipeline's state machine (tests/pipeline_machine.py) at unit speed, where its volume
runs: whole marketplaces in batches of up to 400 events with redeliveries, through the
product's `Ingestor` onto the embedded store, the scheduled run in the steps of the state
machine's definition (`run_metrics(Embedded(store), ...)`), lookups through the API's read
side (`Queries.metrics`). The same machine on the deployed template, on small batches:
tests/integration/test_pipeline_stateful.py."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from csinsights.errors import NotFound
from csinsights.queries import Queries
from csinsights_local.embedded import EmbeddedStore
from csinsights_local.pipeline import IngestSummary, ingest_embedded
from csinsights_local.replay import documents
from csinsights_local.run import Embedded, listed_sellers, run_metrics
from tests.pipeline_machine import Event, PipelineMachine
from tests.profiles import examples


class EmbeddedPipeline(PipelineMachine):
    tried: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.store = EmbeddedStore()
        self.queries = Queries(self.store, self.store, self.store, self.store)

    def ingest(self, bodies: list[Event]) -> IngestSummary:
        return ingest_embedded(self.store, bodies)

    def run(self, as_of: datetime) -> list[dict[str, Any]]:
        target = Embedded(self.store)
        run = run_metrics(target, as_of.strftime("%Y-%m-%dT%H:%M:%SZ"))
        rules = self.store.settings.render_rules()
        sellers = listed_sellers(target, run.output)
        day = date.fromisoformat(run.output["as_of_day"])
        return [d.to_json() for d in documents(self.store, sellers, day, 28, rules)]

    def look_up(self, seller: str, day: str) -> dict[str, Any]:
        return self.queries.metrics(seller, None, date.fromisoformat(day), 28).to_json()

    def check_no_other_caller_sees(self, seller: str, day: str) -> None:
        """Without the API's authorizer, only that a seller the run never saw has nothing."""
        with pytest.raises(NotFound):
            self.queries.metrics(seller + "X", None, date.fromisoformat(day), 28)

    def stored_event_ids(self) -> list[str]:
        ids = []
        for orders in self.store.order_items.values():
            for stored in orders.values():
                if stored.state is not None:
                    ids += [p.stamp.event_id for p in stored.state.placed]
                    ids += [v.stamp.event_id for v in stored.state.votes]
        for contacts in self.store.contact_items.values():
            for stored in contacts.values():
                if (contact := stored.state) is not None:
                    ids += [r.stamp.event_id for r in contact.received]
                    ids += [s.event_id for s in contact.responded]
                    ids += [s.event_id for s in contact.no_response_needed]
                    ids += [s.event_id for s in contact.auto_replied]
        return ids


def test_the_pipeline_matches_the_reference_whatever_the_interleaving(tally: Any) -> None:
    EmbeddedPipeline.tried = Counter()
    run_state_machine_as_test(
        EmbeddedPipeline,
        settings=settings(
            max_examples=examples(ci=40, soak=600),
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    streams, steps = EmbeddedPipeline.tried["streams"], EmbeddedPipeline.tried["steps"]
    tally["unit pipeline streams (stateful: batches, runs, lookups)"] += streams
    tally["unit pipeline steps (each checked: events stored once)"] += steps
