"""`tests.state.restore`, which the fault matrices rely on to start every case from the same
prepared deployment: whatever a case wrote, deleted or queued, the deployment holds exactly
what was saved afterwards."""

from __future__ import annotations

from typing import Any

import boto3

from csinsights_local.run import run_metrics
from csinsights_local.stack import Deployment
from tests.builders import order_placed, sqs_batch
from tests.marketplace import ingest, marketplace
from tests.state import restore, save, table_items


def objects(bucket: str) -> dict[str, tuple[bytes, str]]:
    s3 = boto3.client("s3")
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            got = s3.get_object(Bucket=bucket, Key=entry["Key"])
            out[entry["Key"]] = (got["Body"].read(), got["ContentType"])
    return out


def by_key(item: dict[str, Any]) -> tuple[str, str]:
    return item["pk"]["S"], item["sk"]["S"]


def test_restore_gives_back_the_saved_items_objects_queues_environments_and_logs(
    stack: Deployment,
) -> None:
    ingest(stack, marketplace())
    run_metrics(stack, "2026-11-19T00:00:00Z")
    table, bucket = stack.outputs["EventsTableName"], stack.outputs["ReportsBucketName"]
    items, files = table_items(table), objects(bucket)
    lines = {function: list(logged) for function, logged in stack.logs.items()}
    min_peers = stack.function_environments["ApiFunction"]["MIN_PEERS"]
    saved = save(stack)

    run_metrics(stack, "2026-11-20T00:00:00Z")  # new items and report files, items changed
    ingest(stack, [order_placed("o9", "2026-11-19T08:00:00Z", seller="A1SELLER", store="US")])
    s3, dynamodb, sqs = boto3.client("s3"), boto3.client("dynamodb"), boto3.client("sqs")
    first = sorted(files)[0]
    s3.put_object(Bucket=bucket, Key=first, Body=b"overwritten", ContentType="text/plain")
    s3.delete_object(Bucket=bucket, Key=sorted(files)[-1])
    gone = items[0]
    dynamodb.delete_item(TableName=table, Key={"pk": gone["pk"], "sk": gone["sk"]})
    sqs.send_message(QueueUrl=stack.queue_url(), MessageBody="{}")
    stack.invoke("IngestFunction", sqs_batch(["not json"]))
    stack.function_environments["ApiFunction"]["MIN_PEERS"] = "1"
    assert table_items(table) != items
    assert objects(bucket) != files
    assert {function: list(logged) for function, logged in stack.logs.items()} != lines

    restore(stack, saved)
    assert sorted(table_items(table), key=by_key) == sorted(items, key=by_key)
    assert objects(bucket) == files
    for url in saved.queues:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert stack.function_environments["ApiFunction"]["MIN_PEERS"] == min_peers == "5"
    assert {function: list(logged) for function, logged in stack.logs.items() if logged} == {
        function: logged for function, logged in lines.items() if logged
    }
