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

A sharded activity (`shard=`, see `garcon.shards`) runs its instances in child workflow
executions of at most `shard` instances each: its row counts, for the parent, 3 events per child
(StartChildWorkflowExecutionInitiated, ChildWorkflowExecutionStarted, its close) and the
decision tasks that start them, at most 1,000 open at once; and, for its largest child, the
events of that child's own history (`child_fewest`, `child_most`). `shard_size` says how many
instances go in a child: the number given, or for 'auto' the most that keep a child under the
advised 10,000 events even with every retry used (`auto_shard_size`).
"""
from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
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
CHILD_EVENTS = 3
"""StartChildWorkflowExecutionInitiated, ChildWorkflowExecutionStarted, and the close."""
SHARD_RESTARTS = 2
"""How many times a shard whose child was terminated or timed out as a whole is started again
(see `garcon.shards`)."""
AUTO = "auto"

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
    shard: int | None = None
    """Instances per child workflow execution, when the activity runs in shards."""
    open_children: int = 1_000
    """How many of its children may be open at once (SWF's quota)."""

    @property
    def shards(self) -> int:
        """How many child executions run its instances (0 when it is not sharded)."""
        return scheduling_rounds(self.instances, self.shard) if self.shard else 0

    @property
    def units(self) -> int:
        """What the execution itself schedules: its instances, or its children when sharded."""
        return self.shards if self.shard else self.instances

    @property
    def child(self) -> ActivityBudget | None:
        """The budget of its largest child's instances (None when it is not sharded)."""
        if not self.shard:
            return None
        return ActivityBudget(self.name, min(self.shard, self.instances), self.retry, self.cap,
                              self.waits, self.exact)

    @property
    def child_fewest(self) -> int:
        """Events of its largest child's history at best (0 when it is not sharded)."""
        child = self.child
        return WORKFLOW_EVENTS + child.fewest if child is not None else 0

    @property
    def child_most(self) -> int:
        """Events of its largest child's history at worst (0 when it is not sharded)."""
        child = self.child
        return WORKFLOW_EVENTS + child.most if child is not None else 0

    @property
    def rounds(self) -> int:
        """The fewest decision tasks that schedule its instances, `cap` at a time (or start its
        children, `open_children` at a time)."""
        if self.shard:
            return scheduling_rounds(self.shards, self.open_children)
        return scheduling_rounds(self.instances, self.cap)

    @property
    def fewest(self) -> int:
        """At best: 3 events per instance (or child), and a decision task per round of
        scheduling."""
        return ATTEMPT_EVENTS * self.units + DECISION_TASK_EVENTS * self.rounds

    @property
    def most(self) -> int:
        """At worst: every retry used, a decision task per close (and per retry timer); when
        sharded, every child started again as often as it may be, with a decision task for its
        start and one for its close."""
        if self.shard:
            runs = self.shards * (1 + SHARD_RESTARTS)
            return runs * (CHILD_EVENTS + 2 * DECISION_TASK_EVENTS)
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
        if self.shard:  # children close minutes apart: a decision task each, and per round
            return self.rounds + self.shards
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
    flow: Any = field(default=None, compare=False, repr=False)
    """The flow estimated, whose activities `likely`'s mappings name."""

    @property
    def fewest(self) -> int:
        """Events at best: no failure, closes batched as much as they can be."""
        return (WORKFLOW_EVENTS + sum(ATTEMPT_EVENTS * row.units for row in self.activities)
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
        `decision_seconds` (see `ActivityBudget.likely_decision_tasks`). Always in the range.
        ValueError for a number of workers under 1 or over 1,000, seconds under 0, or a name
        that is no activity of the flow."""
        _check("decision_seconds", decision_seconds, is_seconds, "a number of seconds (0 or "
               "more)")
        workers = self._per_activity("workers", workers, WORKERS, is_workers, WORKERS_EXPECTED)
        attempt_seconds = self._per_activity("attempt_seconds", attempt_seconds,
                                             ATTEMPT_SECONDS, is_seconds,
                                             "a number of seconds (0 or more)")
        tasks = sum(row.likely_decision_tasks(workers[row.name], attempt_seconds[row.name],
                                              decision_seconds, steady)
                    for row in self.activities)
        events = self.fewest + DECISION_TASK_EVENTS * (tasks - self.rounds)
        return max(self.fewest, min(events, self.most))

    def _per_activity(self, what: str, given: Any, default: Any, valid: Any, expected: str
                      ) -> dict[str, Any]:
        """Each activity's value, by type name: `given`, or its entry in `given` (by any name
        `resolve_activity` takes), `default` for those it leaves out."""
        if not isinstance(given, Mapping):
            _check(what, given, valid, expected)
            return {row.name: given for row in self.activities}
        for name, value in given.items():
            _check(f"{what}[{name!r}]", value, valid, expected)
        return activity_module.resolve_activity_mapping(self.flow, given, default, where=what)

    @property
    def children(self) -> int:
        """Child executions of the sharded activities, all together."""
        return sum(row.shards for row in self.activities)

    @property
    def child_fewest(self) -> int:
        """Events of the largest child's history at best (0 without shards)."""
        return max((row.child_fewest for row in self.activities), default=0)

    @property
    def child_most(self) -> int:
        """Events of the largest child's history at worst (0 without shards)."""
        return max((row.child_most for row in self.activities), default=0)

    @property
    def fits(self) -> bool:
        """Whether a run can stay under SWF's limit at all (at best), its children too."""
        return self.fewest <= self.limit and self.child_fewest <= self.limit

    @property
    def verdict(self) -> str:
        verdict = self._parent_verdict()
        if self.children:
            verdict += (f"; {self.children:,} child execution{'s' if self.children > 1 else ''}"
                        f", each of {self.child_fewest:,} to {self.child_most:,} events")
            if self.child_fewest > self.limit:
                verdict += f", over SWF's {self.limit:,}-event limit: use a smaller shard"
        return verdict

    def _parent_verdict(self) -> str:
        if self.fewest > self.limit:
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


MOST_WORKERS = SWF_LIMITS.pollers_per_task_list
WORKERS_EXPECTED = (f"a number of workers (1 to {MOST_WORKERS:,}: SWF holds at most "
                    f"{MOST_WORKERS:,} polls on a task list)")
"""What `is_workers` takes, in words, for the errors that refuse what it does not."""


def is_workers(value: Any) -> bool:
    """Whether `value` is a number of workers of a task list: an int, from 1 to the pollers
    SWF lets wait on one task list."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MOST_WORKERS


def is_seconds(value: Any) -> bool:
    """Whether `value` is a number of seconds: finite, 0 or more."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def _check(what: str, value: Any, valid: Any, expected: str) -> None:
    if not valid(value):
        raise ValueError(f"{what} is {expected}, not {value!r}")


def estimate(flow: Any, input: dict | None = None, *,
             limits: SWFLimits = SWF_LIMITS) -> BudgetEstimate:
    """The history budget of a flow run with `input` (see the module docstring).

    Generators are run against the input alone; one that needs the results of earlier
    activities is counted as a single instance and marked inexact.
    """
    if getattr(flow, "decider", None) is not None:
        raise ValueError("a flow with a custom decider schedules activities as its code runs: "
                         "its history budget cannot be estimated without running it")
    return _estimate(flow, input, limits, {})


def _estimate(flow: Any, input: dict | None, limits: SWFLimits, shards: Mapping[str, Any],
              counts: Mapping[str, int] | None = None) -> BudgetEstimate:
    """`estimate`, with the `shard` options in `shards` (by activity name) instead of the
    activities' own, and the instances `counts` gives (by name) for the activities it names
    instead of running their generators."""
    activities = activity_module.find_workflow_activities(flow)
    rows = []
    for current in activities:
        try:
            count, exact = (counts[current.name] if counts and current.name in counts
                            else len(current.expand(dict(input or {}))[1])), True
        except Exception:
            count, exact = 1, False
        cap = open_cap(flow, current, limits)
        option = shards[current.name] if current.name in shards else shard_option(flow, current)
        rows.append(activity_budget(current, count, cap, exact,
                                    shard_size(current, option, count, cap, limits), limits))
    rounds = remaining_rounds(flow, activities, {row.name: row.units for row in rows}, limits,
                              sharded={row.name for row in rows if row.shard})
    return BudgetEstimate(tuple(rows), limits.history_events, limits.recommended_history_events,
                          rounds, flow)


def sharding_advice(flow: Any, input: dict | None = None, *, limits: SWFLimits = SWF_LIMITS,
                    counts: Mapping[str, int] | None = None) -> str | None:
    """What to say to a flow that does not fit (or not even with every retry used) when
    `shard='auto'` on its unsharded generators would make it fit: None otherwise. `counts`
    are the instances of the activities whose generators ran already, by name."""
    if getattr(flow, "decider", None) is not None:
        return None
    unsharded = [current.name for current in activity_module.find_workflow_activities(flow)
                 if current.generators and shard_option(flow, current) is None]
    if not unsharded:
        return None
    sharded = _estimate(flow, input, limits, dict.fromkeys(unsharded, AUTO), counts)
    if not (sharded.fits and sharded.children and sharded.most <= limits.history_events):
        return None
    names = [row.name for row in sharded.activities if row.shard and row.name in unsharded]
    return (f"shard='auto' on {', '.join(names)} would let it run ({sharded.children:,} child "
            f"executions of at most {sharded.child_most:,} events each)")


def activity_budget(current: activity_module.Activity, instances: int, cap: int,
                    exact: bool = True, shard: int | None = None,
                    limits: SWFLimits = SWF_LIMITS) -> ActivityBudget:
    """The budget of `instances` instances of an activity, `cap` of them open at once, in
    children of `shard` instances if given."""
    return ActivityBudget(current.name, instances, current.retry, cap,
                          bool(current.retry_delay), exact, shard, limits.open_children)


def shard_option(flow: Any, current: activity_module.Activity) -> int | str | None:
    """The activity's `shard`, or the flow's when the activity has generators and no `shard`
    of its own: a number of instances, 'auto', or None. ValueError for a flow attribute that
    is neither."""
    if current.shard is not None:
        return current.shard
    value = getattr(flow, "shard", None)
    if value is None or not current.generators:
        return None
    return activity_module.check_shard(value, "the flow attribute shard")


def shard_size(current: activity_module.Activity, option: int | str | None, instances: int,
               cap: int, limits: SWFLimits = SWF_LIMITS) -> int | None:
    """Instances per child for the activity's `instances` under its `shard_option`, or None
    when they run in the execution itself: the number given; for 'auto', `auto_shard_size`,
    and None when they all fit in one child."""
    if option is None:
        return None
    if option != AUTO:
        return option
    size = auto_shard_size(current, cap, limits)
    return size if instances > size else None


def auto_shard_size(current: activity_module.Activity, cap: int,
                    limits: SWFLimits = SWF_LIMITS) -> int:
    """The most instances a child may hold so that its history stays under AWS's advised
    10,000 events (or the limit, when lower) even with every retry used and a decision task
    per close; at least one."""
    target = min(limits.recommended_history_events, limits.history_events)
    per_instance = activity_budget(current, 1, cap).most
    return max(1, (target - WORKFLOW_EVENTS) // per_instance)


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
                     to_schedule: Mapping[str, int], limits: SWFLimits = SWF_LIMITS,
                     sharded: Collection[str] = ()) -> int:
    """The fewest rounds of scheduling that must follow one another for the activities to
    schedule `to_schedule` (attempts, or children for the `sharded` ones, per activity name):
    an activity's instances are scheduled, `open_cap` at a time (its children, SWF's open
    children quota at a time), once all of every activity it requires completed, after the
    decision tasks that scheduled those, so rounds add up along a chain of requirements; and no
    decision task schedules more activities than the flow may have open at once. (Requirements
    that loop back are never met and count nothing.)"""
    activities = list(activities)
    rounds = {current.name: scheduling_rounds(
        to_schedule.get(current.name, 0), limits.open_children if current.name in sharded
        else open_cap(flow, current, limits)) for current in activities}
    chains: dict[str, int] = {}
    flow_cap = min(limits.open_activities, getattr(flow, "max_open", None) or math.inf)
    activity_attempts = sum(count for name, count in to_schedule.items() if name not in sharded)
    return max(max((_chain(current, rounds, chains) for current in activities), default=0),
               scheduling_rounds(activity_attempts, flow_cap))


def _chain(current: activity_module.Activity, rounds: Mapping[str, int],
           chains: dict[str, int]) -> int:
    """The rounds along the longest chain of requirements that ends at `current`, each
    activity's in `chains` (a function, not a closure: a closure that calls itself is a
    reference cycle, which a decision would leave to the cyclic collector)."""
    if current.name not in chains:
        chains[current.name] = 0
        chains[current.name] = rounds[current.name] + max(
            (_chain(required, rounds, chains) for required in current.requires
             if required.name in rounds), default=0)
    return chains[current.name]
