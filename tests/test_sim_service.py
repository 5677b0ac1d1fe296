"""The simulated service's behaviour, call by call, as SWF's API reference and developer guide
describe it (and the recorded histories in tests/data/swf-histories show it).

Everything goes through `Simulator.direct_client()`; tests/test_sim_clients.py shows that the
boto3 client answers the same.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from garcon.limits import REQUEST_HEADER_BYTES
from garcon_sim import Simulator, SWFLimits, dump_history

DOMAIN = "test"
WORKFLOW = {"name": "flow", "version": "1"}
ACTIVITY = {"name": "work", "version": "1"}
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make_swf(sim: Simulator, client: str = "direct_client") -> Any:
    """A client (direct by default) on a domain with one workflow type and one activity type,
    defaults set: decisions 60 s; activities 100 s to start, 200 s to run, 400 s in all, no
    heartbeat."""
    swf = getattr(sim, client)()
    swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1")
    swf.register_workflow_type(
        domain=DOMAIN, **WORKFLOW, defaultTaskList={"name": "deciders"},
        defaultChildPolicy="TERMINATE", defaultExecutionStartToCloseTimeout="3600",
        defaultTaskStartToCloseTimeout="60")
    swf.register_activity_type(
        domain=DOMAIN, **ACTIVITY, defaultTaskList={"name": "workers"},
        defaultTaskScheduleToStartTimeout="100", defaultTaskScheduleToCloseTimeout="400",
        defaultTaskStartToCloseTimeout="200", defaultTaskHeartbeatTimeout="NONE")
    return swf


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=7, start_time=START)


@pytest.fixture
def swf(sim: Simulator) -> Any:
    return make_swf(sim)


def start(swf: Any, workflow_id: str = "wf", **options: Any) -> str:
    return swf.start_workflow_execution(domain=DOMAIN, workflowId=workflow_id,
                                        workflowType=WORKFLOW, **options)["runId"]


def poll(swf: Any, task_list: str = "deciders", **options: Any) -> dict[str, Any]:
    return swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": task_list},
                                      identity="decider", **options)


def decide(swf: Any, *decisions: dict[str, Any], task_list: str = "deciders",
           **options: Any) -> dict[str, Any]:
    """Take the next decision task and answer it; returns the task."""
    task = poll(swf, task_list)
    assert "taskToken" in task, "no decision task to take"
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=list(decisions),
                                        **options)
    return task


def work(swf: Any, task_list: str = "workers") -> dict[str, Any]:
    task = swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": task_list},
                                      identity="worker")
    assert "taskToken" in task, "no activity task to take"
    return task


def decision(decision_type: str, **attributes: Any) -> dict[str, Any]:
    key = decision_type[0].lower() + decision_type[1:] + "DecisionAttributes"
    return {"decisionType": decision_type, key: attributes}


def schedule(activity_id: str, **attributes: Any) -> dict[str, Any]:
    return decision("ScheduleActivityTask", activityType=attributes.pop("activityType", ACTIVITY),
                    activityId=activity_id, **attributes)


def timer(timer_id: str, seconds: int) -> dict[str, Any]:
    return decision("StartTimer", timerId=timer_id, startToFireTimeout=str(seconds))


COMPLETE = decision("CompleteWorkflowExecution", result="done")


def history(swf: Any, run_id: str, workflow_id: str = "wf") -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    options: dict[str, Any] = {}
    while True:
        page = swf.get_workflow_execution_history(
            domain=DOMAIN, execution={"workflowId": workflow_id, "runId": run_id}, **options)
        events += page["events"]
        if "nextPageToken" not in page:
            return events
        options = {"nextPageToken": page["nextPageToken"]}


def types(events: list[dict[str, Any]]) -> list[str]:
    return [event["eventType"] for event in events]


def attrs(event: dict[str, Any]) -> dict[str, Any]:
    name = event["eventType"]
    return event[name[0].lower() + name[1:] + "EventAttributes"]


def error_code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return info.value.response["Error"]["Code"]


def describe(swf: Any, run_id: str, workflow_id: str = "wf") -> dict[str, Any]:
    return swf.describe_workflow_execution(
        domain=DOMAIN, execution={"workflowId": workflow_id, "runId": run_id})


# -- event order -------------------------------------------------------------------------------

def test_start_writes_started_and_a_decision_task_at_the_same_instant(swf: Any) -> None:
    events = history(swf, start(swf, input="in"))
    assert types(events) == ["WorkflowExecutionStarted", "DecisionTaskScheduled"]
    assert events[0]["eventTimestamp"] == events[1]["eventTimestamp"] == START
    started = attrs(events[0])
    assert started["input"] == "in"
    assert started["parentInitiatedEventId"] == 0
    assert started["taskList"] == {"name": "deciders"}
    assert started["executionStartToCloseTimeout"] == "3600"
    assert attrs(events[1])["startToCloseTimeout"] == "60"


def test_happy_path_is_written_in_swf_order(swf: Any, sim: Simulator) -> None:
    run_id = start(swf)
    first = decide(swf, schedule("a1", input="x"))
    assert first["previousStartedEventId"] == 0 and first["startedEventId"] == 3
    task = work(swf)
    assert (task["activityId"], task["input"], task["activityType"]) == ("a1", "x", ACTIVITY)
    sim.clock.advance(seconds=2)
    swf.respond_activity_task_completed(taskToken=task["taskToken"], result="r")
    second = decide(swf, COMPLETE)
    assert second["previousStartedEventId"] == 3
    events = history(swf, run_id)
    assert types(events) == [
        "WorkflowExecutionStarted", "DecisionTaskScheduled", "DecisionTaskStarted",
        "DecisionTaskCompleted", "ActivityTaskScheduled", "ActivityTaskStarted",
        "ActivityTaskCompleted", "DecisionTaskScheduled", "DecisionTaskStarted",
        "DecisionTaskCompleted", "WorkflowExecutionCompleted"]
    assert attrs(events[6]) == {"result": "r", "scheduledEventId": 5, "startedEventId": 6}
    assert events[7]["eventTimestamp"] == events[6]["eventTimestamp"] == START + timedelta(
        seconds=2)
    assert attrs(events[10]) == {"result": "done", "decisionTaskCompletedEventId": 10}
    info = describe(swf, run_id)["executionInfo"]
    assert (info["executionStatus"], info["closeStatus"]) == ("CLOSED", "COMPLETED")


def test_scheduled_activity_carries_the_type_defaults(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, schedule("a1", startToCloseTimeout="30"))
    scheduled = attrs(history(swf, run_id)[4])
    assert scheduled["taskList"] == {"name": "workers"}
    assert (scheduled["scheduleToStartTimeout"], scheduled["scheduleToCloseTimeout"],
            scheduled["startToCloseTimeout"], scheduled["heartbeatTimeout"]) == (
        "100", "400", "30", "NONE")
    assert scheduled["decisionTaskCompletedEventId"] == 4


def test_decision_events_share_the_timestamp_of_decision_task_completed(
        swf: Any, sim: Simulator) -> None:
    run_id = start(swf)
    task = poll(swf)
    sim.clock.advance(seconds=1.5)
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[
        timer("t1", 10), timer("t2", 20), decision("RecordMarker", markerName="m")])
    events = history(swf, run_id)
    assert types(events)[3:] == ["DecisionTaskCompleted", "TimerStarted", "TimerStarted",
                                 "MarkerRecorded"]
    assert {event["eventTimestamp"] for event in events[3:]} == {START + timedelta(seconds=1.5)}


def test_events_during_a_started_decision_task_are_batched_into_one(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, schedule("a1"), schedule("a2"))
    first, second = work(swf), work(swf)
    swf.respond_activity_task_completed(taskToken=first["taskToken"])
    task = poll(swf)
    swf.respond_activity_task_completed(taskToken=second["taskToken"])
    swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="s")
    assert "taskToken" not in poll(swf), "a second decision task went out while one is started"
    swf.respond_decision_task_completed(taskToken=task["taskToken"])
    assert types(history(swf, run_id))[8:] == [
        "ActivityTaskCompleted", "DecisionTaskScheduled", "DecisionTaskStarted",
        "ActivityTaskCompleted", "DecisionTaskScheduled", "WorkflowExecutionSignaled",
        "DecisionTaskCompleted"]
    assert poll(swf)["startedEventId"] == 16


def test_close_decision_with_a_pending_decision_task_fails_unhandled(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, schedule("a1"))
    task = work(swf)
    swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="s")
    decision_task = poll(swf)
    swf.respond_activity_task_completed(taskToken=task["taskToken"])
    swf.respond_decision_task_completed(taskToken=decision_task["taskToken"],
                                        decisions=[COMPLETE])
    events = history(swf, run_id)
    # The sequence SWF recorded (2013): a close decided while an event came in is refused.
    assert types(events)[8:] == ["DecisionTaskStarted", "ActivityTaskCompleted",
                                 "DecisionTaskScheduled", "DecisionTaskCompleted",
                                 "CompleteWorkflowExecutionFailed"]
    assert attrs(events[-1]) == {"cause": "UNHANDLED_DECISION",
                                 "decisionTaskCompletedEventId": 12}
    assert poll(swf)["startedEventId"] == 14  # the pending task is delivered, no new one


def test_a_zero_second_timer_fires_after_the_other_decisions(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, timer("wake", 0), decision("RecordMarker", markerName="m"))
    events = history(swf, run_id)
    assert types(events)[3:] == ["DecisionTaskCompleted", "TimerStarted", "MarkerRecorded",
                                 "TimerFired", "DecisionTaskScheduled"]
    assert attrs(events[6]) == {"timerId": "wake", "startedEventId": 5}


def test_empty_decisions_write_only_decision_task_completed(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, executionContext="ctx")
    events = history(swf, run_id)
    assert types(events)[-1] == "DecisionTaskCompleted"
    assert attrs(events[-1])["executionContext"] == "ctx"
    assert describe(swf, run_id)["latestExecutionContext"] == "ctx"
    assert "taskToken" not in poll(swf)


@pytest.mark.parametrize(("make_decision", "event_type", "cause"), [
    (lambda: schedule("a", activityType={"name": "nope", "version": "1"}),
     "ScheduleActivityTaskFailed", "ACTIVITY_TYPE_DOES_NOT_EXIST"),
    (lambda: schedule("a", activityType={"name": "bare", "version": "1"}),
     "ScheduleActivityTaskFailed", "DEFAULT_TASK_LIST_UNDEFINED"),
    (lambda: schedule("a", activityType={"name": "bare", "version": "1"},
                      taskList={"name": "l"}, scheduleToStartTimeout="5"),
     "ScheduleActivityTaskFailed", "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED"),
    (lambda: decision("RequestCancelActivityTask", activityId="nope"),
     "RequestCancelActivityTaskFailed", "ACTIVITY_ID_UNKNOWN"),
    (lambda: decision("CancelTimer", timerId="nope"), "CancelTimerFailed", "TIMER_ID_UNKNOWN"),
    (lambda: decision("SignalExternalWorkflowExecution", workflowId="nope", signalName="s"),
     "SignalExternalWorkflowExecutionFailed", "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION"),
    (lambda: decision("RequestCancelExternalWorkflowExecution", workflowId="nope"),
     "RequestCancelExternalWorkflowExecutionFailed", "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION"),
    (lambda: decision("StartChildWorkflowExecution", workflowId="c",
                      workflowType={"name": "nope", "version": "1"}),
     "StartChildWorkflowExecutionFailed", "WORKFLOW_TYPE_DOES_NOT_EXIST"),
])
def test_a_decision_that_cannot_be_carried_out_writes_its_failure_and_a_decision_task(
        swf: Any, make_decision: Any, event_type: str, cause: str) -> None:
    swf.register_activity_type(domain=DOMAIN, name="bare", version="1")
    run_id = start(swf)
    decide(swf, make_decision())
    events = history(swf, run_id)
    failed = next(event for event in events if event["eventType"] == event_type)
    assert attrs(failed)["cause"] == cause
    assert attrs(failed)["decisionTaskCompletedEventId"] == 4
    assert types(events)[-1] == "DecisionTaskScheduled"


def test_deprecated_activity_type_and_activity_id_in_use_fail(swf: Any) -> None:
    swf.register_activity_type(domain=DOMAIN, name="old", version="1")
    swf.deprecate_activity_type(domain=DOMAIN, activityType={"name": "old", "version": "1"})
    run_id = start(swf)
    decide(swf, schedule("a"), schedule("a"),
           schedule("b", activityType={"name": "old", "version": "1"}))
    failures = [attrs(e)["cause"] for e in history(swf, run_id)
                if e["eventType"] == "ScheduleActivityTaskFailed"]
    assert failures == ["ACTIVITY_ID_ALREADY_IN_USE", "ACTIVITY_TYPE_DEPRECATED"]


def test_an_activity_id_can_be_reused_once_the_activity_closed(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, schedule("a"))
    swf.respond_activity_task_failed(taskToken=work(swf)["taskToken"], reason="boom")
    decide(swf, schedule("a"))
    events = history(swf, run_id)
    assert attrs(events[6]) == {"reason": "boom", "scheduledEventId": 5, "startedEventId": 6}
    assert types(events)[-1] == "ActivityTaskScheduled"


def test_timer_id_in_use_fails_and_cancel_timer_cancels(swf: Any, sim: Simulator) -> None:
    run_id = start(swf)
    decide(swf, timer("t", 50), timer("t", 10))
    decide(swf, decision("CancelTimer", timerId="t"))
    events = history(swf, run_id)
    assert attrs(events[5])["cause"] == "TIMER_ID_ALREADY_IN_USE"
    assert types(events)[-2:] == ["DecisionTaskCompleted", "TimerCanceled"]
    assert attrs(events[-1]) == {"timerId": "t", "startedEventId": 5,
                                 "decisionTaskCompletedEventId": events[-2]["eventId"]}
    assert sim.next_deadline() == START + timedelta(hours=1)  # only the workflow's own


def test_close_decision_must_be_last(swf: Any) -> None:
    run_id = start(swf)
    task = poll(swf)
    with pytest.raises(ClientError) as info:
        swf.respond_decision_task_completed(taskToken=task["taskToken"],
                                            decisions=[COMPLETE, timer("t", 1)])
    assert error_code(info) == "ValidationException"
    assert "Close must be last decision in list" in str(info.value)
    assert types(history(swf, run_id))[-1] == "DecisionTaskStarted"
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[COMPLETE])


def test_a_decision_without_its_attributes_is_refused(swf: Any) -> None:
    start(swf)
    task = poll(swf)
    with pytest.raises(ClientError) as info:
        swf.respond_decision_task_completed(taskToken=task["taskToken"],
                                            decisions=[{"decisionType": "StartTimer"}])
    assert error_code(info) == "ValidationException"
    assert str(info.value).endswith(
        "1 validation error detected: Value null at 'decisions.1.member."
        "startTimerDecisionAttributes' failed to satisfy constraint: Member must not be null")


def test_cancel_of_an_activity_not_yet_started_cancels_it_at_once(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, schedule("a"))
    swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="go")
    decide(swf, decision("RequestCancelActivityTask", activityId="a"))
    events = history(swf, run_id)
    assert types(events)[-3:] == ["ActivityTaskCancelRequested", "ActivityTaskCanceled",
                                  "DecisionTaskScheduled"]
    assert attrs(events[-2]) == {"latestCancelRequestedEventId": events[-3]["eventId"],
                                 "scheduledEventId": 5, "startedEventId": 0}
    assert "taskToken" not in swf.poll_for_activity_task(domain=DOMAIN,
                                                         taskList={"name": "workers"})


def test_cancel_of_a_started_activity_reaches_its_worker_through_heartbeats(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, schedule("a"))
    task = work(swf)
    assert swf.record_activity_task_heartbeat(taskToken=task["taskToken"])[
        "cancelRequested"] is False
    swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="stop")
    decide(swf, decision("RequestCancelActivityTask", activityId="a"))
    heartbeat = swf.record_activity_task_heartbeat(taskToken=task["taskToken"])
    assert heartbeat["cancelRequested"] is True
    swf.respond_activity_task_canceled(taskToken=task["taskToken"], details="bye")
    events = history(swf, run_id)
    requested = next(e for e in events if e["eventType"] == "ActivityTaskCancelRequested")
    assert types(events)[-2:] == ["ActivityTaskCanceled", "DecisionTaskScheduled"]
    assert attrs(events[-2]) == {"details": "bye", "scheduledEventId": 5, "startedEventId": 6,
                                 "latestCancelRequestedEventId": requested["eventId"]}


# -- requests from outside, other executions ---------------------------------------------------

def test_signal_cancel_request_and_terminate_from_the_api(swf: Any) -> None:
    run_id = start(swf)
    swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="s", input="i")
    swf.request_cancel_workflow_execution(domain=DOMAIN, workflowId="wf", runId=run_id)
    assert describe(swf, run_id)["executionInfo"]["cancelRequested"] is True
    swf.terminate_workflow_execution(domain=DOMAIN, workflowId="wf", reason="stop")
    events = history(swf, run_id)
    assert types(events)[2:] == ["WorkflowExecutionSignaled", "WorkflowExecutionCancelRequested",
                                 "WorkflowExecutionTerminated"]
    assert attrs(events[2]) == {"signalName": "s", "input": "i", "externalInitiatedEventId": 0}
    assert attrs(events[3]) == {"externalInitiatedEventId": 0}
    assert attrs(events[4]) == {"childPolicy": "TERMINATE", "reason": "stop"}
    info = describe(swf, run_id)
    assert (info["executionInfo"]["closeStatus"], info["executionInfo"]["cancelRequested"],
            info["openCounts"]["openDecisionTasks"]) == ("TERMINATED", False, 0)
    with pytest.raises(swf.exceptions.UnknownResourceFault) as caught:
        swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="late")
    assert "Unknown execution: WorkflowExecution=[workflowId=wf" in str(caught.value)


def test_a_closed_runs_tokens_are_unknown(swf: Any) -> None:
    start(swf)
    decide(swf, schedule("a"))
    task = work(swf)
    swf.terminate_workflow_execution(domain=DOMAIN, workflowId="wf")
    for call in (swf.respond_activity_task_completed, swf.record_activity_task_heartbeat):
        with pytest.raises(swf.exceptions.UnknownResourceFault, match="Unknown execution"):
            call(taskToken=task["taskToken"])
    with pytest.raises(ClientError) as info:
        swf.respond_activity_task_completed(taskToken="never-issued")
    assert error_code(info) == "ValidationException"


def test_a_workflow_id_is_reused_only_once_its_run_closed(swf: Any) -> None:
    first = start(swf)
    with pytest.raises(swf.exceptions.WorkflowExecutionAlreadyStartedFault):
        start(swf)
    decide(swf, COMPLETE)
    second = start(swf)
    assert second != first and len(second) == 45


def test_continue_as_new_closes_the_run_and_starts_the_next(swf: Any) -> None:
    run_id = start(swf, tagList=["a"])
    decide(swf, decision("ContinueAsNewWorkflowExecution", input="next", tagList=["b"]))
    closed = history(swf, run_id)
    continued = attrs(closed[-1])
    assert closed[-1]["eventType"] == "WorkflowExecutionContinuedAsNew"
    assert (continued["input"], continued["taskList"], continued["childPolicy"],
            continued["executionStartToCloseTimeout"]) == ("next", {"name": "deciders"},
                                                           "TERMINATE", "3600")
    new_run = continued["newExecutionRunId"]
    started = attrs(history(swf, new_run)[0])
    assert (started["continuedExecutionRunId"], started["input"], started["tagList"]) == (
        run_id, "next", ["b"])
    assert describe(swf, run_id)["executionInfo"]["closeStatus"] == "CONTINUED_AS_NEW"
    assert poll(swf)["workflowExecution"] == {"workflowId": "wf", "runId": new_run}


def test_continue_as_new_without_a_default_fails(swf: Any) -> None:
    swf.register_workflow_type(domain=DOMAIN, name="flow", version="bare")
    run_id = start(swf)
    decide(swf, decision("ContinueAsNewWorkflowExecution", workflowTypeVersion="bare"))
    assert attrs(history(swf, run_id)[-2]) == {
        "cause": "DEFAULT_TASK_LIST_UNDEFINED", "decisionTaskCompletedEventId": 4}


def test_signal_and_cancel_request_between_executions(swf: Any) -> None:
    source = start(swf, "source")
    target = start(swf, "target", taskList={"name": "other"})
    decide(swf, decision("SignalExternalWorkflowExecution", workflowId="target",
                         signalName="hello", input="x", control="c"),
           decision("RequestCancelExternalWorkflowExecution", workflowId="target",
                    runId=target))
    source_events = history(swf, source, "source")
    assert types(source_events)[4:] == [
        "SignalExternalWorkflowExecutionInitiated",
        "RequestCancelExternalWorkflowExecutionInitiated",
        "ExternalWorkflowExecutionSignaled", "DecisionTaskScheduled",
        "ExternalWorkflowExecutionCancelRequested"]
    assert attrs(source_events[6]) == {"workflowExecution": {"workflowId": "target",
                                                             "runId": target},
                                       "initiatedEventId": 5}
    target_events = history(swf, target, "target")
    assert types(target_events)[2:] == ["WorkflowExecutionSignaled",
                                        "WorkflowExecutionCancelRequested"]
    assert attrs(target_events[2]) == {
        "signalName": "hello", "input": "x", "externalInitiatedEventId": 5,
        "externalWorkflowExecution": {"workflowId": "source", "runId": source}}


# -- child executions --------------------------------------------------------------------------

def start_child(swf: Any, child_policy: str = "TERMINATE") -> tuple[str, str]:
    """A parent that started one child on task list "children"; (parent runId, child runId)."""
    parent = start(swf, "parent", childPolicy=child_policy)
    decide(swf, decision("StartChildWorkflowExecution", workflowId="child",
                         workflowType=WORKFLOW, taskList={"name": "children"}, input="ci"))
    events = history(swf, parent, "parent")
    return parent, attrs(events[5])["workflowExecution"]["runId"]


def test_a_child_starts_and_its_parent_hears_of_its_close(swf: Any) -> None:
    parent, child = start_child(swf)
    events = history(swf, parent, "parent")
    assert types(events)[3:] == ["DecisionTaskCompleted", "StartChildWorkflowExecutionInitiated",
                                 "ChildWorkflowExecutionStarted", "DecisionTaskScheduled"]
    child_started = attrs(history(swf, child, "child")[0])
    assert child_started["parentWorkflowExecution"] == {"workflowId": "parent", "runId": parent}
    assert child_started["parentInitiatedEventId"] == 5
    assert describe(swf, child, "child")["executionInfo"]["parent"]["runId"] == parent
    assert describe(swf, parent, "parent")["openCounts"]["openChildWorkflowExecutions"] == 1
    decide(swf)  # the parent's decision task for ChildWorkflowExecutionStarted
    decide(swf, decision("CompleteWorkflowExecution", result="child result"),
           task_list="children")
    closed = history(swf, parent, "parent")
    assert types(closed)[-2:] == ["ChildWorkflowExecutionCompleted", "DecisionTaskScheduled"]
    assert attrs(closed[-2]) == {
        "workflowExecution": {"workflowId": "child", "runId": child}, "workflowType": WORKFLOW,
        "initiatedEventId": 5, "startedEventId": 6, "result": "child result"}


@pytest.mark.parametrize(("policy", "child_status", "last_child_event"), [
    ("TERMINATE", "CLOSED", "WorkflowExecutionTerminated"),
    ("REQUEST_CANCEL", "OPEN", "WorkflowExecutionCancelRequested"),
    ("ABANDON", "OPEN", "DecisionTaskScheduled"),
])
def test_the_parents_child_policy_applies_when_it_closes(
        swf: Any, policy: str, child_status: str, last_child_event: str) -> None:
    parent, child = start_child(swf, policy)
    swf.terminate_workflow_execution(domain=DOMAIN, workflowId="parent")
    child_events = history(swf, child, "child")
    assert describe(swf, child, "child")["executionInfo"]["executionStatus"] == child_status
    assert child_events[-1]["eventType"] == last_child_event
    if policy != "ABANDON":
        assert attrs(child_events[-1])["cause"] == "CHILD_POLICY_APPLIED"
    assert types(history(swf, parent, "parent"))[-1] == "WorkflowExecutionTerminated"


def test_the_child_policy_applies_when_the_parent_times_out(swf: Any, sim: Simulator) -> None:
    parent, child = start_child(swf, "TERMINATE")
    sim.clock.advance(seconds=3600)
    assert types(history(swf, parent, "parent"))[-1] == "WorkflowExecutionTimedOut"
    assert history(swf, child, "child")[-1]["eventType"] == "WorkflowExecutionTerminated"


@pytest.mark.parametrize("close", [COMPLETE, decision("FailWorkflowExecution", reason="no"),
                                   decision("CancelWorkflowExecution")])
def test_a_parent_its_decider_closes_leaves_its_children_running(
        swf: Any, close: dict[str, Any]) -> None:
    """[DOC] The child policy applies "if it is terminated, by calling the
    TerminateWorkflowExecution action explicitly or due to an expired timeout"; a decider that
    closes its run with children open leaves them running (garcon asks them to cancel first)."""
    parent, child = start_child(swf, "TERMINATE")
    if close["decisionType"] == "CancelWorkflowExecution":
        swf.request_cancel_workflow_execution(domain=DOMAIN, workflowId="parent")
    decide(swf, close)
    assert describe(swf, parent, "parent")["executionInfo"]["executionStatus"] == "CLOSED"
    assert describe(swf, child, "child")["executionInfo"]["executionStatus"] == "OPEN"
    decide(swf, COMPLETE, task_list="children")  # the child closes; its parent hears nothing
    assert types(history(swf, parent, "parent"))[-1].startswith("WorkflowExecution")


def test_a_child_whose_workflow_id_is_running_fails_to_start(swf: Any) -> None:
    start(swf, "child")
    parent = start(swf, "parent", taskList={"name": "parents"})
    decide(swf, decision("StartChildWorkflowExecution", workflowId="child",
                         workflowType=WORKFLOW), task_list="parents")
    events = history(swf, parent, "parent")
    assert types(events)[4:] == ["StartChildWorkflowExecutionInitiated",
                                 "StartChildWorkflowExecutionFailed", "DecisionTaskScheduled"]
    assert attrs(events[5])["cause"] == "WORKFLOW_ALREADY_RUNNING"
    assert attrs(events[5])["initiatedEventId"] == 5


# -- timeouts ----------------------------------------------------------------------------------

def test_the_workflow_times_out_and_leaves_its_decision_task_unused(
        swf: Any, sim: Simulator) -> None:
    run_id = start(swf, executionStartToCloseTimeout="30")
    assert sim.next_deadline() == START + timedelta(seconds=30)
    sim.clock.advance(seconds=31)
    events = history(swf, run_id)
    assert types(events) == ["WorkflowExecutionStarted", "DecisionTaskScheduled",
                             "WorkflowExecutionTimedOut"]
    assert events[-1]["eventTimestamp"] == START + timedelta(seconds=30)
    assert attrs(events[-1]) == {"timeoutType": "START_TO_CLOSE", "childPolicy": "TERMINATE"}
    assert describe(swf, run_id)["executionInfo"]["closeStatus"] == "TIMED_OUT"
    assert "taskToken" not in poll(swf)
    assert sim.next_deadline() is None


def test_a_decision_task_times_out_and_another_is_scheduled(swf: Any, sim: Simulator) -> None:
    run_id = start(swf)
    task = poll(swf)
    sim.clock.advance(seconds=90)
    events = history(swf, run_id)
    assert types(events)[2:] == ["DecisionTaskStarted", "DecisionTaskTimedOut",
                                 "DecisionTaskScheduled"]
    assert attrs(events[3]) == {"timeoutType": "START_TO_CLOSE", "scheduledEventId": 2,
                                "startedEventId": 3}
    assert events[3]["eventTimestamp"] == events[4]["eventTimestamp"] == START + timedelta(
        seconds=60)
    with pytest.raises(swf.exceptions.UnknownResourceFault, match="Unknown decision task"):
        swf.respond_decision_task_completed(taskToken=task["taskToken"])
    retry = poll(swf)
    assert (retry["startedEventId"], retry["previousStartedEventId"]) == (6, 0)


def test_a_decider_can_send_decision_tasks_to_another_list_for_a_while(
        swf: Any, sim: Simulator) -> None:
    run_id = start(swf)
    decide(swf, taskList={"name": "urgent"}, taskListScheduleToStartTimeout="10")
    swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="s")
    assert "taskToken" not in poll(swf)
    sim.clock.advance(seconds=11)
    events = history(swf, run_id)
    assert attrs(events[3]) == {"scheduledEventId": 2, "startedEventId": 3,
                                "taskList": {"name": "urgent"},
                                "taskListScheduleToStartTimeout": "10"}
    assert attrs(events[5])["taskList"] == {"name": "urgent"}
    assert attrs(events[5])["scheduleToStartTimeout"] == "10"
    assert types(events)[6:] == ["DecisionTaskTimedOut", "DecisionTaskScheduled"]
    assert attrs(events[6]) == {"timeoutType": "SCHEDULE_TO_START", "scheduledEventId": 6,
                                "startedEventId": 0}
    assert events[6]["eventTimestamp"] == START + timedelta(seconds=10)
    assert attrs(events[7])["taskList"] == {"name": "deciders"}
    assert poll(swf)["startedEventId"] == 9


@pytest.mark.parametrize(("options", "start_worker", "heartbeats", "timeout_type", "after"), [
    ({}, False, 0, "SCHEDULE_TO_START", 100),
    ({"scheduleToStartTimeout": "NONE"}, False, 0, "SCHEDULE_TO_CLOSE", 400),
    ({}, True, 0, "START_TO_CLOSE", 200),
    ({"heartbeatTimeout": "20"}, True, 3, "HEARTBEAT", 50),
])
def test_each_activity_timeout(swf: Any, sim: Simulator, options: dict[str, str],
                               start_worker: bool, heartbeats: int, timeout_type: str,
                               after: int) -> None:
    run_id = start(swf)
    decide(swf, schedule("a", **options))
    task = work(swf) if start_worker else None
    for number in range(heartbeats):  # one every 10 s: the heartbeat clock restarts each time
        sim.clock.advance(seconds=10)
        swf.record_activity_task_heartbeat(taskToken=task["taskToken"], details=f"beat {number}")
    sim.clock.advance(seconds=1000)
    events = history(swf, run_id)
    timed_out = next(e for e in events if e["eventType"] == "ActivityTaskTimedOut")
    assert attrs(timed_out)["timeoutType"] == timeout_type
    assert timed_out["eventTimestamp"] == START + timedelta(seconds=after)
    assert attrs(timed_out)["startedEventId"] == (6 if start_worker else 0)
    if heartbeats:
        assert attrs(timed_out)["details"] == "beat 2"
    assert types(events)[-1] == "DecisionTaskScheduled"
    if task is not None:
        with pytest.raises(swf.exceptions.UnknownResourceFault, match="Unknown activity"):
            swf.respond_activity_task_completed(taskToken=task["taskToken"])


def test_timers_fire_at_their_instant_in_due_order(swf: Any, sim: Simulator) -> None:
    run_id = start(swf)
    decide(swf, timer("late", 20), timer("early", 5), timer("same", 5))
    assert sim.next_deadline() == START + timedelta(seconds=5)
    sim.clock.advance_to(START + timedelta(minutes=1))
    fired = [(attrs(e)["timerId"], e["eventTimestamp"]) for e in history(swf, run_id)
             if e["eventType"] == "TimerFired"]
    assert fired == [("early", START + timedelta(seconds=5)),
                     ("same", START + timedelta(seconds=5)),
                     ("late", START + timedelta(seconds=20))]


# -- hooks -------------------------------------------------------------------------------------

def test_held_activity_tasks_stay_queued_until_released(swf: Any, sim: Simulator) -> None:
    run_id = start(swf)
    decide(swf, schedule("slow", input="s"), schedule("fast"))
    seen = []

    def hold(view: Any) -> bool:
        seen.append(dict(view))
        return view.activityId == "slow"

    sim.hold_activity_tasks(hold)
    assert work(swf)["activityId"] == "fast"
    assert "taskToken" not in swf.poll_for_activity_task(domain=DOMAIN,
                                                         taskList={"name": "workers"})
    assert swf.count_pending_activity_tasks(domain=DOMAIN, taskList={"name": "workers"})[
        "count"] == 1
    scheduled = swf.get_workflow_execution_history(
        domain=DOMAIN, execution={"workflowId": "wf", "runId": run_id})["events"][4]
    attributes = scheduled["activityTaskScheduledEventAttributes"]
    assert seen[0] == {"domain": DOMAIN, "taskList": "workers", "activityId": "slow",
                       "activityType": ACTIVITY, "input": "s", "workflowId": "wf",
                       "runId": run_id, "scheduledEventId": 5,
                       "timeouts": {key: attributes[key] for key in (
                           "scheduleToStartTimeout", "scheduleToCloseTimeout",
                           "startToCloseTimeout", "heartbeatTimeout")},
                       "scheduledAt": scheduled["eventTimestamp"]}
    sim.hold_activity_tasks(None)
    assert work(swf)["activityId"] == "slow"


def test_throttled_calls_fail_then_pass(swf: Any, sim: Simulator) -> None:
    sim.throttle("ListDomains", times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as info:
            swf.list_domains(registrationStatus="REGISTERED")
        assert error_code(info) == "ThrottlingException"
    assert swf.list_domains(registrationStatus="REGISTERED")["domainInfos"][0]["name"] == DOMAIN
    with pytest.raises(ValueError, match="not an SWF operation"):
        sim.throttle("PollForAnything")


# -- limits ------------------------------------------------------------------------------------

def small(**limits: int) -> Any:
    return make_swf(Simulator(start_time=START, limits=SWFLimits(**limits)))


def test_the_event_limit_terminates_the_execution() -> None:
    swf = small(history_events=40)
    run_id = start(swf)
    decide(swf, *(timer(f"t{n}", 1) for n in range(50)))
    events = history(swf, run_id)
    assert len(events) == 40
    assert events[-1]["eventType"] == "WorkflowExecutionTerminated"
    assert attrs(events[-1]) == {"childPolicy": "TERMINATE", "cause": "EVENT_LIMIT_EXCEEDED"}
    assert types(events)[-2] == "TimerStarted"
    assert describe(swf, run_id)["executionInfo"]["closeStatus"] == "TERMINATED"


@pytest.mark.parametrize(("limits", "decisions", "event_type", "cause"), [
    ({"open_activities": 2}, [schedule(f"a{n}") for n in range(3)],
     "ScheduleActivityTaskFailed", "OPEN_ACTIVITIES_LIMIT_EXCEEDED"),
    ({"open_timers": 2}, [timer(f"t{n}", 9) for n in range(3)],
     "StartTimerFailed", "OPEN_TIMERS_LIMIT_EXCEEDED"),
    ({"open_children": 1}, [decision("StartChildWorkflowExecution", workflowId=f"c{n}",
                                     workflowType=WORKFLOW) for n in range(2)],
     "StartChildWorkflowExecutionFailed", "OPEN_CHILDREN_LIMIT_EXCEEDED"),
])
def test_open_item_limits(limits: dict[str, int], decisions: list[dict[str, Any]],
                          event_type: str, cause: str) -> None:
    swf = small(**limits)
    run_id = start(swf)
    decide(swf, *decisions)
    failed = [attrs(e)["cause"] for e in history(swf, run_id) if e["eventType"] == event_type]
    assert failed == [cause]


@pytest.mark.parametrize(("call", "path", "bound"), [
    (lambda swf: start(swf, input="x" * 32_769), "input", 32_768),
    (lambda swf: start(swf, "w" * 257), "workflowId", 256),
    (lambda swf: swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="s",
                                               input="x" * 32_769), "input", 32_768),
    (lambda swf: swf.terminate_workflow_execution(domain=DOMAIN, workflowId="wf",
                                                  reason="r" * 257), "reason", 256),
    (lambda swf: start(swf, tagList=["t"] * 6), "tagList", 5),
])
def test_fields_over_their_limit_are_refused(swf: Any, call: Any, path: str,
                                             bound: int) -> None:
    with pytest.raises(ClientError) as info:
        call(swf)
    assert error_code(info) == "ValidationException"
    message = info.value.response["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value '")
    assert message.endswith(f"at '{path}' failed to satisfy constraint: Member must have "
                            f"length less than or equal to {bound}")


def test_limits_come_from_the_simulators_table() -> None:
    swf = small(data=10, heartbeat_details=4)
    start(swf)
    with pytest.raises(ClientError, match="less than or equal to 10"):
        swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="s",
                                      input="x" * 11)
    decide(swf, schedule("a"))
    task = work(swf)
    with pytest.raises(ClientError, match=r"'details' failed .* less than or equal to 4"):
        swf.record_activity_task_heartbeat(taskToken=task["taskToken"], details="12345")


def test_every_problem_of_a_response_is_listed(swf: Any) -> None:
    start(swf)
    task = poll(swf)
    with pytest.raises(ClientError) as info:
        swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[
            schedule("a:b"), decision("RecordMarker", markerName="m", details="d" * 32_769),
            decision("StartTimer", timerId="arn", startToFireTimeout="soon")])
    message = info.value.response["Error"]["Message"]
    assert message.startswith("4 validation errors detected: ")
    assert ("at 'decisions.1.member.scheduleActivityTaskDecisionAttributes.activityId' failed "
            "to satisfy constraint: Member must not contain ':'") in message
    assert "at 'decisions.2.member.recordMarkerDecisionAttributes.details'" in message
    assert "Member must not be the literal string \"arn\"" in message
    assert "'decisions.3.member.startTimerDecisionAttributes.startToFireTimeout'" in message


@pytest.mark.parametrize("client", ["client", "direct_client"])
def test_a_response_over_1_mb_is_refused_and_writes_nothing(sim: Simulator, client: str) -> None:
    """SWF's 1 MB per request, headers included, measured as botocore sends the request."""
    swf = make_swf(sim, client)
    run_id = start(swf)
    task = poll(swf)
    heavy = [schedule(f"a{n}", input="x" * 30_000) for n in range(45)]  # about 1.3 MB
    before = history(swf, run_id)
    with pytest.raises(ClientError) as info:
        swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=heavy)
    assert error_code(info) == "ValidationException"
    body = json.dumps({"taskToken": task["taskToken"], "decisions": heavy})  # as botocore
    assert info.value.response["Error"]["Message"] == (
        f"Request of {len(body) + REQUEST_HEADER_BYTES:,} bytes (headers included) is over the "
        "1,048,576-byte limit of an SWF request")
    assert history(swf, run_id) == before
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=heavy[:34])
    assert types(history(swf, run_id)).count("ActivityTaskScheduled") == 34


