"""Reports: their records (`REPORT#<seller>`), what they read (orders by latest vote from
the VotedOrders index; contacts by received time from the Contacts index, with the orders
they name), their files in S3 with pre-signed links, and the report requests queue."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import IO, Any

from boto3.s3.transfer import TransferConfig

from csinsights.config import Settings
from csinsights.domain.entities import ContactState, OrderState
from csinsights.errors import Conflict
from csinsights.models.records import ReportRecord, ReportRequest
from csinsights.store import codecs, keys
from csinsights.store.aws import client as aws_client
from csinsights.store.aws import translated
from csinsights.store.contacts import contacts_between, orders_of
from csinsights.store.dynamo import NEW_ONLY, TableStore, expires_at

UPLOAD = TransferConfig(use_threads=False)
"""One part in memory at a time (8 MB; a multipart upload past that), whatever the file."""


def _record(item: dict[str, Any]) -> ReportRecord:
    return ReportRecord.from_json(codecs.data_of(item))


class ReportsStore(TableStore):
    def __init__(
        self, client: Any = None, settings: Settings | None = None, s3: Any = None
    ) -> None:
        super().__init__(client, settings)
        self.bucket = self.settings.required("reports_bucket")
        self.s3 = s3 or aws_client("s3")

    # ---- records ---------------------------------------------------------------------
    def put_report(self, seller: str, report: ReportRecord, only_if_new: bool = False) -> bool:
        """Report ids start with their creation time, so the sort key orders them.

        `only_if_new`: leave a record already there alone (returns False), so a `pending`
        written late never hides the `ready` its worker wrote first."""
        item = {
            **keys.key(keys.report_pk(seller), report.report_id),
            "data": codecs.data_attribute(report.to_json(), compact=False),
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

    def voted_orders(
        self, seller: str, store: str, since: datetime
    ) -> Iterator[tuple[str, OrderState]]:
        """Orders whose latest vote is at or after `since`, newest first."""
        values = {":pk": {"S": keys.voted_pk(seller, store)}, ":since": {"S": codecs.iso(since)}}
        condition = f"{keys.VOTED_PK} = :pk AND {keys.VOTED_SK} >= :since"
        items = self.table.query(
            condition, values, IndexName=keys.VOTED_ORDERS, ScanIndexForward=False
        )
        for item in items:
            yield item["order_id"]["S"], codecs.decode_order(item)

    def contacts(
        self, seller: str, store: str, start: datetime, end: datetime
    ) -> Iterator[tuple[str, ContactState]]:
        """Contacts first received in [start, end), newest first, page by page."""
        return contacts_between(self.table, seller, store, start, end, newest_first=True)

    def orders(self, seller: str, store: str, order_ids: Iterable[str]) -> dict[str, OrderState]:
        return orders_of(self.table, seller, store, order_ids)

    # ---- files -----------------------------------------------------------------------
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

    @staticmethod
    def insights_prefix(seller: str, day: date) -> str:
        return f"reports/{seller}/insights/{day.isoformat()}/"

    @staticmethod
    def survey_key(seller: str, report_id: str) -> str:
        return f"reports/{seller}/survey/{report_id}.csv"

    @staticmethod
    def contacts_key(seller: str, report_id: str, fmt: str) -> str:
        return f"reports/{seller}/contacts/{report_id}.{fmt}"

    @staticmethod
    def run_sellers_key(day: date) -> str:
        return f"runs/{day.isoformat()}/sellers.json"

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


class ReportRequests:
    """The queue the survey responses report worker reads."""

    def __init__(self, client: Any = None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.queue_url = self.settings.required("report_requests_queue_url")
        self.client = client or aws_client("sqs")

    def send(self, request: ReportRequest) -> None:
        with translated():
            self.client.send_message(
                QueueUrl=self.queue_url, MessageBody=json.dumps(request.to_json())
            )
