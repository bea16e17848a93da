"""The contact-based figures of a metrics document, rebuilt from the contacts report's CSV
rows the way a seller auditing them would, with nothing but the cells; and the same
figures read off a document, to compare the two."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

REASONS = (
    "product_quality",
    "fulfillment",
    "shipping",
    "customer_service",
    "change_of_mind",
    "pre_sale_question",
    "other",
)
BANDS = (("0-1", 0, 1), ("1-4", 1, 4), ("4-8", 4, 8), ("8-24", 8, 24), ("24-48", 24, 48))
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("night", "morning", "afternoon", "evening")


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _band(hours: int) -> str:
    return next((name for name, low, high in BANDS if low <= hours < high), "48+")


def from_rows(rows: list[dict[str, str]]) -> dict[str, Any]:
    needing = [r for r in rows if r["needs_reply"] == "yes"]
    hours = [int(r["response_hours"]) for r in needing]
    by_reason = Counter(r["reason"] for r in rows)
    return {
        "contacts": len(rows),
        "preventable": sum(r["preventable"] == "yes" for r in rows),
        "by_reason": {reason: by_reason[reason] for reason in REASONS},
        "buyer_dissatisfied": sum(r["latest_vote"] in ("no", "1", "2") for r in rows),
        "response_hours_numerator": sum(hours),
        "response_hours_denominator": len(hours),
        "distribution": {
            name: sum(_band(h) == name for h in hours) for name in (*(b[0] for b in BANDS), "48+")
        },
        "unanswered": sum(r["state"] == "unanswered" for r in rows),
        "within_24h_numerator": sum(r["within_24h"] == "yes" for r in needing),
        "within_24h_denominator": sum(r["within_24h"] in ("yes", "no") for r in needing),
        "answered_late": sum(r["state"] == "answered" and r["late"] == "yes" for r in rows),
        "unanswered_late": sum(r["state"] == "unanswered" and r["late"] == "yes" for r in rows),
        "by_arrival": {
            day: {
                part: {
                    "contacts": sum(r["arrival"] == f"{day}_{part}" for r in needing),
                    "within_24h": sum(
                        r["arrival"] == f"{day}_{part}" and r["within_24h"] == "yes"
                        for r in needing
                    ),
                    "late": sum(
                        r["arrival"] == f"{day}_{part}" and r["late"] == "yes" for r in needing
                    ),
                }
                for part in PARTS
            }
            for day in WEEKDAYS
        },
    }


def from_document(metrics: dict[str, Any]) -> dict[str, Any]:
    """The same figures of one view (`metrics` of a document or of a by-store entry)."""
    bdr = metrics["buyer_dissatisfaction_rate"]
    preventable = metrics["preventable_contact_rate"]
    hours = metrics["average_contact_response_time_hours"]
    within = metrics["response_within_24h_rate"]
    late = metrics["late_contacts"]
    return {
        "contacts": bdr["denominator"],
        "preventable": preventable["numerator"],
        "by_reason": preventable["by_reason"],
        "buyer_dissatisfied": bdr["numerator"],
        "response_hours_numerator": hours["numerator"],
        "response_hours_denominator": hours["denominator"],
        "distribution": hours["distribution"],
        "unanswered": hours["unanswered"],
        "within_24h_numerator": within["numerator"],
        "within_24h_denominator": within["denominator"],
        "answered_late": late["answered_late"],
        "unanswered_late": late["unanswered_late"],
        "by_arrival": hours["by_arrival"],
    }
