"""garcon 1.1.1's documented modules and worker API, over the one core.

`garcon.event`, `garcon.context`, the worker side of `garcon.activity` and the decider's
module-level names are views of the fold and steps of the decider and the activity worker:
these tests hold them to what the core says of the same history. Flows shaped like garcon's two
example projects run the way their run.py drives them, on the simulator's boto3 client.
"""
import json
import logging
import threading
import types
import warnings

import pytest

from garcon import GarconWarning, activity, context, decider, event, log, runner, task, utils
from garcon.decider import decide
from garcon.limits import SWFLimits
from garcon.loader import FlowError, load_flow
from garcon.worker import ActivityWorker, DeciderWorker
from garcon_sim import Simulator, faults, run_flow
from tests.flows import fan_out
from tests.histories import EXECUTION, History, scheduled_ids

SCHEDULED, COMPLETED, FAILED = (activity.ACTIVITY_SCHEDULED, activity.ACTIVITY_COMPLETED,
                                activity.ACTIVITY_FAILED)


def test_activity_states_and_the_context_are_views_of_the_history():
    flow = fan_out(3, retry=2)
    run = run_flow(flow, input={"day": 3}, faults=[
        faults.fail("work", match={"generator.n": 1}, times=1),
        faults.timeout("work", match={"generator.n": 2}, kind="START_TO_CLOSE", times=1)])
    assert run.status == "COMPLETED"
    states = event.activity_states_from_events(reversed(run.events))  # any order
    work = states["flow_work"]
    by_n = {n: work[run.instances("work", {"generator.n": n})[0]] for n in range(3)}
    assert by_n[0].states == [SCHEDULED, COMPLETED]
    assert by_n[1].states == [SCHEDULED, FAILED, SCHEDULED, COMPLETED]
    assert by_n[2].states == [SCHEDULED, FAILED, SCHEDULED, COMPLETED]  # a timeout counts
    assert by_n[2].result == {"done.2": True}
    assert sorted(states) == ["flow_report", "flow_setup", "flow_work"]

    current = event.get_current_context(run.events)
    assert current.current == run.context and current.workflow_input == {"day": 3}
    current.set_workflow_execution_info(
        {"workflowExecution": {"workflowId": "w", "runId": "r"}}, "dev")
    assert current.current == {**run.context, "execution.domain": "dev",
                               "execution.workflow_id": "w", "execution.run_id": "r"}
    assert context.ExecutionContext().current == {}


def test_available_activities_are_what_the_decider_schedules_at_each_decision():
    flow = fan_out(3)
    run = run_flow(flow)
    for started in (e["eventId"] for e in run.events if e["eventType"] == "DecisionTaskStarted"):
        events = run.events[:started]
        states = event.activity_states_from_events(events)
        available = [i.id for i in activity.find_available_activities(flow, states, {})]
        assert available == scheduled_ids(decide(flow, events))
        uncomplete = {i.id for i in activity.find_uncomplete_activities(flow, states, {})}
        done = {activity_id for instances in states.values()
                for activity_id, state in instances.items() if state.ready}
        assert uncomplete == {i.id for i in activity.find_activities(flow, {})} - done


def test_an_exhausted_activity_is_a_workflow_failure_to_the_views():
    flow = fan_out(1, retry=1)
    history = History()
    history.decision_task()
    history.respond(decide(flow, history.events, EXECUTION))
    history.complete("flow_setup-1")
    for _ in range(2):
        history.decision_task()
        decisions = decide(flow, history.events, EXECUTION)
        history.respond(decisions)
        history.fail(scheduled_ids(decisions)[0])
    states = event.activity_states_from_events(history.events)
    with pytest.raises(decider.WorkflowFailure, match="did not complete in 2 attempts"):
        list(activity.find_available_activities(flow, states, {}))


