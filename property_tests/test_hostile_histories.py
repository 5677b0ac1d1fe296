"""decide() on hostile histories: real and simulated ones, cut at a decision task, then
spoiled (`hostile.mutations`). Whatever it is given, it returns decisions or raises
garcon.history.HistoryError, never anything else. It refuses every history that contradicts
itself (`hostile.contradictions`) and none that SWF could have written (`wellformed`). The
decisions it returns never schedule an activity whose latest attempt completed (or is still
open), never complete a workflow with an instance that did not complete."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conftest import DATA
from garcon.activity import find_workflow_activities, instance_ids
from garcon.decider import decide
from garcon.history import HistoryError
from garcon.limits import SWFLimits
from garcon.loader import load_flow
from garcon_sim.event_shapes import shape_problem
from garcon_sim.strategies import histories

from .hostile import completed, contradictions, latest_attempts, mutate, mutations
from .scenarios import DRAWS_RUN_FLOWS
from .wellformed import problems

ROOT = Path(__file__).resolve().parents[1]
GARCON = json.loads((DATA / "garcon-histories" / "country_flow-1.json").read_text())
SEED_FLOW = load_flow(str(ROOT / "examples" / "country_flow.py"))


def up_to_a_decision_task(events: list[dict], pick: int) -> list[dict]:
    """The history a decider saw at one of its decision tasks (up to its DecisionTaskStarted)."""
    starts = [i for i, e in enumerate(events) if e["eventType"] == "DecisionTaskStarted"]
    return events[:starts[pick % len(starts)] + 1] if starts else events


def check_decide(flow, events, expected, execution, limits=None):
    try:
        decisions = decide(flow, events, execution, limits=limits or SWFLimits())
    except HistoryError:
        if well_formed(events):
            raise  # a sound history refused
        return  # refused, with the library's own error
    if len(events) > 1 and events[0]["eventId"] > events[-1]["eventId"]:
        events = events[::-1]  # SWF's reverseOrder: the decider reads it too
    found = contradictions(events)
    assert not found, f"decided on a history that contradicts itself: {found}"
    latest = latest_attempts(events)
    for decision in decisions:
        kind = decision["decisionType"]
        if kind == "ScheduleActivityTask":
            activity_id = decision["scheduleActivityTaskDecisionAttributes"]["activityId"]
            if activity_id in latest:
                assert latest[activity_id] is not None, f"{activity_id} scheduled while open"
                assert not completed(latest[activity_id]), f"{activity_id} completed already"
        if kind == "CompleteWorkflowExecution":
            assert all(completed(latest.get(i)) for i in expected), sorted(
                i for i in expected if not completed(latest.get(i)))


def well_formed(events) -> bool:
    """Whether SWF could have written the history: events of the model's shape
    (garcon_sim.event_shapes) that follow SWF's rules (property_tests/wellformed.py)."""
    if not all(isinstance(e, dict) and type(e.get("eventId")) is int
               and "eventTimestamp" in e and shape_problem(e) is None for e in events):
        return False
    try:
        return not problems(events)
    except (KeyError, TypeError, AttributeError):
        return False


def expected_instances(flow) -> set[str]:
    """Every instance of the flow (its generators read nothing from the context)."""
    return {i for current in find_workflow_activities(flow) for i in instance_ids(
        current.name, [value for generator in current.generators for value in generator({})]
        if current.generators else [{}])}


@given(mutations(), st.integers(0, 100))
def test_decide_on_a_spoiled_history_decided_by_garcon_1_1_1(operations, pick):
    events = mutate(up_to_a_decision_task(GARCON["events"], pick), operations)
    check_decide(SEED_FLOW, events, expected_instances(SEED_FLOW), GARCON["execution"])


@DRAWS_RUN_FLOWS
@given(histories(), mutations(), st.integers(0, 100))
def test_decide_on_a_spoiled_simulated_history(run, operations, pick):
    events = mutate(up_to_a_decision_task(run.events, pick), operations)
    expected = {i for spec in run.flow.specs for i in instance_ids(
        f"{run.flow.name}_{spec.name}", spec.instance_values())}
    check_decide(run.flow, events, expected, {"domain": run.flow.domain,
                                              "workflowId": run.workflow_id,
                                              "runId": run.run_id}, run.limits)
