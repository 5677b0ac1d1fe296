"""Sharded fan-outs: whatever the flow, its faults and the simulator's limits, no history (the
parent's or a child's) passes its limit, no instance is tried more than retry + 1 times, and
when the flow fits without shards too, both runs end the same way with the same context.

Limits are small (a history of 60 to 2,000 events, a few open children), so that runs reach
them in milliseconds; fan-outs go up to 100,000 instances under the `deep` profile (most runs
small, one in twenty large), 2,000 under `ci`, where the property takes about 15 seconds.
"""
from __future__ import annotations

import dataclasses
import os

from hypothesis import event, example, given
from hypothesis import strategies as st

from garcon import budget
from garcon.limits import SWFLimits
from garcon_sim import Simulator, faults, run_flow
from garcon_sim.strategies import (
    ActivitySpec,
    FaultList,
    FleetSpec,
    GeneratorSpec,
    build_flow,
    fault_plans,
    fleets,
)

from .scenarios import DRAWS_RUN_FLOWS, NEUTRAL_THROTTLES

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
MOST_INSTANCES = 100_000 if DEEP else 2_000


@st.composite
def sharded_flows(draw: st.DrawFn):
    """A flow whose `work` has one generator of 0 to MOST_INSTANCES instances, in shards of a
    drawn size or 'auto', maybe after a `setup` it requires; its twin without shards."""
    large = draw(st.integers(0, 19)) == 0
    count = draw(st.integers(301, MOST_INSTANCES) if large else st.integers(0, 300))
    work = ActivitySpec("work", retry=draw(st.integers(0, 2)),
                        generators=(GeneratorSpec(count, "generator.n"),),
                        max_open=draw(st.none() | st.integers(1, 50)),
                        shard=draw(st.just("auto") | st.integers(1, 60)))
    specs = [work]
    if draw(st.booleans()):
        specs = [ActivitySpec("setup"), dataclasses.replace(work, requires=("setup",))]
    twin = [dataclasses.replace(spec, shard=None) for spec in specs]
    return build_flow(*specs), build_flow(*twin)


LIMITS = st.builds(SWFLimits, history_events=st.integers(60, 600) | st.integers(600, 5_000),
                   open_children=st.integers(1, 5) | st.just(1_000))


@st.composite
def cases(draw: st.DrawFn):
    flow, twin = draw(sharded_flows())
    plan = draw(fault_plans(twin, max_faults=2, throttles=NEUTRAL_THROTTLES))
    return flow, twin, plan, draw(LIMITS), draw(fleets(twin, max_workers=3))


def outcomes(run, flow) -> dict[str, list[str]]:
    """Per instance of every activity of `flow`, how its attempts ended, in every execution."""
    return {activity_id: ended for spec in flow.specs
            for activity_id, ended in run.outcomes(spec.name).items()}


@example((build_flow(ActivitySpec("work", retry=1, shard=2,
                                  generators=(GeneratorSpec(7, "generator.n"),))),
          build_flow(ActivitySpec("work", retry=1, generators=(GeneratorSpec(7, "generator.n"),))),
          FaultList([faults.fail("work", match={"generator.n": 4})]),
          SWFLimits(history_events=500, open_children=2), FleetSpec()))
@DRAWS_RUN_FLOWS
@given(cases())
def test_shards_keep_every_history_within_its_limit_and_end_as_without_shards(case):
    flow, twin, plan, limits, fleet = case
    run = run_flow(flow, faults=plan, sim=Simulator(limits=limits), **fleet.options())
    assert run.status in ("COMPLETED", "FAILED"), (run.status, run.reason)
    assert all(execution.events_used <= limits.history_events
               for execution in run.executions())
    retry = flow.work.retry
    assert all(len(ended) <= retry + 1 for ended in run.outcomes("work").values())
    if run.status == "COMPLETED":
        assert len(run.outcomes("work")) == flow.spec("work").generators[0].size

    sharded, unsharded = (budget.estimate(f, {}, limits=limits) for f in (flow, twin))
    if max(unsharded.most, sharded.most, sharded.child_most) > limits.history_events:
        event(f"not compared: {run.status}")
        return  # the flow does not fit without shards: nothing to compare with
    alone = run_flow(twin, faults=plan, sim=Simulator(limits=limits), **fleet.options())
    assert alone.status == run.status, (alone.reason, run.reason)
    if run.status == "COMPLETED":
        assert alone.context == run.context
    else:
        # Each names an instance out of retries, which never completed in the other run.
        for failed, other in ((run, alone), (alone, run)):
            named = [i for i in outcomes(failed, flow) if failed.reason.startswith(i)]
            assert named, failed.reason
            assert "completed" not in outcomes(other, flow).get(named[0], [])
    event(f"compared: both {run.status}")
