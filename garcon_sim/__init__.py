"""garcon_sim: a deterministic Amazon SWF service with a virtual clock.

It serves real boto3 clients in-process (`Simulator.client()`) or a faster direct client with
the same API (`Simulator.direct_client()`); it knows nothing of garcon beyond its table of
SWF quotas (`garcon.limits`).
"""
from __future__ import annotations

from garcon.limits import SWF_LIMITS, SWFLimits

from .history_io import HistoryFormatError, dump_history, load_history
from .reenact import Difference, ReenactResult, reenact
from .simulator import ActivityTaskView, Simulator

__all__ = [
    "SWF_LIMITS",
    "ActivityTaskView",
    "Difference",
    "HistoryFormatError",
    "ReenactResult",
    "SWFLimits",
    "Simulator",
    "dump_history",
    "load_history",
    "reenact",
]
