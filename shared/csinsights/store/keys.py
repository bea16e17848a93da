"""Every key and index name of the table, and every object key of the reports bucket, in
one place.

Single table, keys `pk`/`sk`, TTL on `expires_at`:

  ORDER#<seller>#<store>#<order_id>     STATE              order events + linked contacts
  CONTACT#<seller>#<store>#<contact_id> STATE              contact events
  AGG#<seller>#<store>                  <belongs>#<effect> daily aggregate deltas
  REGISTRY#<group>              <bucket>#<seller>#<store>  registry of seller stores
  STORES                                <store>            every store with sellers
  REJECTED#<day>                        <message id>       invalid events kept for replay
  RUN#<day>#<store>                     <seller>           a run's per-seller counts
  BENCHIN#<day>#<store>#<shard>         <seller>           a seller store's benchmark inputs
  BENCH#<store>                         <day>              a store's daily benchmarks
  SNAP#<seller>                         <day>              what the API serves
  REPORT#<seller>                       <report id>        report records
  ALERT#<seller>#<store>                <contact>#<hours>  a reply-due alert's claim
  QUOTA#<seller>                        <day>              report requests counted that day
  LAYOUT                                <version>#<part>   an upgrade's progress

Sparse indexes: OpenContacts (`open_pk` OPEN#<seller>#<store>, `open_sk`
<received at>#<contact id>), Waiting (`waiting_pk` WAITING#<received hour>#<shard>,
`waiting_sk` <received at>#<seller>#<store>#<contact id>: the same open contacts by the
hour they arrived, all a live reply-due alert run reads) and VotedOrders (`voted_pk`
VOTED#<seller>#<store>, `voted_sk` <latest vote at>#<order id>). Contacts (`contacts_pk`
CONTACTS#<seller>#<store>, `contacts_sk` <first received at>#<contact id>): every contact
of a seller store by received time, with its state projected, for the contacts report and
anything judged as of an instant (overdue contacts, reply-due alerts of a past instant).

Layout 1 (before registry buckets and the `Waiting` index) kept the registry in
`SELLERS#<crc32(seller) % 10>`; `csinsights.migration` upgrades a table in place.
"""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any

STATE = "STATE"
LAYOUT_VERSION = 3
"""The table's layout; `csinsights.migration` brings an older one to it."""
LEGACY_REGISTRY_PREFIX = "SELLERS#"
"""Layout 1's registry partitions."""
STORES = "STORES"
REGISTRY_BUCKETS = 1024
"""The registry's buckets, a seller's stores in one (part of the key layout: changing it
moves every entry). A run's registry shards (`REGISTRY_SHARDS`, configuration) each list a
contiguous range of them."""
BUCKETS_A_GROUP = 64
"""Consecutive buckets sharing a partition (16 partitions): a shard's range of buckets is
one query per partition it spans, and a whole run's listing at most 16 + shards queries."""
WAITING_SHARDS = 4
"""Partitions of each hour of the `Waiting` index (part of the key layout): an hour's open
contacts are spread over them, so no partition takes a marketplace's hour of contacts."""

OPEN_CONTACTS = "OpenContacts"
OPEN_PK, OPEN_SK = "open_pk", "open_sk"
WAITING = "Waiting"
WAITING_PK, WAITING_SK = "waiting_pk", "waiting_sk"
VOTED_ORDERS = "VotedOrders"
VOTED_PK, VOTED_SK = "voted_pk", "voted_sk"
CONTACTS = "Contacts"
CONTACTS_PK, CONTACTS_SK = "contacts_pk", "contacts_sk"


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def order_pk(seller: str, store: str, order_id: str) -> str:
    return f"ORDER#{seller}#{store}#{order_id}"


def contact_pk(seller: str, store: str, contact_id: str) -> str:
    return f"CONTACT#{seller}#{store}#{contact_id}"


def aggregate_pk(seller: str, store: str) -> str:
    return f"AGG#{seller}#{store}"


def aggregate_sk(belongs: date, effective: date) -> str:
    return f"{belongs.isoformat()}#{effective.isoformat()}"


def parse_aggregate_sk(sk: str) -> tuple[date, date]:
    belongs, effective = sk.split("#")
    return date.fromisoformat(belongs), date.fromisoformat(effective)


def _hash(text: str) -> int:
    return zlib.crc32(text.encode())


def registry_bucket(seller: str) -> int:
    return _hash(seller) % REGISTRY_BUCKETS


def registry_pk_of_bucket(bucket: int) -> str:
    return f"REGISTRY#{bucket // BUCKETS_A_GROUP}"


def registry_pk(seller: str) -> str:
    """A seller's stores share one bucket, so `stores_of` is one query."""
    return registry_pk_of_bucket(registry_bucket(seller))


def registry_bucket_prefix(bucket: int) -> str:
    """The sort keys of one bucket's entries start with this."""
    return f"{bucket:04d}#"