@pytest.mark.parametrize("client", ["client", "direct_client"])
def test_names_that_must_not_start_or_end_with_whitespace(sim: Simulator, client: str) -> None:
    """The model's documentation says so of a domain's name, an activity task list polled,
    and a child workflow's task list; other names (workflowId, activityId, ...) may."""
    swf = make_swf(sim, client)
    for name in (" dev", "dev ", "dev\n"):
        with pytest.raises(ClientError, match="Member must not start or end with whitespace"):
            swf.register_domain(name=name, workflowExecutionRetentionPeriodInDays="1")
    with pytest.raises(ClientError, match=r"at 'taskList\.name' failed to satisfy constraint: "
                                          "Member must not start or end with whitespace"):
        swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "workers "})
    run_id = start(swf, " spaced workflow id ")
    assert describe(swf, run_id, " spaced workflow id ")["executionInfo"]["execution"][
        "workflowId"] == " spaced workflow id "


@pytest.mark.parametrize("client", ["client", "direct_client"])
def test_a_lone_surrogate_is_refused_as_no_utf_8_request_can_carry_it(
        sim: Simulator, client: str) -> None:
    swf = make_swf(sim, client)
    with pytest.raises(ClientError) as info:
        start(swf, input='{"name": "caf\udce9"}')
    assert info.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '{\"name\": \"caf\\udce9\"}' at 'input' failed "
        "to satisfy constraint: Member must be Unicode text, not hold a lone surrogate (U+DCE9 "
        "at character 14)")
    run_id = start(swf, input='{"name": "café 😀"}')
    assert dump_history(history(swf, run_id)).count("café 😀") == 1


