from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from csinsights_local.stack import FAKE_CREDENTIALS, Deployment, deploy

os.environ.update(FAKE_CREDENTIALS)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CustomerServiceInsights")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "tests")


@pytest.fixture
def stack() -> Iterator[Deployment]:
    """The template's resources, freshly created in in-process moto."""
    with mock_aws():
        yield deploy()


@pytest.fixture
def dynamodb(stack: Deployment):  # type: ignore[no-untyped-def]
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def sqs(stack: Deployment):  # type: ignore[no-untyped-def]
    return boto3.client("sqs", region_name="us-east-1")
