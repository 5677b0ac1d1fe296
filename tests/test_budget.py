import types

import pytest

from garcon import activity, budget, runner
from garcon.budget import WORKERS_EXPECTED
from garcon_sim import run_flow
from tests.flows import fan_out
from tests.histories import History
from tests.test_decider_limits import one_close_per_decision


def test_the_seed_flow_budget(seed_flow):
    plan = budget.estimate(seed_flow)
    rows = {row.name: (row.instances, row.rounds, row.fewest, row.most)
            for row in plan.activities}
    assert rows == {"country_flow_activity_1": (1, 1, 6, 6),
                    "country_flow_activity_2": (5, 1, 18, 120),
                    "country_flow_activity_3": (1, 1, 6, 6)}
    assert (plan.fewest, plan.most, plan.rounds, plan.shared) == (35, 137, 3, 0)
    assert plan.fits
    assert plan.verdict == "fits: 35 to 137 events, under 10,000"


def test_closes_that_all_share_decision_tasks_use_exactly_the_fewest_events():
    """Every attempt of a wave takes one second and a worker runs each: the wave's closes come
    at one instant, and one decision task serves them all (1,200 instances are scheduled in
    two waves of at most 1,000)."""
    for flow, workers in ((fan_out(40), 40), (fan_out(1_200), 1_000)):
        run = run_flow(flow, workers=workers, durations=1)
        assert run.status == "COMPLETED"
        assert run.events_used == budget.estimate(flow).fewest


def test_a_decision_task_per_close_uses_the_most_a_run_without_failure_can():
    flow, history = fan_out(40), History()
    one_close_per_decision(flow, history)
    assert len(history.events) == budget.estimate(flow).most


def test_activities_side_by_side_share_decision_tasks():
    create = activity.create("dev", "flow")
    noop = runner.Sync(lambda context, activity: None)
    left = create(name="left", run=noop)
    right = create(name="right", run=noop,
                   generators=[lambda context: ({"n": n} for n in range(1_500))])
    both = create(name="both", requires=[left, right], run=noop)
    flow = types.SimpleNamespace(domain="dev", name="flow", left=left, right=right, both=both)
    plan = budget.estimate(flow)
    assert [row.rounds for row in plan.activities] == [1, 1, 2]  # both, left, right
    assert plan.rounds == 3  # right's two rounds, then both: left's shares right's first
    assert plan.shared == budget.DECISION_TASK_EVENTS
    assert plan.fewest == 5 + 3 * 1_502 + 3 * 3
    run = run_flow(flow, workers=1_000, durations=1)
    assert run.events_used == plan.fewest


def test_max_open_makes_more_rounds():
    assert budget.estimate(fan_out(100, max_open=30)).rounds == 1 + 4 + 1
    capped = types.SimpleNamespace(**vars(fan_out(100)), max_open=40)
    assert budget.estimate(capped).rounds == 1 + 3 + 1


def test_the_flows_max_open_is_shared_by_activities_side_by_side():
    create = activity.create("dev", "flow")
    noop = runner.Sync(lambda context, activity: None)
    thirty = [lambda context: ({"n": n} for n in range(30))]
    flow = types.SimpleNamespace(domain="dev", name="flow", max_open=40,
                                 left=create(name="left", generators=thirty, run=noop),
                                 right=create(name="right", generators=thirty, run=noop))
    plan = budget.estimate(flow)
    assert [row.rounds for row in plan.activities] == [1, 1]
    assert plan.rounds == 2  # 60 instances, 40 at a time
    assert run_flow(flow, workers=40, durations=1).events_used == plan.fewest


def test_the_likely_events_fall_as_workers_are_added_and_match_simulated_runs():
    flow = fan_out(300)
    plan = budget.estimate(flow)
    for steady in (False, True):
        likely = [plan.likely(workers, steady=steady) for workers in (1, 2, 10, 50, 100, 300)]
        assert likely == sorted(likely, reverse=True)
        assert plan.fewest <= likely[-1] and likely[0] <= plan.most
    for workers in (1, 10, 100):
        varying = run_flow(flow, workers=workers).events_used  # attempts of 0.5 to 1.5 s
        assert abs(plan.likely(workers) - varying) <= 0.03 * varying, workers
        steady = run_flow(flow, workers=workers, durations=1).events_used
        assert plan.likely(workers, steady=True) == steady, workers


