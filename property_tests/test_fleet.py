"""The fleet of a simulated run: workers that run one attempt at a time each, attempts that take
their duration, a decider that holds each decision task `decision_seconds`; and what a fleet
changes in a history: how closes share decision tasks, nothing else.

"More workers never cost more events" is not true, and these properties say what is:

- A failing run can cost more with more workers: more attempts are in flight when it fails,
  each writes its events, and SWF refuses the fail decision while one of them closes.
- Even a run that completes without a failure can cost more with more workers: batching is a
  coincidence of closes falling while the decider is busy, and faster workers can break one
  (`test_more_workers_can_break_a_coincidence_of_closes`: 41 events with two workers, 38 with
  one).

What holds: faults strike attempts by their number, and random ones (`random_failures`, the
flow's own `random`) draw from the attempt's own seed, so any two fleets give the same
attempts with the same outcomes and the same timers; only the decision tasks differ, and they
keep the run within the estimate's range. A fleet that runs every attempt of a stage at once,
all of them taking the same time, reaches its fewest events; and `budget.likely` falls as
workers are added (tests/test_budget.py).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from hypothesis import assume, given
from hypothesis import strategies as st

from garcon import budget
from garcon.activity import resolve_activity_mapping
from garcon_sim import faults
from garcon_sim.events import attributes_key
from garcon_sim.fleet import DEFAULT_DURATIONS, DEFAULT_WORKERS, Uniform
from garcon_sim.harness import run_flow
from garcon_sim.strategies import (
    DECISION_SECONDS,
    SECONDS,
    ActivitySpec,
    FaultList,
    GeneratorSpec,
    build_flow,
    fleets,
    flows,
)

from .model import CLOSE_TYPES, observe
from .scenarios import FEWER, NEUTRAL_THROTTLES, cases


def outcomes(run) -> dict:
    return {key: [(a.outcome, a.timeout_type) for a in seen.attempts]
            for key, seen in observe(run.events, run.flow_name).items()}


def without_decision_tasks(events: list[dict]) -> Counter:
    return Counter(e["eventType"] for e in events if not e["eventType"].startswith("Decision"))


@FEWER
@given(cases(throttles=NEUTRAL_THROTTLES), st.data())
def test_the_fleet_changes_only_how_closes_share_decision_tasks(case, data):
    """Two fleets, the same flow and faults (random failures too): the same status, and for a
    completed run the same attempts ending the same way and the same timers; the events
    differ only by decision tasks, and both runs lie within the estimate's range."""
    flow, plan, fleet = case
    other = data.draw(fleets(flow), label="other fleet")
    rate = data.draw(st.none() | st.sampled_from((0.1, 0.3)), label="random failures")
    if rate is not None:
        plan = FaultList([*plan, faults.random_failures(rate)])
    first = run_flow(flow, faults=plan, **fleet.options())
    second = run_flow(flow, faults=plan, **other.options())
    assert first.status == second.status, (first.reason, second.reason)
    if first.status != "COMPLETED":
        return
    assert outcomes(first) == outcomes(second)
    assert without_decision_tasks(first.events) == without_decision_tasks(second.events)
    plan_budget = budget.estimate(flow, {})
    for run in (first, second):
        assert plan_budget.fewest <= run.events_used <= plan_budget.most


@FEWER
@given(flows(caps=False), st.sampled_from(SECONDS), st.sampled_from(DECISION_SECONDS))
def test_a_fleet_running_each_stage_at_once_in_equal_time_uses_the_fewest_events(
        flow, seconds, decision_seconds):
    """Without failures, with a worker for every instance of an activity and attempts that
    all take `seconds`, the closes of each stage of the flow come at one instant and share one
    decision task: the run uses exactly the estimate's fewest events."""
    workers = max([len(spec.instance_values()) for spec in flow.specs] + [1])
    run = run_flow(flow, workers=workers, durations=seconds, decision_seconds=decision_seconds)
    assert run.status == "COMPLETED"
    assert run.events_used == budget.estimate(flow, {}).fewest


def fleet_value(flow, option, name: str, default):
    """The fleet's value for the activity type `name`."""
    if not isinstance(option, Mapping):
        return option
    return resolve_activity_mapping(flow, option, default, where="fleet")[name]


@FEWER
@given(cases(throttles=()))
def test_workers_run_one_attempt_at_a_time_for_its_duration_and_decisions_take_theirs(case):
    """No activity has more attempts started and open than its workers (a crashed worker is
    replaced at once, so crashes are left out); an attempt answered by its worker (completed,
    or failed by a fault) took its duration; each decision task took `decision_seconds`."""
    flow, plan, fleet = case
    assume(not any(isinstance(fault, faults.Crash) for fault in plan))
    run = run_flow(flow, faults=plan, **fleet.options())
    events = run.events
    scheduled = {}
    started = {}
    running: Counter = Counter()
    for event in events:
        kind = event["eventType"]
        if kind == "ActivityTaskScheduled":
            attributes = event["activityTaskScheduledEventAttributes"]
            scheduled[event["eventId"]] = attributes["activityType"]["name"]
        elif kind == "ActivityTaskStarted":
            scheduled_id = event["activityTaskStartedEventAttributes"]["scheduledEventId"]
            name = scheduled[scheduled_id]
            started[scheduled_id] = event["eventTimestamp"]
            running[name] += 1
            assert running[name] <= fleet_value(flow, fleet.workers, name, DEFAULT_WORKERS)
        elif kind in CLOSE_TYPES:
            attributes = event[attributes_key(kind)]
            scheduled_id = attributes["scheduledEventId"]
            if scheduled_id in started:
                running[scheduled[scheduled_id]] -= 1
            if kind in ("ActivityTaskCompleted", "ActivityTaskFailed"):
                took = (event["eventTimestamp"] - started[scheduled_id]).total_seconds()
                duration = fleet_value(flow, fleet.durations, scheduled[scheduled_id],
                                       DEFAULT_DURATIONS)
                low, high = ((duration.low, duration.high) if isinstance(duration, Uniform)
                             else (duration, duration))
                assert low - 0.001 <= took <= high + 0.001, (kind, took, duration)
    starts = {e["eventId"]: e["eventTimestamp"] for e in events
              if e["eventType"] == "DecisionTaskStarted"}
    for event in events:
        if event["eventType"] == "DecisionTaskCompleted":
            began = starts[event["decisionTaskCompletedEventAttributes"]["startedEventId"]]
            assert (event["eventTimestamp"] - began).total_seconds() == fleet.decision_seconds


def test_more_workers_can_break_a_coincidence_of_closes():
    """With one worker, the last of a's four instances closes as b does, and one decision
    task schedules both c (after b) and d (after a). With two, a is done a second earlier,
    d gets a decision task of its own, then c: three events more."""
    flow = build_flow(
        ActivitySpec("a", generators=(GeneratorSpec(2, "generator.n"),
                                      GeneratorSpec(2, "generator.day"))),
        ActivitySpec("b"), ActivitySpec("c", requires=("b",)),
        ActivitySpec("d", requires=("a",)), max_open=4)
    one, two = (run_flow(flow, workers=workers, durations=0.5, decision_seconds=1)
                for workers in (1, 2))
    assert (one.status, two.status) == ("COMPLETED", "COMPLETED")
    assert (one.events_used, two.events_used) == (38, 41)
    assert one.duration < two.duration
