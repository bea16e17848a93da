"""The reply-due alerts in the template: their own schedule (a parameter), a watched
dead-letter queue and an alarm for runs that keep failing, least privilege, thresholds
checked at deploy, an ingest rule that never takes alerts in, and the example webhook
subscription, off unless a webhook URL is given."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest

from csinsights.domain.alerts import CLAIM_LEASE, DETAIL_TYPE, SOURCE
from csinsights_local.stack import Deployment
from csinsights_local.template import cloudformation_template, load_sam_template

Template = dict[str, Any]
TABLE_ARN = {"Fn::GetAtt": ["EventsTable", "Arn"]}


@pytest.fixture(scope="module")
def template() -> Template:
    return cloudformation_template()


def props(template: Template, name: str) -> dict[str, Any]:
    return template["Resources"][name]["Properties"]


def test_the_alert_function_runs_on_its_own_parameterised_schedule(template: Template) -> None:
    rule = props(template, "AlertFunctionSchedule")
    assert rule["ScheduleExpression"] == {"Fn::Sub": "rate(${AlertScheduleMinutes} minutes)"}
    assert template["Parameters"]["AlertScheduleMinutes"]["Default"] == 15
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["AlertFunction", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["AlertRunsDeadLetterQueue", "Arn"]}
    # A live run ends before its claims' lease does: no run takes over a live one's alerts.
    assert timedelta(seconds=props(template, "AlertFunction")["Timeout"]) < CLAIM_LEASE


def test_failed_runs_are_retried_then_kept_in_a_watched_queue(template: Template) -> None:
    (config,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
        and r["Properties"]["FunctionName"] == {"Ref": "AlertFunction"}
    ]
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["AlertRunsDeadLetterQueue", "Arn"]
    }
    alarms = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    ]
    assert any(
        a["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and {
            "Name": "QueueName",
            "Value": {"Fn::GetAtt": ["AlertRunsDeadLetterQueue", "QueueName"]},
        }
        in a["Dimensions"]
        for a in alarms
    )
    (failing,) = [
        a
        for a in alarms
        if a["MetricName"] == "Errors"
        and {"Name": "FunctionName", "Value": {"Ref": "AlertFunction"}} in a["Dimensions"]
    ]
    assert failing["Period"] == 900 and failing["DatapointsToAlarm"] == 2


def test_the_alert_role_publishes_to_the_product_bus_only_and_touches_only_its_items(
    template: Template,
) -> None:
    role = props(template, "AlertFunction")["Role"]["Fn::GetAtt"][0]
    granted = {
        # SAM's statement for the failure destination has no Sid.
        statement.get("Sid", "OnFailureDestination"): statement
        for policy in props(template, role)["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    }
    assert granted["OnFailureDestination"] == {
        "Action": "sqs:SendMessage",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": ["AlertRunsDeadLetterQueue", "Arn"]},
    }
    assert granted["PublishReplyDue"]["Action"] == "events:PutEvents"
    assert granted["PublishReplyDue"]["Resource"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
    assert granted["ReadSellerRegistry"]["Action"] == "dynamodb:Query"
    assert granted["ReadSellerRegistry"]["Resource"] == TABLE_ARN
    assert granted["ReadSellerRegistry"]["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SELLERS#*"]}
    }
    assert granted["ReadContactsOfTheAlertWindow"]["Resource"] == [
        {"Fn::Sub": "${EventsTable.Arn}/index/OpenContacts"},
        {"Fn::Sub": "${EventsTable.Arn}/index/Contacts"},
    ]
    claims = granted["ClaimAndRecordAlerts"]
    assert sorted(claims["Action"]) == [
        "dynamodb:BatchWriteItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ]
    assert claims["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["ALERT#*"]}}
    assert set(granted) == {
        "OnFailureDestination",
        "PublishReplyDue",
        "ReadSellerRegistry",
        "ReadContactsOfTheAlertWindow",
        "ClaimAndRecordAlerts",
    }


@pytest.mark.parametrize(
    ("value", "allowed"),
    [("24,40", True), ("1", True), ("8,24,47", True), ("48", False), ("24,48", False),
     ("", False), ("0", False), ("24, 40", False), ("24.5", False)],
)  # fmt: skip
def test_thresholds_are_checked_at_deploy(value: str, allowed: bool) -> None:
    pattern = load_sam_template()["Parameters"]["AlertThresholdsHours"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) == allowed


def test_the_ingest_rule_never_matches_an_alert(template: Template) -> None:
    pattern = props(template, "MarketplaceEventsRule")["EventPattern"]
    assert DETAIL_TYPE not in pattern["detail-type"]
    assert set(pattern) == {"detail-type"}  # matched on the type alone


def test_the_webhook_subscription_is_off_unless_a_url_is_given(template: Template) -> None:
    webhook = {n: r for n, r in template["Resources"].items() if n.startswith("ReplyDueWebhook")}
    assert {r["Type"] for r in webhook.values()} >= {
        "AWS::Events::Connection",
        "AWS::Events::ApiDestination",
        "AWS::Events::Rule",
    }
    assert all(r.get("Condition") == "HasReplyDueWebhook" for r in webhook.values())
    assert template["Conditions"]["HasReplyDueWebhook"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReplyDueWebhookUrl"}, ""]}]
    }
    assert template["Parameters"]["ReplyDueWebhookUrl"]["Default"] == ""
    assert template["Parameters"]["ReplyDueWebhookApiKey"]["NoEcho"] is True
    rule = webhook["ReplyDueWebhookRule"]["Properties"]
    # One seller's alerts only: a webhook never sees another seller's contacts.
    assert rule["EventPattern"] == {
        "source": [SOURCE],
        "detail-type": [DETAIL_TYPE],
        "detail": {"seller_id": [{"Ref": "ReplyDueWebhookSellerId"}]},
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["ReplyDueWebhookDestination", "Arn"]}
    assert target["InputPath"] == "$.detail"
    policy = webhook["ReplyDueWebhookRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert policy["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "events:InvokeApiDestination",
            "Resource": {"Fn::GetAtt": ["ReplyDueWebhookDestination", "Arn"]},
        }
    ]


def test_the_deployed_stack_has_no_webhook_by_default(stack: Deployment) -> None:
    assert not [n for n in stack.resources if n.startswith("ReplyDueWebhook")]
    rules = boto3.client("events").list_rules(EventBusName=stack.outputs["EventBusName"])
    patterns = [json.loads(r["EventPattern"]) for r in rules["Rules"]]
    assert all(DETAIL_TYPE not in p.get("detail-type", []) for p in patterns)
