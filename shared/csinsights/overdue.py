"""The unanswered contacts a seller sees first: by urgency (`domain.contacts.by_urgency`),
read as two bounded queries of a seller store's open contacts (those within 48 h oldest
first, those past it newest first), so a contact late for weeks never crowds out one that
can still be saved, and nothing reads more than `limit` of each."""

from __future__ import annotations

from datetime import datetime

from csinsights.domain.catalogue import LATE_AFTER
from csinsights.domain.contacts import OpenContact, by_urgency
from csinsights.store.ports import OpenContacts


def open_by_urgency(
    contacts: OpenContacts,
    seller: str,
    store: str,
    at: datetime,
    limit: int,
    received_before: datetime | None = None,
) -> list[OpenContact]:
    """The `limit` most urgent contacts of a seller store waiting for a reply now, judged at
    `at`, among those first received before `received_before` (default: any time)."""
    line = at - LATE_AFTER
    under = contacts.open_contacts(
        seller, store, received_from=line, received_before=received_before, limit=limit
    )
    before = line if received_before is None else min(line, received_before)
    past = contacts.open_contacts(
        seller, store, received_before=before, limit=limit, newest_first=True
    )
    return by_urgency(under + past, at)[:limit]
