"""Re-enacting a history recorded on real SWF, to measure the simulator against the service.

Theory of operation
-------------------
A history says what clients did and when: a decider polled where DecisionTaskStarted was
written, answered with the decisions whose events carry that DecisionTaskCompleted's id, a
worker polled and answered where ActivityTask* events were written, someone signalled,
cancelled or terminated through the API. `reenact` starts a fresh Simulator at the recorded
start time and makes those calls (the `ACTIONS` table), each at its recorded instant. Events
that SWF writes by itself (DecisionTaskScheduled, TimerFired, timeouts, ChildWorkflowExecution-
Started, ...Failed events of refused decisions, EVENT_LIMIT_EXCEEDED terminations) are not
driven: the simulator must write them on its own. Child executions are driven to their
recorded outcome (a decision closing them, or a terminate call) at the instant their parent
heard of it. Heartbeats leave no event, but a HEARTBEAT timeout tells when the last one was
(its own instant minus the heartbeat timeout) and what it said (its details): that heartbeat
is sent again. Then the two histories are compared event by event and the first event that
departs is reported, with every field of it that differs.

What is compared: the event type; the reference ids (scheduledEventId, startedEventId,
decisionTaskCompletedEventId, initiatedEventId, latestCancelRequestedEventId); the key
attributes in `KEY_ATTRIBUTES` (executions by workflowId only: runIds are random); and the
timestamp, within a tolerance (1 s by default). The tolerance is there because SWF writes its
own events late (a 0-second timer fires 12-123 ms after it started in the recordings, a
2-second timer 1 ms late, a child starts 94 ms after it was initiated), while the simulator
writes them at the exact instant; driven events happen at their recorded instants exactly.

Requests go to the service as they went on the wire (one recorded start has `tagList: [null]`,
which SWF took and which boto3 itself would refuse), into domain "reenact" under workflowId
"reenacted" (a history does not carry its own). Parent links and continuedExecutionRunId of the
recorded run itself are not reproduced.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .decisions import decision_attributes_key
from .errors import SWFFault
from .events import REFERENCE_KEYS, Event, attributes
from .execution import Execution
from .history_io import HistoryFormatError, load_history
from .recorded import decision_events, recorded_decision
from .registry import ACTIVITY_DEFAULTS, WORKFLOW_DEFAULTS
from .simulator import Simulator

DOMAIN = "reenact"
WORKFLOW_ID = "reenacted"
DEFAULT_TOLERANCE = timedelta(seconds=1)

KEY_ATTRIBUTES = (
    "activityId", "activityType", "timerId", "markerName", "signalName", "workflowId",
    "workflowType", "workflowExecution", "externalWorkflowExecution",
    "parentWorkflowExecution", "cause", "timeoutType", "result", "reason", "details", "input",
    "control", "startToFireTimeout", "childPolicy", "executionContext",
)

CHILD_OUTCOMES = {
    # what the parent recorded: the decision that closes the child, and what it carries
    "ChildWorkflowExecutionCompleted": ("CompleteWorkflowExecution", ("result",)),
    "ChildWorkflowExecutionFailed": ("FailWorkflowExecution", ("reason", "details")),
    "ChildWorkflowExecutionCanceled": ("CancelWorkflowExecution", ("details",)),
}

_DEFAULTS_OF = {"ScheduleActivityTask": ACTIVITY_DEFAULTS,
                "StartChildWorkflowExecution": WORKFLOW_DEFAULTS,
                "ContinueAsNewWorkflowExecution": WORKFLOW_DEFAULTS}
_PLACEHOLDERS = {"taskList": {"name": DOMAIN}, "childPolicy": "TERMINATE"}
"""Values given for the fields that come before a missing default in a DEFAULT_* failure."""


@dataclass(frozen=True)
class Difference:
    """Where the simulated history departs from the recorded one (or a call it refused)."""

    event_id: int
    what: str
    recorded: Any
    simulated: Any

    def __str__(self) -> str:
        return (f"event {self.event_id}: {self.what}: recorded {_show(self.recorded)}, "
                f"simulated {_show(self.simulated)}")


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class ReenactResult:
    differences: list[Difference]
    """The first departing event's differences, first first (empty when faithful)."""
    events: list[Event]
    """The simulated history."""
    recorded: list[Event] = field(repr=False)

    @property
    def ok(self) -> bool:
        return not self.differences

    def report(self) -> str:
        head = (f"re-enacted {len(self.recorded)} recorded events, simulator wrote "
                f"{len(self.events)}")
        if self.ok:
            return f"{head}: no difference"
        lines = [f"{head}: departs at event {self.differences[0].event_id}"]
        lines += [f"  {difference}" for difference in self.differences]
        return "\n".join(lines)

    __str__ = report


