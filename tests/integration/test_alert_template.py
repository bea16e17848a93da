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
from csinsights_local.definition import ALERT_RUN, raw_definition
from csinsights_local.stack import Deployment
from csinsights_local.template import cloudformation_template, load_sam_template

Template = dict[str, Any]
TABLE_ARN = {"Fn::GetAtt": ["EventsTable", "Arn"]}


@pytest.fixture(scope="module")
def template() -> Template:
    return cloudformation_template()


def props(template: Template, name: str) -> dict[str, Any]:
    return template["Resources"][name]["Properties"]


def test_the_alert_run_runs_on_its_own_parameterised_schedule(template: Template) -> None:
    rule = props(template, "ReplyDueAlertsStateMachineSchedule")
    assert rule["ScheduleExpression"] == {"Fn::Sub": "rate(${AlertScheduleMinutes} minutes)"}
    assert template["Parameters"]["AlertScheduleMinutes"]["Default"] == 15
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "ReplyDueAlertsStateMachine"}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["AlertRunsDeadLetterQueue", "Arn"]}
    machine = props(template, "ReplyDueAlertsStateMachine")
    assert machine["StateMachineType"] == "EXPRESS"  # a run is minutes long at most
    # A live step ends before its claims' lease does: no run takes over a live one's alerts.
    assert timedelta(seconds=props(template, "AlertFunction")["Timeout"]) < CLAIM_LEASE


def test_a_run_is_one_step_per_partition_each_retried(template: Template) -> None:
    definition = raw_definition(ALERT_RUN)
    plan, partitions = definition["States"]["Plan"], definition["States"]["Partitions"]
    assert plan["Next"] == "Partitions" and partitions["ItemsPath"] == "$.partitions"
    processor = partitions["ItemProcessor"]
    task = processor["States"][processor["StartAt"]]
    substitutions = props(template, "ReplyDueAlertsStateMachine")["DefinitionSubstitutions"]
    assert substitutions[task["Resource"][2:-1]] == {"Fn::GetAtt": ["AlertFunction", "Arn"]}
    assert substitutions[plan["Resource"][2:-1]] == {"Fn::GetAtt": ["AlertPlanFunction", "Arn"]}
    for state in (plan, task):
        assert state["Retry"][0]["ErrorEquals"] == ["States.ALL"]


def test_failed_runs_are_alarmed_and_unstarted_ones_kept_in_a_watched_queue(
    template: Template,
) -> None:
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
        if a["MetricName"] == "ExecutionsFailed"
        and {"Name": "StateMachineArn", "Value": {"Ref": "ReplyDueAlertsStateMachine"}}
        in a["Dimensions"]
    ]
    assert failing["Period"] == 900 and failing["DatapointsToAlarm"] == 2


def test_the_alert_role_publishes_to_the_product_bus_only_and_touches_only_its_items(
    template: Template,
) -> None:
    role = props(template, "AlertFunction")["Role"]["Fn::GetAtt"][0]
    granted = {
        statement["Sid"]: statement
        for policy in props(template, role)["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    }
    assert granted["PublishReplyDue"]["Action"] == "events:PutEvents"
    assert granted["PublishReplyDue"]["Resource"] == {"Fn::GetAtt": ["EventBus", "Arn"]}

    def leading(keys: list[str]) -> dict[str, Any]:
        return {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": keys}}

    waiting = granted["ReadTheWaitingContactsOfAnHour"]
    assert waiting["Action"] == "dynamodb:Query"
    assert waiting["Resource"] == {"Fn::Sub": "${EventsTable.Arn}/index/Waiting"}
    assert waiting["Condition"] == leading(["WAITING#*"])
    registry = granted["ReadOneRegistryShard"]
    assert (registry["Action"], registry["Resource"]) == ("dynamodb:Query", TABLE_ARN)
    assert registry["Condition"] == leading(["REGISTRY#*"])
    contacts = granted["ReadContactsAsOfAnInstant"]
    assert contacts["Resource"] == {"Fn::Sub": "${EventsTable.Arn}/index/Contacts"}
    assert contacts["Condition"] == leading(["CONTACTS#*"])
    claims = granted["ClaimAndRecordAlerts"]
    assert sorted(claims["Action"]) == [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert claims["Condition"] == leading(["ALERT#*"])
    assert set(granted) == {
        "PublishReplyDue",
        "ReadTheWaitingContactsOfAnHour",
        "ReadOneRegistryShard",
        "ReadContactsAsOfAnInstant",
        "ClaimAndRecordAlerts",
    }
    # The plan reads nothing.
    plan_role = props(template, "AlertPlanFunction")["Role"]["Fn::GetAtt"][0]
    assert not props(template, plan_role).get("Policies")


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
