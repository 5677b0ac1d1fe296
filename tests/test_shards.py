"""Sharded activities: a generator's instances run in child workflow executions.

End to end in the simulator (run_flow drives the parent and its children with garcon's own
workers), and the decider alone on hand-written histories where SWF's refusals and a child's
termination or timeout need to be set up exactly.
"""
import json
import types

import pytest

from garcon import activity, budget, runner, shards, task
from garcon.decider import decide
from garcon.history import HistoryError, HistoryState, shard_control
from garcon.limits import SWFLimits, invalid_identifier
from garcon_sim import Simulator, faults, run_flow
from garcon_sim.fleet import uniform
from tests.flows import fan_out
from tests.histories import EXECUTION, History

WORK = "flow_work"


def children_of(run):
    return run.executions()[1:]


def test_the_instances_run_in_children_with_the_ids_they_have_unsharded():
    sharded = run_flow(fan_out(10, retry=1, shard=4))
    plain = run_flow(fan_out(10, retry=1))
    assert sharded.status == plain.status == "COMPLETED"
    assert sharded.instances("work") == plain.instances("work")  # generator order, same ids
    kids = children_of(sharded)
    assert [len(kid.instances("work")) for kid in kids] == [4, 4, 2]
    assert [kid.workflow_id for kid in kids] == [
        f"{sharded.workflow_id}-work-shard-{n}" for n in (1, 2, 3)]
    assert [kid.instances("work") for kid in kids] == [
        plain.instances("work")[i:i + 4] for i in (0, 4, 8)]
    assert sharded.instances("work", {"generator.n": 3}) == [plain.instances("work")[3]]
    assert sharded.instances("setup") == plain.instances("setup")  # the rest runs in place
    assert sharded.context == plain.context  # every result merged, in the parent
    # A child is the same workflow type on the same task list, with the parent's timeouts.
    started = [kid.events[0]["workflowExecutionStartedEventAttributes"] for kid in kids]
    parent = sharded.events[0]["workflowExecutionStartedEventAttributes"]
    for child in started:
        for key in ("workflowType", "taskList", "executionStartToCloseTimeout",
                    "taskStartToCloseTimeout"):
            assert child[key] == parent[key], key
        assert child["parentWorkflowExecution"] == {"workflowId": sharded.workflow_id,
                                                    "runId": sharded.run_id}


def test_report_starts_once_every_shard_completed():
    run = run_flow(fan_out(9, shard=3), durations=uniform(1, 30))
    events = run.events
    closes = [e["eventId"] for e in events if e["eventType"] == "ChildWorkflowExecutionCompleted"]
    report = next(e["eventId"] for e in events if e["eventType"] == "ActivityTaskScheduled"
                  and e["activityTaskScheduledEventAttributes"]["activityId"] == "flow_report-1")
    assert len(closes) == 3 and max(closes) < report
    assert run.status == "COMPLETED"


def test_results_merge_in_shard_order_whatever_order_the_children_complete_in():
    create = activity.create("dev", "flow")

    @task.decorate()
    def last(activity, n):
        return {"last": n, f"done.{n}": True}

    work = create(name="work", generators=[lambda c: ({"generator.n": n} for n in range(12))],
                  shard=3, run=runner.Sync(last.fill(n="generator.n")))
    flow = types.SimpleNamespace(domain="dev", name="flow", work=work)
    # The first shard's attempts are the slowest: it completes last.
    run = run_flow(flow, workers=12, durations=lambda attempt: 100 - attempt.input["generator.n"])
    order = [kid.workflow_id[-1] for kid in sorted(
        children_of(run), key=lambda kid: kid.events[-1]["eventTimestamp"])]
    assert order == ["4", "3", "2", "1"]
    assert run.context["last"] == 11  # the last shard's last instance, in generator order
    result = json.loads(children_of(run)[0].events[-1][
        "workflowExecutionCompletedEventAttributes"]["result"])
    assert result == {"last": 2, "done.0": True, "done.1": True, "done.2": True}


