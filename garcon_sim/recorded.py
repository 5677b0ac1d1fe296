"""What a recorded history says its decider decided.

Each event written by a decision (ActivityTaskScheduled, TimerStarted, WorkflowExecutionCompleted,
and the ...Failed events of refused decisions) carries its DecisionTaskCompleted's id and enough
of the decision to write it again. `recorded_decision` writes it again; `decision_events`
groups a history's decision events by decision task. Re-enactment sends those decisions to the
simulator; replay compares them with what a flow's decider decides now.
"""
from __future__ import annotations

from typing import Any

from .decisions import decision_attributes_key
from .events import Event, attributes

DECISION_SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    # recorded event: (the decision that yields it, the attributes it carries back)
    "ActivityTaskScheduled": ("ScheduleActivityTask", (
        "activityType", "activityId", "input", "control", "taskList", "taskPriority",
        "scheduleToStartTimeout", "scheduleToCloseTimeout", "startToCloseTimeout",
        "heartbeatTimeout")),
    "ScheduleActivityTaskFailed": ("ScheduleActivityTask", ("activityType", "activityId")),
    "ActivityTaskCancelRequested": ("RequestCancelActivityTask", ("activityId",)),
    "RequestCancelActivityTaskFailed": ("RequestCancelActivityTask", ("activityId",)),
    "TimerStarted": ("StartTimer", ("timerId", "startToFireTimeout", "control")),
    "StartTimerFailed": ("StartTimer", ("timerId",)),
    "TimerCanceled": ("CancelTimer", ("timerId",)),
    "CancelTimerFailed": ("CancelTimer", ("timerId",)),
    "MarkerRecorded": ("RecordMarker", ("markerName", "details")),
    "RecordMarkerFailed": ("RecordMarker", ("markerName",)),
    "WorkflowExecutionCompleted": ("CompleteWorkflowExecution", ("result",)),
    "CompleteWorkflowExecutionFailed": ("CompleteWorkflowExecution", ()),
    "WorkflowExecutionFailed": ("FailWorkflowExecution", ("reason", "details")),
    "FailWorkflowExecutionFailed": ("FailWorkflowExecution", ()),
    "WorkflowExecutionCanceled": ("CancelWorkflowExecution", ("details",)),
    "CancelWorkflowExecutionFailed": ("CancelWorkflowExecution", ()),
    "WorkflowExecutionContinuedAsNew": ("ContinueAsNewWorkflowExecution", (
        "input", "executionStartToCloseTimeout", "taskList", "taskPriority",
        "taskStartToCloseTimeout", "childPolicy", "tagList", "lambdaRole")),
    "ContinueAsNewWorkflowExecutionFailed": ("ContinueAsNewWorkflowExecution", ()),
    "StartChildWorkflowExecutionInitiated": ("StartChildWorkflowExecution", (
        "workflowId", "workflowType", "control", "input", "executionStartToCloseTimeout",
        "taskList", "taskPriority", "taskStartToCloseTimeout", "childPolicy", "tagList",
        "lambdaRole")),
    "StartChildWorkflowExecutionFailed": ("StartChildWorkflowExecution", (
        "workflowId", "workflowType", "control")),
    "SignalExternalWorkflowExecutionInitiated": ("SignalExternalWorkflowExecution", (
        "workflowId", "runId", "signalName", "input", "control")),
    "RequestCancelExternalWorkflowExecutionInitiated": (
        "RequestCancelExternalWorkflowExecution", ("workflowId", "runId", "control")),
    "ScheduleLambdaFunctionFailed": ("ScheduleLambdaFunction", ("id", "name")),
}
"""Per event a decision writes: that decision's type, and the attributes the event carries
back. Events a decision writes later, by way of another execution (signals and cancel requests
delivered, children started), are not listed: they carry an initiatedEventId."""


def decision_events(events: list[Event]) -> dict[int, list[Event]]:
    """The events each decision task's decisions wrote, by DecisionTaskCompleted eventId."""
    grouped: dict[int, list[Event]] = {}
    for event in events:
        if event["eventType"] in DECISION_SOURCES:
            a = attributes(event)
            completed = a.get("decisionTaskCompletedEventId")
            if completed and not a.get("initiatedEventId"):
                grouped.setdefault(completed, []).append(event)
    return grouped


def recorded_decision(event: Event) -> dict[str, Any]:
    """The decision that wrote `event`, with the attributes the event carries."""
    decision_type, keys = DECISION_SOURCES[event["eventType"]]
    a = attributes(event)
    given = {key: a[key] for key in keys if key in a}
    if decision_type == "ContinueAsNewWorkflowExecution" and "workflowType" in a:
        given["workflowTypeVersion"] = a["workflowType"]["version"]
    return {"decisionType": decision_type, decision_attributes_key(decision_type): given}


def refused(event: Event) -> bool:
    """Whether the event is SWF's refusal of a decision (it carries only part of it)."""
    return event["eventType"].endswith("Failed") and "cause" in attributes(event)
