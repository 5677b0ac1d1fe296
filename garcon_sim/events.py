"""History events: their shape, and which of them call for a new decision task.

An event is SWF's own JSON shape, `{eventId, eventType, eventTimestamp, <type>EventAttributes}`,
with the timestamp held as an aware datetime (what boto3 returns). The tables below are SWF's
rules as data: `DECISION_TRIGGERS` lists the events after which SWF schedules a new decision
task (SWF Developer Guide, "Decision tasks"; the recorded histories in tests/data/swf-histories
show each), `CLOSE_EVENTS` maps each closing event to the close status.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from garcon.history import attributes_key

Event = dict[str, Any]

DECISION_TRIGGERS = frozenset({
    "WorkflowExecutionStarted",
    "WorkflowExecutionSignaled",
    "WorkflowExecutionCancelRequested",
    "ActivityTaskCompleted", "ActivityTaskFailed", "ActivityTaskTimedOut", "ActivityTaskCanceled",
    "DecisionTaskTimedOut",
    "TimerFired",
    "ChildWorkflowExecutionStarted", "ChildWorkflowExecutionCompleted",
    "ChildWorkflowExecutionFailed", "ChildWorkflowExecutionTimedOut",
    "ChildWorkflowExecutionCanceled", "ChildWorkflowExecutionTerminated",
    "ExternalWorkflowExecutionSignaled", "ExternalWorkflowExecutionCancelRequested",
    # Decisions that could not be carried out ask the decider to decide again.
    "ScheduleActivityTaskFailed", "RequestCancelActivityTaskFailed",
    "StartTimerFailed", "CancelTimerFailed", "RecordMarkerFailed",
    "CompleteWorkflowExecutionFailed", "FailWorkflowExecutionFailed",
    "CancelWorkflowExecutionFailed", "ContinueAsNewWorkflowExecutionFailed",
    "StartChildWorkflowExecutionFailed", "SignalExternalWorkflowExecutionFailed",
    "RequestCancelExternalWorkflowExecutionFailed", "ScheduleLambdaFunctionFailed",
})

CLOSE_EVENTS = {
    "WorkflowExecutionCompleted": "COMPLETED",
    "WorkflowExecutionFailed": "FAILED",
    "WorkflowExecutionCanceled": "CANCELED",
    "WorkflowExecutionTerminated": "TERMINATED",
    "WorkflowExecutionContinuedAsNew": "CONTINUED_AS_NEW",
    "WorkflowExecutionTimedOut": "TIMED_OUT",
}

REFERENCE_KEYS = ("scheduledEventId", "startedEventId", "decisionTaskCompletedEventId",
                  "initiatedEventId", "latestCancelRequestedEventId")
"""Attributes that point at earlier events of the same history."""

def make_event(event_id: int, timestamp: datetime, event_type: str,
               attributes: dict[str, Any]) -> Event:
    return {"eventId": event_id, "eventTimestamp": timestamp, "eventType": event_type,
            attributes_key(event_type): attributes}


def attributes(event: Event) -> dict[str, Any]:
    """The attributes of an event, whatever its type."""
    return event.get(attributes_key(event["eventType"]), {})