def test_shard_auto_keeps_each_child_under_the_advised_events_with_every_retry_used():
    limits = SWFLimits(history_events=400, recommended_history_events=300)
    flow = fan_out(100, retry=2, shard="auto")
    per_instance = budget.activity_budget(flow.work, 1, 1000).most  # 3 attempts x 6 events
    size = budget.auto_shard_size(flow.work, 1000, limits)
    assert size == (300 - budget.WORKFLOW_EVENTS) // per_instance == 16
    run = run_flow(flow, sim=Simulator(limits=limits),
                   faults=[faults.fail("work", times=2)])  # every retry used
    assert run.status == "COMPLETED"
    kids = children_of(run)
    assert len(kids) == 7  # 100 instances, 16 a child
    assert max(kid.events_used for kid in kids) <= 300
    assert all(run.attempts("work", {"generator.n": n}) == 3 for n in range(100))


def test_shard_auto_runs_in_place_what_fits_one_child_and_the_flow_attribute_shards_all():
    assert not children_of(run_flow(fan_out(20, shard="auto")))
    flow = fan_out(20)
    flow.shard = 8
    run = run_flow(flow)
    assert [len(kid.instances("work")) for kid in children_of(run)] == [8, 8, 4]
    assert budget.shard_option(flow, flow.setup) is None  # no generators: in place
    flow.shard = "lots"
    failed = run_flow(flow)
    assert failed.status == "FAILED"
    assert failed.reason == ("the flow attribute shard is a number of instances per child "
                             "workflow (1 or more) or 'auto', not 'lots'")


def test_shard_options_are_checked_when_the_activity_is_created():
    create = activity.create("dev", "flow")
    noop = runner.Sync(lambda context, activity: None)
    with pytest.raises(ValueError, match=r"number of instances per child workflow .* not 0"):
        create(name="a", generators=[lambda c: []], shard=0, run=noop)
    with pytest.raises(ValueError, match="it has none"):
        create(name="a", shard=10, run=noop)


def test_at_most_the_open_children_quota_is_open_and_the_parent_keeps_to_its_limit():
    limits = SWFLimits(open_children=2, history_events=120)
    run = run_flow(fan_out(30, shard=3), sim=Simulator(limits=limits))
    assert run.status == "COMPLETED"
    assert len(children_of(run)) == 10
    peak = open_now = 0
    for event in run.events:
        if event["eventType"] == "StartChildWorkflowExecutionInitiated":
            open_now += 1
        elif event["eventType"].startswith("ChildWorkflowExecution") and (
                event["eventType"] != "ChildWorkflowExecutionStarted"):
            open_now -= 1
        peak = max(peak, open_now)
    assert peak == 2
    assert not any(e["eventType"] == "StartChildWorkflowExecutionFailed" for e in run.events)
    assert max(execution.events_used for execution in run.executions()) <= 120


def test_a_parent_that_cannot_fit_fails_early_and_a_shard_too_large_is_refused():
    limits = SWFLimits(history_events=60)
    too_many = run_flow(fan_out(200, shard=1), sim=Simulator(limits=limits))
    assert too_many.status == "FAILED"
    assert too_many.reason.startswith("history budget exceeded: ")
    assert too_many.events_used <= 60 and not children_of(too_many)
    too_large = run_flow(fan_out(200, shard=100), sim=Simulator(limits=limits))
    assert too_large.reason == (
        "shard=100 on flow_work: a child of 100 instances needs at least 308 events, over "
        "SWF's 60-event limit: give a smaller shard, or shard='auto'")


def test_a_flow_that_would_fail_on_its_budget_is_told_that_shard_would_let_it_run():
    limits = SWFLimits(history_events=500)
    run = run_flow(fan_out(200), sim=Simulator(limits=limits))
    assert run.status == "FAILED"
    assert run.reason == (
        "history budget exceeded: 9 events used and at least 611 more needed to finish, over "
        "SWF's 500-event limit: shard='auto' on flow_work would let it run (3 child executions "
        "of at most 497 events each)")
    again = run_flow(fan_out(200, shard="auto"), sim=Simulator(limits=limits))
    assert again.status == "COMPLETED"


