"""A moto server on 127.0.0.1 with the product's stack deployed in it."""

from __future__ import annotations

import logging
import os
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

from csinsights_local.localstate import LocalStack, announced, state_file
from csinsights_local.stack import FAKE_CREDENTIALS, REGION, Deployment, deploy


@contextmanager
def local_stack(port: int = 0, announce: bool = False) -> Iterator[tuple[str, Deployment]]:
    """Start the emulation, point every boto3 client at it, deploy the template; with
    `announce`, write the state file other `csinsights` commands find it by.

    The emulation is emptied first (moto's reset endpoint): a server in this process shares
    moto's state with any earlier one, whose stack would still be there."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    endpoint = f"http://{host}:{bound}"
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(reset, timeout=30):  # noqa: S310 - our own server
        pass
    saved = dict(os.environ)
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        deployment = deploy()
        if not announce:
            yield endpoint, deployment
            return
        stack = LocalStack(
            endpoint=endpoint,
            region=REGION,
            table=deployment.outputs["EventsTableName"],
            queue_url=deployment.queue_url(),
            pid=os.getpid(),
        )
        with announced(stack) as other:
            if other is not None:
                print(
                    f"Another local stack (process {other.pid}, {other.endpoint}) is announced "
                    f"in {state_file()}: it stays the one `csinsights rejected` and `import` "
                    f"reach by default. Reach this one with --endpoint-url {endpoint} "
                    f"--table {stack.table} --queue-url {stack.queue_url}",
                    file=sys.stderr,
                    flush=True,
                )
            yield endpoint, deployment
    finally:
        # moto's backends are this process's: emptied, so a next stack starts from nothing.
        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(reset, timeout=30):  # noqa: S310 - our own server
            pass
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