def test_a_workflow_cannot_run_without_a_timeout(swf: Any) -> None:
    with pytest.raises(ClientError, match="executionStartToCloseTimeout"):
        start(swf, executionStartToCloseTimeout="NONE")


# -- domains and types -------------------------------------------------------------------------

def test_domains_register_describe_deprecate_and_list(swf: Any) -> None:
    with pytest.raises(swf.exceptions.DomainAlreadyExistsFault):
        swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1")
    swf.register_domain(name="other", description="d", workflowExecutionRetentionPeriodInDays="0")
    described = swf.describe_domain(name="other")
    assert described["domainInfo"]["description"] == "d"
    assert described["configuration"] == {"workflowExecutionRetentionPeriodInDays": "0"}
    swf.deprecate_domain(name="other")
    with pytest.raises(swf.exceptions.DomainDeprecatedFault):
        swf.deprecate_domain(name="other")
    names = lambda status: [d["name"] for d in swf.list_domains(  # noqa: E731
        registrationStatus=status)["domainInfos"]]
    assert (names("REGISTERED"), names("DEPRECATED")) == ([DOMAIN], ["other"])
    swf.undeprecate_domain(name="other")
    with pytest.raises(swf.exceptions.DomainAlreadyExistsFault):
        swf.undeprecate_domain(name="other")
    with pytest.raises(swf.exceptions.UnknownResourceFault, match="Unknown domain: nope"):
        swf.describe_domain(name="nope")
    with pytest.raises(ClientError, match="retention"):
        swf.register_domain(name="long", workflowExecutionRetentionPeriodInDays="91")