def test_an_instance_out_of_retries_fails_its_child_and_the_parent_names_the_instance():
    run = run_flow(fan_out(10, retry=1, shard=4),
                   faults=[faults.fail("work", match={"generator.n": 6})])
    instance = run.instances("work", {"generator.n": 6})[0]
    assert run.status == "FAILED"
    assert run.reason.startswith(f"{instance} did not complete in 2 attempts (retry=1); last: "
                                 "failed (injected failure) (in shard 2 of 3 of flow_work, "
                                 "instances 5 to 8 of 10, ")
    assert run.reason.endswith(f"child workflow {run.workflow_id}-work-shard-2)")
    assert [kid.status for kid in children_of(run)] == ["COMPLETED", "FAILED", "COMPLETED"]
    assert run.outcomes("work", {"generator.n": 6}) == {instance: ["failed", "failed"]}
    assert "attempt 2: failed (injected failure)" in run.events[-1][
        "workflowExecutionFailedEventAttributes"]["details"]


def test_a_failing_parent_asks_its_open_children_to_cancel():
    flow = fan_out(12, shard=3)
    flow.work.max_open = 1  # the children take a while
    run = run_flow(flow, faults=[faults.fail("work", match={"generator.n": 0})])
    assert run.status == "FAILED"
    kids = children_of(run)
    cancels = [e for e in run.events
               if e["eventType"] == "RequestCancelExternalWorkflowExecutionInitiated"]
    assert {e["requestCancelExternalWorkflowExecutionInitiatedEventAttributes"]["workflowId"]
            for e in cancels} == {kid.workflow_id for kid in kids if kid.status == "CANCELED"}
    assert [kid.status for kid in kids] == ["FAILED", "CANCELED", "CANCELED", "CANCELED"]


def test_a_parent_canceled_while_children_run_cancels_them():
    sim, asked = Simulator(), []

    def cancel_once(attempt):
        if attempt.input.get("generator.n") == 4 and not asked:
            asked.append(1)
            sim.direct_client().request_cancel_workflow_execution(domain="dev",
                                                                  workflowId="flow-0")
        return 1

    run = run_flow(fan_out(12, shard=3), sim=sim, durations={"work": cancel_once})
    assert run.status == "CANCELED"
    assert {kid.status for kid in children_of(run)} == {"CANCELED"}


def test_a_terminated_child_is_started_again_at_most_twice():
    sim = Simulator()
    terminations = []

    def terminate_shard_2(attempt):
        """The first attempt of shard 2's first instance in each of its runs: terminated."""
        if attempt.input.get("generator.n") == 4 and attempt.number <= 3:
            terminations.append(attempt.input["execution.run_id"])
            sim.direct_client().terminate_workflow_execution(
                domain="dev", workflowId="flow-0-work-shard-2", reason="operator")
        return 1

    run = run_flow(fan_out(8, shard=4), sim=sim, durations={"work": terminate_shard_2})
    shard_2 = [kid for kid in children_of(run) if kid.workflow_id.endswith("shard-2")]
    assert [kid.status for kid in shard_2] == ["TERMINATED"] * 3
    assert len(set(terminations)) == 3  # a new run each time
    assert run.status == "FAILED"
    assert run.reason == (
        "shard 2 of 2 of flow_work, instances 5 to 8 of 8, child workflow flow-0-work-shard-2: "
        "did not complete in 3 runs (terminated, terminated, terminated); a shard is started "
        "again at most 2 times")

    once = []

    def terminate_once(attempt):
        if attempt.input.get("generator.n") == 4 and not once:
            once.append(1)
            sim_again.direct_client().terminate_workflow_execution(
                domain="dev", workflowId="flow-0-work-shard-2")
        return 1

    sim_again = Simulator()
    recovered = run_flow(fan_out(8, shard=4), sim=sim_again, durations={"work": terminate_once})
    assert recovered.status == "COMPLETED"
    assert [kid.status for kid in children_of(recovered)] == [
        "COMPLETED", "TERMINATED", "COMPLETED"]
    assert recovered.attempts("work", {"generator.n": 4}) == 2  # once in each run of shard 2


