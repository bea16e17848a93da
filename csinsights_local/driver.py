"""Deliver queue messages to a handler in batches, as the Lambda SQS poller does.

Successful records are deleted; records the handler reports in `batchItemFailures` (or a
whole batch whose invocation raised) become visible again and are redelivered, until the
queue's redrive policy moves them to the dead-letter queue.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

Handler = Callable[[dict[str, Any]], Any]
T = TypeVar("T")

MAX_SEND_BATCH_BYTES = 256 * 1024
"""SQS's limit on the bodies of one `SendMessageBatch` together."""
MAX_INVOKE_BYTES = 6 * 1024 * 1024
"""Lambda's payload limit for an invocation: the poller's batch of records stays under it."""


def batches(
    items: Sequence[T], size: Callable[[T], str], max_count: int, max_bytes: int
) -> Iterator[list[T]]:
    """Consecutive batches of at most `max_count` items whose `size` texts together take at
    most `max_bytes` UTF-8 bytes (an item larger than that alone is a batch of its own)."""
    batch: list[T] = []
    total = 0
    for item in items:
        text = size(item)
        length = len(text) if text.isascii() else len(text.encode())
        if batch and (len(batch) == max_count or total + length > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += length
    if batch:
        yield batch


@dataclass
class DeliveryReport:
    invocations: int = 0
    delivered: int = 0
    deleted: int = 0
    redelivered: int = 0
    failed_invocations: int = 0


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    now_ms = str(int(time.time() * 1000))
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", now_ms),
            "SenderId": attributes.get("SenderId", "local"),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", now_ms
            ),
        },
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class QueueDriver:
    def __init__(self, sqs: Any, queue_url: str, handler: Handler, batch_size: int = 100) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.batch_size = batch_size
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        self.queue_arn = attrs["Attributes"]["QueueArn"]
        self.region = sqs.meta.region_name
        self._held: list[dict[str, Any]] = []  # received, for the next batch (over the size)

    def _receive(self) -> list[dict[str, Any]]:
        """Up to `batch_size` messages whose records fit one invocation's payload, as the
        event source mapping batches them."""
        messages, self._held = self._held, []
        while len(messages) < self.batch_size:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                AttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            received = response.get("Messages", [])
            if not received:
                break
            messages.extend(received)
        total = 0
        for index, message in enumerate(messages):
            total += len(json.dumps(self._record(message)).encode())
            if index and total > MAX_INVOKE_BYTES:
                messages, self._held = messages[:index], messages[index:]
                break
        return messages

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return sqs_record(message, self.queue_arn, self.region)

    def drain(self, max_invocations: int = 100_000) -> DeliveryReport:
        """Deliver until the queue is empty (failed records are retried right away)."""
        report = DeliveryReport()
        while report.invocations < max_invocations:
            messages = self._receive()
            if not messages:
                break
            report.invocations += 1
            report.delivered += len(messages)
            event = {"Records": [self._record(m) for m in messages]}
            try:
                response = self.handler(event) or {}
                failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            except Exception:  # noqa: BLE001 - Lambda treats a raise as the whole batch failing
                report.failed_invocations += 1
                failed = {m["MessageId"] for m in messages}
            done = [m for m in messages if m["MessageId"] not in failed]
            retry = [m for m in messages if m["MessageId"] in failed]
            for start in range(0, len(done), 10):
                chunk = done[start : start + 10]
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(chunk)
                    ],
                )
            report.deleted += len(done)
            report.redelivered += len(retry)
            for start in range(0, len(retry), 10):
                chunk = retry[start : start + 10]
                self.sqs.change_message_visibility_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                        for i, m in enumerate(chunk)
                    ],
                )
        return report
