"""A moto server on 127.0.0.1 with the product's stack deployed in it."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

from csinsights_local.stack import FAKE_CREDENTIALS, Deployment, deploy


@contextmanager
def local_stack(port: int = 0) -> Iterator[tuple[str, Deployment]]:
    """Start the emulation, point every boto3 client at it, deploy the template.

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
        yield endpoint, deploy()
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