def test_a_child_workflow_type_swf_refuses_fails_the_parent_naming_shard_and_cause():
    sim = Simulator()
    create = activity.create("dev", "flow")
    flow = fan_out(6, shard=3)

    def deprecate(context, activity):
        sim.direct_client().deprecate_workflow_type(
            domain="dev", workflowType={"name": "flow", "version": "1.0"})

    flow.setup = create(name="setup", run=runner.Sync(deprecate))
    run = run_flow(flow, sim=sim)
    assert run.status == "FAILED"
    assert run.reason == ("SWF refused to start shard 1 of 2 of flow_work, instances 1 to 3 of "
                          "6: WORKFLOW_TYPE_DEPRECATED")


def test_a_childs_result_over_32768_characters_fails_naming_the_shard_and_the_size():
    create = activity.create("dev", "flow")

    @task.decorate()
    def bulky(activity, n):
        return {f"blob.{n}": "x" * 9_000}

    work = create(name="work", generators=[lambda c: ({"generator.n": n} for n in range(8))],
                  shard=4, run=runner.Sync(bulky.fill(n="generator.n")))
    run = run_flow(types.SimpleNamespace(domain="dev", name="flow", work=work))
    assert run.status == "FAILED"
    assert run.reason.startswith(
        "this shard's results are 36,056 characters together, over SWF's 32,768 for a child's "
        "result: return less from the tasks (a reference, such as an S3 key) (in shard 1 of 2 "
        "of flow_work, instances 1 to 4 of 8, child workflow flow-0-work-shard-1")


def test_a_context_too_large_for_a_childs_input_fails_the_parent_naming_the_size():
    create = activity.create("dev", "flow")
    flow = fan_out(6, shard=3)
    flow.setup = create(name="setup", run=runner.Sync(
        lambda context, activity: {"big": "y" * 20_000}))
    flow.more = create(name="more", run=runner.Sync(
        lambda context, activity: {"more": "z" * 20_000}))
    flow.work.requires.append(flow.more)
    flow.work.runner = runner.Sync(lambda context, activity: {})  # it may read any key
    run = run_flow(flow)
    assert run.status == "FAILED"
    assert run.reason.startswith("the input of shard 1 of 2 of flow_work, instances 1 to 3 of "
                                 "6, is 40,")
    assert "over SWF's 32,768" in run.reason
    # The keys a child needs are those its generators and tasks read: the rest stays behind.
    small = run_flow(fan_out(6, shard=3), input={"unread": "y" * 10})
    sent = json.loads(children_of(small)[0].events[0][
        "workflowExecutionStartedEventAttributes"]["input"])
    assert set(sent) == {"garcon.shard"}  # neither "unread" nor "ready"


def test_a_custom_decider_does_not_run_shards_and_says_so():
    flow = fan_out(6, shard=3)
    flow.decider = lambda schedule: schedule("all", flow.work)
    run = run_flow(flow)
    assert run.status == "FAILED"
    assert run.reason == ("flow_work has shard=, which the flow's own decider runs; a custom "
                          "decider schedules its instances in the workflow itself")


def test_child_workflow_ids_stay_within_swf_s_rules():
    assert shards.child_workflow_id("wf", "work", 3) == "wf-work-shard-3"
    long = shards.child_workflow_id("w" * 256, "work", 12)
    assert len(long) == 256 and invalid_identifier(long) is None
    assert long != shards.child_workflow_id("w" * 256, "work", 13)
    assert long == shards.child_workflow_id("w" * 256, "work", 12)


# The decider alone, on hand-written histories.

def started_shards(decisions):
    return [d["startChildWorkflowExecutionDecisionAttributes"]["workflowId"] for d in decisions
            if d["decisionType"] == "StartChildWorkflowExecution"]


def to_shards(flow, history):
    """The history up to the decision that starts the shards of `flow.work`."""
    history.decision_task()
    history.respond(decide(flow, history.events, EXECUTION))
    history.complete("flow_setup-1", {"ready": True})
    return decide(flow, history.decision_task(), EXECUTION)


def test_a_decision_made_again_starts_the_same_shards_and_never_one_twice():
    flow, history = fan_out(6, shard=3), History()
    decisions = to_shards(flow, history)
    assert started_shards(decisions) == ["wf-1-work-shard-1", "wf-1-work-shard-2"]
    assert decide(flow, history.events, EXECUTION) == decisions  # the same, byte for byte
    history.respond(decisions)
    assert started_shards(decide(flow, history.decision_task(), EXECUTION)) == []
    start = decisions[0]["startChildWorkflowExecutionDecisionAttributes"]
    assert start["control"] == shard_control(WORK, 1)
    assert json.loads(start["input"])["garcon.shard"] == {
        "activity": WORK, "number": 1, "shards": 2, "start": 0, "stop": 3, "instances": 6,
        "unique": True, "parent": EXECUTION}


