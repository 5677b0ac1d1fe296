import json
from datetime import datetime, timezone

import pytest

from garcon import activity, runner
from garcon.decider import decide, decide_with_report
from garcon.history import HistoryError
from garcon.limits import SWF_LIMITS
from garcon_sim import run_flow
from tests.flows import fan_out
from tests.histories import EXECUTION, History, drive, kinds, scheduled_ids

WORK = "flow_work"


def work_id(n):
    return activity.instance_ids(WORK, [{"generator.n": n}])[0]


def start_work(flow, history):
    """Run the flow until its `work` instances are scheduled."""
    history.respond(decide(flow, history.decision_task(), EXECUTION))
    history.complete("flow_setup-1", {"ready": True})
    decisions = decide(flow, history.decision_task(), EXECUTION)
    history.respond(decisions)
    return decisions


def test_activities_run_in_requirement_order_and_the_workflow_completes():
    flow, history = fan_out(3), History()
    first = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(first) == ["flow_setup-1"]
    history.respond(first)
    history.complete("flow_setup-1", {"ready": True})
    second = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(second) == [work_id(n) for n in range(3)]
    history.respond(second)
    for n in range(3):
        history.complete(work_id(n), {f"done.{n}": True})
    third = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(third) == ["flow_report-1"]
    attributes = third[0]["scheduleActivityTaskDecisionAttributes"]
    assert json.loads(attributes["input"]) == {
        "ready": True, "execution.domain": "dev", "execution.workflow_id": "wf-1",
        "execution.run_id": "run-1"}
    history.respond(third)
    history.complete("flow_report-1")
    assert kinds(decide(flow, history.decision_task(), EXECUTION)) == [
        "CompleteWorkflowExecution"]


def test_nothing_is_scheduled_twice_while_open():
    flow, history = fan_out(2), History()
    start_work(flow, history)
    history.complete(work_id(0))
    assert decide(flow, history.decision_task(), EXECUTION) == []


@pytest.mark.parametrize("end", ["fail", "cancel", "START_TO_CLOSE", "HEARTBEAT",
                                 "SCHEDULE_TO_START", "SCHEDULE_TO_CLOSE"])
def test_every_unsuccessful_end_is_an_attempt_retried_on_its_own(end):
    flow, history = fan_out(3, retry=1), History()
    start_work(flow, history)
    history.complete(work_id(0))
    {"fail": history.fail, "cancel": history.cancel}.get(
        end, lambda activity_id: history.time_out(activity_id, end))(work_id(1))
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == [work_id(1)]


@pytest.mark.parametrize("end", ["fail", "START_TO_CLOSE", "SCHEDULE_TO_START"])
def test_retries_exhausted_fail_the_workflow_naming_the_instance(end):
    flow, history = fan_out(2, retry=2), History()
    start_work(flow, history)
    for _ in range(3):
        if end == "fail":
            history.fail(work_id(1), reason="boom")
        else:
            history.time_out(work_id(1), end)
        decisions = decide(flow, history.decision_task(), EXECUTION)
        history.respond(decisions)
    assert kinds(decisions) == ["FailWorkflowExecution"]
    attributes = decisions[0]["failWorkflowExecutionDecisionAttributes"]
    assert work_id(1) in attributes["reason"]
    assert "3 attempts (retry=2)" in attributes["reason"]
    assert ("boom" if end == "fail" else end) in attributes["reason"]
    assert len(attributes["reason"]) <= SWF_LIMITS.reason
    assert attributes["details"].count("attempt ") == 3


def test_an_instance_without_retries_failed_in_one_attempt():
    flow, history = fan_out(2), History()
    start_work(flow, history)
    history.fail(work_id(1), reason="boom")
    [decision] = decide(flow, history.decision_task(), EXECUTION)
    reason = decision["failWorkflowExecutionDecisionAttributes"]["reason"]
    assert reason.startswith(f"{work_id(1)} did not complete in 1 attempt (retry=0); last: ")


def test_a_long_failure_reason_is_cut_to_256_and_kept_whole_in_details():
    flow, history = fan_out(1), History()
    start_work(flow, history)
    history.fail(work_id(0), reason="x" * 400)
    decisions = decide(flow, history.decision_task(), EXECUTION)
    attributes = decisions[0]["failWorkflowExecutionDecisionAttributes"]
    assert len(attributes["reason"]) == SWF_LIMITS.reason
    assert "x" * 300 in attributes["details"]


def test_schedules_found_before_a_fatal_instance_are_kept_as_garcon_does():
    flow, history = fan_out(3, retry=1), History()
    start_work(flow, history)
    history.fail(work_id(2))
    history.respond(decide(flow, history.decision_task(), EXECUTION))
    history.fail(work_id(2))  # its second failure: retries exhausted
    history.fail(work_id(1))  # its first: retried, and it comes first in generator order
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert kinds(decisions) == ["ScheduleActivityTask", "FailWorkflowExecution"]
    assert scheduled_ids(decisions) == [work_id(1)]


