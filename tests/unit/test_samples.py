"""The sample events in events/ and the exported schema in docs/ stay true to the contract."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from csinsights.ingest import Result, unwrap, validate
from csinsights.models.events import EVENT_TYPES, event_json_schema, parse_event
from csinsights_local import schema as schema_module

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
SCHEMA_DOC = ROOT / "docs" / "event-schema.json"
# After every sample (all are before 2026-11-25), so none is "in the future".
NOW = datetime(2026, 11, 25, tzinfo=UTC)

TRIGGERS = ("sqs-ingest-batch.json", "eventbridge-to-sqs-batch.json")
SAMPLES = (
    "order.placed.json",
    "contact.received.json",
    "contact.received.pre_sale.json",
    "contact.responded.json",
    "contact.responded.automated.json",
    "contact.no_response_needed.json",
    "survey.vote.json",
    "survey.vote.rating.json",
)
LAMBDA_SQS_RECORD_KEYS = {
    "messageId",
    "receiptHandle",
    "body",
    "attributes",
    "messageAttributes",
    "md5OfBody",
    "eventSource",
    "eventSourceARN",
    "awsRegion",
}
EVENTBRIDGE_KEYS = {
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
}


def load(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def sample_names() -> list[str]:
    return sorted(p.name for p in EVENTS.glob("*.json") if "Records" not in load(p.name))


def trigger_records() -> list[Any]:
    return [
        pytest.param(name, index, record, id=f"{name}[{index}]")
        for name in TRIGGERS
        for index, record in enumerate(load(name)["Records"])
    ]


def every_event() -> list[Any]:
    """Each contract event: the samples, then each trigger record's unwrapped body."""
    events = [pytest.param(load(name), id=name) for name in sample_names()]
    for name in TRIGGERS:
        for index, record in enumerate(load(name)["Records"]):
            events.append(pytest.param(unwrap(json.loads(record["body"])), id=f"{name}[{index}]"))
    return events


def test_events_folder_holds_one_sample_per_case_and_the_two_trigger_payloads() -> None:
    assert sorted(sample_names()) == sorted(SAMPLES)
    assert {p.name for p in EVENTS.glob("*.json")} == set(SAMPLES) | set(TRIGGERS)


def test_samples_cover_every_event_type() -> None:
    assert {load(name)["type"] for name in sample_names()} == set(EVENT_TYPES)


@pytest.mark.parametrize("name", sample_names())
def test_sample_event_validates_against_the_contract(name: str) -> None:
    raw = load(name)

    event = parse_event(raw, now=NOW)

    assert event.type == raw["type"]
    assert name.startswith(f"{event.type}.")


def test_sample_event_ids_are_unique() -> None:
    ids = [load(name)["event_id"] for name in sample_names()]

    assert len(ids) == len(set(ids))


def test_samples_tell_one_story_for_one_seller_and_store_before_the_25th() -> None:
    events = [parse_event(load(name), now=NOW) for name in sample_names()]

    assert {(e.seller_id, e.store_id) for e in events} == {("A1SELLER", "US")}
    assert all(e.occurred_at < NOW for e in events)
    by_name = {name: parse_event(load(name), now=NOW) for name in sample_names()}
    asked = by_name["contact.received.json"]
    replied = by_name["contact.responded.json"]
    assert asked.data.contact_id == replied.data.contact_id
    assert (replied.occurred_at - asked.occurred_at).total_seconds() == 3 * 3600
    assert replied.data.automated is False
    # The auto-responder acknowledged the message at once; the seller's reply came later.
    acknowledged = by_name["contact.responded.automated.json"]
    assert acknowledged.data.contact_id == asked.data.contact_id
    assert acknowledged.data.automated is True
    assert asked.occurred_at < acknowledged.occurred_at < replied.occurred_at
    assert by_name["contact.received.pre_sale.json"].data.order_id is None


@pytest.mark.parametrize(("name", "index", "record"), trigger_records())
def test_trigger_record_is_shaped_as_lambda_delivers_sqs(
    name: str, index: int, record: dict[str, Any]
) -> None:
    assert set(record) == LAMBDA_SQS_RECORD_KEYS
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].startswith(f"arn:aws:sqs:{record['awsRegion']}:")
    assert set(record["attributes"]) >= {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    }
    assert all(isinstance(v, str) for v in record["attributes"].values())
    assert isinstance(record["body"], str)
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()


@pytest.mark.parametrize(("name", "index", "record"), trigger_records())
def test_trigger_record_body_validates_after_unwrapping(
    name: str, index: int, record: dict[str, Any]
) -> None:
    raw = json.loads(record["body"])

    event = parse_event(unwrap(raw), now=NOW)

    if name == "eventbridge-to-sqs-batch.json":
        assert set(raw) == EVENTBRIDGE_KEYS
        assert raw["detail-type"] == event.type
        assert raw["source"].startswith("marketplace.")
    else:
        assert unwrap(raw) is raw
    parsed = validate(record["body"], NOW)
    assert not isinstance(parsed, Result), parsed
    assert parsed == event


def test_trigger_payloads_together_deliver_each_sample_event_once() -> None:
    delivered = [
        unwrap(json.loads(record["body"])) for name in TRIGGERS for record in load(name)["Records"]
    ]
    samples = [load(name) for name in sample_names()]

    assert sorted(delivered, key=lambda e: e["event_id"]) == sorted(
        samples, key=lambda e: e["event_id"]
    )
    message_ids = [r["messageId"] for name in TRIGGERS for r in load(name)["Records"]]
    assert len(message_ids) == len(set(message_ids))


# --------------------------------------------------------------------------- schema


def test_schema_doc_is_the_current_contract() -> None:
    expected = json.dumps(event_json_schema(), indent=2, sort_keys=True) + "\n"

    assert SCHEMA_DOC.read_text() == expected, (
        "docs/event-schema.json is stale: "
        "python -m csinsights_local.schema > docs/event-schema.json"
    )


def test_schema_command_prints_the_schema_doc(capsys: pytest.CaptureFixture[str]) -> None:
    schema_module.main()

    assert capsys.readouterr().out == SCHEMA_DOC.read_text()


@pytest.mark.parametrize("raw", every_event())
def test_sample_event_validates_against_the_schema_doc(raw: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_DOC.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)

    errors = [error.message for error in validator.iter_errors(raw)]

    assert errors == []
