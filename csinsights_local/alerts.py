"""Reply-due alerts on the local stack: run the alert state machine as its schedule would
(once at an instant, or every few seconds in the background), and subscribe a queue to the
bus to read the `contact.reply_due` events that reach subscribers."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3

from csinsights.domain.alerts import DETAIL_TYPE, SOURCE
from csinsights_local.stack import Deployment

ALERT_FUNCTION = "AlertFunction"


def run_alerts(deployment: Deployment, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """One run of the alert state machine (live, or as of `as_of`), each step by its
    function's handler: the details it published."""
    from csinsights_local.run import published_alerts, run_alert_machine

    return published_alerts(run_alert_machine(deployment, as_of))


@dataclass
class AlertInbox:
    """An SQS queue subscribed to the bus for `contact.reply_due` (moto delivers events to
    SQS targets), as a subscriber's rule would be."""

    queue_url: str
    sqs: Any

    def read(self) -> list[dict[str, Any]]:
        """The alert events' details that arrived since the last read, oldest first."""
        details: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return details
            details += [json.loads(message["Body"])["detail"] for message in messages]
            entries = [
                {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
                for n, message in enumerate(messages)
            ]
            deleted = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if deleted.get("Failed"):
                raise RuntimeError(f"alert inbox: not deleted: {deleted['Failed']}")


def subscribe_alerts(deployment: Deployment) -> AlertInbox:
    """Subscribe a new queue to the product's bus for `contact.reply_due` events."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    name = f"reply-due-{uuid.uuid4().hex[:8]}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    bus = deployment.outputs["EventBusName"]
    events.put_rule(
        Name=name,
        EventBusName=bus,
        EventPattern=json.dumps({"source": [SOURCE], "detail-type": [DETAIL_TYPE]}),
    )
    events.put_targets(
        Rule=name,
        EventBusName=bus,
        Targets=[{"Id": "inbox", "Arn": arn["Attributes"]["QueueArn"]}],
    )
    return AlertInbox(queue_url, sqs)


class AlertSchedule(threading.Thread):
    """Runs the alert function every `seconds`, as its schedule does (locally, more often)."""

    def __init__(self, deployment: Deployment, seconds: float = 60.0) -> None:
        super().__init__(daemon=True)
        self.deployment = deployment
        self.seconds = seconds
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()

    def run(self) -> None:
        while not self.stopped.wait(self.seconds):
            try:
                run_alerts(self.deployment)
            except Exception:  # noqa: BLE001 - a failed run is logged; the next one catches up
                self.deployment.logs.setdefault(ALERT_FUNCTION, []).append(
                    {"level": "ERROR", "message": "reply-due alert run failed"}
                )
