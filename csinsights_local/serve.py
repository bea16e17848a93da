"""A local HTTP front for the API handler, as API Gateway with a Cognito authorizer:
the bearer token is verified, its claims become `requestContext.authorizer.claims`, the
request becomes a REST proxy event for the real handler. A background poller builds
requested reports from the report requests queue."""

from __future__ import annotations

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3

from csinsights_local.driver import QueueDriver
from csinsights_local.stack import Deployment
from csinsights_local.tokens import InvalidToken, verify

STAGE = "live"


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


def make_handler(deployment: Deployment) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else None
            auth = self.headers.get("Authorization", "")
            token = auth[7:] if auth.lower().startswith("bearer ") else ""
            try:
                claims = verify(token) if token else None
            except InvalidToken:
                claims = None
            if claims is None and urlsplit(self.path).path.startswith("/v1/docs"):
                claims = {}  # the Swagger UI, served locally only, needs no identity
            elif claims is None:
                # What API Gateway's Cognito authorizer answers; the handler is not called.
                self._send(401, {"Content-Type": "application/json"}, b'{"message":"Unauthorized"}')
                return
            headers = {k: v for k, v in self.headers.items()}
            event = proxy_event(self.command, self.path, headers, body, claims)
            with lock:  # one invocation at a time, like a single warm container
                response = deployment.invoke("ApiFunction", event)
            out_headers = dict(response.get("headers") or {})
            for name, values in (response.get("multiValueHeaders") or {}).items():
                out_headers[name] = ", ".join(values)
            payload = response.get("body") or ""
            self._send(int(response["statusCode"]), out_headers, payload.encode())

        do_GET = _handle
        do_POST = _handle

    return Handler


class ReportWorker(threading.Thread):
    """Polls the report requests queue into the worker function, as its event source would."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(daemon=True)
        self.deployment = deployment
        self.stopped = threading.Event()

    def drain(self) -> None:
        sqs = boto3.client("sqs")
        QueueDriver(
            sqs,
            self.deployment.outputs["ReportRequestsQueueUrl"],
            lambda event: self.deployment.invoke("ReportWorkerFunction", event),
            batch_size=5,
        ).drain()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.drain()


def start_server(deployment: Deployment, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(deployment))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, bound = server.server_address[:2]
    return server, f"http://{host}:{bound}"