def test_types_go_from_registered_to_deprecated_to_deleted(swf: Any) -> None:
    ref = {"name": "t", "version": "1"}
    swf.register_workflow_type(domain=DOMAIN, **ref, defaultChildPolicy="ABANDON")
    with pytest.raises(swf.exceptions.TypeAlreadyExistsFault):
        swf.register_workflow_type(domain=DOMAIN, **ref)
    described = swf.describe_workflow_type(domain=DOMAIN, workflowType=ref)
    assert described["configuration"] == {"defaultChildPolicy": "ABANDON"}
    assert described["typeInfo"]["creationDate"] == START
    with pytest.raises(swf.exceptions.TypeNotDeprecatedFault):
        swf.delete_workflow_type(domain=DOMAIN, workflowType=ref)
    swf.deprecate_workflow_type(domain=DOMAIN, workflowType=ref)
    with pytest.raises(swf.exceptions.TypeDeprecatedFault):
        swf.deprecate_workflow_type(domain=DOMAIN, workflowType=ref)
    with pytest.raises(swf.exceptions.TypeDeprecatedFault):
        swf.start_workflow_execution(domain=DOMAIN, workflowId="x", workflowType=ref)
    swf.undeprecate_workflow_type(domain=DOMAIN, workflowType=ref)
    with pytest.raises(swf.exceptions.TypeAlreadyExistsFault):
        swf.undeprecate_workflow_type(domain=DOMAIN, workflowType=ref)
    swf.deprecate_workflow_type(domain=DOMAIN, workflowType=ref)
    swf.delete_workflow_type(domain=DOMAIN, workflowType=ref)
    with pytest.raises(swf.exceptions.UnknownResourceFault, match=r"name=t, version=1"):
        swf.describe_workflow_type(domain=DOMAIN, workflowType=ref)


