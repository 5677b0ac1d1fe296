"""Whole flows in the simulator: run_flow, RunResult, faults, virtual time and seeds."""
import importlib
import json
import random
import threading
import time
import types
from datetime import datetime, timezone

import _pytest.timing
import pytest

from garcon import activity, budget, runner, task
from garcon.activity import ActivityInstanceNotReadyException
from garcon_sim import faults
from garcon_sim.faults import FaultError
from garcon_sim.harness import RunInProgressError, run_flow
from garcon_sim.replay import replay
from tests.flows import fan_out


def work_input(n):
    return {"generator.n": n}


def test_a_flow_completes_with_its_history_and_context():
    run = run_flow(fan_out(3), input={"greeting": "hi"})
    assert run.status == "COMPLETED" and run.reason is None
    assert run.events[0]["eventType"] == "WorkflowExecutionStarted"
    assert run.events[-1]["eventType"] == "WorkflowExecutionCompleted"
    assert run.events_used == len(run.events)
    assert run.context == {"greeting": "hi", "ready": True, "done.0": True, "done.1": True,
                           "done.2": True, "done.True": True}
    assert run.attempts("work") == 3


def test_one_worker_a_second_an_attempt_and_instant_decisions_run_one_attempt_at_a_time():
    run = run_flow(fan_out(3), workers=1, durations=1, decision_seconds=0)
    assert run.status == "COMPLETED"
    assert run.duration.total_seconds() == 5  # setup, the 3 instances, report: 1 s each
    assert run.events_used == budget.estimate(fan_out(3)).most  # a decision task per close


def test_one_instance_failing_twice_is_retried_alone(swf_sim):
    swf_sim.faults.add(faults.fail("work", match=work_input(1), times=2))
    run = swf_sim.run(fan_out(3, retry=3))
    assert run.status == "COMPLETED"
    assert run.attempts("work", work_input(1)) == 3
    assert run.attempts("flow_work", work_input(0)) == 1
    assert list(run.outcomes("work", work_input(1)).values()) == [
        ["failed", "failed", "completed"]]


def test_retries_exhausted_fail_the_run_naming_the_instance():
    run = run_flow(fan_out(3, retry=2), faults=[faults.fail("work", match=work_input(2))])
    assert run.status == "FAILED"
    [instance] = run.instances("work", work_input(2))
    assert instance in run.reason and "3 attempts" in run.reason
    assert run.attempts("work", work_input(2)) == 3


@task.decorate(timeout=60, heartbeat=10)
def patient(activity, n):
    return None


def timing_flow(**options):
    create = activity.create("dev", "timing")
    return types.SimpleNamespace(domain="dev", name="timing", only=create(
        name="only", retry=1, run=runner.Sync(patient.fill(n="n")), **options))


def timed_out_kinds(run):
    return [e["activityTaskTimedOutEventAttributes"]["timeoutType"] for e in run.events
            if e["eventType"] == "ActivityTaskTimedOut"]


@pytest.mark.parametrize("kind, options, seconds", [
    ("SCHEDULE_TO_START", {}, 600), ("START_TO_CLOSE", {}, 60), ("HEARTBEAT", {}, 10),
    ("SCHEDULE_TO_CLOSE", {"schedule_to_close": 30}, 30)])
def test_each_kind_of_timeout_happens_as_swf_would_time_it_out(kind, options, seconds):
    run = run_flow(timing_flow(**options), faults=[faults.timeout("only", kind=kind, times=1)])
    assert run.status == "COMPLETED"
    assert timed_out_kinds(run) == [kind]
    scheduled = next(e for e in run.events if e["eventType"] == "ActivityTaskScheduled")
    timed_out = next(e for e in run.events if e["eventType"] == "ActivityTaskTimedOut")
    assert (timed_out["eventTimestamp"] - scheduled["eventTimestamp"]).total_seconds() == (
        seconds)
    assert run.outcomes("only") == {"timing_only-1": ["timed out", "completed"]}


