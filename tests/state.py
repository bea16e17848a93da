"""What the deployed table holds, for tests that compare whole states; and a deployment's
data saved once and restored before each test, through the public AWS APIs, so a module
deploys and prepares its stack once instead of once per test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

from csinsights_local.stack import Deployment

STASH = "csinsights-tests-saved"
"""The bucket that keeps a copy of every saved object."""


def table_items(table: str) -> list[dict[str, Any]]:
    """Every item of `table`, as DynamoDB returns them."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    return [
        item
        for page in client.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    ]


def _objects(bucket: str) -> dict[str, str]:
    """Key -> ETag of every object of `bucket`."""
    s3 = boto3.client("s3", region_name="us-east-1")
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
    sqs = boto3.client("sqs", region_name="us-east-1")
    every_queue = (*_queues(stack), *queues)
    for url in every_queue:
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        held = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        assert all(counts[name] == "0" for name in held), f"{url} is not empty"
    s3 = boto3.client("s3", region_name="us-east-1")
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
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
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
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = stack.outputs["ReportsBucketName"]
    objects = _objects(bucket)
    for key in objects.keys() - saved.objects.keys():
        s3.delete_object(Bucket=bucket, Key=key)
    for key, etag in saved.objects.items():
        if objects.get(key) != etag:
            s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": STASH, "Key": key})
    sqs = boto3.client("sqs", region_name="us-east-1")
    for url in saved.queues:
        sqs.purge_queue(QueueUrl=url)
    for function, environment in saved.environments.items():
        stack.function_environments[function] = dict(environment)
    for function in list(stack.logs):
        del stack.logs[function][saved.logs.get(function, 0) :]
