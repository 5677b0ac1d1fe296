"""What the properties draw: generated flows with fault plans, restricted to the faults the
harness injects faithfully today (the xfail tests draw the others)."""
from __future__ import annotations

from typing import Any, NamedTuple

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from garcon_sim.strategies import THROTTLED_OPERATIONS, FaultList, GeneratedFlow, fault_plans, flows

SAFE_TIMEOUTS = ("SCHEDULE_TO_START", "HEARTBEAT")
"""Timeout kinds whose attempt no worker keeps heartbeating. With START_TO_CLOSE (and
SCHEDULE_TO_CLOSE) the harness keeps a worker heartbeating, but only while nothing else runs:
after a heartbeat timeout's worth of other attempts, SWF times the attempt out with HEARTBEAT
(test_retry.py::test_timeouts_of_busy_workers_come_as_asked, xfail). Widen this to
`garcon_sim.faults.TIMEOUT_KINDS` once that is fixed."""

NEUTRAL_THROTTLES = ("PollForActivityTask", "PollForDecisionTask",
                     "RespondDecisionTaskCompleted")
"""Throttles that cannot change an attempt's outcome. A throttled RespondActivityTaskCompleted
can: the worker waits out the throttling without heartbeating, and after the attempt's
heartbeat timeout (10 s in generated flows) SWF times it out, as it would on SWF itself."""

QUIET_THROTTLES = tuple(op for op in THROTTLED_OPERATIONS
                        if op != "RespondDecisionTaskCompleted")
"""Throttles that add no event the estimate does not count. A throttled
RespondDecisionTaskCompleted costs a decision task timeout (test_history_limit.py::
test_the_estimate_bounds_runs_whose_decisions_are_throttled, xfail)."""


DRAWS_RUN_FLOWS = settings(suppress_health_check=[HealthCheck.too_slow])
"""For tests drawing from `histories()`, which runs a flow in each draw: slower to draw
than hypothesis expects."""
FEWER = settings(DRAWS_RUN_FLOWS, max_examples=max(5, settings().max_examples // 4))
"""A quarter of the profile's examples, for properties that run each example twice or more,
or through boto3."""


class Case(NamedTuple):
    """A flow and the faults of its run."""

    flow: GeneratedFlow
    faults: FaultList


@st.composite
def cases(draw: st.DrawFn, flow_options: dict | None = None, **fault_options: Any) -> Case:
    """A generated flow (`flows(**flow_options)`) and a fault plan for it, by default with
    the timeouts the harness injects faithfully and the throttles that change no attempt's
    outcome (`fault_options` override)."""
    flow = draw(flows(**(flow_options or {})))
    options = {"timeouts": SAFE_TIMEOUTS, "throttles": NEUTRAL_THROTTLES, **fault_options}
    return Case(flow, draw(fault_plans(flow, **options)))
