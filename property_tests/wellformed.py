"""Whether a history is well formed, by SWF's rules as its documentation states them (the API
reference's HistoryEvent and its event attributes,
https://docs.aws.amazon.com/amazonswf/latest/apireference/API_HistoryEvent.html, and botocore's
model of SWF, `botocore/data/swf/2012-01-25/service-2.json`), written here from those rules
rather than taken from the simulator."""
from __future__ import annotations

import itertools
from typing import Any

WORKFLOW_CLOSE_TYPES = frozenset({
    "WorkflowExecutionCompleted", "WorkflowExecutionFailed", "WorkflowExecutionCanceled",
    "WorkflowExecutionTerminated", "WorkflowExecutionTimedOut",
    "WorkflowExecutionContinuedAsNew"})
ACTIVITY_CLOSE_TYPES = frozenset({"ActivityTaskCompleted", "ActivityTaskFailed",
                                  "ActivityTaskTimedOut", "ActivityTaskCanceled"})
DECISION_CLOSE_TYPES = frozenset({"DecisionTaskCompleted", "DecisionTaskTimedOut"})
FAMILIES = ("ActivityTask", "DecisionTask", "Timer")
REFERENCE_KEYS = ("scheduledEventId", "startedEventId", "decisionTaskCompletedEventId",
                  "initiatedEventId", "latestCancelRequestedEventId")


def attributes_of(event: dict) -> dict[str, Any]:
    kind = event["eventType"]
    return event.get(f"{kind[:1].lower()}{kind[1:]}EventAttributes", {})


def referenced_type(event_type: str, key: str) -> str | None:
    """The type of event an attribute of an event points at; None when unknown here."""
    if key == "decisionTaskCompletedEventId":
        return "DecisionTaskCompleted"
    if key == "latestCancelRequestedEventId":  # botocore's model: the activity's cancel request
        return "ActivityTaskCancelRequested"
    family = next((f for f in FAMILIES if event_type.startswith(f)), None)
    if family is None or key not in ("scheduledEventId", "startedEventId"):
        return None
    return family + ("Scheduled" if key == "scheduledEventId" else "Started")


def problems(events: list[dict]) -> list[str]:
    """Everything wrong with the history, in words; empty when it is well formed."""
    found: list[str] = []
    by_id: dict[int, dict] = {}
    for position, event in enumerate(events, 1):
        if event["eventId"] != position:
            found.append(f"event {position} has eventId {event['eventId']}")
            return found
        by_id[position] = event
    if not events or events[0]["eventType"] != "WorkflowExecutionStarted":
        found.append("the history does not open with WorkflowExecutionStarted")
    found += _references(events, by_id)
    found += _order(events)
    found += _decision_tasks(events)
    found += _activity_tasks(events)
    found += _close(events)
    return found


def _references(events: list[dict], by_id: dict[int, dict]) -> list[str]:
    found = []
    started_by_scheduled: set[int] = set()
    for event in events:
        kind, attributes = event["eventType"], attributes_of(event)
        if kind in ("ActivityTaskStarted", "DecisionTaskStarted"):
            started_by_scheduled.add(attributes["scheduledEventId"])
        for key in REFERENCE_KEYS:
            if key not in attributes:
                continue
            target = attributes[key]
            if key == "startedEventId" and target == 0 and kind.endswith(
                    ("TimedOut", "Canceled")):
                if attributes.get("scheduledEventId") in started_by_scheduled:
                    found.append(f"event {event['eventId']} ({kind}): startedEventId=0, yet "
                                 "its task was started")
                continue  # timed out or canceled before any worker took it
            wanted = referenced_type(kind, key)
            if wanted is None:
                found.append(f"event {event['eventId']} ({kind}): unchecked reference {key}")
            elif not 0 < target < event["eventId"]:
                found.append(f"event {event['eventId']} ({kind}): {key}={target} is not an "
                             "earlier event")
            elif by_id[target]["eventType"] != wanted:
                found.append(f"event {event['eventId']} ({kind}): {key}={target} is a "
                             f"{by_id[target]['eventType']}, not a {wanted}")
        if "startedEventId" in attributes and "scheduledEventId" in attributes and attributes[
                "startedEventId"] in by_id and attributes["startedEventId"] > 0:
            started = attributes_of(by_id[attributes["startedEventId"]])
            if started.get("scheduledEventId") != attributes["scheduledEventId"]:
                found.append(f"event {event['eventId']} ({kind}): its started event belongs "
                             "to another scheduled event")
    return found


def _order(events: list[dict]) -> list[str]:
    return [f"event {later['eventId']} is earlier than event {earlier['eventId']}"
            for earlier, later in itertools.pairwise(events)
            if later["eventTimestamp"] < earlier["eventTimestamp"]]


def _decision_tasks(events: list[dict]) -> list[str]:
    """At most one decision task in flight (started), at most one waiting (scheduled, not
    started); each is started once and closed once."""
    found = []
    waiting: set[int] = set()
    in_flight: set[int] = set()
    for event in events:
        kind, attributes = event["eventType"], attributes_of(event)
        if kind == "DecisionTaskScheduled":
            waiting.add(event["eventId"])
        elif kind == "DecisionTaskStarted":
            if attributes["scheduledEventId"] not in waiting:
                found.append(f"event {event['eventId']}: starts a decision task that is not "
                             "waiting")
            waiting.discard(attributes["scheduledEventId"])
            in_flight.add(attributes["scheduledEventId"])
        elif kind in DECISION_CLOSE_TYPES:
            scheduled = attributes["scheduledEventId"]
            if scheduled in in_flight:
                in_flight.discard(scheduled)
            elif scheduled in waiting:  # a schedule-to-start timeout
                waiting.discard(scheduled)
            else:
                found.append(f"event {event['eventId']}: closes a decision task that is not "
                             "open")
        if len(waiting) > 1 or len(in_flight) > 1:
            found.append(f"event {event['eventId']}: {len(waiting)} decision task(s) waiting "
                         f"and {len(in_flight)} in flight")
    return found


def _activity_tasks(events: list[dict]) -> list[str]:
    """Each scheduled activity task is started at most once and closed at most once."""
    found = []
    started: set[int] = set()
    closed: set[int] = set()
    for event in events:
        kind, attributes = event["eventType"], attributes_of(event)
        if kind == "ActivityTaskStarted" or kind in ACTIVITY_CLOSE_TYPES:
            seen = started if kind == "ActivityTaskStarted" else closed
            scheduled = attributes["scheduledEventId"]
            if scheduled in seen:
                found.append(f"event {event['eventId']}: activity task {scheduled} "
                             f"{'started' if seen is started else 'closed'} twice")
            if scheduled in closed and seen is started:
                found.append(f"event {event['eventId']}: activity task {scheduled} starts "
                             "after its close")
            seen.add(scheduled)
    return found


def _close(events: list[dict]) -> list[str]:
    closes = [e for e in events if e["eventType"] in WORKFLOW_CLOSE_TYPES]
    if len(closes) > 1:
        return [f"{len(closes)} close events"]
    if closes and closes[0] is not events[-1]:
        return [f"event {closes[0]['eventId']} closes the workflow, yet "
                f"{len(events) - closes[0]['eventId']} event(s) follow it"]
    return []
