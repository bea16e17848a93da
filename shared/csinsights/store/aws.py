"""AWS errors translated once into the domain's: `Busy` (try again shortly), `Conflict` (a
condition failed or a transaction was cancelled) or `StoreFault` (anything else: a fault of
the code or the deployment, which goes up with the AWS error as its cause)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from csinsights.errors import Busy, Conflict, StoreFault

BUSY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",  # DynamoDB
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "RequestThrottled",  # SQS
        "KmsThrottled",
        "KmsUnavailable",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "SlowDown",  # S3
        "InternalError",
    }
)
"""Throttling by any service, and its internal errors, by code (a status is not always
there, e.g. in an error parsed from a transaction's cancellation)."""
BUSY_STATUS = frozenset({429, 500, 502, 503, 504})
CONFLICT_CODES = frozenset(
    {
        "TransactionCanceledException",
        "ConditionalCheckFailedException",
        "TransactionConflictException",
    }
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def translated() -> Iterator[None]:
    """Run AWS calls, raising `Busy` or `Conflict` for what they mean to the caller."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in CONFLICT_CODES:
            raise Conflict(code) from exc
        if code in BUSY_CODES or status in BUSY_STATUS:
            raise Busy(code or str(status)) from exc
        raise StoreFault(f"{code or status}: {exc}") from exc
    except (BotoConnectionError, HTTPClientError) as exc:
        raise Busy(type(exc).__name__) from exc
    except BotoCoreError as exc:
        raise StoreFault(f"{type(exc).__name__}: {exc}") from exc


def client(service: str) -> Any:
    """A client with the product's configuration (SigV4 for S3's pre-signed links)."""
    if service == "s3":
        return boto3.client("s3", config=Config(signature_version="s3v4"))
    return boto3.client(service)