def test_module_schedule_decides_over_hand_made_states():
    pay = fan_out(1).report
    pay.retry = 1
    pay_id = "flow_report-1-pay"

    def schedule(states, **options):
        decisions, progress = [], decider.ScheduleContext()
        state = decider.schedule(decisions, progress, states, {"ready": 1}, "pay", pay,
                                 **options)
        return decisions, progress.completed, state

    decisions, completed, state = schedule({}, version="2.0")
    [attributes] = [d["scheduleActivityTaskDecisionAttributes"] for d in decisions]
    assert (attributes["activityId"], attributes["activityType"]) == (
        pay_id, {"name": "flow_report", "version": "2.0"})
    assert json.loads(attributes["input"])["ready"] == 1
    assert not completed and state.get_last_state() == SCHEDULED

    failed_once = activity.ActivityState(pay_id, [SCHEDULED, FAILED])
    decisions, completed, _ = schedule({"flow_report": {pay_id: failed_once}})
    assert scheduled_ids(decisions) == [pay_id] and not completed

    done = activity.ActivityState(pay_id, [COMPLETED], {"paid": True})
    decisions, completed, state = schedule({"flow_report": {pay_id: done}})
    assert decisions == [] and completed and state.result == {"paid": True}

    failed_twice = activity.ActivityState(pay_id, [SCHEDULED, FAILED, SCHEDULED, FAILED])
    with pytest.raises(decider.WorkflowFailure, match=f"{pay_id} did not complete in 2"):
        schedule({"flow_report": {pay_id: failed_twice}})
    with pytest.raises(activity.ActivityInstanceNotReadyException):
        schedule({}, requires=[activity.ActivityState("other", [SCHEDULED])])


def test_schedule_activity_task_is_the_one_builder_of_schedule_decisions():
    flow = fan_out(2)
    instance = flow.work.instances({"ready": True})[1]
    decisions = []
    decider.schedule_activity_task(decisions, instance, version="3.0", id="custom")
    attributes = decisions[0]["scheduleActivityTaskDecisionAttributes"]
    assert attributes == {
        "activityId": "custom", "activityType": {"name": "flow_work", "version": "3.0"},
        "taskList": {"name": "flow_work"}, "input": json.dumps(instance.input()),
        "heartbeatTimeout": "600", "startToCloseTimeout": "600",
        "scheduleToStartTimeout": "1200", "scheduleToCloseTimeout": "1800"}
    assert instance.id == f"flow_work-{utils.create_dictionary_key({'generator.n': 1})}"


def test_garcons_decider_steps_page_fold_and_decide_like_answer():
    sim = Simulator()
    swf = sim.client()
    flow = fan_out(2)
    decider_worker = DeciderWorker(flow, client=swf)
    assert (decider_worker.version, [a.name for a in decider_worker.activities]) == (
        "1.0", ["flow_report", "flow_setup", "flow_work"])
    swf.start_workflow_execution(domain="dev", workflowId="wf-1",
                                 workflowType={"name": "flow", "version": "1.0"})
    task = swf.poll_for_decision_task(domain="dev", taskList={"name": "flow"},
                                      maximumPageSize=2)
    assert task.get("nextPageToken")
    history = decider_worker.get_history("me", task)
    assert [e["eventType"] for e in history] == ["WorkflowExecutionStarted"]
    states = decider_worker.get_activity_states(history)
    current = event.get_current_context(history)
    current.set_workflow_execution_info(task, "dev")
    decisions = []
    decider_worker.create_decisions_from_flow(decisions, states, current)
    assert scheduled_ids(decisions) == ["flow_setup-1"]
    inputs = [json.loads(d["scheduleActivityTaskDecisionAttributes"]["input"])
              for d in decisions]
    assert inputs == [{"execution.domain": "dev", "execution.workflow_id": "wf-1",
                       "execution.run_id": task["workflowExecution"]["runId"]}]


def test_garcons_decider_steps_warn_about_the_budget_at_the_first_decision_only(caplog):
    """garcon's get_history drops the DecisionTask* events: the first decision is the one
    before anything was scheduled, not every one the view shows no decision before."""
    limits = SWFLimits(history_events=1_000)
    sim = Simulator(limits=limits)
    swf = sim.client()
    flow = fan_out(100, retry=5)  # 3,617 events with every retry used
    decider_worker = DeciderWorker(flow, client=swf, limits=limits)
    worker = ActivityWorker(flow, client=swf, limits=limits)
    swf.start_workflow_execution(domain="dev", workflowId="wf-1",
                                 workflowType={"name": "flow", "version": "1.0"})

    def decide_as_garcon() -> list[dict]:
        task = swf.poll_for_decision_task(domain="dev", taskList={"name": "flow"})
        history = decider_worker.get_history("me", task)
        current = event.get_current_context(history)
        current.set_workflow_execution_info(task, "dev")
        decisions = []
        decider_worker.create_decisions_from_flow(
            decisions, decider_worker.get_activity_states(history), current)
        swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=decisions)
        return decisions

    with caplog.at_level(logging.WARNING, logger="garcon.worker"):
        assert scheduled_ids(decide_as_garcon()) == ["flow_setup-1"]
        worker.execute(flow.setup, worker.poll(flow.setup))
        assert len(scheduled_ids(decide_as_garcon())) == 100
    warnings = [r.getMessage() for r in caplog.records if "history budget" in r.getMessage()]
    assert len(warnings) == 1, warnings