def test_the_decider_is_pure_and_reads_every_history_shape():
    flow, history = fan_out(4, retry=1), History()
    start_work(flow, history)
    history.fail(work_id(2))
    events = history.decision_task()
    as_boto3 = [{**event, "eventTimestamp": datetime.fromtimestamp(
        event["eventTimestamp"], timezone.utc)} for event in events]
    expected = decide(flow, events, EXECUTION)
    assert expected
    assert decide(flow, json.loads(json.dumps(events)), EXECUTION) == expected
    assert decide(flow, as_boto3, EXECUTION) == expected
    assert decide(flow, list(reversed(events)), EXECUTION) == expected
    assert decide(flow, iter(events), EXECUTION) == expected


def test_without_an_execution_inputs_carry_no_execution_keys():
    flow, history = fan_out(1), History()
    decisions = decide(flow, history.decision_task())
    assert json.loads(decisions[0]["scheduleActivityTaskDecisionAttributes"]["input"]) == {}


def test_a_cancel_request_cancels_the_workflow():
    flow, history = fan_out(2), History()
    start_work(flow, history)
    history.add("WorkflowExecutionCancelRequested", externalInitiatedEventId=0)
    assert kinds(decide(flow, history.decision_task(), EXECUTION)) == [
        "CancelWorkflowExecution"]


def test_a_closed_history_needs_no_decision():
    flow, history = fan_out(1), History()
    assert drive(flow, history)["decisionType"] == "CompleteWorkflowExecution"
    assert decide(flow, history.events, EXECUTION) == []


def test_a_generator_that_raises_fails_the_workflow_and_is_reported():
    def broken(context):
        raise KeyError("days")

    flow = fan_out(1)
    flow.broken = activity.create("dev", "flow")(
        name="broken", generators=[broken], run=runner.Sync(lambda context, activity: None))
    report = decide_with_report(flow, History().decision_task(), EXECUTION)
    assert kinds(report.decisions) == ["FailWorkflowExecution"]
    reason = report.decisions[0]["failWorkflowExecutionDecisionAttributes"]["reason"]
    assert reason == "a generator of flow_broken raised KeyError: 'days'"
    assert isinstance(report.error, KeyError)


def test_a_workflow_input_that_is_not_json_fails_the_workflow():
    history = History()
    history.events[0]["workflowExecutionStartedEventAttributes"]["input"] = "{not json"
    decisions = decide(fan_out(1), history.decision_task(), EXECUTION)
    assert kinds(decisions) == ["FailWorkflowExecution"]
    assert "not JSON" in decisions[0]["failWorkflowExecutionDecisionAttributes"]["reason"]


def test_the_seed_flow_completes_when_every_country_succeeds(seed_flow):
    history = History({})
    assert drive(seed_flow, history)["decisionType"] == "CompleteWorkflowExecution"
    scheduled = [e for e in history.events if e["eventType"] == "ActivityTaskScheduled"]
    assert len(scheduled) == 1 + 5 + 1


# A history that is not whole, or contradicts itself, gets no decision built on a guess.

def test_an_attempt_that_failed_and_then_completed_is_refused_not_read_as_a_success():
    flow, history = fan_out(1, retry=0), History()
    history.respond(decide(flow, history.decision_task(), EXECUTION))
    history.fail("flow_setup-1")
    history.add("ActivityTaskCompleted", scheduledEventId=5, startedEventId=6, result="{}")
    with pytest.raises(HistoryError, match="events 7 and 8 disagree: both close the attempt "
                                           "of flow_setup-1 scheduled at event 5"):
        decide(flow, history.decision_task(), EXECUTION)


def test_a_history_that_does_not_start_at_event_1_is_refused():
    flow = fan_out(1)
    events = run_flow(flow, input={}).events
    second_task = [e["eventId"] for e in events if e["eventType"] == "DecisionTaskStarted"][1]
    with pytest.raises(HistoryError, match="the history begins at event 8, not at event 1"):
        decide(flow, events[7:second_task], EXECUTION)
    assert scheduled_ids(decide(flow, events[:second_task], EXECUTION)) == [work_id(0)]
    with pytest.raises(HistoryError, match="the history is empty"):
        decide(flow, [], EXECUTION)


def test_a_whole_page_given_instead_of_its_events_is_named_as_such():
    flow = fan_out(1)
    page = {"events": run_flow(flow, input={}).events}
    with pytest.raises(TypeError, match=r"^decide takes the history's events \(a list of event "
                       r"objects\), not an object: pass its 'events'$"):
        decide(flow, page, EXECUTION)
    with pytest.raises(TypeError, match=r"not a string$"):
        decide(flow, json.dumps(page, default=str), EXECUTION)


def test_a_result_too_deep_to_read_is_retried_then_fails_the_workflow_naming_it():
    flow, history = fan_out(1, retry=1), History()
    start_work(flow, history)
    history.complete(work_id(0))
    history.events[-1]["activityTaskCompletedEventAttributes"]["result"] = (
        "[" * 1_000 + "]" * 1_000)
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == [work_id(0)]
    history.respond(decisions)
    history.complete(work_id(0))
    history.events[-1]["activityTaskCompletedEventAttributes"]["result"] = "{" * 2_000
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert kinds(decisions) == ["FailWorkflowExecution"]
    assert decisions[0]["failWorkflowExecutionDecisionAttributes"]["reason"] == (
        f"{work_id(0)} did not complete in 2 attempts (retry=1); last: failed (its result "
        "cannot be read: it is JSON nested more than 100 levels deep)")
