"""Histories recorded on Amazon SWF, re-enacted on the simulator: no difference allowed."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from garcon_sim import HistoryFormatError, Simulator, dump_history, load_history, reenact

RECORDINGS = DATA / "swf-histories"
WITH_HISTORY = sorted(path for path in RECORDINGS.glob("*.json")
                      if "history" in json.loads(path.read_text()))


def events_of(path: Path) -> list[dict[str, Any]]:
    return copy.deepcopy(json.loads(path.read_text())["history"]["events"])


def renumber(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for number, event in enumerate(events, start=1):
        event["eventId"] = number
    return events


def test_the_recordings_are_there() -> None:
    assert len(WITH_HISTORY) >= 11


@pytest.mark.parametrize("path", WITH_HISTORY, ids=lambda path: path.stem)
def test_every_recorded_history_reenacts_without_difference(path: Path) -> None:
    result = reenact(path)
    assert result.ok, result.report()
    assert len(result.events) == len(load_history(path))
    assert result.report().endswith("no difference")


def test_a_timer_that_fires_later_than_recorded_is_a_departure() -> None:
    events = events_of(RECORDINGS / "timer_and_cancel.json")
    events[5]["timerStartedEventAttributes"]["startToFireTimeout"] = "20"
    result = reenact({"events": events})
    assert not result.ok
    first = result.differences[0]
    assert (first.event_id, first.what, first.recorded, first.simulated) == (
        7, "event", "TimerFired", "nothing")
    assert "event 9: PollForDecisionTask: recorded 'a decision task', simulated 'no task'" in [
        str(difference) for difference in result.differences]
    assert "departs at event 7" in str(result)


def test_an_event_written_far_from_its_recorded_instant_is_a_departure() -> None:
    events = events_of(RECORDINGS / "with_replays.json")
    for event in events[6:]:
        event["eventTimestamp"] += 5
    result = reenact(events)
    assert [(d.event_id, d.what) for d in result.differences] == [(7, "eventTimestamp")]
    assert reenact(events, tolerance=timedelta(seconds=6)).ok


def test_a_missing_decision_task_is_a_departure() -> None:
    events = events_of(RECORDINGS / "cancel_requested.json")
    del events[7]  # the DecisionTaskScheduled after WorkflowExecutionCancelRequested
    for event in events[7:]:
        attributes = next(value for key, value in event.items() if key.endswith("Attributes"))
        if attributes.get("scheduledEventId") == 8:
            attributes["scheduledEventId"] = 7  # still a consistent history, minus one event
    result = reenact(renumber(events))
    assert str(result.differences[0]) == (
        "event 8: eventType: recorded 'DecisionTaskStarted', simulated 'DecisionTaskScheduled'")


def test_a_different_reference_is_a_departure() -> None:
    events = events_of(RECORDINGS / "unrequested_signal.json")
    events[9]["activityTaskCompletedEventAttributes"]["startedEventId"] = 5
    result = reenact(events)
    assert [str(d) for d in result.differences] == [
        "event 10: ActivityTaskCompleted.startedEventId: recorded 5, simulated 6"]


def test_a_history_must_begin_with_its_start() -> None:
    with pytest.raises(HistoryFormatError, match="WorkflowExecutionStarted"):
        reenact(renumber(events_of(RECORDINGS / "chain_send_result.json")[1:]))


def refused_schedule(cause: str) -> list[dict[str, Any]]:
    """The first decision of chain_send_result.json, refused by SWF with `cause`."""
    events = events_of(RECORDINGS / "chain_send_result.json")[:5]
    scheduled = events[4].pop("activityTaskScheduledEventAttributes")
    events[4].update(eventType="ScheduleActivityTaskFailed",
                     scheduleActivityTaskFailedEventAttributes={
                         "activityType": scheduled["activityType"],
                         "activityId": scheduled["activityId"], "cause": cause,
                         "decisionTaskCompletedEventId": 4})
    events.append({**events[1], "eventId": 6, "eventTimestamp": events[4]["eventTimestamp"]})
    return events


@pytest.mark.parametrize("cause", [
    "ACTIVITY_TYPE_DOES_NOT_EXIST", "ACTIVITY_TYPE_DEPRECATED", "DEFAULT_TASK_LIST_UNDEFINED",
    "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED", "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED"])
def test_refused_decisions_are_reenacted_with_their_cause(cause: str) -> None:
    result = reenact(refused_schedule(cause))
    assert result.ok, result.report()


def test_a_different_cause_is_a_departure() -> None:
    result = reenact(refused_schedule("ACTIVITY_ID_ALREADY_IN_USE"))
    assert [str(d) for d in result.differences] == [
        "event 5: ScheduleActivityTaskFailed.cause: recorded 'ACTIVITY_ID_ALREADY_IN_USE', "
        "simulated 'DEFAULT_TASK_LIST_UNDEFINED'"]


def test_a_history_the_simulator_wrote_reenacts_without_difference() -> None:
    """Timeouts, a 0-second timer, signals, a cancelled activity, a failed child, a task-list
    override: whatever the simulator writes by itself, it writes again when re-enacted."""
    sim = Simulator(start_time=datetime(2026, 5, 1, tzinfo=timezone.utc))
    swf = sim.direct_client()
    swf.register_domain(name="d", workflowExecutionRetentionPeriodInDays="1")
    flow, job = {"name": "flow", "version": "1"}, {"name": "job", "version": "1"}
    swf.register_workflow_type(domain="d", **flow, defaultTaskList={"name": "deciders"},
                               defaultChildPolicy="TERMINATE",
                               defaultExecutionStartToCloseTimeout="600",
                               defaultTaskStartToCloseTimeout="20")
    swf.register_activity_type(domain="d", **job, defaultTaskList={"name": "workers"},
                               defaultTaskScheduleToStartTimeout="30",
                               defaultTaskScheduleToCloseTimeout="90",
                               defaultTaskStartToCloseTimeout="60",
                               defaultTaskHeartbeatTimeout="5")
    run_id = swf.start_workflow_execution(domain="d", workflowId="w", workflowType=flow)["runId"]

    def decide(*decisions: dict[str, Any], task_list: str = "deciders", **options: Any) -> None:
        sim.clock.advance(seconds=0.05)
        task = swf.poll_for_decision_task(domain="d", taskList={"name": task_list},
                                          identity="me")
        sim.clock.advance(seconds=0.4)
        swf.respond_decision_task_completed(taskToken=task["taskToken"],
                                            decisions=list(decisions), **options)

    def schedule(activity_id: str) -> dict[str, Any]:
        return {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes":
                {"activityType": job, "activityId": activity_id}}

    decide(schedule("beats"), schedule("never"), schedule("cancelled"),
           {"decisionType": "StartTimer",
            "startTimerDecisionAttributes": {"timerId": "now", "startToFireTimeout": "0"}})
    beats = swf.poll_for_activity_task(domain="d", taskList={"name": "workers"})
    decide({"decisionType": "RequestCancelActivityTask",
            "requestCancelActivityTaskDecisionAttributes": {"activityId": "never"}},
           taskList={"name": "elsewhere"}, taskListScheduleToStartTimeout="3")
    sim.clock.advance(seconds=2)
    swf.record_activity_task_heartbeat(taskToken=beats["taskToken"], details="alive")
    swf.signal_workflow_execution(domain="d", workflowId="w", signalName="poke")
    sim.clock.advance(seconds=40)  # heartbeat, override and schedule-to-start timeouts
    decide({"decisionType": "StartChildWorkflowExecution",
            "startChildWorkflowExecutionDecisionAttributes": {
                "workflowId": "kid", "workflowType": flow, "taskList": {"name": "kids"}}})
    decide()
    sim.clock.advance(seconds=3)
    decide({"decisionType": "FailWorkflowExecution",
            "failWorkflowExecutionDecisionAttributes": {"reason": "child"}}, task_list="kids")
    swf.request_cancel_workflow_execution(domain="d", workflowId="w")
    decide({"decisionType": "CancelWorkflowExecution",
            "cancelWorkflowExecutionDecisionAttributes": {"details": "bye"}})
    events = swf.get_workflow_execution_history(
        domain="d", execution={"workflowId": "w", "runId": run_id})["events"]
    written = {event["eventType"] for event in events}
    assert {"ActivityTaskTimedOut", "TimerFired", "DecisionTaskTimedOut",
            "ChildWorkflowExecutionFailed", "WorkflowExecutionCanceled"} <= written
    result = reenact(events)
    assert result.ok, result.report()
    assert dump_history(result.events) == dump_history(events)
