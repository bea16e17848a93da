"""What the deployed table holds, for tests that compare whole states."""

from __future__ import annotations

from typing import Any

import boto3


def table_items(table: str) -> list[dict[str, Any]]:
    """Every item of `table`, as DynamoDB returns them."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    return [
        item
        for page in client.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    ]
