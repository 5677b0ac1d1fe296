"""Hand-written SWF histories for the decider's unit tests.

`History` writes events the way SWF would for the calls a test describes (start, decision task,
respond with decisions, activity outcomes); `drive` runs a flow's decider over it to the end.
The simulator (garcon_sim) is the faithful model of SWF; this is only enough of it to put the
pure decider in a given state in a few lines.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from garcon.decider import decide

EXECUTION = {"domain": "dev", "workflowId": "wf-1", "runId": "run-1"}


class History:
    def __init__(self, input: dict | None = None):
        self.events: list[dict] = []
        self.scheduled: dict[str, int] = {}
        """activityId -> eventId of its latest ActivityTaskScheduled."""
        self.timers: dict[str, int] = {}
        self.children: dict[str, tuple[int, int]] = {}
        """workflowId -> (eventId of its latest StartChildWorkflowExecutionInitiated, of its
        ChildWorkflowExecutionStarted or 0)."""
        attributes = {"workflowType": {"name": "flow", "version": "1.0"},
                      "taskList": {"name": "flow"}, "childPolicy": "TERMINATE"}
        if input is not None:
            attributes["input"] = json.dumps(input)
        self.add("WorkflowExecutionStarted", **attributes)

    def add(self, event_type: str, **attributes) -> int:
        event_id = len(self.events) + 1
        self.events.append({"eventId": event_id, "eventType": event_type,
                            "eventTimestamp": 1_700_000_000.0 + event_id,
                            f"{event_type[0].lower()}{event_type[1:]}EventAttributes": attributes})
        return event_id

    def decision_task(self) -> list[dict]:
        """Schedule and start a decision task; the history a decider sees for it."""
        scheduled = self.add("DecisionTaskScheduled", taskList={"name": "flow"})
        self._started = (scheduled, self.add("DecisionTaskStarted", scheduledEventId=scheduled))
        return list(self.events)

    def respond(self, decisions: list[dict], refused: dict[str, str] | None = None) -> None:
        """DecisionTaskCompleted, and the event each decision makes; the children `refused`
        names (workflowId -> cause) get a StartChildWorkflowExecutionFailed instead."""
        scheduled, started = self._started
        completed = self.add("DecisionTaskCompleted", scheduledEventId=scheduled,
                             startedEventId=started)
        for decision in decisions:
            kind = decision["decisionType"]
            attributes = dict(decision[f"{kind[0].lower()}{kind[1:]}DecisionAttributes"])
            attributes["decisionTaskCompletedEventId"] = completed
            if kind == "ScheduleActivityTask":
                self.scheduled[attributes["activityId"]] = self.add(
                    "ActivityTaskScheduled", **attributes)
            elif kind == "StartTimer":
                self.timers[attributes["timerId"]] = self.add("TimerStarted", **attributes)
            elif kind == "StartChildWorkflowExecution" and attributes["workflowId"] in (
                    refused or {}):
                self.add("StartChildWorkflowExecutionFailed", initiatedEventId=0,
                         cause=refused[attributes["workflowId"]], **{
                             key: attributes[key] for key in (
                                 "workflowId", "workflowType", "control",
                                 "decisionTaskCompletedEventId")})
            elif kind == "StartChildWorkflowExecution":
                self.children[attributes["workflowId"]] = (self.add(
                    "StartChildWorkflowExecutionInitiated", **attributes), 0)
            elif kind == "RequestCancelExternalWorkflowExecution":
                self.add("RequestCancelExternalWorkflowExecutionInitiated", **attributes)
            else:
                self.add({"CompleteWorkflowExecution": "WorkflowExecutionCompleted",
                          "FailWorkflowExecution": "WorkflowExecutionFailed",
                          "CancelWorkflowExecution": "WorkflowExecutionCanceled"}[kind],
                         **attributes)

    def child_started(self, workflow_id: str) -> None:
        initiated, _ = self.children[workflow_id]
        self.children[workflow_id] = (initiated, self.add(
            "ChildWorkflowExecutionStarted", initiatedEventId=initiated,
            workflowExecution={"workflowId": workflow_id, "runId": f"run-of-{initiated}"},
            workflowType={"name": "flow", "version": "1.0"}))

    def child_closed(self, workflow_id: str, how: str = "Completed", **attributes) -> None:
        """ChildWorkflowExecution<how> (Completed, Failed, TimedOut, Canceled, Terminated)."""
        initiated, started = self.children[workflow_id]
        self.add(f"ChildWorkflowExecution{how}", initiatedEventId=initiated,
                 startedEventId=started, workflowType={"name": "flow", "version": "1.0"},
                 workflowExecution={"workflowId": workflow_id,
                                    "runId": f"run-of-{initiated}"}, **attributes)

    def start(self, activity_id: str) -> int:
        return self.add("ActivityTaskStarted", scheduledEventId=self.scheduled[activity_id])

    def complete(self, activity_id: str, result: dict | None = None) -> None:
        started = self.start(activity_id)
        self.add("ActivityTaskCompleted", scheduledEventId=self.scheduled[activity_id],
                 startedEventId=started, result=json.dumps(result or {}))

    def fail(self, activity_id: str, reason: str = "fails") -> None:
        started = self.start(activity_id)
        self.add("ActivityTaskFailed", scheduledEventId=self.scheduled[activity_id],
                 startedEventId=started, reason=reason)

    def time_out(self, activity_id: str, kind: str = "START_TO_CLOSE") -> None:
        started = 0 if kind in ("SCHEDULE_TO_START", "SCHEDULE_TO_CLOSE") else self.start(
            activity_id)
        self.add("ActivityTaskTimedOut", scheduledEventId=self.scheduled[activity_id],
                 startedEventId=started, timeoutType=kind)

    def cancel(self, activity_id: str) -> None:
        started = self.start(activity_id)
        self.add("ActivityTaskCanceled", scheduledEventId=self.scheduled[activity_id],
                 startedEventId=started)

    def refuse(self, activity_id: str, cause: str) -> None:
        """Replace the latest schedule of `activity_id` by SWF's refusal of it."""
        scheduled = self.scheduled.pop(activity_id)
        event = self.events[scheduled - 1]
        attributes = event.pop("activityTaskScheduledEventAttributes")
        event["eventType"] = "ScheduleActivityTaskFailed"
        event["scheduleActivityTaskFailedEventAttributes"] = {
            "activityId": activity_id, "activityType": attributes["activityType"],
            "cause": cause,
            "decisionTaskCompletedEventId": attributes["decisionTaskCompletedEventId"]}

    def fire(self, timer_id: str) -> None:
        self.add("TimerFired", timerId=timer_id, startedEventId=self.timers.pop(timer_id))


