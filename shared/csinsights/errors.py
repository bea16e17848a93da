"""The domain's own errors. AWS errors are translated into these once, in the store (`Busy`,
`Conflict`, `StoreFault`); no layer above it sees botocore, and the API maps each to its
documented answer."""

from __future__ import annotations


class Busy(Exception):
    """AWS was busy or unreachable once the SDK's own retries were spent (throttling by any
    service, 5xx, timeouts, no connection): nothing was written, try again shortly."""


class Conflict(Exception):
    """A write's condition failed or its transaction was cancelled: nothing was written;
    read again and retry."""


class StoreFault(Exception):
    """An AWS call failed in a way no retry mends (a refused request, a missing resource or
    permission): a fault of the code or the deployment, which goes up as an error."""


FAILED_CALL: tuple[type[Exception], ...] = (Busy, Conflict, StoreFault)
"""Everything a store call raises when AWS did not do it: for a caller to whom a failed
write changes nothing (its faults included)."""


class NotFound(Exception):
    """Nothing at that address for this caller (also what another seller's data looks like)."""


class InvalidRequest(ValueError):
    """A request the contract refuses; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class QuotaExceeded(Exception):
    """A seller used up its report requests of the day (fair use); `retry_after` is the
    number of seconds until the next UTC day, when the count starts again."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"retry after {retry_after} seconds")
