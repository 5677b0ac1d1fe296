import types

import pytest

from garcon import activity, budget, runner
from tests.flows import fan_out
from tests.histories import History
from tests.test_decider_limits import one_close_per_decision


def test_the_seed_flow_budget(seed_flow):
    plan = budget.estimate(seed_flow)
    rows = {row.name: (row.instances, row.fewest, row.most) for row in plan.activities}
    assert rows == {"country_flow_activity_1": (1, 6, 6),
                    "country_flow_activity_2": (5, 30, 120),
                    "country_flow_activity_3": (1, 6, 6)}
    assert (plan.fewest, plan.most) == (47, 137)
    assert plan.fits
    assert plan.verdict == "fits: 47 to 137 events, under 10,000"


def test_a_run_without_failures_uses_exactly_the_fewest_events():
    flow, history = fan_out(40, retry=2), History()
    one_close_per_decision(flow, history)
    assert len(history.events) == budget.estimate(flow).fewest


def test_verdicts_against_the_limit_and_the_advice():
    assert budget.estimate(fan_out(4_000, retry=2)).verdict.startswith(
        "fits without failures (24,017 events) but not if every retry is used")
    assert not budget.estimate(fan_out(5_000)).fits
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
