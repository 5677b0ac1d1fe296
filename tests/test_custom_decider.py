"""Custom deciders: `flow.decider(schedule, context)`, with the same protections."""
import json
import types

from garcon import activity, runner
from garcon.decider import decide, decide_with_report
from garcon.limits import SWFLimits
from tests.histories import EXECUTION, History, drive, kinds, scheduled_ids


def shop(**options):
    create = activity.create("dev", "shop")
    run = runner.Sync(lambda context, activity: None)
    acts = dict(enter=create(name="enter", run=run), order=create(name="order", run=run),
                pay=create(name="pay", run=run, **options), leave=create(name="leave", run=run))

    def decider(schedule, context=None):
        schedule("enter", acts["enter"]).wait()
        price = schedule("order", acts["order"], input={"item": "tea"}).result["price"]
        paid = schedule("pay", acts["pay"], input={"total": price})
        schedule("leave", acts["leave"], requires=[paid])

    return types.SimpleNamespace(domain="dev", name="shop", decider=decider, **acts)


def test_schedule_waits_for_results_and_feeds_them_forward():
    flow, history = shop(), History()
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == ["shop_enter-1-enter"]
    history.respond(decisions)
    history.complete("shop_enter-1-enter")
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == ["shop_order-1-order"]
    history.respond(decisions)
    history.complete("shop_order-1-order", {"price": 4})
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert scheduled_ids(decisions) == ["shop_pay-1-pay"]
    payload = json.loads(decisions[0]["scheduleActivityTaskDecisionAttributes"]["input"])
    assert payload["total"] == 4
    history.respond(decisions)
    history.complete("shop_pay-1-pay")
    # `leave` is scheduled without being waited for: no completion in the same pass.
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert kinds(decisions) == ["ScheduleActivityTask"]
    history.respond(decisions)
    history.complete("shop_leave-1-leave")
    assert kinds(decide(flow, history.decision_task(), EXECUTION)) == [
        "CompleteWorkflowExecution"]


def test_custom_deciders_retry_and_name_the_exhausted_instance():
    flow, history = shop(), History()
    tries = {}

    def failing_pay(history, activity_id):
        tries[activity_id] = tries.get(activity_id, 0) + 1
        if activity_id.startswith("shop_pay"):
            history.fail(activity_id, "card declined")
        else:
            history.complete(activity_id, {"price": 4})

    flow.pay.retry = 2
    closing = drive(flow, history, failing_pay)
    assert closing["decisionType"] == "FailWorkflowExecution"
    assert tries["shop_pay-1-pay"] == 3
    reason = closing["failWorkflowExecutionDecisionAttributes"]["reason"]
    assert "shop_pay-1-pay" in reason and "card declined" in reason


def test_custom_deciders_get_the_open_activity_cap():
    create = activity.create("dev", "batch")
    work = create(name="work", max_open=3, run=runner.Sync(lambda context, activity: None),
                  generators=[lambda context: ({"generator.n": n} for n in range(10))])

    def decider(schedule, context=None):
        schedule("all", work).wait()

    flow = types.SimpleNamespace(domain="dev", name="batch", decider=decider, work=work)
    history = History()
    decisions = decide(flow, history.decision_task(), EXECUTION)
    assert len(scheduled_ids(decisions)) == 3
    assert drive(flow, history)["decisionType"] == "CompleteWorkflowExecution"


def test_a_decider_that_raises_fails_the_workflow_and_reports_the_error():
    def decider(schedule, context=None):
        raise RuntimeError("bad flow")

    flow = types.SimpleNamespace(domain="dev", name="x", decider=decider)
    report = decide_with_report(flow, History().decision_task(), EXECUTION)
    assert kinds(report.decisions) == ["FailWorkflowExecution"]
    assert "RuntimeError: bad flow" in report.decisions[0][
        "failWorkflowExecutionDecisionAttributes"]["reason"]
    assert isinstance(report.error, RuntimeError)


def test_a_decider_without_a_context_parameter_is_called_with_schedule_only():
    calls = []

    def decider(schedule):
        calls.append(schedule)

    flow = types.SimpleNamespace(domain="dev", name="x", decider=decider)
    assert kinds(decide(flow, History().decision_task(), EXECUTION)) == [
        "CompleteWorkflowExecution"]
    assert len(calls) == 1


def test_custom_deciders_get_the_history_budget():
    flow, history = shop(), History()
    for _ in range(200):
        history.add("MarkerRecorded", markerName="m")
    decisions = decide(flow, history.decision_task(), EXECUTION,
                       limits=SWFLimits(history_events=205))
    assert kinds(decisions) == ["FailWorkflowExecution"]