def test_a_start_without_a_value_or_default_is_refused(swf: Any) -> None:
    swf.register_workflow_type(domain=DOMAIN, name="bare", version="1")
    with pytest.raises(swf.exceptions.DefaultUndefinedFault, match="taskList"):
        swf.start_workflow_execution(domain=DOMAIN, workflowId="x",
                                     workflowType={"name": "bare", "version": "1"})


def test_type_listings_page(swf: Any) -> None:
    for version in "abcde":
        swf.register_activity_type(domain=DOMAIN, name="many", version=version)
    seen, options = [], {}
    while True:
        page = swf.list_activity_types(domain=DOMAIN, name="many", registrationStatus="REGISTERED",
                                       maximumPageSize=2, reverseOrder=True, **options)
        seen += [info["activityType"]["version"] for info in page["typeInfos"]]
        if "nextPageToken" not in page:
            break
        options = {"nextPageToken": page["nextPageToken"]}
    assert seen == list("edcba")


def test_domain_tags(swf: Any) -> None:
    arn = swf.describe_domain(name=DOMAIN)["domainInfo"]["arn"]
    swf.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "a"}])
    assert swf.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "a"}]
    swf.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert swf.list_tags_for_resource(resourceArn=arn)["tags"] == []


# -- visibility and pagination -----------------------------------------------------------------

