"""The protections beyond garcon: refusals, the open-activity cap, the response size, retry
delays, payload limits and the history budget."""
import json

import pytest

from garcon import activity, runner, task
from garcon.decider import BACKOFF_TIMER_PREFIX, CONTINUE_TIMER_PREFIX, decide
from garcon.limits import SWF_LIMITS, SWFLimits
from garcon_sim import Simulator, run_flow
from garcon_sim.fleet import uniform
from garcon_sim.strategies import ActivitySpec, GeneratorSpec, build_flow
from tests.flows import fan_out
from tests.histories import EXECUTION, History, drive, kinds, scheduled_ids
from tests.test_decider import start_work, work_id


@pytest.mark.parametrize("cause", ["OPEN_ACTIVITIES_LIMIT_EXCEEDED",
                                   "ACTIVITY_CREATION_RATE_EXCEEDED"])
def test_a_passing_refusal_is_scheduled_again_after_a_wake_up_never_in_a_loop(cause):
    flow, history = fan_out(3), History()
    start_work(flow, history)
    history.refuse(work_id(2), cause)
    history.complete(work_id(0))
    # An activity closed since the refusal: schedule it again at once.
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == [work_id(2)]
    history.respond(decisions)
    history.refuse(work_id(2), cause)
    # Refused again and nothing has happened since: wait, with a timer to wake up.
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == []
    assert kinds(decisions) == ["StartTimer"]
    timer = decisions[0]["startTimerDecisionAttributes"]
    assert timer["timerId"].startswith(BACKOFF_TIMER_PREFIX)
    history.respond(decisions)
    # Still nothing new: no second timer, no schedule.
    assert decide(flow, history.decision_task(), EXECUTION) == []
    history.respond([])
    history.fire(timer["timerId"])
    assert scheduled_ids(decide(flow, history.decision_task(), EXECUTION)) == [work_id(2)]


def test_a_refusal_is_not_an_attempt():
    flow, history = fan_out(1, retry=0), History()
    start_work(flow, history)
    history.refuse(work_id(0), "OPEN_ACTIVITIES_LIMIT_EXCEEDED")
    history.add("TimerStarted", timerId="t", startToFireTimeout="1")
    history.add("TimerFired", timerId="t", startedEventId=len(history.events))
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == [work_id(0)]


@pytest.mark.parametrize("cause", [
    "ACTIVITY_TYPE_DOES_NOT_EXIST", "ACTIVITY_TYPE_DEPRECATED",
    "DEFAULT_TASK_LIST_UNDEFINED", "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED",
    "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED", "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED",
    "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED"])
def test_a_lasting_refusal_fails_the_workflow_naming_activity_and_cause(cause):
    flow, history = fan_out(2), History()
    start_work(flow, history)
    history.refuse(work_id(1), cause)
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert kinds(decisions) == ["FailWorkflowExecution"]
    reason = decisions[0]["failWorkflowExecutionDecisionAttributes"]["reason"]
    assert work_id(1) in reason and cause in reason


def open_counts(history):
    """The number of open activities after each event."""
    counts, open_ = [], 0
    for event in history.events:
        if event["eventType"] == "ActivityTaskScheduled":
            open_ += 1
        elif event["eventType"].startswith("ActivityTask") and event["eventType"] not in (
                "ActivityTaskStarted", "ActivityTaskCancelRequested"):
            open_ -= 1
        counts.append(open_)
    return counts


def one_close_per_decision(flow, history, **options):
    """Drive the flow closing one activity per decision task, oldest first."""
    queue = []
    for _ in range(20_000):
        decisions = decide(flow, history.decision_task(), EXECUTION, **options)
        history.respond(decisions)
        if any(d["decisionType"].endswith("WorkflowExecution") for d in decisions):
            return decisions[-1]
        for timer_id in list(history.timers):
            history.fire(timer_id)
        queue += scheduled_ids(decisions)
        if queue:
            history.complete(queue.pop(0))
    raise AssertionError("did not close")


def test_2500_instances_complete_with_at_most_1000_open_and_no_refusal():
    flow, history = fan_out(2_500), History()
    closing = drive(flow, history, max_decisions=100)
    assert closing["decisionType"] == "CompleteWorkflowExecution"
    assert max(open_counts(history)) == SWF_LIMITS.open_activities
    assert not [e for e in history.events if e["eventType"] == "ScheduleActivityTaskFailed"]
    assert sum(e["eventType"] == "ActivityTaskScheduled" for e in history.events) == 2_502


def test_slots_are_refilled_as_activities_close():
    flow, history = fan_out(30, max_open=10), History()
    closing = one_close_per_decision(flow, history)
    assert closing["decisionType"] == "CompleteWorkflowExecution"
    counts = open_counts(history)
    assert max(counts) == 10
    # After the first wave, each close frees exactly one slot, refilled at the next decision.
    assert counts.count(10) > 20


def test_a_flow_wide_cap_holds_across_activities():
    create = activity.create("dev", "flow")
    each = runner.Sync(lambda context, activity: None)
    gen = [lambda context: ({"generator.n": n} for n in range(8))]
    flow = type("Flow", (), dict(domain="dev", name="flow", max_open=5,
                                 a=create(name="a", generators=gen, run=each),
                                 b=create(name="b", generators=gen, run=each)))
    history = History()
    assert one_close_per_decision(flow, history)["decisionType"] == "CompleteWorkflowExecution"
    assert max(open_counts(history)) == 5


