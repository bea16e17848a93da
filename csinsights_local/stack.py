"""The product's AWS resources, created from infra/template.yaml inside moto.

Used by the tests (in-process `mock_aws`) and by the `csinsights` command line (a
`ThreadedMotoServer` on 127.0.0.1, reachable over real HTTP). Lambda functions are created
in moto as the template declares them; their handlers run in this process, called with
the environment the template gave each function.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import sys
import threading
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType
from typing import Any

import boto3

from csinsights_local.template import CODE_BUCKET, ROOT, deployable_template

REGION = "us-east-1"
# Invocations swap os.environ and stdout: one at a time, whichever thread asks.
_INVOKE_LOCK = threading.RLock()
STACK_NAME = "csinsights"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
# Logical id of each function -> the module of its handler.
HANDLERS = {
    "IngestFunction": ("functions.ingest.app", "handler"),
    "MetricsPlanFunction": ("functions.metrics.app", "plan_handler"),
    "MetricsListFunction": ("functions.metrics.app", "list_handler"),
    "MetricsShardsFunction": ("functions.metrics.app", "shards_handler"),
    "MetricsSellersFunction": ("functions.metrics.app", "sellers_handler"),
    "MetricsBenchmarksFunction": ("functions.metrics.app", "benchmarks_handler"),
    "MetricsPublishFunction": ("functions.metrics.app", "publish_handler"),
    "ApiFunction": ("functions.api.app", "handler"),
    "ReportWorkerFunction": ("functions.reports.app", "handler"),
    "AlertPlanFunction": ("functions.alerts.app", "plan_handler"),
    "AlertFunction": ("functions.alerts.app", "handler"),
    "MigratePlanFunction": ("functions.migrate.app", "plan_handler"),
    "MigrateFunction": ("functions.migrate.app", "handler"),
}


class FakeLambdaContext:
    """The attributes Powertools reads from a Lambda context."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
        self.aws_request_id = "local"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "code runs in-process in the local stack")
    return buffer.getvalue()


@dataclass
class Deployment:
    outputs: dict[str, str]
    resources: dict[str, str]
    """Logical id -> physical id."""
    function_environments: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """What each function printed (JSON log lines and metrics), as CloudWatch Logs keeps it."""
    max_log_lines: int | None = None
    """Keep only the newest lines per function (a long-running local server sets it)."""

    def queue_url(self, output: str = "IngestQueueUrl") -> str:
        return self.outputs[output]

    @contextmanager
    def environment_of(self, function: str) -> Iterator[None]:
        """os.environ as the template sets it for `function`, restored afterwards."""
        saved = dict(os.environ)
        os.environ.update(self.function_environments[function])
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def handler_module(self, function: str) -> ModuleType:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        return importlib.import_module(HANDLERS[function][0])

    def load(self, function: str) -> ModuleType:
        """The function's handler module, imported (the first time) with the environment
        the template gives the function, as Lambda's init phase imports it: what a module
        reads from the environment when imported (Powertools' metrics namespace, the
        service name) is then what the deployed function reads."""
        with _INVOKE_LOCK, self.environment_of(function):
            return self.handler_module(function)

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Call the function's real handler in-process, as Lambda would; what it prints is
        kept in `logs` instead of reaching this process's stdout."""
        buffer = io.StringIO()
        with _INVOKE_LOCK, self.environment_of(function):
            module = self.handler_module(function)
            streams = _capture_log_streams(buffer)
            try:
                with redirect_stdout(buffer):
                    handler = getattr(module, HANDLERS[function][1])
                    return handler(event, FakeLambdaContext(self.resources[function]))
            finally:
                for handler, stream in streams:
                    handler.stream = stream
                kept = self.logs.setdefault(function, [])
                kept.extend(_parse_lines(buffer.getvalue()))
                if self.max_log_lines is not None and len(kept) > self.max_log_lines:
                    del kept[: len(kept) - self.max_log_lines]


def _capture_log_streams(buffer: io.StringIO) -> list[tuple[logging.StreamHandler, Any]]:
    """Point the functions' Powertools log handlers at `buffer`, whatever stream they were
    given at import; returns the old streams."""
    from aws_lambda_powertools.logging.formatter import BasePowertoolsFormatter

    swapped = []
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if not isinstance(logger, logging.Logger):
            continue
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and isinstance(
                handler.formatter, BasePowertoolsFormatter
            ):
                # Assigned, not setStream(): that flushes the old stream, maybe closed.
                swapped.append((handler, handler.stream))
                handler.stream = buffer
    return swapped


def _parse_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError:
            parsed = {"message": line}
        lines.append(parsed if isinstance(parsed, dict) else {"message": parsed})
    return lines


@lru_cache(maxsize=1)
def aws_session() -> boto3.Session:
    """The local stack's session, one per process: the API models its clients are built
    from are read once, not once per deployment (botocore's loader caches what it read).
    Its clients reach whatever moto is active when they are made (an in-process mock, or
    the server `AWS_ENDPOINT_URL` names)."""
    return boto3.Session(region_name=REGION)


LOCAL_SHARDING = {
    "RegistryShards": ("REGISTRY_SHARDS", "8"),
    "BenchmarkShardSellers": ("BENCHMARK_SHARD_SELLERS", None),
    "BenchmarkFanIn": ("BENCHMARK_FAN_IN", None),
}
"""Template parameter -> (the variable the functions read it from, the local default: None
keeps the template's). A local marketplace is small: its registry is listed in 8 shards
unless the environment says otherwise, as a deployment's parameters would."""


def local_parameters() -> dict[str, str]:
    """The sharding parameters a local stack deploys with, from the environment."""
    chosen = {}
    for parameter, (variable, default) in LOCAL_SHARDING.items():
        value = os.environ.get(variable) or default
        if value:
            chosen[parameter] = value
    return chosen


def deploy(stack_name: str = STACK_NAME, session: boto3.Session | None = None) -> Deployment:
    """Create the template's resources in whatever moto is active (mock or server)."""
    session = session or aws_session()
    template = deployable_template(region=REGION)
    # moto names each resource type it skips (queue policy, alarm); nothing to act on.
    logging.getLogger("moto").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
    s3 = session.client("s3")
    s3.create_bucket(Bucket=CODE_BUCKET)
    keys = {
        res["Properties"]["Code"]["S3Key"]
        if "Code" in res["Properties"]
        else res["Properties"]["Content"]["S3Key"]
        for res in template["Resources"].values()
        if res["Type"] in ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion")
    }
    for key in keys:
        s3.put_object(Bucket=CODE_BUCKET, Key=key, Body=_empty_zip())
    cfn = session.client("cloudformation")
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": key, "ParameterValue": value}
            for key, value in local_parameters().items()
        ],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {stack_name}: {stack['StackStatus']}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    resources = {
        r.get("LogicalResourceId", ""): r.get("PhysicalResourceId", "")
        for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    }
    lam = session.client("lambda")
    environments = {}
    for logical, res in template["Resources"].items():
        if res["Type"] == "AWS::Lambda::Function":
            config = lam.get_function_configuration(FunctionName=resources[logical])
            variables = config.get("Environment", {}).get("Variables", {})
            environments[logical] = {k: str(v) for k, v in variables.items()}
    return Deployment(outputs, resources, environments)