def test_a_timeout_that_cannot_come_first_is_refused_with_the_reason():
    with pytest.raises(FaultError, match=r"SCHEDULE_TO_CLOSE timeout cannot come first .* "
                                         r"START_TO_CLOSE"):
        run_flow(timing_flow(), faults=[faults.timeout("only", kind="SCHEDULE_TO_CLOSE")])


def test_a_crashed_worker_leaves_the_attempt_to_its_first_timeout():
    run = run_flow(timing_flow(), faults=[faults.crash("only", times=1)])
    assert run.status == "COMPLETED"
    assert timed_out_kinds(run) == ["HEARTBEAT"]


def test_throttled_calls_are_retried_after_a_virtual_backoff():
    plain = run_flow(fan_out(2))
    throttled = run_flow(fan_out(2), faults=[faults.throttle("PollForActivityTask", 3),
                                             faults.throttle("RespondActivityTaskCompleted",
                                                             2)])
    assert throttled.status == "COMPLETED"
    assert [e["eventType"] for e in throttled.events] == [e["eventType"] for e in plain.events]
    assert throttled.duration > plain.duration


def test_random_failures_follow_the_seed():
    def run(seed):
        return run_flow(fan_out(40, retry=5), seed=seed,
                        faults=[faults.random_failures(0.3, "work")])

    first, again, other = run(5), run(5), run(6)
    assert first.to_json() == again.to_json()
    failures = first.summary()["flow_work"]["failures"]
    assert 4 <= failures <= 30
    assert first.to_json() != other.to_json()


def test_tasks_see_the_virtual_clock_and_a_seeded_random():
    seen = []

    def look(context, activity):
        seen.append((time.time(), datetime.now(timezone.utc), random.random()))
        return {"now": datetime.now(timezone.utc).isoformat()}

    create = activity.create("dev", "clock")
    flow = types.SimpleNamespace(domain="dev", name="clock", look=create(
        name="look", run=runner.Sync(look)))
    start = datetime(2030, 5, 1, tzinfo=timezone.utc)
    before = random.getstate()
    run = run_flow(flow, start_time=start, seed=9)
    assert random.getstate() == before
    started = next(e for e in run.events if e["eventType"] == "ActivityTaskStarted")
    completed = next(e for e in run.events if e["eventType"] == "ActivityTaskCompleted")
    # The task runs when its attempt starts; its answer comes an attempt's second later.
    assert json.loads(completed["activityTaskCompletedEventAttributes"]["result"]) == {
        "now": started["eventTimestamp"].astimezone(timezone.utc).isoformat()}
    assert seen[0][0] == started["eventTimestamp"].timestamp()
    run_flow(flow, start_time=start, seed=9)
    assert seen[0][2] == seen[1][2]


def test_a_generator_over_the_last_days_is_deterministic():
    def last_days(context):
        today = datetime.now(timezone.utc).date()
        for back in range(3):
            yield {"generator.day": today.toordinal() - back}

    create = activity.create("dev", "days")
    flow = types.SimpleNamespace(domain="dev", name="days", fetch=create(
        name="fetch", generators=[last_days], run=runner.Sync(lambda context, activity: None)))
    start = datetime(2031, 1, 10, tzinfo=timezone.utc)
    run = run_flow(flow, start_time=start)
    days = sorted(json.loads(e["activityTaskScheduledEventAttributes"]["input"])["generator.day"]
                  for e in run.events if e["eventType"] == "ActivityTaskScheduled")
    assert days == [start.date().toordinal() - back for back in (2, 1, 0)]


def test_same_seed_same_bytes_and_both_clients_agree(seed_flow):
    direct = run_flow(seed_flow, seed=11)
    assert run_flow(seed_flow, seed=11).to_json() == direct.to_json()
    assert run_flow(seed_flow, seed=11, client="boto3").to_json() == direct.to_json()


