"""The whole pipeline as a state machine: ingest batches arrive interleaved (with
redeliveries and late events), scheduled runs happen as of various days, sellers look
their metrics up; after every step the figures equal the plain reference computed from the
events delivered so far, and the store holds each delivered event exactly once.

One machine, two targets: the embedded store at unit speed, where the volume runs
(tests/unit/test_pipeline_stateful.py), and the template deployed into moto, on small
batches, for what only it shows: the handlers end to end, DynamoDB's conditions and
transactions, the API's authorization (tests/integration/test_pipeline_stateful.py)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from csinsights_local.pipeline import IngestSummary
from tests import reference
from tests.scenarios import T
from tests.strategies import marketplace_streams

Event = dict[str, Any]


class PipelineMachine(RuleBasedStateMachine):
    """The rules; a target says how events are ingested, how a run is made and read, how a
    seller looks its metrics up, and which event ids its store holds."""

    tried: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[Event] = []
        self.delivered: list[Event] = []
        self.runs: dict[datetime, list[dict[str, Any]]] = {}
        type(self).tried["streams"] += 1

    # ---- the target --------------------------------------------------------------------
    def ingest(self, bodies: list[Event]) -> IngestSummary:
        raise NotImplementedError

    def run(self, as_of: datetime) -> list[dict[str, Any]]:
        """The scheduled run as of `as_of`: the documents of the sellers it listed."""
        raise NotImplementedError

    def look_up(self, seller: str, day: str) -> dict[str, Any]:
        """The seller's metrics as of `day`, as it is served."""
        raise NotImplementedError

    def check_no_other_caller_sees(self, seller: str, day: str) -> None:
        raise NotImplementedError

    def stored_event_ids(self) -> list[str]:
        """The ids of the events the stored orders and contacts hold, each time held."""
        raise NotImplementedError

    # ---- the rules -----------------------------------------------------------------------
    @initialize(stream=marketplace_streams(), seed=st.integers(0, 2**16))
    def a_marketplace(self, stream: tuple[datetime, int, list[Event]], seed: int) -> None:
        _, _, events = stream
        self.pending = list(events)
        random.Random(seed).shuffle(self.pending)

    @precondition(lambda self: bool(self.pending))
    @rule(size=st.integers(1, 400), repeats=st.integers(0, 20))
    def a_batch_arrives(self, size: int, repeats: int) -> None:
        self.deliver(size, repeats)

    def deliver(self, size: int, repeats: int) -> None:
        batch, self.pending = self.pending[:size], self.pending[size:]
        again = self.delivered[:repeats]  # redeliveries of what came before
        summary = self.ingest(batch + again)
        assert summary.rejected == 0
        assert summary.accepted == len(batch)
        self.delivered += batch

    @precondition(lambda self: bool(self.delivered))
    @rule(days_back=st.sampled_from([0, 0, 1, 19]))
    def the_scheduled_run(self, days_back: int) -> None:
        as_of = T - timedelta(days=days_back)
        got = self.run(as_of)
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
        assert self.look_up(seller, day) == doc
        self.check_no_other_caller_sees(seller, day)

    @invariant()
    def every_delivered_event_is_stored_once(self) -> None:
        """The stored orders and contacts hold each delivered event exactly once (however
        often it was redelivered), and nothing else."""
        type(self).tried["steps"] += 1
        assert sorted(self.stored_event_ids()) == sorted(e["event_id"] for e in self.delivered)
