"""`csinsights serve` answers like the gateway whatever arrives on the socket: validly
signed tokens with odd claims are refused with the documented 401, chunked bodies are read
(or refused, and the connection closed) without desynchronising it, what the HTTP layer
refuses (a 70 KB URL, a malformed request line, oversized headers) is the documented JSON
`{code, message}`, and a client resetting its connection prints no traceback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.serve import ReportWorker, start_server
from csinsights_local.server import local_stack
from csinsights_local.tokens import DEFAULT_SECRET, issue
from tests.builders import order_placed

pytestmark = pytest.mark.e2e

UNAUTHORIZED = {"code": "unauthorized", "message": "a valid bearer token is required"}
BAD_REQUEST = {"code": "bad_request", "message": "bad request"}


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    with local_stack() as (_, deployment):
        ingest_direct(deployment, [order_placed("o1", "2026-11-10T10:00:00Z", seller="S1")])
        run_metrics(deployment, "2026-11-20T00:00:00Z")
        server, _ = start_server(deployment)
        worker = ReportWorker(deployment)
        worker.start()
        try:
            yield server.server_address[:2]
        finally:
            worker.stopped.set()
            server.shutdown()


def connect(address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(address, timeout=30)


def answer(sock: socket.socket, method: str = "GET") -> tuple[int, dict[str, str], Any]:
    response = http.client.HTTPResponse(sock, method=method)
    response.begin()
    body = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    return response.status, headers, json.loads(body) if body else None


def exchange(address: tuple[str, int], raw: bytes) -> tuple[int, dict[str, str], Any]:
    with connect(address) as sock:
        sock.sendall(raw)
        return answer(sock)


def get(path: str, token: str | None = None, extra: str = "") -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: local\r\n{auth}{extra}\r\n".encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(header: Any, claims: Any) -> str:
    """A token with a valid signature over whatever header and claims."""
    head = _b64(json.dumps(header).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(DEFAULT_SECRET.encode(), f"{head}.{payload}".encode(), hashlib.sha256)
    return f"{head}.{payload}.{_b64(signature.digest())}"


HS256 = {"alg": "HS256", "typ": "JWT"}
LATER = int(time.time()) + 3600
ODD_TOKENS = {
    "exp not a number": (HS256, {"custom:seller_id": "S1", "exp": "tomorrow"}),
    "exp a list": (HS256, {"custom:seller_id": "S1", "exp": [LATER]}),
    "exp an object": (HS256, {"custom:seller_id": "S1", "exp": {"at": LATER}}),
    "exp true": (HS256, {"custom:seller_id": "S1", "exp": True}),
    "exp missing": (HS256, {"custom:seller_id": "S1"}),
    "header a list": (["HS256"], {"custom:seller_id": "S1", "exp": LATER}),
    "header a string": ("HS256", {"custom:seller_id": "S1", "exp": LATER}),
    "claims a list": (HS256, [{"custom:seller_id": "S1", "exp": LATER}]),
    "claims null": (HS256, None),
    "exp Infinity": (HS256, {"custom:seller_id": "S1", "exp": float("inf")}),
    "exp NaN": (HS256, {"custom:seller_id": "S1", "exp": float("nan")}),
    "seller id null": (HS256, {"custom:seller_id": None, "exp": LATER}),
    "seller id false": (HS256, {"custom:seller_id": False, "exp": LATER}),
    "seller id 0": (HS256, {"custom:seller_id": 0, "exp": LATER}),
    "seller id a number": (HS256, {"custom:seller_id": 51, "exp": LATER}),
    "seller id empty": (HS256, {"custom:seller_id": "", "exp": LATER}),
    "seller id a list": (HS256, {"custom:seller_id": ["S1"], "exp": LATER}),
    "role true": (HS256, {"custom:role": True, "exp": LATER}),
    "sub a number": (HS256, {"sub": 7, "custom:seller_id": "S1", "exp": LATER}),
}


@pytest.mark.parametrize("case", ODD_TOKENS)
def test_a_validly_signed_token_with_odd_claims_is_unauthorized(
    address: tuple[str, int], case: str
) -> None:
    header, claims = ODD_TOKENS[case]
    status, headers, body = exchange(address, get("/v1/sellers/S1/metrics", signed(header, claims)))
    assert (status, body) == (401, UNAUTHORIZED)
    assert headers["content-type"] == "application/json"


def test_claims_of_other_types_reach_the_handler_as_strings(address: tuple[str, int]) -> None:
    """Claims that name no identity may be of any type; API Gateway passes them as strings."""
    token = signed(
        HS256, {"custom:seller_id": "S1", "exp": LATER, "email_verified": True, "auth_time": 5}
    )
    status, _, body = exchange(address, get("/v1/sellers/S1/metrics", token))
    assert status == 200, body


def test_concurrent_posts_are_all_answered(address: tuple[str, int]) -> None:
    """More connections at once than a default listen backlog (5) holds are all taken at
    once (a connection the backlog has no room for waits a second for its retry, or is
    reset) and answered (another seller's requests than the other tests', which its quota
    would refuse)."""
    clients = 100
    ready = threading.Barrier(clients)
    body = json.dumps({"type": "survey_responses"}).encode()
    request = (
        f"POST /v1/sellers/S5/reports HTTP/1.1\r\nHost: local\r\n"
        f"Authorization: Bearer {issue('S5')}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body

    def post() -> int:
        ready.wait()
        with socket.create_connection(address, timeout=0.9) as sock:
            sock.sendall(request)
            sock.settimeout(60)
            return answer(sock, "POST")[0]

    with ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(lambda _: post(), range(clients)))
    assert set(statuses) <= {202, 429}, statuses


def chunked(body: bytes, sizes: list[int]) -> bytes:
    out, start = b"", 0
    for size in sizes:
        out += f"{size:x};ext=1\r\n".encode() + body[start : start + size] + b"\r\n"
        start += size
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


def test_a_chunked_body_is_read_and_the_connection_stays_in_step(
    address: tuple[str, int],
) -> None:
    token = issue("S1")
    body = json.dumps({"type": "survey_responses", "days": 90}).encode()
    post = (
        "POST /v1/sellers/S1/reports HTTP/1.1\r\nHost: local\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode() + chunked(body, [5, 1, len(body) - 6])
    with connect(address) as sock:
        sock.sendall(post + get("/v1/sellers/S1/metrics", token))
        status, _, report = answer(sock, "POST")
        assert status == 202, report
        assert report["status"] == "pending"
        status, _, document = answer(sock)  # the next request on the same connection
        assert status == 200
        assert document["seller_id"] == "S1"


@pytest.mark.parametrize(
    ("framing", "status"),
    [
        (b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400),  # not hex
        (b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", 400),  # no CRLF after data
        (b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % (11 * 1024 * 1024), 413),
        (b"Content-Length: +2\r\n\r\n{}", 400),
    ],
)
def test_a_body_that_cannot_be_framed_is_refused_and_the_connection_closed(
    address: tuple[str, int], framing: bytes, status: int
) -> None:
    request = (
        b"POST /v1/sellers/S1/reports HTTP/1.1\r\nHost: local\r\n"
        + f"Authorization: Bearer {issue('S1')}\r\n".encode()
        + framing
    )
    with connect(address) as sock:
        sock.sendall(request + get("/v1/sellers/S1/metrics", issue("S1")))
        got, headers, body = answer(sock, "POST")
        assert got == status
        assert body == (
            BAD_REQUEST
            if status == 400
            else {"code": "payload_too_large", "message": "request too large"}
        )
        assert headers["connection"] == "close"
        assert sock.recv(1) == b""  # nothing more: the rest was never taken as a request


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (get("/v1/sellers/S1/metrics?x=" + "a" * 70_000), 414),
        (b"GET /v1/sellers/S1 metrics HTTP/1.1\r\nHost: local\r\n\r\n", 400),
        (b"GET /v1/\x00\xff HTTP/1.1\r\nHost: local\r\n\r\n", 403),
        (b"GET /v1/sellers/S1/metrics HTTP/9.9\r\nHost: local\r\n\r\n", 505),
        (b"GET /v1/sellers/S1/metrics HTTP/1.x\r\nHost: local\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),  # TLS to plain HTTP
        (get("/v1/sellers/S1/metrics", extra="X-Long: " + "a" * 70_000 + "\r\n"), 431),
        (get("/v1/sellers/S1/metrics", extra="".join(f"X-{i}: a\r\n" for i in range(120))), 431),
    ],
)
def test_what_the_http_layer_refuses_is_the_documented_json(
    address: tuple[str, int], raw: bytes, status: int
) -> None:
    got, headers, body = exchange(address, raw)
    assert got == status
    assert headers["content-type"] == "application/json"
    assert body == {
        403: {"code": "no_such_route", "message": "no such method or path"},
        505: {"code": "internal_error", "message": "internal error, retry shortly"},
    }.get(status, BAD_REQUEST)


def test_a_client_resetting_its_connection_prints_no_traceback(
    address: tuple[str, int], capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    for partial in (b"GET /v1/sellers/S1/metr", b""):
        sock = connect(address)
        sock.sendall(partial or get("/v1/sellers/S1/metrics", issue("S1")))
        # Closing with SO_LINGER 0 sends a reset instead of an orderly close.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    time.sleep(1.0)
    status, _, _ = exchange(address, get("/v1/sellers/S1/metrics", issue("S1")))
    assert status == 200  # still serving
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "ConnectionResetError" not in err
