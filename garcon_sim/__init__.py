"""garcon_sim: a deterministic Amazon SWF service with a virtual clock.

    from garcon_sim import Simulator
    sim = Simulator(seed=0, start_time=datetime(2026, 1, 1, tzinfo=timezone.utc))
    swf = sim.client()          # a genuine boto3 swf client, answered in-process
    fast = sim.direct_client()  # the same API without serialisation
    sim.clock.advance(seconds=300)  # due timeouts and timers fire on the way

`load_history` / `dump_history` read and write every shape of SWF history (`load_executions`
reads a run's and its children's); `replay` / `replay_executions` compare a history's decisions
(a run's and its children's) with a flow's; `reenact` drives a
simulator with the calls a history recorded on SWF implies and reports where the simulator
departs from it. The service itself (the state machine: `service.py` and the modules it
drives) knows nothing of garcon beyond its table of SWF quotas (`garcon.limits`); the harness
(`run_flow`), replay, the fleet and the strategies run garcon's own decider and workers.
"""
from __future__ import annotations

from garcon.limits import SWF_LIMITS, SWFLimits

from . import faults, fleet
from .harness import Progress, RunInProgressError, RunResult, UnknownNameError, run_flow
from .history_io import HistoryFormatError, dump_history, load_executions, load_history
from .reenact import Difference, ReenactResult, reenact
from .replay import (
    ReplayDifference,
    ReplayResult,
    RunReplay,
    WrongFlowError,
    replay,
    replay_executions,
)
from .simulator import ActivityTaskView, Simulator

__all__ = [
    "SWF_LIMITS",
    "ActivityTaskView",
    "Difference",
    "HistoryFormatError",
    "Progress",
    "ReenactResult",
    "ReplayDifference",
    "ReplayResult",
    "RunInProgressError",
    "RunReplay",
    "RunResult",
    "SWFLimits",
    "Simulator",
    "UnknownNameError",
    "WrongFlowError",
    "dump_history",
    "faults",
    "fleet",
    "load_executions",
    "load_history",
    "reenact",
    "replay",
    "replay_executions",
    "run_flow",
]