def test_list_and_count_filters(swf: Any, sim: Simulator) -> None:
    swf.register_workflow_type(domain=DOMAIN, name="other", version="1",
                               defaultTaskList={"name": "o"}, defaultChildPolicy="TERMINATE",
                               defaultExecutionStartToCloseTimeout="60",
                               defaultTaskStartToCloseTimeout="NONE")
    first = start(swf, "one", tagList=["red"])
    sim.clock.advance(seconds=10)
    start(swf, "two", tagList=["blue"])
    sim.clock.advance(seconds=10)
    swf.start_workflow_execution(domain=DOMAIN, workflowId="three",
                                 workflowType={"name": "other", "version": "1"})
    swf.terminate_workflow_execution(domain=DOMAIN, workflowId="one")
    since = {"oldestDate": START}

    def open_ids(**filters: Any) -> list[str]:
        page = swf.list_open_workflow_executions(domain=DOMAIN, startTimeFilter=since, **filters)
        return [info["execution"]["workflowId"] for info in page["executionInfos"]]

    assert open_ids() == ["three", "two"]
    assert open_ids(reverseOrder=True) == ["two", "three"]
    assert open_ids(tagFilter={"tag": "blue"}) == ["two"]
    assert open_ids(typeFilter={"name": "other"}) == ["three"]
    assert open_ids(executionFilter={"workflowId": "two"}) == ["two"]
    assert [info["execution"]["workflowId"] for info in swf.list_open_workflow_executions(
        domain=DOMAIN, startTimeFilter={"oldestDate": START + timedelta(seconds=15)})[
        "executionInfos"]] == ["three"]
    closed = swf.list_closed_workflow_executions(
        domain=DOMAIN, closeTimeFilter={"oldestDate": START},
        closeStatusFilter={"status": "TERMINATED"})["executionInfos"]
    assert [(i["execution"]["runId"], i["closeStatus"]) for i in closed] == [
        (first, "TERMINATED")]
    counted = swf.count_open_workflow_executions(domain=DOMAIN, startTimeFilter=since)
    assert (counted["count"], counted["truncated"]) == (2, False)
    assert swf.count_closed_workflow_executions(
        domain=DOMAIN, startTimeFilter=since)["count"] == 1
    with pytest.raises(ClientError, match="mutually exclusive"):
        open_ids(tagFilter={"tag": "blue"}, typeFilter={"name": "other"})
    page = swf.list_open_workflow_executions(domain=DOMAIN, startTimeFilter=since,
                                             maximumPageSize=1)
    following = swf.list_open_workflow_executions(domain=DOMAIN, startTimeFilter=since,
                                                  maximumPageSize=1,
                                                  nextPageToken=page["nextPageToken"])
    assert [p["executionInfos"][0]["execution"]["workflowId"] for p in (page, following)] == [
        "three", "two"]
    assert "nextPageToken" not in following