@pytest.mark.parametrize("how", ["Terminated", "TimedOut"])
def test_a_child_closed_as_a_whole_is_started_again(how):
    flow, history = fan_out(6, shard=3), History()
    history.respond(to_shards(flow, history))
    history.child_started("wf-1-work-shard-1")
    history.child_closed("wf-1-work-shard-1", how,
                         **({"timeoutType": "START_TO_CLOSE"} if how == "TimedOut" else {}))
    again = decide(flow, history.decision_task(), EXECUTION)
    assert started_shards(again) == ["wf-1-work-shard-1"]


def test_a_child_that_completed_is_not_started_again_and_its_result_merges():
    flow, history = fan_out(6, shard=3), History()
    history.respond(to_shards(flow, history))
    history.child_started("wf-1-work-shard-2")
    history.child_closed("wf-1-work-shard-2", result=json.dumps({"done.4": True}))
    state = HistoryState.fold(history.decision_task())
    assert "done.4" not in state.context  # shard 1 merges first
    history.events.pop()
    history.events.pop()
    history.child_started("wf-1-work-shard-1")
    history.child_closed("wf-1-work-shard-1", result=json.dumps({"done.1": True}))
    events = history.decision_task()
    state = HistoryState.fold(events)
    assert {"done.1", "done.4"} <= state.context.keys()
    decisions = decide(flow, events, EXECUTION)
    assert started_shards(decisions) == []
    assert [d["scheduleActivityTaskDecisionAttributes"]["activityId"] for d in decisions] == [
        "flow_report-1"]


@pytest.mark.parametrize("cause", sorted(shards.RETRYABLE_REFUSALS))
def test_a_passing_refusal_waits_for_a_close_or_a_timer_never_a_loop(cause):
    flow, history = fan_out(6, shard=3), History()
    decisions = to_shards(flow, history)
    history.respond(decisions, refused={"wf-1-work-shard-2": cause})
    waiting = decide(flow, history.decision_task(), EXECUTION)
    assert started_shards(waiting) == []
    assert [d["decisionType"] for d in waiting] == ["StartTimer"]
    history.respond(waiting)
    history.child_started("wf-1-work-shard-1")
    history.child_closed("wf-1-work-shard-1", result="{}")
    assert started_shards(decide(flow, history.decision_task(), EXECUTION)) == [
        "wf-1-work-shard-2"]


@pytest.mark.parametrize("cause", ["WORKFLOW_TYPE_DOES_NOT_EXIST", "OPERATION_NOT_PERMITTED",
                                   "DEFAULT_CHILD_POLICY_UNDEFINED"])
def test_a_lasting_refusal_fails_the_parent_and_cancels_the_open_children(cause):
    flow, history = fan_out(6, shard=3), History()
    history.respond(to_shards(flow, history), refused={"wf-1-work-shard-2": cause})
    history.child_started("wf-1-work-shard-1")
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert [d["decisionType"] for d in decisions] == [
        "RequestCancelExternalWorkflowExecution", "FailWorkflowExecution"]
    assert decisions[0]["requestCancelExternalWorkflowExecutionDecisionAttributes"] == {
        "workflowId": "wf-1-work-shard-1", "runId": "run-of-11"}
    assert decisions[1]["failWorkflowExecutionDecisionAttributes"]["reason"].startswith(
        f"SWF refused to start shard 2 of 2 of flow_work, instances 4 to 6 of 6: {cause}")


def test_a_child_canceled_by_someone_else_fails_the_parent():
    flow, history = fan_out(6, shard=3), History()
    history.respond(to_shards(flow, history))
    history.child_started("wf-1-work-shard-1")
    history.child_closed("wf-1-work-shard-1", "Canceled", details="by hand")
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert decisions[-1]["failWorkflowExecutionDecisionAttributes"]["reason"] == (
        "shard 1 of 2 of flow_work, instances 1 to 3 of 6, child workflow wf-1-work-shard-1 was "
        "canceled")