def test_likely_workers_per_activity_and_the_fleet_s_timing():
    plan = budget.estimate(fan_out(500))
    assert plan.likely({"work": 50}) == plan.likely({"flow_work": 50}) == plan.likely(
        {"setup": 10, "work": 50})
    assert plan.likely(50, decision_seconds=0) == plan.most  # nothing waits for the decider
    assert plan.likely(50, attempt_seconds=0) == plan.fewest  # all close at once
    assert plan.likely(50, steady=True) == plan.fewest + 3 * (500 // 50 - 1)  # in waves of 50


@pytest.mark.parametrize(("options", "message"), [
    ({"workers": 0}, f"workers is {WORKERS_EXPECTED}, not 0"),
    ({"workers": -3}, f"workers is {WORKERS_EXPECTED}, not -3"),
    ({"workers": 1_001}, f"workers is {WORKERS_EXPECTED}, not 1001"),
    ({"workers": {"work": 0}}, f"workers['work'] is {WORKERS_EXPECTED}, not 0"),
    ({"workers": {"wrok": 5}}, "workers['wrok']: the flow flow has no activity 'wrok' (its "
                               "activities: report, setup, work)"),
    ({"attempt_seconds": -1}, "attempt_seconds is a number of seconds (0 or more), not -1"),
    ({"attempt_seconds": {"flow_wrok": 1}}, "attempt_seconds['flow_wrok']: the flow flow has "
                                            "no activity 'flow_wrok'"),
    ({"decision_seconds": float("nan")}, "decision_seconds is a number of seconds (0 or "
                                         "more), not nan"),
])
def test_likely_refuses_a_fleet_that_cannot_be_or_names_no_activity(options, message):
    with pytest.raises(ValueError) as refused:
        budget.estimate(fan_out(5)).likely(**options)
    assert str(refused.value).startswith(message)


def test_verdicts_against_the_limit_and_the_advice():
    assert budget.estimate(fan_out(4_000, retry=2)).verdict == (
        "fits at best (12,029 events) but not at worst (every retry used, a decision task "
        "per close: 72,017 events, over 25,000)")
    assert budget.estimate(fan_out(8_000)).fits  # 24,041 events at best
    assert budget.estimate(fan_out(8_500)).verdict == (
        "does not fit: even at best (no failure, closes batched) the history needs 25,544 "
        "events, over SWF's 25,000-event limit")
    assert "above the 10,000 events AWS advises" in budget.estimate(fan_out(2_000)).verdict


def test_retry_delays_add_a_timer_and_a_decision_task_per_retry():
    plain = budget.estimate(fan_out(10, retry=2))
    waiting = budget.estimate(fan_out(10, retry=2, retry_delay=5))
    assert waiting.most - plain.most == 10 * 2 * (budget.TIMER_EVENTS
                                                  + budget.DECISION_TASK_EVENTS)
    assert waiting.fewest == plain.fewest


def test_generators_that_need_earlier_results_count_one_inexact_instance():
    create = activity.create("dev", "flow")
    later = create(name="later", run=runner.Sync(lambda context, activity: None),
                   generators=[lambda context: ({"n": n} for n in context["produced"])])
    row, = budget.estimate(types.SimpleNamespace(later=later)).activities
    assert (row.instances, row.exact) == (1, False)
    with_input, = budget.estimate(types.SimpleNamespace(later=later),
                                  {"produced": [1, 2, 3]}).activities
    assert (with_input.instances, with_input.exact) == (3, True)


def test_custom_deciders_cannot_be_estimated():
    flow = types.SimpleNamespace(decider=lambda schedule: None)
    with pytest.raises(ValueError, match="custom decider"):
        budget.estimate(flow)