def test_closed_runs_are_forgotten_after_the_retention_period(swf: Any, sim: Simulator) -> None:
    """Forgotten as SWF forgets them, and dropped from memory (a server runs for weeks): the
    tokens of their tasks answer "unknown execution", as while the run was kept."""
    run_id = start(swf)
    decide(swf, schedule("a"))
    held = work(swf)
    swf.terminate_workflow_execution(domain=DOMAIN, workflowId="wf")
    sim.clock.advance(seconds=86_400)
    assert describe(swf, run_id)["executionInfo"]["closeStatus"] == "TERMINATED"
    with pytest.raises(swf.exceptions.UnknownResourceFault) as kept:
        swf.respond_activity_task_completed(taskToken=held["taskToken"])
    world = sim.service.world
    assert (DOMAIN, "wf", run_id) in world.runs
    sim.clock.advance(milliseconds=1)
    with pytest.raises(swf.exceptions.UnknownResourceFault):
        describe(swf, run_id)
    assert world.runs == {} and world.domain_runs == {DOMAIN: {}}
    with pytest.raises(swf.exceptions.UnknownResourceFault) as forgotten:
        swf.respond_activity_task_completed(taskToken=held["taskToken"])
    assert str(forgotten.value) == str(kept.value)


def test_page_tokens_are_forgotten_once_expired_and_still_read_as_expired(
        swf: Any, sim: Simulator) -> None:
    run_id = start(swf)
    execution = {"workflowId": "wf", "runId": run_id}

    def first_page(**options: Any) -> dict[str, Any]:
        return swf.get_workflow_execution_history(domain=DOMAIN, execution=execution,
                                                  maximumPageSize=1, **options)

    old = [first_page()["nextPageToken"] for _ in range(5)]
    world = sim.service.world
    assert [*world.cursors] == old
    sim.clock.advance(seconds=86_400)
    assert first_page(nextPageToken=old[0])["events"][0]["eventId"] == 2  # 24 h: still good
    sim.clock.advance(milliseconds=1)
    fresh = first_page()["nextPageToken"]
    assert [*world.cursors] == [fresh]  # the expired ones went as a new one came
    for token in (old[0], old[4]):
        with pytest.raises(ClientError, match="Specified token has exceeded its maximum "
                                              "lifetime"):
            first_page(nextPageToken=token)
    assert first_page(nextPageToken=fresh)["events"][0]["eventId"] == 2
    with pytest.raises(ClientError, match="Invalid nextPageToken"):
        first_page(nextPageToken="bm90IG91cnM=")


