"""The production workers: thin shells around the pure decider.

They poll SWF, hand what they get to `garcon.decider` or to an activity's runner, and respond.
They handle throttling, tasks that are gone and shutdown, and nothing else. `python -m
garcon.worker FLOW` runs them (see `garcon.worker.__main__`).
"""
from garcon.worker.activities import (
    ActivityCanceled,
    ActivityExecution,
    ActivityTaskGone,
    ActivityWorker,
)
from garcon.worker.client import flow_client, make_client, register_flow
from garcon.worker.deciding import DeciderWorker

__all__ = ["ActivityCanceled", "ActivityExecution", "ActivityTaskGone", "ActivityWorker",
           "DeciderWorker", "flow_client", "make_client", "register_flow"]
