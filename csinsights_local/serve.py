"""A local HTTP front for the API handler, as API Gateway with a Cognito authorizer:
a method and path the template's API does not declare is refused as API Gateway refuses
it, the bearer token is verified, its claims become `requestContext.authorizer.claims`,
the request becomes a REST proxy event for the real handler, and a function error is a
502. Every answer is the documented JSON `{code, message}`, also for what the HTTP layer
refuses itself (a malformed request line, a 70 KB URL, oversized headers, a chunked body
that does not parse): the template's gateway responses. A client dropping its connection
is not an error. Beside the API, as the deployed event sources and schedule would:
pollers ingest what reaches the ingest queue and build requested reports, and the
reply-due alert run runs every few seconds."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import traceback
import uuid
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3

from csinsights_local.driver import DeliveryReport, QueueDriver
from csinsights_local.openapi import DOCS, serve_docs
from csinsights_local.stack import Deployment
from csinsights_local.template import load_sam_template
from csinsights_local.tokens import InvalidToken, verify

STAGE = "live"
API_FUNCTION = "ApiFunction"
# API Gateway's payload limit for REST APIs.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
OVERDUE = re.compile(r"/v1/sellers/[^/]+/contacts/overdue")
POLL_SECONDS = 0.5
"""How long a queue poller waits between two looks at an empty queue."""
STOP_SECONDS = 10.0
"""How long stopping waits for the invocations in progress beside the API."""


def as_of_by_default(raw_path: str, as_of: str | None) -> str:
    """The overdue contacts, live by default, as of `as_of` when served as of it (an
    `as_of` the request gives stands)."""
    parts = urlsplit(raw_path)
    if as_of is None or not OVERDUE.fullmatch(parts.path) or "as_of" in parse_qs(parts.query):
        return raw_path
    return raw_path + ("&" if parts.query else "?") + urlencode({"as_of": as_of})


@cache
def _gateway_responses() -> dict[str, Any]:
    return load_sam_template()["Resources"]["MetricsApi"]["Properties"]["GatewayResponses"]


def gateway_answer(kind: str, status: int | None = None) -> tuple[int, dict[str, Any]]:
    """What API Gateway answers itself, before (or instead of) calling the function: the
    template's gateway response of that kind (`DEFAULT_4XX`/`DEFAULT_5XX` keep the status
    of the error they stand for)."""
    response = _gateway_responses()[kind]
    body = json.loads(response["ResponseTemplates"]["application/json"])
    code = response.get("StatusCode", status)
    if code is None:
        raise ValueError(f"{kind}: no status code")
    return int(code), body


MISSING_TOKEN = gateway_answer("MISSING_AUTHENTICATION_TOKEN")
UNAUTHORIZED = gateway_answer("UNAUTHORIZED")
TOO_LONG = gateway_answer("REQUEST_TOO_LARGE")
BAD_REQUEST = gateway_answer("DEFAULT_4XX", 400)
FUNCTION_ERROR = gateway_answer("DEFAULT_5XX", 502)  # a Lambda error is a 502


def refusal(status: int) -> tuple[int, dict[str, Any]]:
    """What the gateway answers for a request it cannot take (`status` kept)."""
    if status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
        return TOO_LONG
    return gateway_answer("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX", status)


class BadBody(Exception):
    """A chunked body that does not parse (or grows past the payload limit)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def read_chunked(stream: Any, limit: int) -> bytes:
    """A `Transfer-Encoding: chunked` body (RFC 9112 7.1): hex sizes (extensions ignored),
    each chunk followed by CRLF, a last chunk of size 0, trailers up to an empty line."""
    body = bytearray()
    while True:
        line = stream.readline(1026)
        if not line.endswith(b"\n"):
            raise BadBody(HTTPStatus.BAD_REQUEST)
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or size_text.strip(b"0123456789abcdefABCDEF"):
            raise BadBody(HTTPStatus.BAD_REQUEST)
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > limit:
            raise BadBody(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        chunk = stream.read(size)
        if len(chunk) != size or stream.read(2) != b"\r\n":
            raise BadBody(HTTPStatus.BAD_REQUEST)
        body += chunk
    for _ in range(100):  # trailers, ignored
        line = stream.readline(8192)
        if line in (b"\r\n", b"\n"):
            return bytes(body)
        if not line.endswith(b"\n"):
            break
    raise BadBody(HTTPStatus.BAD_REQUEST)


class GatewayServer(ThreadingHTTPServer):
    """Answers in threads; a client that resets or drops its connection is not an error.
    Connections wait in a listen backlog as deep as a busy client's burst (the default of
    5 resets concurrent requests)."""

    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


def declared_routes() -> list[tuple[str, re.Pattern[str]]]:
    """(method, path) of every `Api` event of the API function in the template; a path
    parameter matches one non-empty path segment, as in API Gateway."""
    events = load_sam_template()["Resources"][API_FUNCTION]["Properties"]["Events"]
    routes = []
    for event in events.values():
        if event["Type"] != "Api":
            continue
        path = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(event["Properties"]["Path"]))
        routes.append((event["Properties"]["Method"].upper(), re.compile(path)))
    return routes


