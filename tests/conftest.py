from __future__ import annotations

import gc
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import settings
from moto import mock_aws

from csinsights_local.stack import FAKE_CREDENTIALS, Deployment, deploy

os.environ.update(FAKE_CREDENTIALS)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CustomerServiceInsights")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "tests")
# Retries in the functions try again at once: how long they wait is not what a test shows.
os.environ.setdefault("RETRY_BACKOFF_SECONDS", "0")
# A `csinsights serve` started by a test announces itself here, not in the user's state.
os.environ["CSINSIGHTS_STATE_FILE"] = os.path.join(tempfile.mkdtemp(), "local-stack.json")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What exists once every test module is imported lives as long as the session: frozen
    out of the garbage collector's passes (`gc.freeze`), as a long replay freezes its stack
    and archive. A replay in a process that froze itself neither collects nor freezes again
    (`csinsights_local.replay`); the tests of that handling start from an unfrozen process
    (`unfrozen_process`)."""
    gc.collect()
    gc.freeze()


@pytest.fixture
def unfrozen_process() -> Iterator[None]:
    """The garbage collector as a process that froze nothing has it; the session's freeze
    is made again afterwards."""
    gc.unfreeze()
    try:
        yield
    finally:
        gc.freeze()


@pytest.fixture
def stack() -> Iterator[Deployment]:
    """The template's resources, freshly created in in-process moto."""
    with mock_aws():
        yield deploy()


@pytest.fixture
def dynamodb(stack: Deployment):  # type: ignore[no-untyped-def]
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def sqs(stack: Deployment):  # type: ignore[no-untyped-def]
    return boto3.client("sqs", region_name="us-east-1")


# --- Hypothesis settings ---------------------------------------------------------------
# No deadline (moto's latency varies) and a reproduction blob on failure. How many examples
# each property and stateful test runs is its own `examples(ci, soak)` (tests/profiles.py):
# CSI_PROFILE=soak (`make soak`) multiplies them.
settings.register_profile("csinsights", deadline=None, print_blob=True)
settings.load_profile("csinsights")


# --- Hardening tallies ---------------------------------------------------------------------
# Adversarial tests count what they tried (streams, faults, malformed inputs, fuzzed requests,
# authorization cases) into `tally`; the counts travel with each test's report (so they add
# up across xdist workers) and are printed at the end of the run.
TALLY = "tally"
_totals: Counter[str] = Counter()


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()
    yield counts
    request.node.user_properties.append((TALLY, dict(counts)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":
        return
    for name, value in report.user_properties:
        if name == TALLY:
            _totals.update(value)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _totals:
        return
    terminalreporter.section("hardening: cases tried, each with nothing lost")
    for name, value in sorted(_totals.items()):
        terminalreporter.write_line(f"{name:<56} {value:>8}")