def reenact(history: Any, *, seed: int = 0,
            tolerance: timedelta = DEFAULT_TOLERANCE) -> ReenactResult:
    """Drive a fresh Simulator with the calls a recorded history implies; compare histories."""
    recorded = load_history(history)
    if recorded[0]["eventType"] != "WorkflowExecutionStarted":
        raise HistoryFormatError("cannot re-enact a history that does not begin with "
                                 "WorkflowExecutionStarted")
    driver = _Driver(Simulator(seed=seed, start_time=recorded[0]["eventTimestamp"]), recorded)
    problems = driver.run()
    simulated = driver.run_events()
    differences = compare(recorded, simulated, tolerance)
    merged = sorted(differences + problems, key=lambda d: d.event_id)
    return ReenactResult(merged, simulated, recorded)


def compare(recorded: list[Event], simulated: list[Event],
            tolerance: timedelta = DEFAULT_TOLERANCE) -> list[Difference]:
    """The differences of the first event where `simulated` departs from `recorded`."""
    for mine, theirs in zip(recorded, simulated, strict=False):
        differences = _event_differences(mine, theirs, tolerance)
        if differences:
            return differences
    if len(recorded) > len(simulated):
        extra = recorded[len(simulated)]
        return [Difference(extra["eventId"], "event", extra["eventType"], "nothing")]
    if len(simulated) > len(recorded):
        extra = simulated[len(recorded)]
        return [Difference(extra["eventId"], "event", "nothing", extra["eventType"])]
    return []


def _event_differences(recorded: Event, simulated: Event,
                       tolerance: timedelta) -> list[Difference]:
    event_id = recorded["eventId"]
    if recorded["eventType"] != simulated["eventType"]:
        return [Difference(event_id, "eventType", recorded["eventType"],
                           simulated["eventType"])]
    differences = []
    mine, theirs = attributes(recorded), attributes(simulated)
    for key in REFERENCE_KEYS + KEY_ATTRIBUTES:
        left, right = _comparable(mine.get(key)), _comparable(theirs.get(key))
        if left != right:
            differences.append(Difference(event_id, f"{recorded['eventType']}.{key}",
                                          left, right))
    if abs(recorded["eventTimestamp"] - simulated["eventTimestamp"]) > tolerance:
        differences.append(Difference(event_id, "eventTimestamp", recorded["eventTimestamp"],
                                      simulated["eventTimestamp"]))
    return differences


def _comparable(value: Any) -> Any:
    """Executions compare by workflowId: runIds are random on either side."""
    if isinstance(value, dict) and "workflowId" in value:
        return value["workflowId"]
    return value