def scheduled_ids(decisions: list[dict]) -> list[str]:
    return [d["scheduleActivityTaskDecisionAttributes"]["activityId"] for d in decisions
            if d["decisionType"] == "ScheduleActivityTask"]


def kinds(decisions: list[dict]) -> list[str]:
    return [d["decisionType"] for d in decisions]


def drive(flow, history: History, outcome: Callable[[History, str], None] | None = None,
          max_decisions: int = 10_000, **options) -> list[dict]:
    """Decide, apply the decisions, run every open activity through `outcome` (default:
    complete it), one decision task per activity close, until the workflow closes; return the
    closing decision."""
    outcome = outcome or (lambda history, activity_id: history.complete(activity_id))
    for _ in range(max_decisions):
        decisions = decide(flow, history.decision_task(), EXECUTION, **options)
        history.respond(decisions)
        closing = [d for d in decisions if d["decisionType"].endswith("WorkflowExecution")]
        if closing:
            return closing[0]
        for timer_id in list(history.timers):
            history.fire(timer_id)
        for activity_id in scheduled_ids(decisions):
            outcome(history, activity_id)
    raise AssertionError("the flow did not close")


def fan_out_to_the_limit(size: int = 25_000) -> list[dict]:
    """A fan-out that reaches SWF's event limit: batches of 50 activities with 40-character
    ids, one in 10 failing with a long reason of its own, one in 17 timing out; SWF then
    terminates it with the last batch still open. `size` events in all."""
    history = History(input={"items": 10_000})
    number = 0
    while len(history.events) < size:
        history.decision_task()
        ids = [f"work-{hashlib.sha1(str(number + i).encode()).hexdigest()}" for i in range(50)]
        history.respond([{"decisionType": "ScheduleActivityTask",
                          "scheduleActivityTaskDecisionAttributes": {
                              "activityId": activity_id,
                              "activityType": {"name": "work", "version": "1.0"},
                              "taskList": {"name": "work"},
                              "input": json.dumps({"generator.n": number + i})}}
                         for i, activity_id in enumerate(ids)])
        for activity_id in ids:
            number += 1
            if number % 10 == 0:
                history.fail(activity_id, f"item {number}: " + "could not reach the store " * 8)
            elif number % 17 == 0:
                history.time_out(activity_id, "START_TO_CLOSE")
            else:
                history.complete(activity_id, {f"done.{number}": True})
    del history.events[size - 1:]
    history.add("WorkflowExecutionTerminated", cause="EVENT_LIMIT_EXCEEDED",
                childPolicy="TERMINATE")
    return history.events