@task.decorate()
def bulky(activity, blob):
    return None


def test_a_response_over_1mb_is_split_with_a_zero_second_timer():
    create = activity.create("dev", "flow")
    flow = type("Flow", (), dict(domain="dev", name="flow", big=create(
        name="big", generators=[lambda context: ({"generator.n": n, "blob": "x" * 30_000}
                                                 for n in range(100))],
        run=runner.Sync(bulky.fill(blob="blob")))))
    history = History()
    decisions = decide(flow, history.decision_task(), EXECUTION)
    scheduled = scheduled_ids(decisions)
    assert 0 < len(scheduled) < 100
    assert decisions[-1]["decisionType"] == "StartTimer"
    timer = decisions[-1]["startTimerDecisionAttributes"]
    assert timer["timerId"].startswith(CONTINUE_TIMER_PREFIX)
    assert timer["startToFireTimeout"] == "0"
    assert len(json.dumps(decisions)) < SWF_LIMITS.request_bytes - 10_000
    history.respond(decisions)
    history.fire(timer["timerId"])
    following = scheduled_ids(decide(flow, history.decision_task(), EXECUTION))
    assert following and not set(following) & set(scheduled)


def test_retry_delay_waits_on_a_timer_for_that_instance_only():
    flow, history = fan_out(2, retry=3, retry_delay=30, retry_backoff=2), History()
    start_work(flow, history)
    history.fail(work_id(1))
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert kinds(decisions) == ["StartTimer"]
    attributes = decisions[0]["startTimerDecisionAttributes"]
    assert (attributes["timerId"], attributes["startToFireTimeout"]) == (work_id(1), "30")
    history.respond(decisions)
    history.complete(work_id(0))
    assert decide(flow, history.decision_task(), EXECUTION) == []
    history.respond([])
    history.fire(work_id(1))
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == [work_id(1)]
    history.respond(decisions)
    history.fail(work_id(1))
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert decisions[0]["startTimerDecisionAttributes"]["startToFireTimeout"] == "60"


def test_an_input_over_32768_characters_fails_before_any_refused_decision():
    create = activity.create("dev", "flow")
    flow = type("Flow", (), dict(domain="dev", name="flow", big=create(
        name="big", generators=[lambda context: [{"generator.n": 1, "blob": "x" * 40_000}]],
        run=runner.Sync(bulky.fill(blob="blob")))))
    decisions = decide(flow, History().decision_task(), EXECUTION)
    assert kinds(decisions) == ["FailWorkflowExecution"]
    reason = decisions[0]["failWorkflowExecutionDecisionAttributes"]["reason"]
    big_id = activity.instance_ids("flow_big", [{"generator.n": 1, "blob": "x" * 40_000}])[0]
    assert reason == f"the input of {big_id} is 40,101 characters, over SWF's 32,768"


def test_a_flow_that_cannot_fit_the_history_fails_at_once_with_the_budget_reason():
    limits = SWFLimits(history_events=500)
    flow, history = fan_out(200), History()  # 200 instances need at least 600 events
    history.respond(decide(flow, history.decision_task(), EXECUTION, limits=limits))
    history.complete("flow_setup-1", {"ready": True})
    decisions = decide(flow, history.decision_task(), EXECUTION, limits=limits)
    assert kinds(decisions) == ["FailWorkflowExecution"]
    reason = decisions[0]["failWorkflowExecutionDecisionAttributes"]["reason"]
    assert reason.startswith("history budget exceeded:")
    assert "500-event limit" in reason


def test_near_the_limit_the_decider_schedules_only_what_can_still_close():
    limits = SWFLimits(history_events=400)
    flow, history = fan_out(100, retry=5), History()  # fits at 3 events an attempt, no more
    closing = drive(flow, history, limits=limits)
    assert len(history.events) <= 400
    assert closing["decisionType"] in ("CompleteWorkflowExecution", "FailWorkflowExecution")


def test_closes_that_each_call_for_a_decision_task_never_reach_the_limit():
    """A fleet whose closes rarely share a decision task: 100 instances take 6 events each,
    over a 400-event limit that their 3 at best fit. Near the limit the decider keeps room for
    a decision task per close still to come, so the run fails on its budget, with a reason,
    and SWF never terminates it."""
    flow = build_flow(ActivitySpec("work", generators=(GeneratorSpec(100, "generator.n"),)))
    run = run_flow(flow, sim=Simulator(limits=SWFLimits(history_events=400)),
                   durations=uniform(1, 3), decision_seconds=0.5)
    assert run.status == "FAILED" and run.events_used <= 400
    assert run.reason.startswith("history budget exceeded: ")


def test_failures_near_the_limit_end_in_a_budget_failure_not_a_termination():
    limits = SWFLimits(history_events=300)
    flow, history = fan_out(60, retry=10), History()
    attempts = {}

    def flaky(history, activity_id):
        attempts[activity_id] = attempts.get(activity_id, 0) + 1
        if activity_id.startswith("flow_work") and attempts[activity_id] < 3:
            history.fail(activity_id)
        else:
            history.complete(activity_id)

    closing = drive(flow, history, flaky, limits=limits)
    assert len(history.events) <= 300
    assert closing["decisionType"] == "FailWorkflowExecution"
    assert "history budget exceeded" in closing["failWorkflowExecutionDecisionAttributes"][
        "reason"]