# garcon's worker side of an activity, on the simulator's genuine boto3 client.

def one_activity_flow(swf, stop=None):
    create = activity.create(swf, "dev", "solo")
    seen = {}

    @task.decorate()
    def work(activity, n):
        seen["logger"] = flow.work.logger.name
        if stop is not None:
            stop.set()
        return {"doubled": n * 2}

    flow = types.SimpleNamespace(domain="dev", name="solo",
                                 work=create(name="work", run=runner.Sync(work.fill(n="n"))))
    DeciderWorker(flow).run()  # registers; nothing to decide yet
    return flow, seen


def started(swf, flow, input):
    run_id = swf.start_workflow_execution(
        domain="dev", workflowId="solo-1", input=json.dumps(input),
        workflowType={"name": "solo", "version": "1.0"})["runId"]
    DeciderWorker(flow, register=False).run()
    return run_id


def events_of(swf, run_id):
    return swf.get_workflow_execution_history(
        domain="dev", execution={"workflowId": "solo-1", "runId": run_id})["events"]


def test_activity_run_polls_once_runs_the_task_and_answers():
    swf = Simulator().client()
    flow, seen = one_activity_flow(swf)
    assert flow.work.run() is True  # an empty poll
    run_id = started(swf, flow, {"n": 21})
    assert flow.work.run(identity="me") is True
    completed = [e for e in events_of(swf, run_id) if e["eventType"] == "ActivityTaskCompleted"]
    assert json.loads(completed[0]["activityTaskCompletedEventAttributes"]["result"]) == {
        "doubled": 42}
    assert seen["logger"] == log.get_logger_namespace({
        "execution.domain": "dev", "execution.workflow_id": "solo-1",
        "execution.run_id": run_id})
    assert flow.work.logger.name == "garcon"  # once the task is answered


def test_poll_for_activity_gives_an_execution_of_the_task():
    swf = Simulator().client()
    flow, _ = one_activity_flow(swf)
    assert flow.work.poll_for_activity().activity_id is None
    started(swf, flow, {"n": 1})
    execution = flow.work.poll_for_activity(identity="me")
    assert (execution.activity_id, execution.context["n"]) == ("solo_work-1", 1)
    assert flow.work.execute_activity(execution) == {"doubled": 2}


def test_activity_worker_run_loops_each_activity_until_stopped():
    swf = Simulator().client()
    stop = threading.Event()
    flow, _ = one_activity_flow(swf, stop)
    run_id = started(swf, flow, {"n": 2})
    ActivityWorker(swf, flow).run(stop=stop)  # garcon's example order: (client, flow)
    assert "ActivityTaskCompleted" in [e["eventType"] for e in events_of(swf, run_id)]
    assert activity.ExternalActivity(timeout=5).run() is False
    activity.worker_runner(activity.ExternalActivity(timeout=5))  # returns at once


def test_an_activity_with_its_own_run_gets_garcons_loop_until_it_returns_false():
    """A subclass of Activity whose run() is its own (or a run set on an activity, as garcon's
    tests do): ActivityWorker.run() calls it until it returns False, then returns; the
    activities left to garcon's run() are served as usual, until stopped."""
    swf = Simulator().client()
    stop = threading.Event()
    flow, _ = one_activity_flow(swf)
    calls = []

    class Counted(activity.Activity):
        def run(self, identity=None, worker=None):
            calls.append(self.name)
            return len(calls) < 3

    flow.work.__class__ = Counted
    safety = threading.Timer(10, stop.set)  # a worker that polled instead would end here
    safety.start()
    ActivityWorker(flow, client=swf).run(stop=stop)
    assert calls == ["solo_work"] * 3 and not stop.is_set()
    flow.work.__class__ = activity.Activity
    flow.work.run = lambda identity=None: calls.append("set on it") or False
    ActivityWorker(flow, client=swf).run(stop=stop)
    safety.cancel()
    assert calls[3:] == ["set on it"] and not stop.is_set()


