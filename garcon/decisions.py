"""The decisions a decider sends with RespondDecisionTaskCompleted, as boto3 takes them."""
from __future__ import annotations

import json

from garcon.limits import SWF_LIMITS


def schedule_activity_task(activity_id: str, activity_type: str, version: str, task_list: str,
                           input: str, timeouts: dict[str, str]) -> dict:
    return {"decisionType": "ScheduleActivityTask",
            "scheduleActivityTaskDecisionAttributes": {
                "activityId": activity_id,
                "activityType": {"name": activity_type, "version": version},
                "taskList": {"name": task_list},
                "input": input,
                **timeouts}}


def schedule_activity_task_size(decision: dict) -> int:
    """The bytes a ScheduleActivityTask decision takes in a request, at most, without encoding
    it again: its input is JSON already, which the request escapes once more."""
    attributes = decision["scheduleActivityTaskDecisionAttributes"]
    payload = attributes["input"]
    return (_SCHEDULE_OVERHEAD + len(attributes["activityId"])
            + 2 * len(attributes["activityType"]["name"])
            + len(attributes["activityType"]["version"])
            + len(payload) + payload.count('"') + payload.count("\\"))


def start_timer(timer_id: str, seconds: int, control: str | None = None) -> dict:
    attributes = {"timerId": timer_id, "startToFireTimeout": str(seconds)}
    if control is not None:
        attributes["control"] = control
    return {"decisionType": "StartTimer", "startTimerDecisionAttributes": attributes}


def start_child_workflow(workflow_id: str, workflow_type: dict, input: str, control: str,
                         settings: dict) -> dict:
    """A StartChildWorkflowExecution; `settings` are its other attributes (task list,
    timeouts, child policy, tags, priority), as the decision names them."""
    return {"decisionType": "StartChildWorkflowExecution",
            "startChildWorkflowExecutionDecisionAttributes": {
                "workflowId": workflow_id, "workflowType": workflow_type, "input": input,
                "control": control, **settings}}


def request_cancel_external(workflow_id: str, run_id: str | None = None) -> dict:
    attributes = {"workflowId": workflow_id}
    if run_id is not None:
        attributes["runId"] = run_id
    return {"decisionType": "RequestCancelExternalWorkflowExecution",
            "requestCancelExternalWorkflowExecutionDecisionAttributes": attributes}


def complete_workflow(result: str | None = None) -> dict:
    attributes = {} if result is None else {"result": result}
    return {"decisionType": "CompleteWorkflowExecution",
            "completeWorkflowExecutionDecisionAttributes": attributes}


def cancel_workflow(details: str | None = None) -> dict:
    attributes = {} if details is None else {"details": details}
    return {"decisionType": "CancelWorkflowExecution",
            "cancelWorkflowExecutionDecisionAttributes": attributes}


def fail_workflow(reason: str, details: str | None = None) -> dict:
    """A FailWorkflowExecution whose reason fits SWF's 256 characters; when it does not, the
    reason is cut with an ellipsis and the details carry it whole."""
    attributes = {"reason": shorten(reason, SWF_LIMITS.reason)}
    if attributes["reason"] != reason:
        details = reason if details is None else f"{reason}\n\n{details}"
    if details is not None:
        attributes["details"] = shorten(details, SWF_LIMITS.data)
    return {"decisionType": "FailWorkflowExecution",
            "failWorkflowExecutionDecisionAttributes": attributes}


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def counted(number: int, noun: str) -> str:
    """"1 attempt", "4 attempts": a count and its noun, plural unless the count is one."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


_SCHEDULE_OVERHEAD = len(json.dumps(schedule_activity_task(
    "", "", "", "", "", dict.fromkeys(("heartbeatTimeout", "scheduleToStartTimeout",
                                        "startToCloseTimeout", "scheduleToCloseTimeout"),
                                       "x" * SWF_LIMITS.duration))))
"""The size of a ScheduleActivityTask with empty strings and the longest timeouts."""
