"""The history budget: how many events a flow adds to its SWF history.

SWF terminates an execution whose history passes 25,000 events (AWS advises staying under
10,000). Each attempt of an activity instance writes 3 events (ActivityTaskScheduled,
ActivityTaskStarted, and its close), and each close calls for a decision task (3 more:
scheduled, started, completed), except that SWF serves every close that arrives while the
decider is busy with the one next decision task. A workflow adds 5 of its own:
WorkflowExecutionStarted, the first decision task, the close event.

So a run falls in a range:

- at best (`fewest`), no attempt fails and closes share decision tasks as much as they can: a
  decision task can only schedule an activity's instances once everything it requires has
  completed, and at most as many as may be open at once (SWF's 1,000, or `max_open`), so what
  remains are the decision tasks that must follow one another along the flow's chains of
  requirements;
- at worst (`most`), every retry is used (with a timer and a decision task before each one when
  the activity waits between attempts), and every close has a decision task of its own;
- in between, how much closes batch depends on the fleet: `likely(workers, ...)` models
  workers each running one attempt at a time, attempts of a typical duration and a decider
  that takes `decision_seconds` per decision task.

`estimate(flow, input)` counts, per activity, the instances and these events. The decider
fails a workflow early only when the best case of what remains cannot fit: `remaining_rounds`
counts the decision tasks for both.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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

WORKERS = 10
"""Workers per task list that `likely` assumes unless told."""
ATTEMPT_SECONDS = 1.0
"""How long an attempt takes, for `likely`, unless told."""
DECISION_SECONDS = 0.1
"""How long a decider holds a decision task (poll, decide, answer), for `likely`."""


@dataclass(frozen=True)
class ActivityBudget:
    """The events of an activity's instances."""

    name: str
    instances: int
    retry: int
    cap: int
    """How many of its instances may be open at once."""
    waits: bool = False
    """Whether it waits on a timer before each retry (`retry_delay`)."""
    exact: bool = True
    """False when the generators need results of earlier activities: counted as one instance."""

    @property
    def rounds(self) -> int:
        """The fewest decision tasks that schedule its instances, `cap` at a time."""
        return scheduling_rounds(self.instances, self.cap)

    @property
    def fewest(self) -> int:
        """At best: 3 events per instance, and a decision task per round of scheduling."""
        return ATTEMPT_EVENTS * self.instances + DECISION_TASK_EVENTS * self.rounds

    @property
    def most(self) -> int:
        """At worst: every retry used, a decision task per close (and per retry timer)."""
        attempts = self.instances * (1 + self.retry)
        retries = self.instances * self.retry
        waits = retries * (TIMER_EVENTS + DECISION_TASK_EVENTS) if self.waits else 0
        return attempts * (ATTEMPT_EVENTS + DECISION_TASK_EVENTS) + waits

    def likely_decision_tasks(self, workers: int, attempt_seconds: float = ATTEMPT_SECONDS,
                              decision_seconds: float = DECISION_SECONDS,
                              steady: bool = False) -> int:
        """The decision tasks its closes likely call for when `workers` run its attempts (one
        at a time each) and no attempt fails.

        The model: r = (attempts at once) / attempt_seconds closes a second, and a decider
        that takes each decision task with the closes that came in while it was busy with the
        previous one (SWF batches them), or the next close when none did. When attempt times
        vary, closes come at random: a decision task then serves r x d + exp(-r x d) of them on
        average (d: decision_seconds), one when the decider is quick beside the closes, r x d
        when they keep it busy. When every attempt takes the same time (`steady`), they close
        in waves, all the attempts at once at one instant: a decision task serves a wave, or
        the waves that came while it was busy.
        """
        if not self.instances:
            return 0
        at_once = min(workers, self.cap, self.instances)
        if not attempt_seconds:
            return self.rounds
        load = at_once / attempt_seconds * decision_seconds
        per_task = (at_once * max(1.0, decision_seconds / attempt_seconds) if steady
                    else load + math.exp(-load))
        return max(self.rounds, min(self.instances, math.ceil(self.instances / per_task)))


