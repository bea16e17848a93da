"""Ingest a batch of queue messages: validate, keep the invalid, commit the valid once.

Valid events are grouped per seller and store; each group is planned in memory and
committed in one DynamoDB transaction (entities with their version conditions, the
aggregate deltas, the registry entry), so a group is either wholly applied or not at all.
A group whose commit keeps failing is handed back for redelivery; rejected events are
acknowledged only once they are kept.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from csinsights.domain.batch import first_keys, next_keys, plan_batch
from csinsights.errors import Busy, Conflict
from csinsights.models.events import InvalidEvent, MarketplaceEvent, parse_event
from csinsights.store.ports import Entities, EntityRequest, IngestPort, TooManyItems

Status = Literal["accepted", "duplicate", "rejected", "retry"]
Loaded = tuple[Entities, Entities]


class Message(NamedTuple):
    message_id: str
    body: str


class Result(NamedTuple):
    """What became of one message; `errors` say why it was rejected."""

    status: Status
    reason: str | None = None
    errors: Sequence[Mapping[str, str]] = ()
    event_id: str | None = None


Validated = tuple[Message, "MarketplaceEvent | Result"]
"""A message with what `validate` made of its body."""


def unwrap(raw: Any) -> Any:
    """Events may arrive as they are or inside an EventBridge envelope (`detail`)."""
    if isinstance(raw, dict) and "detail-type" in raw and "detail" in raw:
        return raw["detail"]
    return raw


class _Ambiguous(dict[str, Any]):
    """A JSON object in which some key appears more than once."""

    repeated: list[str]
    made = 0
    """How many were ever made: a decoding that made one has one (another thread's can
    only make the check below walk a value that needed no walk)."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    ambiguous = _Ambiguous(obj)
    seen: set[str] = set()
    ambiguous.repeated = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]
    _Ambiguous.made += 1
    return ambiguous


_DECODER = json.JSONDecoder(object_pairs_hook=_object)


def _loads(body: str) -> tuple[Any, bool]:
    """The JSON value, as `json.loads` reads it, and whether any of its objects gives a key
    more than once (those are `_Ambiguous`)."""
    if body.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", body, 0)
    made = _Ambiguous.made
    value = _DECODER.decode(body)
    return value, _Ambiguous.made != made


MAX_DEPTH = 32  # an event is 3 levels deep, 4 inside an EventBridge envelope


def _may_nest_deeper(body: str) -> bool:
    """False when the text holds too few brackets to nest past MAX_DEPTH (the usual case:
    no walk of the value is needed to know)."""
    return body.count("{") + body.count("[") > MAX_DEPTH


def _ambiguity(value: Any) -> tuple[int, list[str]]:
    """How deep `value` nests, and the paths of keys given more than once (JSON parsers
    disagree on which value wins, so such an event is rejected rather than read one way
    here and another way by its producer). Iterative: how deep `json.loads` lets input
    nest differs between Python versions, and a recursive walk must not be what fails."""
    depth = 0
    repeated: list[str] = []
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        node, path, level = stack.pop()
        if isinstance(node, dict):
            depth = max(depth, level)
            if isinstance(node, _Ambiguous):
                repeated += [f"{path}{key}" for key in dict.fromkeys(node.repeated)]
            stack += [(item, f"{path}{key}.", level + 1) for key, item in node.items()]
        elif isinstance(node, list):
            depth = max(depth, level)
            stack += [(item, f"{path}{i}.", level + 1) for i, item in enumerate(node)]
    return depth, sorted(repeated)


def _rejected_json(message: str) -> Result:
    return Result("rejected", "invalid_json", [{"field": "(body)", "message": message}])


def validate(body: str, now: datetime) -> MarketplaceEvent | Result:
    try:
        raw, ambiguous = _loads(body)
    except json.JSONDecodeError as exc:
        return _rejected_json(f"not valid JSON: {exc.msg} at position {exc.pos}")
    except (RecursionError, ValueError) as exc:
        return _rejected_json(f"not valid JSON: {type(exc).__name__}")
    depth, repeated = _ambiguity(raw) if ambiguous or _may_nest_deeper(body) else (0, [])
    if depth > MAX_DEPTH:
        return _rejected_json(f"nested deeper than {MAX_DEPTH} levels")
    event = unwrap(raw)
    if repeated:
        # Inside an EventBridge envelope, fields are named as in the event itself.
        prefix = "detail." if event is not raw else ""
        errors = [
            {"field": key.removeprefix(prefix), "message": "given more than once"}
            for key in repeated
        ]
        return Result("rejected", "invalid_json", errors)
    try:
        return parse_event(event, now=now)
    except InvalidEvent as exc:
        return Result("rejected", "invalid_event", [e.model_dump() for e in exc.errors])


def _request(
    seller: str, store: str, ids: tuple[set[str], set[str]], with_registry: bool = False
) -> EntityRequest:
    orders, contacts = ids
    return EntityRequest(seller, store, frozenset(orders), frozenset(contacts), with_registry)