def test_a_child_runs_only_its_slice_and_completes_with_its_results():
    flow = fan_out(10, shard=4)
    marker = shards.cut(WORK, 10, 4)[1].marker(EXECUTION)
    child = {"workflowId": "wf-1-work-shard-2", "runId": "child-run", "domain": "dev"}
    history = History({"ready": True, "garcon.shard": marker})
    decisions = decide(flow, history.decision_task(), child)
    ids = [d["scheduleActivityTaskDecisionAttributes"]["activityId"] for d in decisions]
    assert ids == run_flow(fan_out(10)).instances("work")[4:8]
    inputs = [json.loads(d["scheduleActivityTaskDecisionAttributes"]["input"])
              for d in decisions]
    assert [i["generator.n"] for i in inputs] == [4, 5, 6, 7]
    assert {i["execution.workflow_id"] for i in inputs} == {"wf-1-work-shard-2"}
    history.respond(decisions)
    for n, activity_id in enumerate(ids, 4):
        history.complete(activity_id, {f"done.{n}": True})
    done = decide(flow, history.decision_task(), child)
    assert done == [{"decisionType": "CompleteWorkflowExecution",
                     "completeWorkflowExecutionDecisionAttributes": {"result": json.dumps(
                         {f"done.{n}": True for n in range(4, 8)})}}]


def test_a_child_whose_generators_changed_fails_saying_so():
    marker = shards.cut(WORK, 12, 4)[1].marker(EXECUTION)
    history = History({"ready": True, "garcon.shard": marker})
    decisions = decide(fan_out(10, shard=4), history.decision_task(), EXECUTION)
    assert decisions[-1]["failWorkflowExecutionDecisionAttributes"]["reason"] == (
        "the generators of flow_work now give 10 instances, not the 12 the parent cut into "
        "shards: they must give the same instances while a workflow runs")
    bad = History({"garcon.shard": {"activity": WORK}})
    assert decide(fan_out(10, shard=4), bad.decision_task(), EXECUTION)[-1][
        "failWorkflowExecutionDecisionAttributes"]["reason"].startswith(
        "the input's garcon.shard is not a shard garcon wrote")


def test_child_events_that_do_not_hold_together_are_refused():
    flow, history = fan_out(6, shard=3), History()
    history.respond(to_shards(flow, history))
    history.child_started("wf-1-work-shard-1")
    with pytest.raises(HistoryError, match="both start the child initiated at event 11"):
        again = History()
        again.events = [*history.events]
        again.children = dict(history.children)
        again.children["wf-1-work-shard-1"] = (11, 0)
        again.child_started("wf-1-work-shard-1")
        HistoryState.fold(again.events)
    closing = History()
    closing.events = [*history.events]
    closing.children = {"wf-1-work-shard-2": (12, 0)}
    closing.child_closed("wf-1-work-shard-2")
    with pytest.raises(HistoryError, match="closes the child initiated at event 12 as started "
                                           "at event 0, but it never started"):
        HistoryState.fold(closing.events)
    stray = History()
    stray.add("ChildWorkflowExecutionStarted", initiatedEventId=7,
              workflowExecution={"workflowId": "x", "runId": "y"},
              workflowType={"name": "flow", "version": "1.0"})
    with pytest.raises(HistoryError, match="starts the child initiated at event 7, but that "
                                           "event initiates no child"):
        HistoryState.fold(stray.events)


def test_the_budget_plans_the_shards():
    plan = budget.estimate(fan_out(10_000, retry=2, shard="auto"))
    work = next(row for row in plan.activities if row.name == WORK)
    assert (work.shard, work.shards) == (555, 19)
    assert (work.child_fewest, work.child_most) == (5 + 3 * 555 + 3, 5 + 555 * 18)
    assert work.fewest == 3 * 19 + 3  # in the parent: 3 events a child, one round of starts
    assert plan.children == 19 and plan.fits
    assert plan.verdict == ("fits: 77 to 530 events, under 10,000; 19 child executions, each "
                            "of 1,673 to 9,995 events")