def test_an_own_run_that_calls_garcons_polls_with_the_worker_that_runs_it(monkeypatch):
    """Its super().run() polls with the ActivityWorker's client (here the simulator's), not
    one the activity would make of its own (no region here: it could not)."""
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    swf = Simulator().client()
    done = threading.Event()

    class Once(activity.Activity):
        def run(self, identity=None, worker=None):
            super().run(identity)
            return not done.is_set()

    work = activity.create("dev", "own")(  # no client of its own
        name="work", run=runner.Sync(lambda context, activity: done.set() or {}))
    work.__class__ = Once
    flow = types.SimpleNamespace(domain="dev", name="own", work=work)
    DeciderWorker(flow, client=swf).run()  # registers
    run_id = swf.start_workflow_execution(domain="dev", workflowId="own-1", input="{}",
                                          workflowType={"name": "own", "version": "1.0"})["runId"]
    DeciderWorker(flow, client=swf, register=False).run()  # schedules work
    ActivityWorker(flow, client=swf).run()
    events = swf.get_workflow_execution_history(
        domain="dev", execution={"workflowId": "own-1", "runId": run_id})["events"]
    assert "ActivityTaskCompleted" in [e["eventType"] for e in events]


def test_a_throttled_poll_for_activity_is_tried_five_times_and_logged(caplog):
    sim = Simulator()
    swf = sim.client()
    flow, _ = one_activity_flow(swf)
    flow.work._own_worker().sleep = lambda seconds: None
    sim.throttle("PollForActivityTask", 4)
    with caplog.at_level(logging.INFO, logger="garcon"):
        assert flow.work.poll_for_activity().activity_id is None
    assert [r.getMessage().split(".")[0] for r in caplog.records] == [
        f"Throttle Exception occurred on try {n}" for n in range(1, 5)]
    sim.throttle("PollForActivityTask", 5)
    with pytest.raises(swf.exceptions.ClientError, match="Throttling"):
        flow.work.poll_for_activity()


# Flows shaped like garcon 1.1.1's example projects, driven as their run.py drives them.

def simple_example(swf):
    """example/simple's shape: 1, then 2 (two tasks in threads) and 3 (fails, retried), then
    4 once both are done."""
    create = activity.create(swf, "dev", "sample")
    tries = []

    def flaky(context, activity):
        tries.append(1)
        if len(tries) < 3:
            raise RuntimeError("fails")

    return types.SimpleNamespace(
        domain="dev", name="sample", tries=tries,
        one=(one := create(name="one", run=runner.Sync(lambda context, activity: None))),
        two=(two := create(name="two", requires=[one], run=runner.Async(
            lambda context, activity: {"two.a": 1}, lambda context, activity: {"two.b": 2}))),
        three=(three := create(name="three", retry=10, requires=[one], run=runner.Sync(flaky))),
        four=create(name="four", requires=[three, two],
                    run=runner.Sync(lambda context, activity: {"four": True})))


class CoffeeShop:
    """example/custom_decider's shape: a class whose activities are properties."""

    def __init__(self, client, domain, name):
        self.name, self.domain, self.client = name, domain, client
        self.create_activity = activity.create(client, domain, name)

    def decider(self, schedule, context=None):
        schedule("enter", self.enter).wait()
        total = sum(schedule(f"order_{item}", self.order, input={"item": item}).result["price"]
                    for item in ("coffee", "cookie"))
        pay = schedule("pay", self.pay, input={"total": total})
        pay.wait()
        schedule("leave", self.leave)

    @property
    def enter(self):
        return self.create_activity(name="enter",
                                    run=runner.Sync(lambda context, activity: None))

    @property
    def order(self):
        @task.decorate()
        def order(activity, item=None):
            return {"price": {"coffee": 3.99, "cookie": 2.99}[item]}

        return self.create_activity(name="order", run=runner.Sync(order.fill(item="item")))

    @property
    def pay(self):
        @task.decorate()
        def pay(activity, total=None):
            return {"paid": round(total, 2)}

        return self.create_activity(name="pay", run=runner.Sync(pay.fill(total="total")))

    @property
    def leave(self):
        return self.create_activity(name="leave",
                                    run=runner.Sync(lambda context, activity: None))


def run_as_run_py_does(swf, flow, **start):
    """run.py: a DeciderWorker(client, flow), a start, ActivityWorker(client, flow), and
    `deciderworker.run()` forever; here the activities' run() in turn, in one thread."""
    deciderworker = DeciderWorker(swf, flow)
    run_id = swf.start_workflow_execution(
        domain=flow.domain, workflowId="unique-workflow-identifier",
        workflowType={"name": flow.name, "version": "1.0"}, taskList={"name": flow.name},
        **start)["runId"]
    workers = ActivityWorker(swf, flow).activities
    for _ in range(100):
        deciderworker.run()
        for current in workers:
            current.run()
        events = swf.get_workflow_execution_history(
            domain=flow.domain, execution={"workflowId": "unique-workflow-identifier",
                                           "runId": run_id})["events"]
        if events[-1]["eventType"].startswith("WorkflowExecution") and len(events) > 1:
            return events
    raise AssertionError("the execution did not close")