def registry_ranges(buckets: range) -> list[tuple[str, str, str]]:
    """(partition, first sort key, last sort key) of each partition a range of buckets
    spans: one query each."""
    out = []
    bucket = buckets.start
    while bucket < buckets.stop:
        last = min(buckets.stop, (bucket // BUCKETS_A_GROUP + 1) * BUCKETS_A_GROUP) - 1
        out.append(
            (
                registry_pk_of_bucket(bucket),
                registry_bucket_prefix(bucket),
                registry_bucket_prefix(last) + "~",
            )
        )
        bucket = last + 1
    return out


def registry_buckets(shard: int, shards: int) -> range:
    """The buckets registry shard `shard` of `shards` lists: a contiguous range, every
    bucket in exactly one shard, whatever the number of shards."""
    return range(
        -(-shard * REGISTRY_BUCKETS // shards), -(-(shard + 1) * REGISTRY_BUCKETS // shards)
    )


def registry_shard(bucket: int, shards: int) -> int:
    """The registry shard of `shards` that lists `bucket`."""
    return bucket * shards // REGISTRY_BUCKETS


def store_key(store: str) -> dict[str, Any]:
    return key(STORES, store)


def layout_key(version: int, part: str) -> dict[str, Any]:
    """An upgrade's progress: one item per part of its scan."""
    return key("LAYOUT", f"{version}#{part}")


def registry_sk(seller: str, store: str) -> str:
    return f"{registry_bucket_prefix(registry_bucket(seller))}{seller}#{store}"


def registry_key(seller: str, store: str) -> dict[str, Any]:
    return key(registry_pk(seller), registry_sk(seller, store))


def rejected_pk(day: date) -> str:
    return f"REJECTED#{day.isoformat()}"


def run_pk(day: date, store: str) -> str:
    return f"RUN#{day.isoformat()}#{store}"


def store_of_run_pk(pk: str) -> str:
    return pk.rsplit("#", 1)[1]


def benchmark_shard(seller: str, shards: int) -> int:
    """The shard of its store's benchmarks a seller's inputs go to."""
    return _hash(seller) % shards


def benchmark_input_pk(day: date, store: str, shard: int) -> str:
    return f"BENCHIN#{day.isoformat()}#{store}#{shard}"


def benchmarks_pk(store: str) -> str:
    return f"BENCH#{store}"


def store_of_benchmarks_pk(pk: str) -> str:
    return pk.split("#", 1)[1]


def snapshot_pk(seller: str) -> str:
    return f"SNAP#{seller}"


def report_pk(seller: str) -> str:
    return f"REPORT#{seller}"


def open_pk(seller: str, store: str) -> str:
    return f"OPEN#{seller}#{store}"


def waiting_shard(seller: str, store: str, contact_id: str) -> int:
    return _hash(f"{seller}#{store}#{contact_id}") % WAITING_SHARDS


def waiting_pk(hour: str, shard: int) -> str:
    """`hour`: the UTC hour a contact arrived in, `2026-11-19T13`."""
    return f"WAITING#{hour}#{shard}"


def waiting_sk(received_at: str, seller: str, store: str, contact_id: str) -> str:
    return f"{received_at}#{seller}#{store}#{contact_id}"


def contacts_pk(seller: str, store: str) -> str:
    return f"CONTACTS#{seller}#{store}"


def alert_pk(seller: str, store: str) -> str:
    """A seller store's alert claims share a partition: a run reads them in one query."""
    return f"ALERT#{seller}#{store}"


def alert_key(seller: str, store: str, contact_id: str, threshold_hours: int) -> dict[str, Any]:
    """One item per contact and threshold (never by time: a contact's first received time
    can move earlier), the alert's claim, then its record of being sent."""
    return key(alert_pk(seller, store), f"{contact_id}#{threshold_hours}")


def voted_pk(seller: str, store: str) -> str:
    return f"VOTED#{seller}#{store}"


def quota_key(seller: str, day: date) -> dict[str, Any]:
    """The counter of a seller's report requests on one UTC day (fair use)."""
    return key(f"QUOTA#{seller}", day.isoformat())


def day_sk(day: date) -> str:
    return day.isoformat()


# ---- objects of the reports bucket ---------------------------------------------------------
def insights_prefix(seller: str, day: date) -> str:
    return f"reports/{seller}/insights/{day.isoformat()}/"


def survey_key(seller: str, report_id: str) -> str:
    return f"reports/{seller}/survey/{report_id}.csv"


def contacts_key(seller: str, report_id: str, fmt: str) -> str:
    return f"reports/{seller}/contacts/{report_id}.{fmt}"


def run_sellers_prefix(day: date) -> str:
    """Where a run's list of sellers is written, one part per registry shard."""
    return f"runs/{day.isoformat()}/sellers/"


def run_sellers_part(day: date, shard: int) -> str:
    """One registry shard's sellers, JSON Lines: `{"seller_id", "stores"}` a line."""
    return f"{run_sellers_prefix(day)}{shard:05d}.jsonl"


def benchmark_summary_key(day: date, store: str, step: int, level: int, index: int) -> str:
    """One node's summary of benchmark pass `step`: a shard's (level 0) or a merge of up to
    a fan-in of the level below's."""
    return f"runs/{day.isoformat()}/benchmarks/{store}/{step}/{level}/{index:05d}.json"


def benchmark_state_key(day: date, store: str, step: int) -> str:
    """A store's benchmarks between passes: what combining pass `step` decided."""
    return f"runs/{day.isoformat()}/benchmarks/{store}/state-{step}.json"
