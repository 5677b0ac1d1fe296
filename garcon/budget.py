"""The history budget: how many events a flow adds to its SWF history.

SWF terminates an execution whose history passes 25,000 events (AWS advises staying under
10,000). Each attempt of an activity instance writes 3 events (ActivityTaskScheduled,
ActivityTaskStarted, and its close), and each close calls for a decision task (3 more:
scheduled, started, completed), though SWF may serve several closes with one decision task. A
workflow adds 5 of its own: WorkflowExecutionStarted, the first decision task, the close event.

`estimate(flow, input)` counts, per activity, the instances and the fewest and most events they
add: fewest with no failure, most with every retry used (and a timer per retry when the activity
waits between attempts), both with one decision task per activity close.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from garcon import activity as activity_module
from garcon.limits import SWF_LIMITS, SWFLimits

ATTEMPT_EVENTS = 3
"""ActivityTaskScheduled, ActivityTaskStarted, and the close (completed, failed, ...)."""
DECISION_TASK_EVENTS = 3
"""DecisionTaskScheduled, DecisionTaskStarted, DecisionTaskCompleted."""
TIMER_EVENTS = 2
"""TimerStarted, TimerFired."""
WORKFLOW_EVENTS = 5
"""WorkflowExecutionStarted, the first decision task, and the close event."""


@dataclass(frozen=True)
class ActivityBudget:
    name: str
    instances: int
    fewest: int
    most: int
    exact: bool = True
    """False when the generators need results of earlier activities: counted as one instance."""


@dataclass(frozen=True)
class BudgetEstimate:
    activities: tuple[ActivityBudget, ...]
    limit: int
    recommended: int

    @property
    def fewest(self) -> int:
        return WORKFLOW_EVENTS + sum(row.fewest for row in self.activities)

    @property
    def most(self) -> int:
        return WORKFLOW_EVENTS + sum(row.most for row in self.activities)

    @property
    def fits(self) -> bool:
        """Whether a run without failures stays under SWF's limit."""
        return self.fewest <= self.limit

    @property
    def verdict(self) -> str:
        if not self.fits:
            return (f"does not fit: even without failures the history needs {self.fewest:,} "
                    f"events, over SWF's {self.limit:,}-event limit")
        if self.most > self.limit:
            return (f"fits without failures ({self.fewest:,} events) but not if every retry is "
                    f"used ({self.most:,} events, over {self.limit:,})")
        if self.most > self.recommended:
            return (f"fits ({self.most:,} events at most), but above the {self.recommended:,} "
                    "events AWS advises")
        return f"fits: {self.fewest:,} to {self.most:,} events, under {self.recommended:,}"


def estimate(flow: Any, input: dict | None = None, *,
             limits: SWFLimits = SWF_LIMITS) -> BudgetEstimate:
    """The history budget of a flow run with `input` (see the module docstring).

    Generators are run against the input alone; one that needs the results of earlier
    activities is counted as a single instance and marked inexact.
    """
    if getattr(flow, "decider", None) is not None:
        raise ValueError("a flow with a custom decider schedules activities as its code runs: "
                         "its history budget cannot be estimated without running it")
    rows = []
    for current in activity_module.find_workflow_activities(flow):
        try:
            count, exact = len(current.instances(dict(input or {}))), True
        except Exception:
            count, exact = 1, False
        rows.append(activity_budget(current, count, exact))
    return BudgetEstimate(tuple(rows), limits.history_events, limits.recommended_history_events)


def activity_budget(current: activity_module.Activity, instances: int,
                    exact: bool = True) -> ActivityBudget:
    per_attempt = ATTEMPT_EVENTS + DECISION_TASK_EVENTS
    retries = instances * current.retry
    waits = retries * (TIMER_EVENTS + DECISION_TASK_EVENTS) if current.retry_delay else 0
    return ActivityBudget(current.name, instances, instances * per_attempt,
                          (instances + retries) * per_attempt + waits, exact)
