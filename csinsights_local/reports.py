"""A requested report, locally, as a seller gets it: the request through the real API
handler with the seller's claims, the report requests queue drained into the report
worker as its event source would, then the report with a fresh download link. For the
demo and the tests: `contacts_report(deployment, "A1SELLER", as_of="2026-11-20")`."""

from __future__ import annotations

import json
from typing import Any

from csinsights_local.serve import API_FUNCTION, ReportWorker, proxy_event
from csinsights_local.stack import Deployment


def _call(
    deployment: Deployment, seller: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    text = json.dumps(body) if body is not None else None
    event = proxy_event(method, path, headers, text, {"custom:seller_id": seller})
    response = deployment.invoke(API_FUNCTION, event)
    return int(response["statusCode"]), json.loads(response["body"])


def requested_report(
    deployment: Deployment, seller: str, request: dict[str, Any], fmt: str = "csv"
) -> dict[str, Any]:
    """Request a report (`{"type": "contacts", ...}` or `{"type": "survey_responses",
    ...}`), build it, and return its record with a download link to its `fmt` file."""
    status, pending = _call(deployment, seller, "POST", f"/v1/sellers/{seller}/reports", request)
    if status != 202:
        raise RuntimeError(f"report request refused: {status} {pending}")
    ReportWorker(deployment).drain()
    path = f"/v1/sellers/{seller}/reports/{pending['report_id']}?format={fmt}"
    status, report = _call(deployment, seller, "GET", path)
    if status != 200 or report["status"] != "ready":
        raise RuntimeError(f"report {pending['report_id']} not built: {status} {report}")
    return dict(report)


def contacts_report(
    deployment: Deployment,
    seller: str,
    *,
    as_of: str | None = None,
    days: int = 28,
    stores: list[str] | None = None,
    fmt: str = "csv",
) -> dict[str, Any]:
    """A seller's contacts report of the `days` before `as_of` (a date or a UTC midnight;
    default: the last complete day), every store unless `stores` is given."""
    request: dict[str, Any] = {"type": "contacts", "days": days}
    if as_of is not None:
        request["as_of"] = as_of
    if stores is not None:
        request["stores"] = stores
    return requested_report(deployment, seller, request, fmt)