@dataclass(frozen=True)
class BudgetEstimate:
    activities: tuple[ActivityBudget, ...]
    limit: int
    recommended: int
    rounds: int
    """The fewest decision tasks that schedule work, one after the other (the first of the
    workflow's among them): along a chain of requirements their rounds add up, side by side
    they share decision tasks."""
    flow_name: str = ""

    @property
    def fewest(self) -> int:
        """Events at best: no failure, closes batched as much as they can be."""
        return (WORKFLOW_EVENTS + sum(ATTEMPT_EVENTS * row.instances for row in self.activities)
                + DECISION_TASK_EVENTS * self.rounds)

    @property
    def most(self) -> int:
        """Events at worst: every retry used, a decision task per close."""
        return WORKFLOW_EVENTS + sum(row.most for row in self.activities)

    @property
    def shared(self) -> int:
        """Events the per-activity bests count more than once: decision tasks that activities
        running side by side share."""
        return WORKFLOW_EVENTS + sum(row.fewest for row in self.activities) - self.fewest

    def likely(self, workers: int | Mapping[str, int] = WORKERS,
               attempt_seconds: float | Mapping[str, float] = ATTEMPT_SECONDS,
               decision_seconds: float = DECISION_SECONDS, steady: bool = False) -> int:
        """The events a run without failure likely uses with `workers` per task list,
        attempts of `attempt_seconds` (each one number, or a mapping from activity names;
        `steady` when every attempt takes exactly that, else on average) and decision tasks of
        `decision_seconds` (see `ActivityBudget.likely_decision_tasks`). Always in the range."""
        tasks = sum(row.likely_decision_tasks(self._of(row.name, workers, WORKERS),
                                              self._of(row.name, attempt_seconds,
                                                       ATTEMPT_SECONDS), decision_seconds,
                                              steady)
                    for row in self.activities)
        events = self.fewest + DECISION_TASK_EVENTS * (tasks - self.rounds)
        return max(self.fewest, min(events, self.most))

    def _of(self, name: str, given: Any, default: Any) -> Any:
        """An activity's value: `given`, or its entry in `given` (by type or short name)."""
        if not isinstance(given, Mapping):
            return given
        return given.get(name, given.get(name.removeprefix(f"{self.flow_name}_"), default))

    @property
    def fits(self) -> bool:
        """Whether a run can stay under SWF's limit at all (at best)."""
        return self.fewest <= self.limit

    @property
    def verdict(self) -> str:
        if not self.fits:
            return (f"does not fit: even at best (no failure, closes batched) the history "
                    f"needs {self.fewest:,} events, over SWF's {self.limit:,}-event limit")
        if self.most > self.limit:
            return (f"fits at best ({self.fewest:,} events) but not at worst (every retry "
                    f"used, a decision task per close: {self.most:,} events, over "
                    f"{self.limit:,})")
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
    activities = activity_module.find_workflow_activities(flow)
    rows = []
    for current in activities:
        try:
            count, exact = len(current.instances(dict(input or {}))), True
        except Exception:
            count, exact = 1, False
        rows.append(activity_budget(current, count, open_cap(flow, current, limits), exact))
    rounds = remaining_rounds(flow, activities, {row.name: row.instances for row in rows},
                              limits)
    return BudgetEstimate(tuple(rows), limits.history_events, limits.recommended_history_events,
                          rounds, getattr(flow, "name", ""))


def activity_budget(current: activity_module.Activity, instances: int, cap: int,
                    exact: bool = True) -> ActivityBudget:
    """The budget of `instances` instances of an activity, `cap` of them open at once."""
    return ActivityBudget(current.name, instances, current.retry, cap,
                          bool(current.retry_delay), exact)


def open_cap(flow: Any, current: activity_module.Activity,
             limits: SWFLimits = SWF_LIMITS) -> int:
    """How many instances of the activity may be open at once: SWF's quota, or the flow's or
    the activity's `max_open` when lower."""
    return min(limits.open_activities, getattr(flow, "max_open", None) or math.inf,
               current.max_open or math.inf)


def scheduling_rounds(instances: int, cap: int) -> int:
    """The fewest decision tasks that schedule `instances`, at most `cap` at a time."""
    return -(-instances // cap)


def remaining_rounds(flow: Any, activities: Iterable[activity_module.Activity],
                     to_schedule: Mapping[str, int], limits: SWFLimits = SWF_LIMITS) -> int:
    """The fewest rounds of scheduling that must follow one another for the activities to
    schedule `to_schedule` (attempts, per activity name): an activity's instances are
    scheduled, `open_cap` at a time, once all of every activity it requires completed, after
    the decision tasks that scheduled those, so rounds add up along a chain of requirements;
    and no decision task schedules more than the flow may have open at once. (Requirements
    that loop back are never met and count nothing.)"""
    activities = list(activities)
    rounds = {current.name: scheduling_rounds(to_schedule.get(current.name, 0),
                                              open_cap(flow, current, limits))
              for current in activities}
    chains: dict[str, int] = {}

    def chain(current: activity_module.Activity) -> int:
        if current.name not in chains:
            chains[current.name] = 0
            chains[current.name] = rounds[current.name] + max(
                (chain(required) for required in current.requires if required.name in rounds),
                default=0)
        return chains[current.name]

    flow_cap = min(limits.open_activities, getattr(flow, "max_open", None) or math.inf)
    return max(max((chain(current) for current in activities), default=0),
               scheduling_rounds(sum(to_schedule.values()), flow_cap))
