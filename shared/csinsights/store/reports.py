"""Reports: their records (`REPORT#<seller>`), their files in S3 with pre-signed links, what
the report worker reads (the contact and order indexes), and the report requests queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from boto3.s3.transfer import TransferConfig

from csinsights.config import Settings
from csinsights.errors import Conflict
from csinsights.models.records import ReportRecord, ReportRequest
from csinsights.store import codecs, keys
from csinsights.store.aws import client as aws_client
from csinsights.store.aws import translated
from csinsights.store.contacts import ContactIndexes
from csinsights.store.dynamo import NEW_ONLY, TableStore, expires_at

UPLOAD = TransferConfig(use_threads=False)
"""One part in memory at a time (8 MB; a multipart upload past that), whatever the file."""


def _record(item: dict[str, Any]) -> ReportRecord:
    return codecs.report_record_from_json(codecs.data_of(item))


class ReportRecordItems(TableStore):
    def put_report(self, seller: str, report: ReportRecord, only_if_new: bool = False) -> bool:
        """Report ids start with their creation time, so the sort key orders them.

        `only_if_new`: leave a record already there alone (returns False), so a `pending`
        written late never hides the `ready` its worker wrote first."""
        item = {
            **keys.key(keys.report_pk(seller), report.report_id),
            "data": codecs.data_attribute(codecs.report_record_to_json(report), compact=False),
            "expires_at": expires_at(datetime.now(UTC).date(), self.settings.retention_days),
        }
        try:
            self.table.put(item, **(NEW_ONLY if only_if_new else {}))
        except Conflict:
            if only_if_new:
                return False
            raise
        return True

    def report(self, seller: str, report_id: str) -> ReportRecord | None:
        item = self.table.get(keys.key(keys.report_pk(seller), report_id))
        return _record(item) if item else None

    def reports(
        self, seller: str, limit: int, after: str | None = None
    ) -> tuple[list[ReportRecord], str | None]:
        """Newest first; `after` is the last report id of the previous page."""
        pk = keys.report_pk(seller)
        start = {"ExclusiveStartKey": keys.key(pk, after)} if after else {}
        items, last = self.table.query_page(
            "pk = :pk", {":pk": {"S": pk}}, ScanIndexForward=False, Limit=limit, **start
        )
        return [_record(i) for i in items], (last["sk"]["S"] if last else None)


class ReportFiles:
    """The reports bucket."""

    def __init__(self, settings: Settings, s3: Any = None) -> None:
        self._bucket = settings.required("reports_bucket")
        self.s3 = s3 or aws_client("s3")

    @property
    def bucket(self) -> str:
        return self._bucket

    def put(self, key: str, body: str, content_type: str) -> None:
        with translated():
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body.encode(),
                ContentType=content_type,
                ServerSideEncryption="AES256",
            )

    def upload(self, key: str, body: IO[bytes], content_type: str) -> None:
        """A file of any size from a (spooled) file object, never whole in memory."""
        with translated():
            self.s3.upload_fileobj(
                body,
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type, "ServerSideEncryption": "AES256"},
                Config=UPLOAD,
            )

    def read(self, key: str) -> bytes:
        with translated():
            return bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def download_link(self, key: str, filename: str, expires_in: int) -> str:
        """A SigV4 link that downloads `key` as an attachment named `filename`."""
        with translated():
            return str(
                self.s3.generate_presigned_url(
                    "get_object",
                    Params={
                        "Bucket": self.bucket,
                        "Key": key,
                        "ResponseContentDisposition": f'attachment; filename="{filename}"',
                    },
                    ExpiresIn=expires_in,
                )
            )


class ReportsStore(ReportRecordItems, ReportFiles, ContactIndexes):
    """What the report worker, the run's reports and the API's report routes use."""

    def __init__(
        self, client: Any = None, settings: Settings | None = None, s3: Any = None
    ) -> None:
        TableStore.__init__(self, client, settings)
        ReportFiles.__init__(self, self.settings, s3)


class ReportRequests:
    """The queue the report worker reads."""

    def __init__(self, client: Any = None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_environment()
        self.queue_url = self.settings.required("report_requests_queue_url")
        self.client = client or aws_client("sqs")

    def send(self, request: ReportRequest) -> None:
        with translated():
            self.client.send_message(
                QueueUrl=self.queue_url, MessageBody=codecs.report_request_message(request)
            )


if TYPE_CHECKING:
    from collections.abc import Callable

    from csinsights.store.ports import ReportRequestsPort, ReportsPort

    _reports: Callable[..., ReportsPort] = ReportsStore
    _requests: Callable[..., ReportRequestsPort] = ReportRequests