def test_history_pages_forward_and_in_reverse(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, *(timer(f"t{n}", 5) for n in range(5)))
    execution = {"workflowId": "wf", "runId": run_id}
    ids, options = [], {}
    while True:
        page = swf.get_workflow_execution_history(domain=DOMAIN, execution=execution,
                                                  maximumPageSize=3, reverseOrder=True,
                                                  **options)
        ids += [event["eventId"] for event in page["events"]]
        if "nextPageToken" not in page:
            break
        options = {"nextPageToken": page["nextPageToken"]}
    assert ids == list(range(9, 0, -1))


def test_a_decision_task_pages_through_its_history_without_a_new_task(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, *(timer(f"t{n}", 0) for n in range(3)))
    first = poll(swf, maximumPageSize=4)
    assert [e["eventId"] for e in first["events"]] == [1, 2, 3, 4]
    second = poll(swf, maximumPageSize=4, nextPageToken=first["nextPageToken"])
    assert second["taskToken"] == first["taskToken"]
    assert second["startedEventId"] == first["startedEventId"] == 12
    assert [e["eventId"] for e in second["events"]] == [5, 6, 7, 8]
    third = poll(swf, maximumPageSize=4, nextPageToken=second["nextPageToken"])
    assert [e["eventId"] for e in third["events"]] == [9, 10, 11, 12]
    assert "nextPageToken" not in third
    assert types(history(swf, run_id)).count("DecisionTaskStarted") == 2
    with pytest.raises(ClientError, match="Invalid nextPageToken"):
        swf.get_workflow_execution_history(domain=DOMAIN, nextPageToken=first["nextPageToken"],
                                           execution={"workflowId": "wf", "runId": run_id})
    swf.respond_decision_task_completed(taskToken=third["taskToken"])
    swf.signal_workflow_execution(domain=DOMAIN, workflowId="wf", signalName="s")
    latest = poll(swf, startAtPreviousStartedEvent=True)
    assert latest["previousStartedEventId"] == 12
    assert [e["eventId"] for e in latest["events"]] == [12, 13, 14, 15, 16]


def test_empty_polls_answer_at_once_without_a_token(swf: Any) -> None:
    decision_answer = poll(swf)
    activity_answer = swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "workers"})
    del decision_answer["ResponseMetadata"], activity_answer["ResponseMetadata"]
    assert decision_answer == {"previousStartedEventId": 0, "startedEventId": 0}
    assert activity_answer == {"startedEventId": 0}


def test_describe_counts_what_is_open(swf: Any) -> None:
    run_id = start(swf)
    decide(swf, schedule("a"), timer("t", 30))
    work(swf)
    described = describe(swf, run_id)
    assert described["openCounts"] == {
        "openActivityTasks": 1, "openDecisionTasks": 0, "openTimers": 1,
        "openChildWorkflowExecutions": 0, "openLambdaFunctions": 0}
    assert described["executionConfiguration"] == {
        "taskList": {"name": "deciders"}, "executionStartToCloseTimeout": "3600",
        "taskStartToCloseTimeout": "60", "childPolicy": "TERMINATE"}
    assert described["latestActivityTaskTimestamp"] == START
    assert swf.count_pending_decision_tasks(domain=DOMAIN, taskList={"name": "deciders"})[
        "count"] == 0