class Ingestor:
    def __init__(self, repository: IngestPort) -> None:
        self.repository = repository

    def ingest(self, messages: list[Message], now: datetime | None = None) -> dict[str, Result]:
        now = now or datetime.now(UTC)
        return self.ingest_validated([(m, validate(m.body, now)) for m in messages], now)

    def ingest_validated(self, batch: Sequence[Validated], now: datetime) -> dict[str, Result]:
        """A batch each of whose messages `validate` has judged already, as of `now`
        (a replay validates an archive's lines once, then ingests them in bulk order)."""
        results: dict[str, Result] = {}
        groups: dict[tuple[str, str], list[tuple[str, MarketplaceEvent]]] = defaultdict(list)
        for message, parsed in batch:
            if isinstance(parsed, Result):
                results[message.message_id] = parsed
            else:
                groups[(parsed.seller_id, parsed.store_id)].append((message.message_id, parsed))
        preloaded = self._preload(groups)
        for (seller, store), items in groups.items():
            results.update(
                self._commit_group(seller, store, items, now, preloaded.get((seller, store)))
            )
        for message, _ in batch:
            result = results[message.message_id]
            if result.status == "rejected":
                try:
                    self.repository.keep_rejected(
                        message.body,
                        result.reason or "rejected",
                        result.errors,
                        message.message_id,
                        now,
                    )
                except Exception as exc:  # noqa: BLE001 - any failure to keep it means retry
                    results[message.message_id] = Result(
                        "retry", f"could not keep rejection: {exc}"
                    )
        return results

    def _preload(
        self, groups: dict[tuple[str, str], list[tuple[str, MarketplaceEvent]]]
    ) -> dict[tuple[str, str], Loaded]:
        """Every group's first reads in shared `BatchGetItem`s (two rounds for the batch,
        not two per group); a group retried after a failed commit reloads on its own."""
        keys = list(groups)
        events = {key: [e for _, e in groups[key]] for key in keys}
        try:
            first = self.repository.load_many(
                [_request(s, st, first_keys(events[(s, st)]), True) for s, st in keys]
            )
            second = self.repository.load_many(
                [
                    _request(s, st, next_keys(events[(s, st)], f.orders, f.contacts))
                    for (s, st), f in zip(keys, first, strict=True)
                ]
            )
        except (Busy, Conflict):
            return {}
        return dict(zip(keys, zip(first, second, strict=True), strict=True))

    def _commit_group(
        self,
        seller: str,
        store: str,
        items: list[tuple[str, MarketplaceEvent]],
        now: datetime,
        preloaded: Loaded | None = None,
    ) -> dict[str, Result]:
        attempts = self.repository.settings.commit_attempts
        for attempt in range(attempts):
            try:
                return self._try_commit(
                    seller, store, items, now, preloaded if attempt == 0 else None
                )
            except TooManyItems as exc:
                if len(items) == 1:
                    # One event whose effect exceeds a transaction (an order with about a
                    # hundred linked contacts): retried, then parked in the dead-letter queue.
                    mid, event = items[0]
                    return {
                        mid: Result("retry", f"effect too large: {exc}", event_id=event.event_id)
                    }
                middle = len(items) // 2
                return {
                    **self._commit_group(seller, store, items[:middle], now),
                    **self._commit_group(seller, store, items[middle:], now),
                }
            except (Busy, Conflict) as exc:
                if attempt + 1 == attempts:
                    return {mid: Result("retry", str(exc), event_id=e.event_id) for mid, e in items}
                backoff = self.repository.settings.retry_backoff_seconds
                time.sleep(random.uniform(0, backoff * 2**attempt))
        raise AssertionError("unreachable")

    def _try_commit(
        self,
        seller: str,
        store: str,
        items: list[tuple[str, MarketplaceEvent]],
        now: datetime,
        preloaded: Loaded | None = None,
    ) -> dict[str, Result]:
        events = [event for _, event in items]
        if preloaded is not None:
            first, second = preloaded
        else:
            (first,) = self.repository.load_many(
                [_request(seller, store, first_keys(events), True)]
            )
            more = next_keys(events, first.orders, first.contacts)
            (second,) = self.repository.load_many([_request(seller, store, more)])
        plan = plan_batch(
            events,
            {**first.orders, **second.orders},
            {**first.contacts, **second.contacts},
            self.repository.settings.time_zone(store),
        )
        self.repository.commit(seller, store, plan, register=not first.registered, now=now)
        results = {}
        for index, (message_id, event) in enumerate(items):
            outcome = plan.outcomes[index]
            if outcome == "conflict":
                results[message_id] = Result(
                    "rejected",
                    "conflicting_duplicate",
                    [{"field": "event_id", "message": plan.conflicts[index]}],
                    event.event_id,
                )
            else:
                results[message_id] = Result(outcome, event_id=event.event_id)
        return results
