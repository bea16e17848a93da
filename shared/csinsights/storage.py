"""Every S3 call of the product: reports in, pre-signed links out."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3
from botocore.config import Config

from csinsights.config import Settings, get_settings


class ReportStore:
    def __init__(self, client: Any = None, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.bucket = self.settings.reports_bucket
        self.client = client or boto3.client("s3", config=Config(signature_version="s3v4"))

    def put(self, key: str, body: str, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body.encode(),
            ContentType=content_type,
            ServerSideEncryption="AES256",
        )

    @staticmethod
    def insights_prefix(seller: str, day: date) -> str:
        return f"reports/{seller}/insights/{day.isoformat()}/"

    @staticmethod
    def run_sellers_key(day: date) -> str:
        return f"runs/{day.isoformat()}/sellers.json"

    def download_link(self, key: str, filename: str, expires_in: int) -> str:
        """A SigV4 link that downloads `key` as an attachment named `filename`."""
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=expires_in,
        )


class ReportRequests:
    """The queue the survey responses report worker reads."""

    def __init__(self, client: Any = None, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.client = client or boto3.client("sqs")

    def send(self, request: dict[str, Any]) -> None:
        self.client.send_message(
            QueueUrl=self.settings.report_requests_queue_url, MessageBody=json.dumps(request)
        )
