"""A decider's response: checking its decisions, then applying them in order.

Checks that refuse the whole response (HTTP 400, nothing recorded) come first, in
`check_decisions`. Then `apply_decisions` writes DecisionTaskCompleted and, for each decision,
the event it yields or its `...Failed` event with a cause (the call still succeeds). The
`DECISIONS` table maps every decisionType to its handler; `CLOSE_DECISIONS` gives, for each
decision that closes the run, its close event, the attributes it carries and its failure event.
Effects that SWF carries out after the response (starting a child, delivering a signal or a
cancel request to another run) are queued and run after the last decision, once the decision
task rule has been applied, which is the order SWF's histories show.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .activities import cancel_timer, request_cancel_activity, schedule_activity, start_timer
from .errors import ValidationException, validation_error
from .execution import Execution, start_execution
from .model import DEPRECATED, Child, DecisionTask
from .registry import ACTIVITY_DEFAULTS, WORKFLOW_DEFAULTS, Registry, resolve_defaults

CLOSE_DECISIONS = {
    # decisionType: (close event, attributes carried over, failure event)
    "CompleteWorkflowExecution": ("WorkflowExecutionCompleted", ("result",),
                                  "CompleteWorkflowExecutionFailed"),
    "FailWorkflowExecution": ("WorkflowExecutionFailed", ("reason", "details"),
                              "FailWorkflowExecutionFailed"),
    "CancelWorkflowExecution": ("WorkflowExecutionCanceled", ("details",),
                                "CancelWorkflowExecutionFailed"),
    "ContinueAsNewWorkflowExecution": ("WorkflowExecutionContinuedAsNew", (),
                                       "ContinueAsNewWorkflowExecutionFailed"),
}


def decision_attributes_key(decision_type: str) -> str:
    """`ScheduleActivityTask` -> `scheduleActivityTaskDecisionAttributes`."""
    return decision_type[0].lower() + decision_type[1:] + "DecisionAttributes"


def check_decisions(decisions: list[dict[str, Any]]) -> None:
    """Refuse a response whose decisions SWF would not even start to apply."""
    problems: list[tuple[object, str, str]] = []
    for index, decision in enumerate(decisions, start=1):
        decision_type = decision["decisionType"]
        key = decision_attributes_key(decision_type)
        # Close decisions have no required attribute, so theirs may be left out.
        if decision_type not in CLOSE_DECISIONS and decision.get(key) is None:
            problems.append((None, f"decisions.{index}.member.{key}", "Member must not be null"))
    if problems:
        raise validation_error(problems)
    if any(decision["decisionType"] in CLOSE_DECISIONS for decision in decisions[:-1]):
        raise ValidationException("Close must be last decision in list")


@dataclass
class Batch:
    """One response being applied: its run, its DecisionTaskCompleted, what comes after."""

    run: Execution
    registry: Registry
    completed_event_id: int
    task_was_pending: bool
    """A decision task was already scheduled when the response came in (UNHANDLED_DECISION)."""
    later: list[Callable[[], None]] = field(default_factory=list)

    def fail(self, event_type: str, attributes: dict[str, Any]) -> None:
        attributes["decisionTaskCompletedEventId"] = self.completed_event_id
        self.run.record(event_type, attributes)

    def event_attributes(self, attributes: dict[str, Any],
                         *optional: tuple[str, Any]) -> dict[str, Any]:
        """Event attributes: the given ones, the optional ones that are set, the decision id."""
        for key, value in optional:
            if value is not None:
                attributes[key] = value
        attributes["decisionTaskCompletedEventId"] = self.completed_event_id
        return attributes


def apply_decisions(run: Execution, registry: Registry, task: DecisionTask,
                    response: dict[str, Any]) -> None:
    """Apply a RespondDecisionTaskCompleted request (already checked) to the run."""
    batch = Batch(run, registry, 0, run.scheduled_decision is not None)
    run.begin_batch()
    batch.completed_event_id = run.complete_decision_task(task, response)
    for decision in response.get("decisions") or []:
        if not run.open:
            break
        decision_type = decision["decisionType"]
        DECISIONS[decision_type](batch, decision.get(decision_attributes_key(decision_type), {}))
    run.end_batch()
    for effect in batch.later:
        effect()


# -- activities, timers, markers ---------------------------------------------------------------

def _schedule_activity_task(batch: Batch, a: dict[str, Any]) -> None:
    run = batch.run
    activity_type, activity_id = a["activityType"], a["activityId"]
    record = batch.registry.find_type("activity", run.domain, activity_type)
    cause = None
    resolved: dict[str, Any] = {}
    if record is None:
        cause = "ACTIVITY_TYPE_DOES_NOT_EXIST"
    elif record.status == DEPRECATED:
        cause = "ACTIVITY_TYPE_DEPRECATED"
    elif activity_id in run.activities:
        cause = "ACTIVITY_ID_ALREADY_IN_USE"
    elif len(run.activities) >= run.world.limits.open_activities:
        cause = "OPEN_ACTIVITIES_LIMIT_EXCEEDED"
    else:
        resolved, missing = resolve_defaults(a, record, ACTIVITY_DEFAULTS)
        cause = missing[2] if missing else None
    if cause is not None:
        batch.fail("ScheduleActivityTaskFailed", {"activityType": activity_type,
                                                  "activityId": activity_id, "cause": cause})
        return
    attributes = batch.event_attributes(
        {"activityType": activity_type, "activityId": activity_id},
        ("input", a.get("input")), ("control", a.get("control")))
    attributes.update(resolved)
    schedule_activity(run, attributes)


def _request_cancel_activity_task(batch: Batch, a: dict[str, Any]) -> None:
    task = batch.run.activities.get(a["activityId"])
    if task is None:
        batch.fail("RequestCancelActivityTaskFailed",
                   {"activityId": a["activityId"], "cause": "ACTIVITY_ID_UNKNOWN"})
    else:
        request_cancel_activity(task, batch.completed_event_id)


def _start_timer(batch: Batch, a: dict[str, Any]) -> None:
    run, timer_id = batch.run, a["timerId"]
    cause = None
    if timer_id in run.timers:
        cause = "TIMER_ID_ALREADY_IN_USE"
    elif len(run.timers) >= run.world.limits.open_timers:
        cause = "OPEN_TIMERS_LIMIT_EXCEEDED"
    if cause is not None:
        batch.fail("StartTimerFailed", {"timerId": timer_id, "cause": cause})
        return
    start_timer(run, timer_id, batch.event_attributes(
        {"timerId": timer_id, "startToFireTimeout": a["startToFireTimeout"]},
        ("control", a.get("control"))))


def _cancel_timer(batch: Batch, a: dict[str, Any]) -> None:
    if a["timerId"] not in batch.run.timers:
        batch.fail("CancelTimerFailed", {"timerId": a["timerId"], "cause": "TIMER_ID_UNKNOWN"})
    else:
        cancel_timer(batch.run, a["timerId"], batch.completed_event_id)


def _record_marker(batch: Batch, a: dict[str, Any]) -> None:
    batch.run.record("MarkerRecorded", batch.event_attributes(
        {"markerName": a["markerName"]}, ("details", a.get("details"))))


def _schedule_lambda_function(batch: Batch, a: dict[str, Any]) -> None:
    """Lambda tasks are not simulated: SWF's own answer where Lambda is unavailable."""
    batch.fail("ScheduleLambdaFunctionFailed", {"id": a["id"], "name": a["name"],
                                                "cause": "LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION"})


