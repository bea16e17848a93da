"""Fault injection on every AWS call the product makes.

`inject()` wraps botocore's `BaseClient._make_api_call`, the one point every client call
passes through (whichever module created the client, and however long ago), above
moto. Armed faults fire on the n-th matching call from the moment they are armed: a
service error (throttling, internal error, S3 `SlowDown`...) or a `Crash`, standing for
the function dying mid-step (timeout, out of memory): calls before it took effect, the
rest never happen. With the `+after` suffix the call takes effect first and then the error
or crash happens (the caller cannot tell whether its write landed). `UnprocessedKeys`
makes a `BatchGetItem` answer for half its keys only; `FailedEntries` makes a `PutEvents`
take only its first entry and refuse the others (`FailedEntryCount`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from botocore.client import BaseClient
from botocore.exceptions import ClientError

UNPROCESSED = "UnprocessedKeys"
"""Not an error: `BatchGetItem` answers for half the keys and hands back the rest, as
DynamoDB does under load or past 16 MB."""


def _half_unprocessed(
    real: Callable[..., Any], client: BaseClient, operation: str, params: dict[str, Any]
) -> Any:
    ((table, request),) = params["RequestItems"].items()
    keys = request["Keys"]
    answered, left = keys[: len(keys) // 2], keys[len(keys) // 2 :]
    response: dict[str, Any] = {"Responses": {table: []}}
    if answered:
        partial = {**params, "RequestItems": {table: {**request, "Keys": answered}}}
        response = real(client, operation, partial)
    response["UnprocessedKeys"] = {table: {**request, "Keys": left}}
    return response


FAILED_ENTRIES = "FailedEntries"
"""Not an error: `PutEvents` publishes some entries and reports the others failed, as
EventBridge does when throttled per entry."""


def _first_entry_only(
    real: Callable[..., Any], client: BaseClient, operation: str, params: dict[str, Any]
) -> Any:
    first, rest = params["Entries"][:1], params["Entries"][1:]
    response = real(client, operation, {**params, "Entries": first})
    refused = {"ErrorCode": "ThrottlingException", "ErrorMessage": "injected per-entry failure"}
    response["Entries"] = response["Entries"] + [dict(refused) for _ in rest]
    response["FailedEntryCount"] = response.get("FailedEntryCount", 0) + len(rest)
    return response


AFTER = "+after"
"""Suffix of a fault that happens once the call took effect: the write is done, but the
caller sees the error (a timeout on the way back) or dies before it can go on."""


def _then_fail(
    real: Callable[..., Any],
    client: BaseClient,
    operation: str,
    params: dict[str, Any],
    error: str,
) -> Any:
    real(client, operation, params)
    raise _error(error, operation)


def _error(error: str, operation: str) -> Exception:
    if error == "crash":
        return Crash(f"crashed after {operation}")
    return ClientError({"Error": {"Code": error, "Message": f"injected {error}"}}, operation)


class Crash(Exception):
    """The function died here; what it wrote before stays written."""


@dataclass
class Fault:
    service: str
    operation: str
    nth: int
    error: str  # an AWS error code, or "crash"
    fired: bool = False


@dataclass
class Faults:
    armed: list[Fault] = field(default_factory=list)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    log: list[tuple[str, str]] = field(default_factory=list)
    injected: int = 0
    positional: tuple[int, Callable[[str], str], int] | None = None

    def arm_at(self, index: int, error: Callable[[str], str], times: int = 1) -> None:
        """Fail the `index`-th call (0-based) of any service from now on, and the next
        `times - 1` calls of the same operation; `error(service)` names the error."""
        self.positional = (len(self.log) + index, error, times)

    def __call__(
        self, client: BaseClient, operation: str, params: dict[str, Any]
    ) -> Callable[[Callable[..., Any]], Any] | None:
        """Raises the armed fault, or returns how to make the call instead (None: as is)."""
        service = client.meta.service_model.service_name
        key = (service, operation)
        self.calls[key] += 1
        self.log.append(key)
        if self.positional is not None and self.positional[0] == len(self.log) - 1:
            _, name, times = self.positional
            for nth in range(self.calls[key], self.calls[key] + times):
                self.armed.append(Fault(service, operation, nth, name(service)))
            self.positional = None
        for fault in self.armed:
            if not fault.fired and (fault.service, fault.operation, fault.nth) == (
                *key,
                self.calls[key],
            ):
                fault.fired = True
                self.injected += 1
                if fault.error.endswith(AFTER):
                    error = fault.error.removesuffix(AFTER)
                    return lambda real: _then_fail(real, client, operation, params, error)
                if fault.error == UNPROCESSED and operation == "BatchGetItem":
                    return lambda real: _half_unprocessed(real, client, operation, params)
                if fault.error == FAILED_ENTRIES and operation == "PutEvents":
                    return lambda real: _first_entry_only(real, client, operation, params)
                raise _error(fault.error, operation)
        return None


@contextmanager
def inject() -> Iterator[Faults]:
    faults = Faults()
    real = BaseClient._make_api_call

    def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        instead = faults(client, operation, params)
        if instead is not None:
            return instead(real)
        return real(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", call):
        yield faults
