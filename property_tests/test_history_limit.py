"""The event-history limit and the open-activity cap: the runtime keeps every run within SWF's
quotas (here made small, so that runs reach them in milliseconds) and ends it with a reason
rather than letting SWF terminate it; `budget.estimate` says how many events a run takes,
whatever the fleet."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from garcon import budget
from garcon.limits import SWFLimits
from garcon_sim import faults
from garcon_sim.fleet import uniform
from garcon_sim.harness import run_flow
from garcon_sim.simulator import Simulator
from garcon_sim.strategies import ActivitySpec, FaultList, FleetSpec, GeneratorSpec, build_flow

from .model import expected_instances, observe, open_activity_peaks
from .scenarios import NEUTRAL_THROTTLES, Case, cases

HISTORY_LIMITS = st.integers(11, 400)
"""Small history limits: from too small for any activity to enough for most generated runs."""


def failed_attempts(run) -> int:
    return sum(row["failures"] + row["timeouts"] + row["canceled"]
               for row in run.summary().values())


def set_apart(events: list[dict]) -> int:
    """Events no estimate can foresee: decision tasks lost to a decider that gave up on an
    answer throttled again and again (scheduled, started, timed out), and close decisions
    that SWF refused because an activity closed while the decider was deciding (one
    ...WorkflowExecutionFailed event each; the next decision task is the closing activity's)."""
    lost = sum(e["eventType"] == "DecisionTaskTimedOut" for e in events)
    refused = sum(e["eventType"].endswith("WorkflowExecutionFailed")
                  and e["eventType"] != "WorkflowExecutionFailed" for e in events)
    return budget.DECISION_TASK_EVENTS * lost + refused


@example(Case(build_flow(ActivitySpec("a")),  # a throttled decision is answered again
              FaultList([faults.throttle("RespondDecisionTaskCompleted", 1)])))
@example(Case(build_flow(ActivitySpec("a")),  # answers throttled until the decider gives up
              FaultList([faults.throttle("RespondDecisionTaskCompleted", 5)])))
@example(Case(build_flow(ActivitySpec("a", generators=(GeneratorSpec(2, "generator.n"),))),
              FaultList([faults.fail("a")]),  # the second failure comes while failing
              FleetSpec(workers=2, durations=uniform(1.0, 2.0), decision_seconds=1.0)))
@given(cases())
def test_the_estimate_bounds_every_run(case):
    """Whatever the fleet: a completed run's events lie between the estimate's fewest (no
    failure, closes batched as much as they can be) and its most (every retry used, a
    decision task per close); a failed run, which stops early, stays under the most.

    Timeouts keep both bounds (checked here, not assumed): a timed-out attempt writes 3
    events, or 2 when no worker took it, as the estimate counts for every attempt the retry
    allows, and timeouts falling due at one instant share a decision task. So do throttles:
    a throttled answer is sent again, and one that a worker waits out past the heartbeat
    timeout is a timed-out attempt. What no estimate can foresee is set apart (`set_apart`).
    """
    flow, plan, fleet = case
    run = run_flow(flow, faults=plan, **fleet.options())
    plan_budget = budget.estimate(flow, {})
    events = len(run.events) - set_apart(run.events)
    assert run.status in ("COMPLETED", "FAILED"), run.reason
    assert events <= plan_budget.most
    if run.status == "COMPLETED":
        assert plan_budget.fewest <= events


@example(Case(build_flow(ActivitySpec("a")),  # throttled decisions near the limit
              FaultList([faults.throttle("RespondDecisionTaskCompleted", 3)])), 11)
@given(cases(), HISTORY_LIMITS)
def test_no_run_is_terminated_or_stuck_at_the_history_limit(case, limit):
    """Whatever the flow, faults and history limit, a run completes, or fails with a reason:
    an instance that used all its attempts, or the history budget. SWF never terminates it
    (EVENT_LIMIT_EXCEEDED) and it never gets stuck; its history stays within the limit."""
    flow, plan, fleet = case
    run = run_flow(flow, faults=plan, sim=Simulator(limits=SWFLimits(history_events=limit)),
                   **fleet.options())
    assert run.status in ("COMPLETED", "FAILED"), (run.status, run.reason)
    assert len(run.events) <= limit
    if run.status == "FAILED":
        assert run.reason and len(run.reason) <= 256
        exhausted = [seen.activity_id for seen in observe(run.events, flow.name).values()
                     if sum(a.outcome in ("failed", "timed out") for a in seen.attempts)
                     > flow.spec(seen.activity).retry]
        assert run.reason.startswith("history budget exceeded") or any(
            activity_id in run.reason for activity_id in exhausted), run.reason


@example(Case(build_flow(ActivitySpec("a")), FaultList()), 0)  # refused at once, once
@example(Case(build_flow(ActivitySpec("a")), FaultList()), 3)  # refused after its work, once
@given(cases(), st.integers(0, 30))
def test_a_run_the_estimate_says_fits_is_never_failed_for_its_budget(case, slack):
    """When `budget.estimate` says a flow fits even with every retry used (here the limit is
    its most plus `slack` events), no run of it fails for its history budget."""
    flow, plan, fleet = case
    limits = SWFLimits(history_events=budget.estimate(flow, {}).most + slack)
    run = run_flow(flow, faults=plan, sim=Simulator(limits=limits), **fleet.options())
    assert not (run.reason or "").startswith("history budget exceeded"), run.reason


@given(cases(throttles=NEUTRAL_THROTTLES), st.integers(1, 5))
def test_open_activities_never_exceed_the_cap(case, cap):
    """At no point of a history are more activities open than SWF allows (here `cap`), nor
    than the flow's `max_open`, nor, per activity type, than the activity's `max_open`; the
    caps only delay instances, they change no outcome, and SWF never refuses one."""
    flow, plan, fleet = case
    run = run_flow(flow, faults=plan, sim=Simulator(limits=SWFLimits(open_activities=cap)),
                   **fleet.options())
    peak, peaks = open_activity_peaks(run.events)
    assert peak <= min(cap, flow.max_open or cap)
    for spec in flow.specs:
        if spec.max_open is not None:
            assert peaks.get(f"{flow.name}_{spec.name}", 0) <= spec.max_open
    assert not any(e["eventType"] == "ScheduleActivityTaskFailed" for e in run.events)
    exhausting = any(i.exhausts_retries for i in expected_instances(flow, plan).values())
    assert run.status == ("FAILED" if exhausting else "COMPLETED"), run.reason
