"""Applying a run's faults (`garcon_sim.faults`) to its attempts: which fault strikes each
attempt, and when SWF times out an attempt that a fault keeps from answering."""
from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from garcon.payload import object_or_empty

from .faults import Crash, Fail, FaultPlan, Throttle, TimeOut
from .simulator import ActivityTaskView

Timeouts = dict[str, Any]
"""An attempt's four timeouts in seconds (None for NONE) by SWF's names, and `queued`: the
seconds it waited between its scheduling and now."""


class AttemptFaults:
    """Which fault strikes each attempt, decided once, when the simulator first shows the
    attempt's task (to the hold predicate, before any poller gets it)."""

    def __init__(self, faults: FaultPlan, seed: int):
        self.faults = faults
        self.seed = seed
        self.needed = any(not isinstance(fault, Throttle) for fault in faults)
        """Whether any fault strikes attempts (else the simulator need not show them here)."""
        self._attempts: dict[str, int] = {}
        """Per activity id, its attempts so far (in every execution: a shard's runs)."""
        self._latest: dict[str, tuple[str, str, int]] = {}
        """Per activity id, its latest attempt: (workflowId, runId, scheduledEventId)."""
        self._scheduled: dict[str, tuple[dict[str, str], datetime]] = {}
        """Per activity id, the timeouts and the schedule time of its latest attempt."""
        self._faults: dict[tuple[str, str, int], Fail | TimeOut | Crash | None] = {}

    def held(self, view: ActivityTaskView) -> bool:
        """The simulator's hold predicate: an attempt that no worker takes (a
        SCHEDULE_TO_START timeout) is held."""
        fault = self._decide(view)
        return isinstance(fault, TimeOut) and fault.kind == "SCHEDULE_TO_START"

    def took(self, activity_id: str) -> int:
        """The number of the attempt of `activity_id` a worker just took (1 for the first)."""
        if not self.needed:  # else counted as the simulator showed the task, in `held`
            self._attempts[activity_id] = self._attempts.get(activity_id, 0) + 1
        return self._attempts[activity_id]

    def fault_of(self, activity_id: str) -> Fail | TimeOut | Crash | None:
        if not self.needed:
            return None
        latest = self._latest.get(activity_id)
        return None if latest is None else self._faults.get(latest)

    def timeouts_of(self, activity_id: str, now: datetime) -> Timeouts:
        """The timeouts of the activity's latest attempt, and how long it was queued."""
        timeouts, scheduled = self._scheduled[activity_id]
        found: Timeouts = {key: _seconds(value) for key, value in timeouts.items()}
        found["queued"] = (now - scheduled).total_seconds()
        return found

    def _decide(self, view: ActivityTaskView) -> Fail | TimeOut | Crash | None:
        scheduled = (view.workflowId, view.runId, view.scheduledEventId)
        if scheduled not in self._faults:
            attempt = self._attempts.get(view.activityId, 0) + 1
            self._attempts[view.activityId] = attempt
            self._latest[view.activityId] = scheduled
            self._scheduled[view.activityId] = (dict(view.timeouts), view.scheduledAt)
            self._faults[scheduled] = self.faults.for_attempt(
                view.activityType["name"], object_or_empty(view.input), attempt,
                random.Random(attempt_seed("faults", self.seed, view.activityId, attempt)))
        return self._faults[scheduled]


def first_timeout(timeouts: Timeouts, heartbeating: bool) -> tuple[float, str]:
    """Which timeout SWF fires first for an attempt started now, and when (seconds after its
    scheduling), with ties going to the one armed first (schedule deadlines, then
    start-to-close, then heartbeat), as in the simulator."""
    queued = timeouts["queued"]
    candidates = [
        (timeouts.get("scheduleToCloseTimeout"), 0, "SCHEDULE_TO_CLOSE"),
        (None if timeouts.get("startToCloseTimeout") is None
         else queued + timeouts["startToCloseTimeout"], 1, "START_TO_CLOSE"),
        (None if heartbeating or timeouts.get("heartbeatTimeout") is None
         else queued + timeouts["heartbeatTimeout"], 2, "HEARTBEAT")]
    due = [(at, order, kind) for at, order, kind in candidates if at is not None]
    if not due:
        return queued, "none (its timeouts are NONE)"
    at, _, kind = min(due)
    return at, kind


def describe_timeouts(timeouts: Timeouts) -> str:
    return ", ".join(f"{key} {'NONE' if value is None else f'{value:g} s'}"
                     for key, value in timeouts.items() if key != "queued")


def attempt_seed(what: str, seed: int, task: str, number: int) -> str:
    """A seed for one attempt (or one decision task) of a run: its random numbers do not
    depend on the order attempts come in, so on the fleet."""
    return f"garcon-sim {what} {seed} {task} {number}"


def _seconds(value: str | None) -> float | None:
    return None if value in (None, "NONE") else float(value)