# -- closing the run ---------------------------------------------------------------------------

def _close_decision(decision_type: str) -> Callable[[Batch, dict[str, Any]], None]:
    close_event, carried, failure = CLOSE_DECISIONS[decision_type]

    def handler(batch: Batch, a: dict[str, Any]) -> None:
        if batch.task_was_pending:
            batch.fail(failure, {"cause": "UNHANDLED_DECISION"})
            return
        carried_values = ((key, a.get(key)) for key in carried)
        batch.run.close(close_event, batch.event_attributes({}, *carried_values))

    return handler


def _continue_as_new(batch: Batch, a: dict[str, Any]) -> None:
    run = batch.run
    failure = CLOSE_DECISIONS["ContinueAsNewWorkflowExecution"][2]
    if batch.task_was_pending:
        batch.fail(failure, {"cause": "UNHANDLED_DECISION"})
        return
    workflow_type = {"name": run.workflow_type["name"],
                     "version": a.get("workflowTypeVersion", run.workflow_type["version"])}
    # [INF] Fields left out come from the type's defaults, not from the current run: the
    # DEFAULT_*_UNDEFINED causes of this decision could not happen otherwise.
    cause, config = _new_run_config(batch, workflow_type, a)
    if cause is not None:
        batch.fail(failure, {"cause": cause})
        return
    new_run_id = run.world.ids.run_id()
    attributes = batch.event_attributes(
        {"newExecutionRunId": new_run_id, "workflowType": workflow_type},
        ("input", a.get("input")), ("tagList", a.get("tagList")))
    attributes.update(config)
    run.close("WorkflowExecutionContinuedAsNew", attributes)
    successor = start_execution(run.world, run.domain, run.workflow_id, workflow_type, config,
                                workflow_input=a.get("input"), tag_list=a.get("tagList"),
                                run_id=new_run_id, parent=run.parent,
                                parent_initiated_event_id=run.parent_initiated_event_id,
                                continued_from=run.run_id)
    if run.parent is not None:
        for child in run.parent.children.values():
            if child.run is run:
                child.run = successor


# -- other executions --------------------------------------------------------------------------

def _find_open_run(run: Execution, workflow_id: str, run_id: str | None) -> Execution | None:
    world = run.world
    if run_id:
        target = world.runs.get((run.domain, workflow_id, run_id))
        return target if target is not None and target.open else None
    return world.open_runs.get((run.domain, workflow_id))


