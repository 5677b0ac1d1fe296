"""What garcon_sim.strategies promises its users: examples that print as the code that makes
them again, fault plans that only aim at the flow's own instances, JSON start inputs."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from garcon.activity import find_workflow_activities
from garcon.limits import SWFLimits
from garcon_sim import faults
from garcon_sim.fleet import Fleet, uniform
from garcon_sim.harness import run_flow
from garcon_sim.simulator import Simulator
from garcon_sim.strategies import (
    ActivitySpec,
    FaultList,
    FleetSpec,
    GeneratorSpec,
    build_flow,
    fault_plans,
    fleets,
    flows,
    histories,
    inputs,
)

from .scenarios import FEWER

NAMESPACE = {"build_flow": build_flow, "ActivitySpec": ActivitySpec,
             "GeneratorSpec": GeneratorSpec, "faults": faults, "run_flow": run_flow,
             "Simulator": Simulator, "SWFLimits": SWFLimits, "uniform": uniform,
             "FleetSpec": FleetSpec}
"""What a user imports to paste a printed example back."""


@given(flows(max_activities=6))
def test_a_flow_prints_as_the_call_that_builds_it(flow):
    again = eval(repr(flow), NAMESPACE)
    assert again.specs == flow.specs and again.max_open == flow.max_open
    assert repr(again) == repr(flow)
    assert [a.name for a in find_workflow_activities(again)] == [
        a.name for a in find_workflow_activities(flow)]


@given(flows(), st.data())
def test_fault_plans_aim_only_at_the_flows_instances(flow, data):
    """Each attempt fault names an activity of the flow (either name) or None, and matches
    values that one of its instances has; each prints as the call that makes it."""
    plan = data.draw(fault_plans(flow, timeouts=("HEARTBEAT",)))
    names = {None} | {n for s in flow.specs for n in (s.name, f"{flow.name}_{s.name}")}
    for fault in plan:
        assert eval(repr(FaultList([fault])), NAMESPACE) == [fault]
        if isinstance(fault, faults.Throttle):
            continue
        assert fault.activity in names
        assert not isinstance(fault, faults.TimeOut) or fault.kind == "HEARTBEAT"
        if fault.match:
            specs = [s for s in flow.specs if fault.activity in (None, s.name,
                                                                 f"{flow.name}_{s.name}")]
            assert any(fault.match.items() <= values.items()
                       for s in specs for values in s.instance_values())


@given(flows().flatmap(lambda flow: st.tuples(st.just(flow), fleets(flow))))
def test_a_fleet_prints_as_the_call_that_makes_it_and_names_only_the_flows_activities(drawn):
    flow, fleet = drawn
    assert eval(repr(fleet), NAMESPACE) == fleet
    names = {spec.name for spec in flow.specs}
    for option in (fleet.workers, fleet.durations):
        assert not isinstance(option, dict) or set(option) <= names
    Fleet(flow, **fleet.options(), seed=0)  # it takes it


@given(inputs(day=st.integers(1, 31)))
def test_inputs_are_json_objects_with_the_keys_asked(start):
    assert json.loads(json.dumps(start)) == start
    assert 1 <= start["day"] <= 31


@FEWER
@given(histories(limits=st.none() | st.just(SWFLimits(history_events=100))))
def test_a_history_prints_as_the_call_that_reproduces_it(run):
    call, _, comment = repr(run).partition("  # ")
    assert comment.startswith(f"{run.status}, {len(run.events)} events")
    assert eval(call, NAMESPACE).to_json() == run.to_json()