def test_async_runners_run_in_order_in_the_simulator():
    order = []

    def step(name):
        def run(context, activity):
            order.append(name)
            return {name: random.random()}
        return run

    create = activity.create("dev", "parallel")
    flow = types.SimpleNamespace(domain="dev", name="parallel", fan=create(
        name="fan", run=runner.Async(step("a"), step("b"), step("c"), max_workers=3)))
    first = run_flow(flow, seed=2)
    assert order == ["a", "b", "c"]
    assert run_flow(flow, seed=2).to_json() == first.to_json()


def test_a_flow_with_nothing_to_do_and_nothing_open_is_stuck():
    def decider(schedule, context=None):
        raise ActivityInstanceNotReadyException()

    run = run_flow(types.SimpleNamespace(domain="dev", name="idle", decider=decider))
    assert run.status == "STUCK"
    assert run.reason == ("nothing can run and nothing is due: 0 activity task(s) open, "
                          "0 timer(s), 0 decision task(s)")


def test_2500_instances_complete_with_at_most_1000_open_at_any_time():
    run = run_flow(fan_out(2_500))
    assert run.status == "COMPLETED"
    open_now = peak = 0
    for event in run.events:
        kind = event["eventType"]
        if kind == "ActivityTaskScheduled":
            open_now += 1
        elif kind in ("ActivityTaskCompleted", "ActivityTaskFailed", "ActivityTaskTimedOut",
                      "ActivityTaskCanceled"):
            open_now -= 1
        peak = max(peak, open_now)
    assert peak == 1_000
    assert "ScheduleActivityTaskFailed" not in {e["eventType"] for e in run.events}


def test_a_generator_too_big_for_the_history_fails_early_not_by_event_limit():
    run = run_flow(fan_out(9_000))
    assert run.status == "FAILED"
    assert run.reason.startswith("history budget exceeded:")
    assert run.events_used < 100
    assert "EVENT_LIMIT_EXCEEDED" not in run.to_json()


def test_faults_on_several_instances_at_once_keep_the_clock_moving_forward():
    run = run_flow(fan_out(5, retry=2), faults=[
        faults.timeout("work", match=work_input(2), kind="SCHEDULE_TO_START", times=1),
        faults.timeout("work", match=work_input(3), kind="START_TO_CLOSE", times=1)])
    assert run.status == "COMPLETED"
    assert sorted(timed_out_kinds(run)) == ["SCHEDULE_TO_START", "START_TO_CLOSE"]
    stamps = [e["eventTimestamp"] for e in run.events]
    assert stamps == sorted(stamps)


def test_a_workflow_input_nested_too_deep_fails_the_run_with_the_reason():
    """It used to make the decider raise at every decision task, and the run never ended."""
    deep = json.loads("[" * 900 + "]" * 900)
    run = run_flow(fan_out(1), input={"deep": deep})
    assert (run.status, run.reason) == (
        "FAILED", "the workflow input cannot be read: it is JSON nested more than 100 levels "
        "deep")
    assert len(run.events) == 5


def test_pytest_keeps_its_own_clock_while_a_run_freezes_time():
    """freezegun leaves `_pytest.timing` alone: pytest's durations stay real ("11 passed in
    1767224388s" was the frozen clock leaking into them)."""
    seen = {}

    def read_clocks(context, activity):
        seen.update(frozen=time.time(), pytest=_pytest.timing.time(),
                    pytest_counter=_pytest.timing.perf_counter())

    create = activity.create("dev", "clocks")
    flow = types.SimpleNamespace(domain="dev", name="clocks", read=create(
        name="read", run=runner.Sync(read_clocks)))
    before, counter = time.time(), time.perf_counter()
    run_flow(flow, start_time=datetime(2030, 1, 1, tzinfo=timezone.utc))
    after = time.time()
    assert seen["frozen"] >= datetime(2030, 1, 1, tzinfo=timezone.utc).timestamp()
    assert before <= seen["pytest"] <= after
    assert counter <= seen["pytest_counter"] <= time.perf_counter()