def test_a_flow_shaped_like_garcons_simple_example_runs_as_its_run_py_does():
    swf = Simulator().client()
    flow = simple_example(swf)
    events = run_as_run_py_does(swf, flow)
    assert events[-1]["eventType"] == "WorkflowExecutionCompleted"
    assert len(flow.tries) == 3
    final = {}
    for e in events:
        if e["eventType"] == "ActivityTaskCompleted":
            final.update(json.loads(e["activityTaskCompletedEventAttributes"]["result"]))
    assert final == {"two.a": 1, "two.b": 2, "four": True}


def test_a_flow_shaped_like_garcons_custom_decider_example_runs_as_its_run_py_does():
    swf = Simulator().client()
    shop = CoffeeShop(swf, "dev", "custom_decider")
    events = run_as_run_py_does(swf, shop, executionStartToCloseTimeout="3600",
                                taskStartToCloseTimeout="3600", childPolicy="TERMINATE")
    assert events[-1]["eventType"] == "WorkflowExecutionCompleted"
    paid = [json.loads(e["activityTaskCompletedEventAttributes"]["result"]) for e in events
            if e["eventType"] == "ActivityTaskCompleted"]
    assert {"paid": 6.98} in paid


# A flow module that imported under garcon 1.1.1 imports under ours, with warnings.

OLD_STYLE_FLOW = '''
from garcon import activity, runner, task

domain = "dev"
name = "legacy"
create = activity.create(domain, name)


@task.decorate()
def greet(activity, user):
    return {"greeted": user}


greeting = create(name="greeting",
                  run=runner.Sync(greet.fill(user="user.name", locale="user.locale")))
per_country = create(name="per_country", requires=[greeting],
                     generator=[lambda context: ({"country": c} for c in "ab")],
                     run=runner.Sync(lambda context, activity: {"countries": 1}))
'''


def write_flow(tmp_path, source, module="legacy_flow"):
    path = tmp_path / f"{module}.py"
    path.write_text(source)
    return str(path)


def test_an_old_style_flow_module_imports_with_warnings_and_runs(tmp_path):
    path = write_flow(tmp_path, OLD_STYLE_FLOW)
    with pytest.warns(GarconWarning) as warned:
        flow = load_flow(path)
    assert [str(w.message) for w in warned] == [
        "task greet has no parameter 'locale' to fill: the value is read into the activity's "
        "input, and not passed",
        "activity legacy_per_country: unknown option 'generator', ignored (did you mean "
        "'generators'?)"]
    assert {w.filename for w in warned} == {path}
    run = run_flow(flow, input={"user.name": "ada", "user.locale": "fr"})
    assert run.status == "COMPLETED"
    assert len(run.instances("per_country")) == 1  # garcon ran it once, without a generator
    [greeting] = [json.loads(e["activityTaskScheduledEventAttributes"]["input"])
                  for e in run.events if e["eventType"] == "ActivityTaskScheduled"][:1]
    assert greeting["user.locale"] == "fr"


def test_the_warnings_are_errors_when_users_ask(tmp_path):
    path = write_flow(tmp_path, OLD_STYLE_FLOW, "strict_flow")
    with warnings.catch_warnings():
        warnings.simplefilter("error", GarconWarning)
        with pytest.raises(FlowError, match="does not import: GarconWarning: task greet has no "
                                            "parameter 'locale'"):
            load_flow(path)


def test_an_activity_without_a_runner_fails_the_workflow_naming_it(tmp_path):
    source = ("from garcon import activity\n"
              "domain, name = 'dev', 'legacy'\n"
              "placeholder = activity.create(domain, name)(name='placeholder')\n")
    with pytest.warns(GarconWarning, match="legacy_placeholder has nothing to run"):
        flow = load_flow(write_flow(tmp_path, source, "placeholder_flow"))
    run = run_flow(flow)
    assert run.status == "FAILED"
    assert run.reason == ("activity legacy_placeholder has nothing to run: give it "
                          "run=runner.Sync(...) (or external=True)")
