"""What the properties draw: generated flows with fault plans and fleets, and settings for the
slower properties."""
from __future__ import annotations

from typing import Any, NamedTuple

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from garcon.limits import SWFLimits
from garcon_sim.strategies import FaultList, FleetSpec, GeneratedFlow, fault_plans, fleets, flows

NEUTRAL_THROTTLES = ("PollForActivityTask", "PollForDecisionTask",
                     "RespondDecisionTaskCompleted")
"""Throttles that cannot change an attempt's outcome, for the properties that predict
outcomes from the fault plan. A throttled RespondActivityTaskCompleted can: the worker waits
out the throttling (up to 1 + 2 + 4 + 8 s of backoff) without heartbeating, and past the
attempt's heartbeat timeout (10 s in generated flows) SWF times it out, as SWF itself would.
test_retry.py::test_a_run_fails_iff_an_instance_used_up_its_attempts covers that case."""

DRAWS_RUN_FLOWS = settings(suppress_health_check=[HealthCheck.too_slow])
"""For tests drawing from `histories()`, which runs a flow in each draw: slower to draw
than hypothesis expects."""
FEWER = settings(DRAWS_RUN_FLOWS, max_examples=max(5, settings().max_examples // 4))
"""A quarter of the profile's examples, for properties that run each example twice or more,
or through boto3."""

SMALL_LIMITS = st.none() | st.builds(SWFLimits, history_events=st.integers(11, 400),
                                     open_activities=st.integers(1, 5))
"""SWF's quotas, or small ones that runs reach in a few events."""


class Case(NamedTuple):
    """A flow, the faults of its run and its fleet."""

    flow: GeneratedFlow
    faults: FaultList
    fleet: FleetSpec = FleetSpec()


@st.composite
def cases(draw: st.DrawFn, **fault_options: Any) -> Case:
    """A generated flow, a fault plan for it (`fault_options` are keyword arguments of
    `fault_plans`) and a fleet."""
    flow = draw(flows())
    return Case(flow, draw(fault_plans(flow, **fault_options)), draw(fleets(flow)))