def test_decisions_swf_refuses_end_the_run_instead_of_looping_on_decision_timeouts():
    """Decisions SWF refuses as invalid (a task timeout past its one-year ceiling) would be
    made again at every decision task, each timing out first: the run ends with SWF's error."""
    @task.decorate(timeout=40_000_000)
    def endless(activity):
        return {}

    flow = types.SimpleNamespace(domain="dev", name="flow", a=activity.create("dev", "flow")(
        name="a", run=runner.Sync(endless)))
    with pytest.raises(Exception, match=r"ValidationException.*startToCloseTimeout"):
        run_flow(flow)


def one_task_flow(task) -> types.SimpleNamespace:
    only = activity.create("dev", "flow")(name="only", run=runner.Sync(task))
    return types.SimpleNamespace(domain="dev", name="flow", only=only)


def test_a_run_inside_a_run_is_refused_as_both_would_share_the_clock_and_random():
    run = run_flow(one_task_flow(lambda context, activity: run_flow(fan_out(1))))
    assert run.status == "FAILED"
    assert ("RunInProgressError: a run (run_flow or replay) is already in progress in this "
            "process") in run.reason
    assert run_flow(fan_out(1)).status == "COMPLETED"  # the outer run let go when it ended


def test_a_plan_shared_with_a_refused_run_still_strikes_the_run_it_was_given():
    """The refused inner run must not resolve the shared plan's names against its own flow."""
    shared = faults.FaultPlan([faults.fail("work", times=1)])
    other = types.SimpleNamespace(domain="dev", name="other", work=activity.create(
        "dev", "other")(name="work", run=runner.Sync(lambda context, activity: {})))
    refused = []

    def setup(context, activity):
        try:
            run_flow(other, faults=shared)
        except RunInProgressError as error:
            refused.append(error)
        return {}

    flow = fan_out(1, retry=1)
    flow.setup.runner = runner.Sync(setup)
    run = run_flow(flow, faults=shared)
    assert len(refused) == 1
    assert [*run.outcomes("work").values()] == [["failed", "completed"]]


def test_a_replay_inside_a_run_is_refused_too():
    history = run_flow(fan_out(1)).events
    run = run_flow(one_task_flow(lambda context, activity: replay(history, fan_out(1))))
    assert run.status == "FAILED"
    assert "RunInProgressError: a run (run_flow or replay)" in run.reason
    assert replay(history, fan_out(1)).ok


def test_a_flow_module_named_like_a_library_still_sees_the_virtual_clock(tmp_path,
                                                                       monkeypatch):
    """Freezegun leaves some libraries on the real clock, matching module names by their
    start: a flow module of yours named `pytest_flows` is not one of them."""
    (tmp_path / "pytest_flows.py").write_text(
        "import time\n"
        "from garcon import activity, runner\n"
        "domain, name = 'dev', 'clocked'\n"
        "look = activity.create(domain, name)(\n"
        "    name='look', run=runner.Sync(lambda context, activity: {'now': time.time()}))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    flow = importlib.import_module("pytest_flows")
    start = datetime(2030, 5, 1, tzinfo=timezone.utc)
    run = run_flow(flow, start_time=start)
    assert start.timestamp() <= run.context["now"] < start.timestamp() + 60


def test_a_run_while_another_thread_runs_one_is_refused():
    inside, release = threading.Event(), threading.Event()
    results = []

    def hold(context, activity):
        inside.set()
        assert release.wait(timeout=60)

    other = threading.Thread(target=lambda: results.append(run_flow(one_task_flow(hold))))
    other.start()
    try:
        assert inside.wait(timeout=60)
        with pytest.raises(RunInProgressError, match="runs cannot nest or overlap"):
            run_flow(fan_out(1))
    finally:
        release.set()
        other.join(timeout=60)
    assert [run.status for run in results] == ["COMPLETED"]
