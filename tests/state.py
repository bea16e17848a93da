"""What the deployed table holds, for tests that compare whole states; and a deployment's
data saved once and restored before each test, through the public AWS APIs, so a module
deploys and prepares its stack once instead of once per test."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3

from csinsights_local.stack import Deployment

STASH = "csinsights-tests-saved"
"""The bucket that keeps a copy of every saved object."""


@cache
def _client(service: str) -> Any:
    """One client per service for the process: whichever moto is active answers it."""
    return boto3.client(service, region_name="us-east-1")


def table_items(table: str) -> list[dict[str, Any]]:
    """Every item of `table`, as DynamoDB returns them."""
    client = _client("dynamodb")
    return [
        item
        for page in client.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    ]


def _objects(bucket: str) -> dict[str, str]:
    """Key -> ETag of every object of `bucket`."""
    s3 = _client("s3")
    return {
        entry["Key"]: entry["ETag"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for entry in page.get("Contents", [])
    }


def _queues(stack: Deployment) -> list[str]:
    return [url for name, url in stack.outputs.items() if name.endswith("QueueUrl")]


@dataclass(frozen=True)
class Saved:
    """A deployment's data at one moment: the table's items, the reports bucket's objects
    (copied to STASH), the functions' environments and log lengths. Its queues are empty
    then."""

    items: dict[tuple[str, str], dict[str, Any]]
    objects: dict[str, str]
    environments: dict[str, dict[str, str]]
    logs: dict[str, int]
    queues: tuple[str, ...]


def _key(item: dict[str, Any]) -> tuple[str, str]:
    return item["pk"]["S"], item["sk"]["S"]


def save(stack: Deployment, queues: tuple[str, ...] = ()) -> Saved:
    """The deployment's data now; `queues`: more queues (beyond the template's) that
    `restore` empties."""
    sqs = _client("sqs")
    every_queue = (*_queues(stack), *queues)
    for url in every_queue:
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        held = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        assert all(counts[name] == "0" for name in held), f"{url} is not empty"
    s3 = _client("s3")
    bucket = stack.outputs["ReportsBucketName"]
    s3.create_bucket(Bucket=STASH)
    objects = _objects(bucket)
    for key in objects:
        s3.copy_object(Bucket=STASH, Key=key, CopySource={"Bucket": bucket, "Key": key})
    return Saved(
        {_key(item): item for item in table_items(stack.outputs["EventsTableName"])},
        objects,
        {function: dict(env) for function, env in stack.function_environments.items()},
        {function: len(lines) for function, lines in stack.logs.items()},
        every_queue,
    )


def restore(stack: Deployment, saved: Saved) -> None:
    """Put the deployment's data back as it was saved: items and objects written since are
    deleted, saved ones written back, queues emptied, the functions' environments as they
    were, later log lines dropped (checked by tests/integration/test_saved_state.py)."""
    dynamodb = _client("dynamodb")
    table = stack.outputs["EventsTableName"]
    # Every saved item written back (reading the items to compare costs more than that).
    writes: list[dict[str, Any]] = [
        {"DeleteRequest": {"Key": key}}
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=table, ProjectionExpression="pk, sk"
        )
        for key in page["Items"]
        if _key(key) not in saved.items
    ] + [{"PutRequest": {"Item": item}} for item in saved.items.values()]
    for start in range(0, len(writes), 25):
        response = dynamodb.batch_write_item(RequestItems={table: writes[start : start + 25]})
        assert not response.get("UnprocessedItems")
    s3 = _client("s3")
    bucket = stack.outputs["ReportsBucketName"]
    objects = _objects(bucket)
    written = sorted(objects.keys() - saved.objects.keys())
    for start in range(0, len(written), 1000):
        keys = [{"Key": key} for key in written[start : start + 1000]]
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        assert not response.get("Errors")
    for key, etag in saved.objects.items():
        if objects.get(key) != etag:
            s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": STASH, "Key": key})
    sqs = _client("sqs")
    for url in saved.queues:
        sqs.purge_queue(QueueUrl=url)
    for function, environment in saved.environments.items():
        stack.function_environments[function] = dict(environment)
    for function in list(stack.logs):
        del stack.logs[function][saved.logs.get(function, 0) :]
