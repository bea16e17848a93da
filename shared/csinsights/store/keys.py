"""Every key and index name of the table, and every object key of the reports bucket, in
one place.

Single table, keys `pk`/`sk`, TTL on `expires_at`:

  ORDER#<seller>#<store>#<order_id>     STATE              order events + linked contacts
  CONTACT#<seller>#<store>#<contact_id> STATE              contact events
  AGG#<seller>#<store>                  <belongs>#<effect> daily aggregate deltas
  SELLERS#<shard>                       <seller>#<store>   registry of seller stores
  REJECTED#<day>                        <message id>       invalid events kept for replay
  RUN#<day>#<store>                     <seller>           a run's per-seller counts
  BENCH#<store>                         <day>              a store's daily benchmarks
  SNAP#<seller>                         <day>              what the API serves
  REPORT#<seller>                       <report id>        report records
  ALERT#<seller>#<store>                <contact>#<hours>  a reply-due alert's claim
  QUOTA#<seller>                        <day>              report requests counted that day

Sparse indexes: OpenContacts (`open_pk` OPEN#<seller>#<store>, `open_sk`
<received at>#<contact id>) and VotedOrders (`voted_pk` VOTED#<seller>#<store>,
`voted_sk` <latest vote at>#<order id>). Contacts (`contacts_pk` CONTACTS#<seller>#<store>,
`contacts_sk` <first received at>#<contact id>): every contact of a seller store by received
time, with its state projected, for the contacts report and anything judged as of an
instant (overdue contacts, reply-due alerts).
"""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any

STATE = "STATE"
REGISTRY_SHARDS = 10
"""Part of the key layout (changing it moves every registry entry), not a tunable."""

OPEN_CONTACTS = "OpenContacts"
OPEN_PK, OPEN_SK = "open_pk", "open_sk"
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


def registry_pk_of_shard(shard: int) -> str:
    return f"SELLERS#{shard}"


def registry_pk(seller: str) -> str:
    """A seller's stores share one shard, so `stores_of` is one query."""
    return registry_pk_of_shard(zlib.crc32(seller.encode()) % REGISTRY_SHARDS)


def registry_sk(seller: str, store: str) -> str:
    return f"{seller}#{store}"


def registry_key(seller: str, store: str) -> dict[str, Any]:
    return key(registry_pk(seller), registry_sk(seller, store))


def rejected_pk(day: date) -> str:
    return f"REJECTED#{day.isoformat()}"


def run_pk(day: date, store: str) -> str:
    return f"RUN#{day.isoformat()}#{store}"


def store_of_run_pk(pk: str) -> str:
    return pk.rsplit("#", 1)[1]


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


def run_sellers_key(day: date) -> str:
    return f"runs/{day.isoformat()}/sellers.json"
