"""What the API reads: each lookup one read of what the run published or of an index
ingest maintains."""

from __future__ import annotations

from typing import TYPE_CHECKING

from csinsights.store.contacts import ContactIndexes
from csinsights.store.published import Published
from csinsights.store.registry import RegistryItems


class ReadStore(RegistryItems, ContactIndexes, Published):
    """The families of items the API reads, and no others."""


if TYPE_CHECKING:
    from collections.abc import Callable

    from csinsights.store.ports import ReadPort

    _implements: Callable[..., ReadPort] = ReadStore