def proxy_event(
    method: str, raw_path: str, headers: dict[str, str], body: str | None, claims: dict[str, Any]
) -> dict[str, Any]:
    parts = urlsplit(raw_path)
    multi = parse_qs(parts.query, keep_blank_values=True)
    return {
        "resource": parts.path,
        "path": parts.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi.items()} or None,
        "multiValueQueryStringParameters": multi or None,
        "pathParameters": None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": parts.path,
            "httpMethod": method,
            "path": f"/{STAGE}{parts.path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": claims},
        },
    }


def make_handler(deployment: Deployment, as_of: str | None = None) -> type[BaseHTTPRequestHandler]:
    # The API module is imported as its function's cold start imports it, with the
    # function's environment, before the Swagger UI is added to its resolver.
    deployment.load(API_FUNCTION)
    serve_docs()
    lock = threading.Lock()
    routes = declared_routes()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def __getattr__(self, name: str) -> Any:
            # BaseHTTPRequestHandler dispatches a request to `do_<METHOD>`, and answers 501
            # when there is none: every method comes here, as every method reaches API
            # Gateway, which decides what is declared.
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _gateway(self, answer: tuple[int, dict[str, Any]]) -> None:
            status, body = answer
            payload = json.dumps(body, separators=(",", ":")).encode()
            self._send(status, {"Content-Type": "application/json"}, payload)

        def _declared(self, path: str) -> bool:
            if path == DOCS or path.startswith(DOCS + "/"):
                return self.command == "GET"
            return any(m == self.command and p.fullmatch(path) for m, p in routes)

        def send_error(self, code: int, message: str | None = None, explain: Any = None) -> None:
            """What the HTTP layer refuses (request line, URL length, headers) is answered
            with the gateway's JSON, not an HTML page; the connection is then closed."""
            if self.request_version == "HTTP/0.9":  # no request line was read
                self.request_version = "HTTP/1.0"
            self.close_connection = True
            self._gateway(refusal(code))

        def _content_length(self) -> int | None:
            text = self.headers.get("Content-Length") or "0"
            if not text.isdigit():  # int() would take "+5", " 5", "5_0"
                return None
            return int(text)

        def _body(self) -> bytes | None:
            """The request body, or an answer sent (and the connection closed): a body
            whose length cannot be known is never guessed at, so no request can hide in it."""
            encoding = self.headers.get("Transfer-Encoding")
            if encoding is not None:
                if encoding.strip().lower() != "chunked" or "Content-Length" in self.headers:
                    self.send_error(HTTPStatus.BAD_REQUEST)
                    return None
                try:
                    return read_chunked(self.rfile, MAX_PAYLOAD_BYTES)
                except BadBody as bad:
                    self.send_error(bad.status)
                    return None
            length = self._content_length()
            if length is None or length > MAX_PAYLOAD_BYTES:
                # The body, if any, is left unread.
                too_large = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
                self.send_error(HTTPStatus.BAD_REQUEST if length is None else too_large)
                return None
            return self.rfile.read(length)

        def _handle(self) -> None:
            try:
                self._answer()
            except ConnectionError:
                raise  # the client went away: nothing to answer
            except Exception:  # noqa: BLE001 - whatever fails here, the gateway answers JSON
                traceback.print_exc(file=sys.stderr)
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR)

        def _answer(self) -> None:
            path = urlsplit(self.path).path
            raw = self._body()
            if raw is None:
                return
            # This API declares no binary media types: the function gets the body as text
            # (here, bytes that are not UTF-8 arrive replaced).
            body = raw.decode(errors="replace") if raw else None
            if not self._declared(path):
                self._gateway(MISSING_TOKEN)
                return
            auth = self.headers.get("Authorization", "")
            token = auth[7:] if auth.lower().startswith("bearer ") else ""
            try:
                claims = verify(token) if token else None
            except InvalidToken:
                claims = None
            if claims is None and path.startswith(DOCS):
                claims = {}
            elif claims is None:
                # What API Gateway's Cognito authorizer answers; the handler is not called.
                self._gateway(UNAUTHORIZED)
                return
            headers = {k: v for k, v in self.headers.items()}
            # API Gateway hands a Cognito authorizer's claims to the function as strings.
            claims = {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()}
            raw_path = as_of_by_default(self.path, as_of)
            event = proxy_event(self.command, raw_path, headers, body, claims)
            try:
                with lock:  # one invocation at a time, like a single warm container
                    response = deployment.invoke(API_FUNCTION, event)
            except Exception:  # noqa: BLE001 - a function error, answered as API Gateway does
                traceback.print_exc(file=sys.stderr)
                self._gateway(FUNCTION_ERROR)
                return
            out_headers = dict(response.get("headers") or {})
            for name, values in (response.get("multiValueHeaders") or {}).items():
                out_headers[name] = ", ".join(values)
            payload = response.get("body") or ""
            self._send(int(response["statusCode"]), out_headers, payload.encode())

    return Handler


