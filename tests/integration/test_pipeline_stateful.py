"""The whole pipeline as a state machine: ingest batches arrive interleaved (with
redeliveries and late events), scheduled runs happen as of various days, sellers look
their metrics up through the API; after every step the figures equal the plain reference
computed from the events delivered so far."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from moto import mock_aws

from csinsights_local.pipeline import ingest_direct
from csinsights_local.replay import deployed_documents
from csinsights_local.run import run_metrics
from csinsights_local.stack import deploy
from tests import reference
from tests.api_events import api_event
from tests.profiles import examples
from tests.scenarios import T
from tests.state import table_items
from tests.strategies import marketplace_streams

# The attributes of order and contact items that hold their events, id first.
EVENT_SETS = ("placed", "votes", "received", "responded", "auto_replied", "no_response_needed")


class Pipeline(RuleBasedStateMachine):
    tried: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.mock = mock_aws()
        self.mock.start()
        self.stack = deploy("stateful")
        self.pending: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self.runs: dict[datetime, list[dict[str, Any]]] = {}
        Pipeline.tried["streams"] += 1

    def teardown(self) -> None:
        self.mock.stop()

    @initialize(stream=marketplace_streams(), seed=st.integers(0, 2**16))
    def a_marketplace(self, stream: tuple[datetime, int, list[dict[str, Any]]], seed: int) -> None:
        _, _, events = stream
        self.pending = list(events)
        random.Random(seed).shuffle(self.pending)

    @precondition(lambda self: bool(self.pending))
    @rule(size=st.integers(1, 400), repeats=st.integers(0, 20))
    def a_batch_arrives(self, size: int, repeats: int) -> None:
        batch, self.pending = self.pending[:size], self.pending[size:]
        again = self.delivered[:repeats]  # redeliveries of what came before
        summary = ingest_direct(self.stack, batch + again)
        assert summary.rejected == 0
        assert summary.accepted == len(batch)
        self.delivered += batch

    @precondition(lambda self: bool(self.delivered))
    @rule(days_back=st.sampled_from([0, 0, 1, 19]))
    def the_scheduled_run(self, days_back: int) -> None:
        as_of = T - timedelta(days=days_back)
        plan = run_metrics(self.stack, as_of.strftime("%Y-%m-%dT%H:%M:%SZ"))
        got = [d.to_json() for d in deployed_documents(self.stack, plan, 28)]
        assert got == reference.documents(self.delivered, as_of)
        self.runs[as_of] = got

    @precondition(lambda self: bool(self.runs))
    @rule(data=st.data())
    def a_seller_looks_up_its_metrics(self, data: st.DataObject) -> None:
        as_of = data.draw(st.sampled_from(sorted(self.runs)))
        docs = self.runs[as_of]
        if not docs:
            return
        doc = data.draw(st.sampled_from(docs))
        seller = doc["seller_id"]
        day = (as_of - timedelta(days=1)).date().isoformat()
        event = api_event(
            "GET",
            "/v1/sellers/{seller_id}/metrics",
            {"seller_id": seller},
            {"as_of": day},
            claims={"custom:seller_id": seller},
        )
        response = self.stack.invoke("ApiFunction", event)
        assert response["statusCode"] == 200
        assert json.loads(response["body"]) == doc
        other = api_event(
            "GET",
            "/v1/sellers/{seller_id}/metrics",
            {"seller_id": seller},
            {"as_of": day},
            claims={"custom:seller_id": seller + "X"},
        )
        assert self.stack.invoke("ApiFunction", other)["statusCode"] == 404

    @invariant()
    def every_delivered_event_is_stored_once(self) -> None:
        """The stored orders and contacts hold each delivered event exactly once (however
        often it was redelivered), and nothing else."""
        Pipeline.tried["steps"] += 1
        stored = []
        for item in table_items(self.stack.outputs["EventsTableName"]):
            if item["pk"]["S"].startswith(("ORDER#", "CONTACT#")):
                for name in EVENT_SETS:
                    if name in item:
                        stored += [entry[0] for entry in json.loads(item[name]["S"])]
        assert sorted(stored) == sorted(e["event_id"] for e in self.delivered)


def test_the_pipeline_matches_the_reference_whatever_the_interleaving(tally: Any) -> None:
    Pipeline.tried = Counter()
    run_state_machine_as_test(
        Pipeline,
        settings=settings(
            max_examples=examples(ci=6, soak=15),
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    tally["pipeline streams (stateful: batches, runs, lookups)"] += Pipeline.tried["streams"]
    tally["pipeline steps (each checked: events stored once)"] += Pipeline.tried["steps"]