class _Driver:
    """Makes the calls a recorded history implies, each at its recorded instant."""

    def __init__(self, sim: Simulator, recorded: list[Event]) -> None:
        self.sim = sim
        self.world = sim.service.world
        self.recorded = recorded
        self.by_id = {event["eventId"]: event for event in recorded}
        self.decisions_of = decision_events(recorded)
        self.run_id = ""
        self.decision_token = ""
        self.activity_tokens: dict[int, str] = {}
        self.problems: list[Difference] = []

    def call(self, event: Event, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.sim.service.call(operation, params)
        except SWFFault as fault:
            self.problems.append(Difference(event["eventId"], operation, "accepted",
                                            f"{fault.code}: {fault.message}"))
            return {}

    def run(self) -> list[Difference]:
        self._register_types()
        plan = [(event["eventTimestamp"], event["eventId"], ACTIONS[event["eventType"]], event)
                for event in self.recorded if event["eventType"] in ACTIONS]
        plan += self._implied_heartbeats()
        plan.sort(key=lambda step: (step[0], step[1]))
        for moment, _, action, event in plan:
            if moment > self.sim.clock.now():
                self.sim.clock.advance_to(moment)
            action(self, event)
            if self.problems:
                break
        if self.recorded[-1]["eventTimestamp"] > self.sim.clock.now():
            self.sim.clock.advance_to(self.recorded[-1]["eventTimestamp"])
        return self.problems

    def _implied_heartbeats(self) -> list[tuple[datetime, int, Callable[..., None], Event]]:
        steps = []
        for event in self.recorded:
            a = attributes(event)
            if event["eventType"] != "ActivityTaskTimedOut" or a["timeoutType"] != "HEARTBEAT":
                continue
            scheduled = attributes(self.by_id.get(a["scheduledEventId"], {"eventType": "?"}))
            started = self.by_id.get(a.get("startedEventId", 0))
            if started is None or not scheduled.get("heartbeatTimeout", "NONE").isdigit():
                continue
            last = event["eventTimestamp"] - timedelta(seconds=int(scheduled["heartbeatTimeout"]))
            if last > started["eventTimestamp"] or "details" in a:
                steps.append((max(last, started["eventTimestamp"]), event["eventId"],
                              _Driver.heartbeat, event))
        return steps

    def run_events(self) -> list[Event]:
        run = self.main_run
        return list(run.events) if run is not None else []

    @property
    def main_run(self) -> Execution | None:
        return self.world.runs.get((DOMAIN, WORKFLOW_ID, self.run_id))

    # -- set-up --------------------------------------------------------------------------------

    def _register_types(self) -> None:
        """Register every type the history uses; leave out or deprecate the refused ones."""
        wanted: dict[tuple[str, str, str], bool] = {}  # (kind, name, version) -> deprecated?
        for event in self.recorded:
            a = attributes(event)
            kind = "activity" if "activityType" in a else "workflow"
            ref = a.get("activityType") or a.get("workflowType")
            if ref is None:
                continue
            key = (kind, ref["name"], ref["version"])
            cause = a.get("cause", "")
            if cause.endswith("_TYPE_DOES_NOT_EXIST"):
                continue
            wanted[key] = wanted.get(key, True) and cause.endswith("_TYPE_DEPRECATED")
        service = self.sim.service
        service.call("RegisterDomain", {"name": DOMAIN,
                                        "workflowExecutionRetentionPeriodInDays": "90"})
        for (kind, name, version), deprecated in wanted.items():
            label = "ActivityType" if kind == "activity" else "WorkflowType"
            service.call(f"Register{label}", {"domain": DOMAIN, "name": name, "version": version})
            if deprecated:
                service.call(f"Deprecate{label}", {"domain": DOMAIN, f"{kind}Type": {
                    "name": name, "version": version}})

    # -- actions -------------------------------------------------------------------------------

    def start(self, event: Event) -> None:
        a = attributes(event)
        params = {"domain": DOMAIN, "workflowId": WORKFLOW_ID}
        for key in ("workflowType", "taskList", "input", "executionStartToCloseTimeout",
                    "taskStartToCloseTimeout", "childPolicy", "taskPriority", "tagList",
                    "lambdaRole"):
            if key in a:
                params[key] = a[key]
        self.run_id = self.call(event, "StartWorkflowExecution", params).get("runId", "")

    def poll_decision(self, event: Event) -> None:
        run = self.main_run
        if run is None:
            return
        a = attributes(event)
        scheduled = attributes(self.by_id.get(a["scheduledEventId"], {"eventType": "?"}))
        task_list = scheduled.get("taskList", run.config["taskList"])["name"]
        answer = self._poll_decision_of(run, event, task_list, a.get("identity"))
        self.decision_token = answer.get("taskToken", "")

    def _poll_decision_of(self, run: Execution | None, event: Event, task_list: str,
                          identity: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"domain": DOMAIN, "taskList": {"name": task_list}}
        if identity is not None:
            params["identity"] = identity
        self.world.hold_decisions = lambda task: task.run is not run
        try:
            answer = self.call(event, "PollForDecisionTask", params)
        finally:
            self.world.hold_decisions = None
        if "taskToken" not in answer:
            self.problems.append(Difference(event["eventId"], "PollForDecisionTask",
                                            "a decision task", "no task"))
        return answer

    def respond_decision(self, event: Event) -> None:
        decisions = [self._decision(source) for source in
                     self.decisions_of.get(event["eventId"], [])]
        params: dict[str, Any] = {"taskToken": self.decision_token, "decisions": decisions}
        for key in ("executionContext", "taskList", "taskListScheduleToStartTimeout"):
            if key in attributes(event):
                params[key] = attributes(event)[key]
        self.call(event, "RespondDecisionTaskCompleted", params)

    def _decision(self, source: Event) -> dict[str, Any]:
        """The decision the event records, completed so that SWF takes it: a refused timer
        gets a duration, a refused activity the fields checked before its missing default."""
        decision = recorded_decision(source)
        decision_type = decision["decisionType"]
        given = decision[decision_attributes_key(decision_type)]
        if source["eventType"] == "StartTimerFailed":
            given["startToFireTimeout"] = "0"
        given.update(_placeholders(decision_type, attributes(source).get("cause", "")))
        return decision

    def poll_activity(self, event: Event) -> None:
        a = attributes(event)
        scheduled_id = a["scheduledEventId"]
        scheduled = self.by_id.get(scheduled_id, {})
        if scheduled.get("eventType") != "ActivityTaskScheduled":
            self.problems.append(Difference(event["eventId"], "scheduledEventId",
                                            "an ActivityTaskScheduled event", scheduled_id))
            return
        params: dict[str, Any] = {"domain": DOMAIN,
                                  "taskList": attributes(scheduled)["taskList"]}
        if "identity" in a:
            params["identity"] = a["identity"]
        self.sim.hold_activity_tasks(lambda view: view.scheduledEventId != scheduled_id)
        try:
            answer = self.call(event, "PollForActivityTask", params)
        finally:
            self.sim.hold_activity_tasks(None)
        if "taskToken" not in answer:
            self.problems.append(Difference(event["eventId"], "PollForActivityTask",
                                            "an activity task", "no task"))
        self.activity_tokens[scheduled_id] = answer.get("taskToken", "")

    def respond_activity(self, event: Event) -> None:
        a = attributes(event)
        if not a.get("startedEventId"):
            return  # canceled before any worker had it: SWF (and the simulator) did it alone
        operation = "Respond" + event["eventType"]
        params = {"taskToken": self.activity_tokens.get(a["scheduledEventId"], "")}
        for key in ("result", "reason", "details"):
            if key in a:
                params[key] = a[key]
        self.call(event, operation, params)

    def heartbeat(self, timed_out: Event) -> None:
        a = attributes(timed_out)
        params = {"taskToken": self.activity_tokens.get(a["scheduledEventId"], "")}
        if "details" in a:
            params["details"] = a["details"]
        self.call(timed_out, "RecordActivityTaskHeartbeat", params)

    def signal(self, event: Event) -> None:
        a = attributes(event)
        if a.get("externalInitiatedEventId"):
            return  # sent by another execution's decision
        params = {"domain": DOMAIN, "workflowId": WORKFLOW_ID, "signalName": a["signalName"]}
        if "input" in a:
            params["input"] = a["input"]
        self.call(event, "SignalWorkflowExecution", params)

    def request_cancel(self, event: Event) -> None:
        a = attributes(event)
        if a.get("externalInitiatedEventId") or a.get("cause"):
            return  # requested by another execution, or by a parent's child policy
        self.call(event, "RequestCancelWorkflowExecution",
                  {"domain": DOMAIN, "workflowId": WORKFLOW_ID})

    def terminate(self, event: Event) -> None:
        a = attributes(event)
        if a.get("cause") in ("EVENT_LIMIT_EXCEEDED", "CHILD_POLICY_APPLIED"):
            return
        params = {"domain": DOMAIN, "workflowId": WORKFLOW_ID}
        for key in ("reason", "details", "childPolicy"):
            if key in a:
                params[key] = a[key]
        self.call(event, "TerminateWorkflowExecution", params)

    def finish_child(self, event: Event) -> None:
        """Drive a child to the outcome its parent recorded."""
        a = attributes(event)
        workflow_id = a["workflowExecution"]["workflowId"]
        child = self.world.open_runs.get((DOMAIN, workflow_id))
        if event["eventType"] == "ChildWorkflowExecutionTerminated":
            self.call(event, "TerminateWorkflowExecution",
                      {"domain": DOMAIN, "workflowId": workflow_id})
            return
        if child is None:
            self.problems.append(Difference(event["eventId"], "child execution",
                                            f"{workflow_id} open", "not open"))
            return
        answer = self._poll_decision_of(child, event, child.config["taskList"]["name"], None)
        decision_type, keys = CHILD_OUTCOMES[event["eventType"]]
        given = {key: a[key] for key in keys if key in a}
        self.call(event, "RespondDecisionTaskCompleted", {
            "taskToken": answer.get("taskToken", ""),
            "decisions": [{"decisionType": decision_type,
                           decision_attributes_key(decision_type): given}]})


def _placeholders(decision_type: str, cause: str) -> dict[str, Any]:
    """For a DEFAULT_X_UNDEFINED failure: values for the fields checked before X."""
    given: dict[str, Any] = {}
    for field_name, _, rule_cause in _DEFAULTS_OF.get(decision_type, ()):
        if rule_cause == cause or not cause.startswith("DEFAULT_"):
            break
        given[field_name] = _PLACEHOLDERS.get(field_name, "NONE")
    return given


ACTIONS: dict[str, Callable[[_Driver, Event], None]] = {
    "WorkflowExecutionStarted": _Driver.start,
    "DecisionTaskStarted": _Driver.poll_decision,
    "DecisionTaskCompleted": _Driver.respond_decision,
    "ActivityTaskStarted": _Driver.poll_activity,
    "ActivityTaskCompleted": _Driver.respond_activity,
    "ActivityTaskFailed": _Driver.respond_activity,
    "ActivityTaskCanceled": _Driver.respond_activity,
    "WorkflowExecutionSignaled": _Driver.signal,
    "WorkflowExecutionCancelRequested": _Driver.request_cancel,
    "WorkflowExecutionTerminated": _Driver.terminate,
    "ChildWorkflowExecutionCompleted": _Driver.finish_child,
    "ChildWorkflowExecutionFailed": _Driver.finish_child,
    "ChildWorkflowExecutionCanceled": _Driver.finish_child,
    "ChildWorkflowExecutionTerminated": _Driver.finish_child,
}
"""The recorded events a client caused, and the calls that cause them again."""