class QueuePoller(threading.Thread):
    """Polls a queue into a function as the template's event source mapping `mapping`
    does: batches of its `BatchSize` to the function's handler, what the handler
    acknowledged deleted, the records of its partial batch response (or of a batch whose
    invocation raised) redelivered, until the queue's redrive policy moves them aside."""

    def __init__(self, deployment: Deployment, mapping: str, queue_output: str) -> None:
        super().__init__(daemon=True)
        properties = load_sam_template()["Resources"][mapping]["Properties"]
        self.deployment = deployment
        self.function = str(properties["FunctionName"]["Ref"])
        self.batch_size = int(properties["BatchSize"])
        self.queue_url = deployment.outputs[queue_output]
        self.stopped = threading.Event()

    def drain(self) -> DeliveryReport:
        """Deliver until the queue is empty."""
        return QueueDriver(
            boto3.client("sqs"),
            self.queue_url,
            lambda event: self.deployment.invoke(self.function, event),
            batch_size=self.batch_size,
        ).drain()

    def run(self) -> None:
        while not self.stopped.wait(POLL_SECONDS):
            try:
                self.drain()
            except Exception:  # noqa: BLE001 - the queue did not answer: poll again
                traceback.print_exc(file=sys.stderr)

    def stop(self) -> None:
        self.stopped.set()


class ReportWorker(QueuePoller):
    """Builds requested reports from the report requests queue."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(deployment, "ReportWorkerFunctionRequests", "ReportRequestsQueueUrl")


class IngestPoller(QueuePoller):
    """Ingests what reaches the ingest queue (`csinsights import`, `rejected replay`)."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(deployment, "IngestFunctionQueue", "IngestQueueUrl")


class Worker(Protocol):
    """A thread beside the API: a queue poller or the alert schedule."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> None: ...


def start_workers(deployment: Deployment, alert_seconds: float | None = None) -> list[Worker]:
    """What runs beside the API on the local stack, as the deployed event sources and
    schedule would: the ingest queue's poller, the report requests' poller and, every
    `alert_seconds`, the reply-due alert run."""
    from csinsights_local.alerts import AlertSchedule

    workers: list[Worker] = [IngestPoller(deployment), ReportWorker(deployment)]
    if alert_seconds is not None:
        workers.append(AlertSchedule(deployment, alert_seconds))
    for worker in workers:
        worker.start()
    return workers


def serve_until_interrupted(
    server: ThreadingHTTPServer, workers: list[Worker], forever: bool = True
) -> None:
    """Serve (and run the workers) until Ctrl-C, then stop them all: the server, and each
    worker once the invocation it is in (if any) has ended, so that none is cut off by the
    stack going away."""
    try:
        while forever and not STOPPING.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for worker in workers:
            worker.stop()
        server.shutdown()
        deadline = time.monotonic() + STOP_SECONDS
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))


STOPPING = threading.Event()
"""Set by SIGTERM (`stop_on_signal`): the server stops as after Ctrl-C. A flag, not an
exception raised wherever the main thread happens to be, so a signal that arrives while the
stack is still starting is not lost in the middle of it: the server stops once started."""


def stop_on_signal(signum: int, frame: Any) -> None:
    STOPPING.set()


def start_server(
    deployment: Deployment, port: int = 0, as_of: str | None = None
) -> tuple[ThreadingHTTPServer, str]:
    """`as_of`: what the overdue contacts are served as of when a request does not say."""
    if deployment.max_log_lines is None:  # serving until Ctrl-C: logs must not grow forever
        deployment.max_log_lines = 10_000
    server = GatewayServer(("127.0.0.1", port), make_handler(deployment, as_of))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, bound = server.server_address[:2]
    return server, f"http://{host!s}:{bound}"
