"""The pipeline's state machine (tests/pipeline_machine.py) on the template deployed into
moto, for what only it shows: every batch through the ingest handler (DynamoDB's conditions
and transactions on interleaved, redelivered batches), the run through the functions'
handlers and the bucket its maps read, lookups through the API handler with the seller's
claims (another seller's claims get a 404). On small batches: the volume of the same machine
(whole marketplaces, batches of up to 400) runs at unit speed on the embedded store,
tests/unit/test_pipeline_stateful.py."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule, run_state_machine_as_test
from moto import mock_aws

from csinsights_local.pipeline import IngestSummary, ingest_direct
from csinsights_local.replay import deployed_documents
from csinsights_local.run import run_metrics
from csinsights_local.stack import deploy
from tests.api_events import api_event
from tests.pipeline_machine import Event, PipelineMachine
from tests.profiles import examples
from tests.state import table_items

# The attributes of order and contact items that hold their events, id first.
EVENT_SETS = ("placed", "votes", "received", "responded", "auto_replied", "no_response_needed")
MAX_BATCH = examples(ci=40, soak=400)
MAX_REPEATS = examples(ci=5, soak=20)


class DeployedPipeline(PipelineMachine):
    tried: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.mock = mock_aws()
        self.mock.start()
        self.stack = deploy("stateful")

    def teardown(self) -> None:
        self.mock.stop()

    @precondition(lambda self: bool(self.pending))
    @rule(size=st.integers(1, MAX_BATCH), repeats=st.integers(0, MAX_REPEATS))
    def a_batch_arrives(self, size: int, repeats: int) -> None:
        self.deliver(size, repeats)

    def ingest(self, bodies: list[Event]) -> IngestSummary:
        return ingest_direct(self.stack, bodies)

    def run(self, as_of: datetime) -> list[dict[str, Any]]:
        plan = run_metrics(self.stack, as_of.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return [d.to_json() for d in deployed_documents(self.stack, plan, 28)]

    def _metrics(self, seller: str, day: str, caller: str) -> Any:
        event = api_event(
            "GET",
            "/v1/sellers/{seller_id}/metrics",
            {"seller_id": seller},
            {"as_of": day},
            claims={"custom:seller_id": caller},
        )
        return self.stack.invoke("ApiFunction", event)

    def look_up(self, seller: str, day: str) -> dict[str, Any]:
        response = self._metrics(seller, day, seller)
        assert response["statusCode"] == 200
        return dict(json.loads(response["body"]))

    def check_no_other_caller_sees(self, seller: str, day: str) -> None:
        assert self._metrics(seller, day, seller + "X")["statusCode"] == 404

    def stored_event_ids(self) -> list[str]:
        stored = []
        for item in table_items(self.stack.outputs["EventsTableName"]):
            if item["pk"]["S"].startswith(("ORDER#", "CONTACT#")):
                for name in EVENT_SETS:
                    if name in item:
                        stored += [entry[0] for entry in json.loads(item[name]["S"])]
        return stored


def test_the_pipeline_matches_the_reference_whatever_the_interleaving(tally: Any) -> None:
    DeployedPipeline.tried = Counter()
    run_state_machine_as_test(
        DeployedPipeline,
        settings=settings(
            max_examples=examples(ci=4, soak=15),
            stateful_step_count=examples(ci=6, soak=8),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    streams, steps = DeployedPipeline.tried["streams"], DeployedPipeline.tried["steps"]
    tally["pipeline streams (stateful: batches, runs, lookups)"] += streams
    tally["pipeline steps (each checked: events stored once)"] += steps
