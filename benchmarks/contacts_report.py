"""Step 9: a large seller's contacts report: the report worker's peak Python memory
(tracemalloc) and wall time, and the AWS requests it makes.

- *end to end* (`one_report`): a freshly deployed stack (moto), the table seeded directly
  with the items ingest writes (the product's own codecs: each contact with its `Contacts`
  index keys, the orders with their votes), the request through the report requests queue
  into the worker function. moto's emulation is slow (its Query sorts the table on every
  page) and keeps every object it stores in memory, so this runs at a small size.
- *large* (`large_report`): the builder and the product's store code (paginated index
  query, codecs, batch gets with their retries, the S3 managed upload) over generated AWS
  answers: a DynamoDB client stand-in that pages 100,000 contacts newest first (1 MB
  pages, as DynamoDB does) and answers each `BatchGetItem`, and an S3 stand-in whose
  `upload_fileobj` reads the file in 8 MB parts (as boto3 does with threads off) and keeps
  only their sizes. Run at two sizes: the peak must not grow with the rows.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from csinsights.config import Settings
from csinsights.contacts_report import ContactsReportBuilder
from csinsights.domain.entities import ContactState, OrderState, Placed, Received, Stamp, Vote
from csinsights.models.records import ReportRequest
from csinsights.store import codecs, keys
from csinsights.store.reports import ReportRequests, ReportsStore
from csinsights_local.driver import QueueDriver
from csinsights_local.stack import deploy

REGION = "us-east-1"
SELLER = "BIGSELLER"
STORES = ("US", "CA")
T = datetime(2026, 11, 20, tzinfo=UTC)
REASONS = ("shipping", "product_quality", "other", "change_of_mind", "fulfillment")


def _items(
    contacts: int, rnd: random.Random, first: int = 0, spread: int | None = None
) -> list[dict[str, Any]]:
    """Contacts `first` .. `first + contacts - 1` of `spread` over the 90 days before T,
    newest first, in two stores; 70 % name an order (half of those voted on), most
    answered, a few auto-replied or needing no reply; each contact's item, then its
    order's."""
    out: list[dict[str, Any]] = []
    spread = spread or contacts
    for n in range(first, first + contacts):
        store = STORES[n % len(STORES)]
        at = T - timedelta(seconds=1 + n * (90 * 86400 - 1) // spread)
        order_id = f"o{n:07d}" if rnd.random() < 0.7 else None
        contact = ContactState(
            received=(Received(Stamp(at, f"r{n}"), rnd.choice(REASONS), order_id),),
            responded=(
                (Stamp(at + timedelta(minutes=rnd.randint(1, 4000)), f"a{n}"),)
                if rnd.random() < 0.85
                else ()
            ),
            no_response_needed=(Stamp(at, f"x{n}"),) if rnd.random() < 0.05 else (),
            auto_replied=(Stamp(at, f"z{n}"),) if rnd.random() < 0.2 else (),
        )
        cid = f"c{n:07d}"
        owner = {"seller_id": {"S": SELLER}, "store_id": {"S": store}}
        out.append(
            {
                **keys.key(keys.contact_pk(SELLER, store, cid), keys.STATE),
                **owner,
                "contact_id": {"S": cid},
                **codecs.encode_contact(contact),
                **codecs.contact_index(SELLER, store, cid, contact),
            }
        )
        if order_id is None:
            continue
        placed = (Placed(Stamp(at - timedelta(days=2), f"p{n}"), "seller"),)
        votes = (Vote(Stamp(at + timedelta(days=1), f"v{n}"), rnd.choice(["yes", "no", "4"])),)
        order = OrderState(placed, votes if rnd.random() < 0.5 else (), frozenset({cid}))
        out.append(
            {
                **keys.key(keys.order_pk(SELLER, store, order_id), keys.STATE),
                **owner,
                "order_id": {"S": order_id},
                **codecs.encode_order(order),
            }
        )
    return out


def _seed(table: str, items: list[dict[str, Any]]) -> None:
    client = boto3.session.Session(region_name=REGION).client("dynamodb")
    for start in range(0, len(items), 25):
        chunk = [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
        client.batch_write_item(RequestItems={table: chunk})


def one_report(contacts: int, traced: bool = True) -> dict[str, Any]:
    with mock_aws():
        boto3.setup_default_session(region_name=REGION)
        deployment = deploy()
        outputs = deployment.outputs
        started = time.perf_counter()
        _seed(outputs["EventsTableName"], _items(contacts, random.Random(contacts)))
        seeded = time.perf_counter() - started
        requests: Counter[str] = Counter()

        def count(event_name: str, **_: Any) -> None:
            service, operation = event_name.split(".")[1:3]
            requests[f"{service} {operation}"] += 1

        boto3.DEFAULT_SESSION.events.register("before-call.*.*", count)
        url = outputs["ReportRequestsQueueUrl"]
        queue = ReportRequests(
            boto3.client("sqs"),
            Settings(table_name=outputs["EventsTableName"], report_requests_queue_url=url),
        )
        request = ReportRequest(
            SELLER, "bench", STORES, 90, T, "contacts", (T - timedelta(days=1)).date()
        )
        queue.send(request)
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        delivery = QueueDriver(
            boto3.client("sqs"),
            url,
            lambda event: deployment.invoke("ReportWorkerFunction", event),
            batch_size=5,
        ).drain()
        wall = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
        if delivery.deleted != 1 or delivery.redelivered:
            raise RuntimeError(f"the contacts report was not built: {delivery}")
        s3 = boto3.session.Session(region_name=REGION).client("s3")
        bucket = outputs["ReportsBucketName"]
        sizes = {
            fmt: s3.head_object(Bucket=bucket, Key=f"reports/{SELLER}/contacts/bench.{fmt}")[
                "ContentLength"
            ]
            for fmt in ("csv", "json")
        }
        return {
            "contacts": contacts,
            "seed_seconds": round(seeded, 1),
            "worker_wall_seconds": round(wall, 1),
            "peak_traced_mib": round(peak / 2**20, 1),
            "file_bytes": sizes,
            "requests": dict(sorted(requests.items())),
        }


PAGE_BYTES = 1 << 20
PART_BYTES = 8 << 20


class GeneratedTable:
    """A DynamoDB client stand-in holding no items: the `Contacts` index query pages the
    `contacts` contacts newest first, generated one by one; `batch_get_item` answers the
    orders asked for."""

    def __init__(self, contacts: int) -> None:
        self.contacts = contacts
        self.calls: Counter[str] = Counter()

    def _pair(self, n: int) -> list[dict[str, Any]]:
        return _items(1, random.Random(n), n, self.contacts)

    def get_paginator(self, operation: str) -> GeneratedTable:
        assert operation == "query"
        return self

    def paginate(self, **params: Any) -> Any:
        store = params["ExpressionAttributeValues"][":pk"]["S"].rsplit("#", 1)[1]
        page: list[dict[str, Any]] = []
        size = 0
        for n in range(STORES.index(store), self.contacts, len(STORES)):
            contact = self._pair(n)[0]
            page.append({k: contact[k] for k in INDEXED if k in contact})
            size += len(str(page[-1]))
            if size >= PAGE_BYTES:
                self.calls["dynamodb Query"] += 1
                yield {"Items": page}
                page, size = [], 0
        self.calls["dynamodb Query"] += 1
        yield {"Items": page}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls["dynamodb BatchGetItem"] += 1
        ((table, request),) = RequestItems.items()
        found = []
        for key in request["Keys"]:
            n = int(key["pk"]["S"].rsplit("#", 1)[1].removeprefix("o"))
            found += self._pair(n)[1:]
        return {"Responses": {table: found}}

    def put_item(self, **params: Any) -> dict[str, Any]:
        self.calls["dynamodb PutItem"] += 1
        return {}


class DiscardingS3:
    """An S3 client stand-in: `upload_fileobj` reads the file part by part, keeps sizes."""

    def __init__(self) -> None:
        self.parts: Counter[str] = Counter()
        self.sizes: Counter[str] = Counter()

    def upload_fileobj(self, body: Any, bucket: str, key: str, **_: Any) -> None:
        while part := body.read(PART_BYTES):
            self.parts[key] += 1
            self.sizes[key] += len(part)


INDEXED = ("pk", "sk", "contact_id", "received", "responded", "no_response_needed")
INDEXED += ("auto_replied", keys.CONTACTS_PK, keys.CONTACTS_SK)


def large_report(contacts: int) -> dict[str, Any]:
    table, s3 = GeneratedTable(contacts), DiscardingS3()
    settings = Settings(table_name="generated", reports_bucket="generated")
    builder = ContactsReportBuilder(ReportsStore(table, settings, s3))
    request = ReportRequest(
        SELLER, "bench", STORES, 90, T, "contacts", (T - timedelta(days=1)).date()
    )
    tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    record = builder.build(request, now=T)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if record.rows != contacts:
        raise RuntimeError(f"{record.rows} rows for {contacts} contacts")
    return {
        "contacts": contacts,
        "rows": record.rows,
        "wall_seconds_traced": round(wall, 1),
        "cpu_seconds_traced": round(cpu, 1),
        "peak_traced_mib": round(peak / 2**20, 1),
        "file_bytes": {k.rsplit(".", 1)[1]: v for k, v in sorted(s3.sizes.items())},
        "upload_parts": {k.rsplit(".", 1)[1]: v for k, v in sorted(s3.parts.items())},
        "requests": dict(sorted(table.calls.items())),
    }


def contacts_report_cost(
    end_to_end: int = 2_000, large: tuple[int, ...] = (10_000, 100_000)
) -> dict[str, Any]:
    runs = [large_report(n) for n in large]
    return {
        "end_to_end": one_report(end_to_end),
        "large": runs,
        "peak_ratio_largest_over_smallest": round(
            runs[-1]["peak_traced_mib"] / runs[0]["peak_traced_mib"], 2
        ),
        "note": "tracemalloc traces every Python allocation of the process during the "
        "build (end to end: moto's emulation of DynamoDB, S3 and SQS included); wall "
        "times are under tracemalloc, which slows Python down",
    }