def _external(kind: str) -> Callable[[Batch, dict[str, Any]], None]:
    """SignalExternalWorkflowExecution and RequestCancelExternalWorkflowExecution."""
    initiated_type = f"{kind}ExternalWorkflowExecutionInitiated"

    def handler(batch: Batch, a: dict[str, Any]) -> None:
        run = batch.run
        optional = (("runId", a.get("runId")), ("control", a.get("control")))
        base = {"workflowId": a["workflowId"]}
        if kind == "Signal":
            base["signalName"] = a["signalName"]
            optional += (("input", a.get("input")),)
        initiated = run.record(initiated_type, batch.event_attributes(base, *optional))
        if initiated:
            batch.later.append(lambda: _deliver(kind, batch, run, initiated, a))

    return handler


def _deliver(kind: str, batch: Batch, run: Execution, initiated: int, a: dict[str, Any]) -> None:
    target = _find_open_run(run, a["workflowId"], a.get("runId"))
    if target is None:
        attributes = batch.event_attributes(
            {"workflowId": a["workflowId"], "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION",
             "initiatedEventId": initiated},
            ("runId", a.get("runId")), ("control", a.get("control")))
        run.record(f"{kind}ExternalWorkflowExecutionFailed", attributes)
        return
    if kind == "Signal":
        target.signal(a["signalName"], a.get("input"), external=run, initiated_event_id=initiated)
        run.record("ExternalWorkflowExecutionSignaled",
                   {"workflowExecution": target.execution, "initiatedEventId": initiated})
    else:
        target.request_cancel(external=run, initiated_event_id=initiated)
        run.record("ExternalWorkflowExecutionCancelRequested",
                   {"workflowExecution": target.execution, "initiatedEventId": initiated})


def _new_run_config(batch: Batch, workflow_type: dict[str, str], a: dict[str, Any], *,
                    children_full: bool = False) -> tuple[str | None, dict[str, Any]]:
    """Why SWF refuses to start the run a decision asks for (None if it does not), and the
    run's configuration: the decision's values, the type's defaults for the rest."""
    record = batch.registry.find_type("workflow", batch.run.domain, workflow_type)
    if record is None:
        return "WORKFLOW_TYPE_DOES_NOT_EXIST", {}
    if record.status == DEPRECATED:
        return "WORKFLOW_TYPE_DEPRECATED", {}
    if children_full:
        return "OPEN_CHILDREN_LIMIT_EXCEEDED", {}
    config, missing = resolve_defaults(a, record, WORKFLOW_DEFAULTS)
    return (missing[2] if missing else None), config


def _start_child_workflow_execution(batch: Batch, a: dict[str, Any]) -> None:
    run = batch.run
    world = run.world
    workflow_type, workflow_id = a["workflowType"], a["workflowId"]
    cause, config = _new_run_config(
        batch, workflow_type, a, children_full=len(run.children) >= world.limits.open_children)
    failure = {"workflowType": workflow_type, "workflowId": workflow_id}
    if a.get("control") is not None:
        failure["control"] = a["control"]
    if cause is not None:
        batch.fail("StartChildWorkflowExecutionFailed",
                   {**failure, "cause": cause, "initiatedEventId": 0})
        return
    attributes = batch.event_attributes(
        {"workflowId": workflow_id, "workflowType": workflow_type},
        ("control", a.get("control")), ("input", a.get("input")), ("tagList", a.get("tagList")))
    attributes.update(config)
    initiated = run.record("StartChildWorkflowExecutionInitiated", attributes)
    if not initiated:
        return
    child = run.children[initiated] = Child(workflow_id, workflow_type, initiated)

    def start_child() -> None:
        # [INF] SWF finds the workflowId in use only when it starts the child, after the
        # decisions: hence the Initiated event before this failure.
        if not run.open:
            return
        if (run.domain, workflow_id) in world.open_runs:
            del run.children[initiated]
            batch.fail("StartChildWorkflowExecutionFailed",
                       {**failure, "cause": "WORKFLOW_ALREADY_RUNNING",
                        "initiatedEventId": initiated})
            return
        child.run = start_execution(world, run.domain, workflow_id, workflow_type, config,
                                    workflow_input=a.get("input"), tag_list=a.get("tagList"),
                                    parent=run, parent_initiated_event_id=initiated)
        child.started_event_id = run.record(
            "ChildWorkflowExecutionStarted",
            {"workflowExecution": child.run.execution, "workflowType": workflow_type,
             "initiatedEventId": initiated})

    batch.later.append(start_child)


DECISIONS: dict[str, Callable[[Batch, dict[str, Any]], None]] = {
    "ScheduleActivityTask": _schedule_activity_task,
    "RequestCancelActivityTask": _request_cancel_activity_task,
    "CompleteWorkflowExecution": _close_decision("CompleteWorkflowExecution"),
    "FailWorkflowExecution": _close_decision("FailWorkflowExecution"),
    "CancelWorkflowExecution": _close_decision("CancelWorkflowExecution"),
    "ContinueAsNewWorkflowExecution": _continue_as_new,
    "RecordMarker": _record_marker,
    "StartTimer": _start_timer,
    "CancelTimer": _cancel_timer,
    "SignalExternalWorkflowExecution": _external("Signal"),
    "RequestCancelExternalWorkflowExecution": _external("RequestCancel"),
    "StartChildWorkflowExecution": _start_child_workflow_execution,
    "ScheduleLambdaFunction": _schedule_lambda_function,
}
