"""The decider: from a workflow history, the decisions that move a flow on.

Theory of operation
-------------------
`decide(flow, events, execution)` folds the history (see `garcon.history`) and walks the flow's
activities in garcon's order: attribute names sorted, then each activity's instances in
generator order. An activity is expanded into its instances once every activity it requires has
completed all of its own. For each instance the history says one of:

- done: its last attempt completed;
- busy: an attempt is open, or it waits for its retry timer, or SWF refused to schedule it for
  a passing reason (open-activity quota, rate) and nothing has happened since;
- ready: never scheduled, or its last attempt failed, timed out or was canceled and retries
  remain (with `retry_delay`, once the retry timer has fired);
- fatal: retries exhausted, or SWF refused to schedule it for good (unknown or deprecated type,
  no default timeout or task list).

Ready instances are scheduled while the decision has room for them:

- open activities stay within SWF's 1,000, or the flow's or the activity's `max_open`;
- one RespondDecisionTaskCompleted stays under SWF's 1 MB: what does not fit waits for the next
  decision task, which a 0-second timer asks SWF for at once;
- the history stays under SWF's 25,000 events: a decision only schedules work whose events,
  with those of everything already open, still leave room to close the workflow, even if every
  close calls for a decision task of its own.

Before any of this, the history budget: when the events used plus the fewest the remaining
instances need at best (3 per attempt still to run, a decision task per round of scheduling that
must follow another, then a decision task and the close: see `garcon.budget`) cannot fit under
the limit, the workflow fails at once with a reason that says so, instead of being terminated by
SWF with EVENT_LIMIT_EXCEEDED.

The first fatal instance ends the pass: the decisions found before it are kept and
FailWorkflowExecution follows, as garcon does. When every instance of every activity has
completed, CompleteWorkflowExecution. A cancel request cancels the workflow. A custom decider,
`flow.decider(schedule, context)`, gets the same rules through `schedule()`.

A sharded activity (`shard=`) is run in child executions instead (see `garcon.shards`): the
parent starts a child per shard while it has room (SWF's 1,000 open children; 3 events each in
its history), and a child, whose input names its shard, runs only that slice of the activity's
instances, under the rules above, and completes with their results. A pass that fails or
cancels the workflow asks its open children to cancel first, and starts none.

Nothing here reads a clock, a random source or the network: the same flow and history give
the same decisions in the same order (as long as the flow's own generators are deterministic).
"""
from __future__ import annotations

import inspect
import json
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from garcon import budget, event, shards
from garcon import decisions as make
from garcon.activity import (
    ACTIVITY_COMPLETED,
    ACTIVITY_SCHEDULED,
    Activity,
    ActivityInstance,
    ActivityInstanceNotReadyException,
    ActivityState,
    find_workflow_activities,
    flow_version,
    short_name,
)
from garcon.collector import cyclic_gc_paused
from garcon.expansion import Expansion, Expansions
from garcon.history import ChildRun, HistoryError, HistoryState, InstanceHistory
from garcon.limits import SWF_LIMITS, SWFLimits
from garcon.payload import json_kind
from garcon.runner import RunnerMissing

RETRYABLE_REFUSALS = frozenset({"OPEN_ACTIVITIES_LIMIT_EXCEEDED",
                                "ACTIVITY_CREATION_RATE_EXCEEDED"})
"""ScheduleActivityTaskFailed causes that mean "try again later", not a failed attempt."""

REFUSAL_BACKOFF_SECONDS = 5
"""How long to wait before scheduling again what SWF refused for a passing reason."""

RESPONSE_MARGIN = 16_384
"""Bytes of a RespondDecisionTaskCompleted request left for all but the decisions: the task
token, the execution context, the JSON envelope and the HTTP headers."""

CLOSING_EVENTS = 1 + budget.DECISION_TASK_EVENTS + 1
"""Events kept free for closing the workflow after what is open: this decision task's
completion, the next decision task, the close event. (A close decision that SWF refuses as
UNHANDLED_DECISION, because an activity closed meanwhile, would take three more: only a
FailWorkflowExecution made while activities are still open can meet it, at the very end of a
run that is failing anyway, and the margin does not cover it, so that runs that fit exactly are
not refused.)"""

RETRY_TIMER_CONTROL = "garcon.retry_delay"
CONTINUE_TIMER_PREFIX = "garcon-continue-"
BACKOFF_TIMER_PREFIX = "garcon-backoff-"


@dataclass
class DecisionReport:
    """The decisions of one decision task, and what the worker should know besides."""

    decisions: list[dict]
    error: BaseException | None = None
    """An exception raised by the flow's own code (a generator, a custom decider) that failed
    the workflow; the worker hands it to the flow's `on_exception`."""
    warnings: list[str] = field(default_factory=list)


def decide(flow: Any, events: Iterable[dict] | HistoryState, execution: dict | None = None, *,
           limits: SWFLimits = SWF_LIMITS) -> list[dict]:
    """The decisions to send with RespondDecisionTaskCompleted for this history.

    `events` is the whole history up to the decision task's DecisionTaskStarted (as boto3
    returns it, or as JSON), or its fold; `execution` is `{"domain", "workflowId", "runId"}`,
    whose values every activity input carries. A history that is not whole (one page of
    several, a cut one) or that contradicts itself raises `garcon.history.HistoryError`, which
    says which events are wrong: no decision is built on a guess.
    """
    return decide_with_report(flow, events, execution, limits=limits).decisions


def decide_with_report(flow: Any, events: Iterable[dict] | HistoryState,
                       execution: dict | None = None, *, limits: SWFLimits = SWF_LIMITS,
                       expansions: Expansions | None = None) -> DecisionReport:
    """`decide`, with the flow's exception and the budget warnings the worker reports.

    `expansions` remembers activities' instances from one decision of an execution to the
    next (see `garcon.expansion`); the decisions are the same with or without it when the
    generators depend on the context alone.
    """
    with cyclic_gc_paused():
        # The fold and the pass are freed as _decide returns, before the collector resumes.
        return _decide(flow, events, execution, limits, expansions)


def _decide(flow: Any, events: Iterable[dict] | HistoryState, execution: dict | None,
            limits: SWFLimits, expansions: Expansions | None) -> DecisionReport:
    state = events if isinstance(events, HistoryState) else _fold_whole(events)
    return _Pass(flow, state, execution, limits, expansions or Expansions(remember=False)).run()


class _Fatal(BaseException):
    """Ends a pass with FailWorkflowExecution. A BaseException, so that a custom decider's own
    `except Exception` does not swallow it."""

    def __init__(self, reason: str, details: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.details = details


class _Room:
    """The decisions of one pass, and the room left for more."""

    def __init__(self, state: HistoryState, limits: SWFLimits, flow_max_open: int | None):
        self.decisions: list[dict] = []
        self.overflowed = False
        self.starved = False
        """Whether an activity waited for lack of room in the history."""
        self._bytes_left = limits.request_bytes - RESPONSE_MARGIN
        cap = min(limits.open_activities, flow_max_open or limits.open_activities)
        self._slots = cap - state.open_activities
        self._timer_slots = limits.open_timers - len(state.open_timers)
        self._child_slots = limits.open_children - state.open_children
        self._state = state
        self._open_by_type: Counter[str] | None = None
        self._added_by_type: Counter[str] = Counter()
        # Events that may land before the workflow can close: every open activity's remaining
        # ones (start and close, or close), every open timer's firing, every open child's
        # (start and close, or close). Each of the closes, firings and starts calls for a
        # decision task, which SWF shares between those that come in while one is pending,
        # but need not: at worst each has its own (the last one's is among CLOSING_EVENTS).
        # Kept besides for each open child: the bytes of the decision that asks it to cancel,
        # should the workflow close early (its event fits in its close's decision task).
        self._closes = (state.open_activities + len(state.open_timers) + state.open_children
                        + state.unstarted_children)
        self._events_left = (limits.history_events - state.events_used - CLOSING_EVENTS
                             - self._closes - state.open_unstarted)
        if state.open_children:
            self._bytes_left -= sum(_cancel_size(child) for child in state.open_child_runs())

    def _fits(self, events: int, closes: int) -> bool:
        """Whether `events` more, `closes` of them calling for a decision task, still leave
        room to close the workflow, whatever SWF shares."""
        tasks = max(self._closes + closes - 1, 0)
        return self._events_left - events - budget.DECISION_TASK_EVENTS * tasks >= 0

    def _take(self, events: int, closes: int) -> None:
        self._events_left -= events
        self._closes += closes

    def has_room_for(self, activity: Activity) -> bool:
        if not self._fits(budget.ATTEMPT_EVENTS, 1):
            self.starved = True
            return False
        if self.overflowed or self._slots <= 0:
            return False
        if activity.max_open is None:
            return True
        if self._open_by_type is None:
            self._open_by_type = self._state.open_by_type()
        return (self._open_by_type[activity.name] + self._added_by_type[activity.name]
                < activity.max_open)

    def schedule(self, decision: dict, activity: Activity, size: int) -> None:
        if self._add(decision, size):
            self._slots -= 1
            self._take(budget.ATTEMPT_EVENTS, 1)
            self._added_by_type[activity.name] += 1

    def has_room_for_child(self) -> bool:
        if not self._fits(budget.CHILD_EVENTS, 2):  # its start and its close
            self.starved = True
            return False
        return not self.overflowed and self._child_slots > 0

    def start_child(self, decision: dict) -> None:
        """Add a StartChildWorkflowExecution, keeping room to ask the child to cancel."""
        attributes = decision["startChildWorkflowExecutionDecisionAttributes"]
        cancel = make.request_cancel_external(attributes["workflowId"], "x" * SWF_LIMITS.run_id)
        if self._add(decision, len(json.dumps(decision)) + len(json.dumps(cancel)) + 1):
            self._child_slots -= 1
            self._take(budget.CHILD_EVENTS, 2)

    def start_timer(self, decision: dict, *, wake_up: bool = False) -> None:
        """Add a timer if it fits; a wake-up timer always does, in the margins kept for it."""
        if self._timer_slots > 0 and self._fits(budget.TIMER_EVENTS, 1) and self._add(
                decision, len(json.dumps(decision)), force=wake_up):
            self._timer_slots -= 1
            self._take(budget.TIMER_EVENTS, 1)

    def close(self, decision: dict, open_children: Iterable[ChildRun] = ()) -> None:
        """End the decision with `decision`: children started in this pass are not, and the
        open ones are asked to cancel (in the room kept for that) unless they were already."""
        asked = self._state.cancels_requested
        self.decisions = [kept for kept in self.decisions
                          if kept["decisionType"] != "StartChildWorkflowExecution"]
        self.decisions += [shards.cancel_decision(child) for child in open_children
                           if child.workflow_id not in asked]
        self.decisions.append(decision)

    def _add(self, decision: dict, size: int, force: bool = False) -> bool:
        size += 1  # the comma between decisions
        if not force and (self.overflowed or size > self._bytes_left):
            self.overflowed = True
            return False
        self._bytes_left -= size
        self.decisions.append(decision)
        return True


class _Pass:
    """One decision pass over a flow and the fold of its history."""

    def __init__(self, flow: Any, state: HistoryState, execution: dict | None,
                 limits: SWFLimits, expansions: Expansions, *, version: str | None = None,
                 context: dict | None = None):
        self.flow = flow
        self.state = state
        self.limits = limits
        self.expansions = expansions
        self.version = version or flow_version(flow)
        """The activity types' version: the flow's, as garcon's DeciderWorker sends it."""
        self.execution = execution
        self.shard: shards.Shard | None = None
        """The shard this execution runs, when it is a sharded activity's child."""
        self.shard_error: str | None = None
        try:
            self.shard = shards.Shard.of_input(state.input)
        except shards.ShardError as error:
            self.shard_error = str(error)
        self.context = context if context is not None else {
            **state.context, **_execution_keys(flow, execution)}
        if self.shard is not None:
            self.context.pop(shards.INPUT_KEY, None)
        self.room = _Room(state, limits, getattr(flow, "max_open", None))
        self.report = DecisionReport([])
        self.schedule_context = ScheduleContext()
        self.waiting_on_refusal = False
        self.timeouts: dict[tuple[str, int], dict[str, str]] = {}
        self.counts: dict[str, int] = {}
        """The instances of each activity expanded in this pass, by name."""

    def run(self) -> DecisionReport:
        state = self.state
        if state.closed:
            return self.report
        try:
            if state.cancel_requested:
                self.room.close(make.cancel_workflow(), state.open_child_runs())
            elif state.input_error or self.shard_error:
                raise _Fatal(state.input_error or self.shard_error)
            else:
                custom = getattr(self.flow, "decider", None)
                if self.shard is not None:
                    self._shard_child(self.shard)
                elif custom is not None:
                    self._custom(custom)
                else:
                    self._activities()
                self._ask_to_wake()
                if self.room.starved and not self.room.decisions and not (
                        state.open_activities or state.open_timers or state.open_children):
                    raise self._over_budget(budget.ATTEMPT_EVENTS + CLOSING_EVENTS)
        except _Fatal as fatal:
            self.room.close(make.fail_workflow(fatal.reason, fatal.details),
                            state.open_child_runs())
        self.report.decisions = self.room.decisions
        return self.report

    # The default decider: the flow's activities, their requirements and generators.

    def _activities(self) -> None:
        activities = find_workflow_activities(self.flow)
        try:
            options = {current.name: budget.shard_option(self.flow, current)
                       for current in activities}
        except ValueError as error:
            raise _Fatal(str(error)) from error
        expanded: dict[str, Expansion | shards.ShardPlan | None] = {}
        expansions = [(current, self._expansion(current, options, expanded))
                      for current in activities]
        self.counts = {current.name: found.expansion.count if isinstance(
            found, shards.ShardPlan) else found.count for current, found in expansions
            if found is not None}
        if self._first_decision():
            self._warn_about_budget()
        to_come = {current.name: self._attempts_to_come(current, found)
                   for current, found in expansions}
        rounds = budget.remaining_rounds(
            self.flow, activities, to_come, self.limits,
            sharded={current.name for current, found in expansions
                     if isinstance(found, shards.ShardPlan)})
        self._check_budget(budget.ATTEMPT_EVENTS * sum(to_come.values())
                           + self._events_of_what_is_open(), rounds)
        for current, found in expansions:
            if isinstance(found, shards.ShardPlan):
                self._consider_shards(current, found)
            elif found is not None:
                self._consider_todo(current, found, self.context)
        if all(_complete(found) for _, found in expansions):
            self.room.close(make.complete_workflow())

    def _expansion(self, current: Activity, options: dict[str, int | str | None],
                   expanded: dict[str, Expansion | shards.ShardPlan | None]
                   ) -> Expansion | shards.ShardPlan | None:
        """The activity's instances (or shards) once every activity it requires is complete,
        else None; each activity planned once a pass, in `expanded`. (A method, not a closure:
        closures that call each other make a reference cycle that would keep the pass and the
        whole fold alive until the cyclic GC finds them.)"""
        if current.name not in expanded:
            expanded[current.name] = None  # requirements that loop back are never met
            if all(_complete(self._expansion(required, options, expanded))
                   for required in current.requires):
                expanded[current.name] = self._plan(current, options[current.name])
        return expanded[current.name]

    def _attempts_to_come(self, current: Activity,
                          found: Expansion | shards.ShardPlan | None) -> int:
        """The fewest attempts an activity still needs: one per instance to do, but for those
        out of retries (they fail the workflow, with their own reason); or the children still
        to start, when it is sharded. One not yet expanded counts one instance, or none if its
        generators could yield none."""
        if found is None:
            return 0 if current.generators else 1
        if isinstance(found, shards.ShardPlan):
            return found.to_come(self.state)
        history_of = self.state.instances.__getitem__
        return found.fresh_count + sum(
            1 for i in found.tried() if history_of(found.ids[i]).failures <= current.retry)

    def _events_of_what_is_open(self) -> int:
        """The events still to come of the open activities and children, at least."""
        state = self.state
        return (state.open_activities + state.open_unstarted + state.open_children
                + state.unstarted_children)

    def _expand(self, current: Activity, context: dict, suffix: str | None = None,
                window: tuple[int, int] | None = None, unique: bool = False) -> Expansion:
        try:
            return self.expansions.expand(current, context, self.state, suffix, window, unique)
        except Exception as error:
            self.report.error = error
            raise _Fatal(f"a generator of {current.name} raised {describe_error(error)}",
                         traceback.format_exc()) from error

    # Shards: a sharded activity's children, in the parent; a child's slice, in the child.

    def _plan(self, current: Activity, option: int | str | None
              ) -> Expansion | shards.ShardPlan:
        """The activity's instances, run here or in shards (`option`: its `shard`)."""
        found = self._expand(current, self.context)
        cap = budget.open_cap(self.flow, current, self.limits)
        size = budget.shard_size(current, option, found.count, cap, self.limits)
        if size is None:
            return found
        child = budget.activity_budget(current, min(size, found.count), cap)
        if budget.WORKFLOW_EVENTS + child.fewest > self.limits.history_events:
            raise _Fatal(f"shard={size} on {current.name}: a child of {child.instances:,} "
                         f"instances needs at least {budget.WORKFLOW_EVENTS + child.fewest:,} "
                         f"events, over SWF's {self.limits.history_events:,}-event limit: "
                         "give a smaller shard, or shard='auto'")
        return shards.ShardPlan(current, found, size, self.state)

    def _consider_shards(self, current: Activity, plan: shards.ShardPlan) -> None:
        """Start the shards that are to start, in order, while the decision has room."""
        carried = None
        given_name = short_name(self.flow, current)
        for shard, (kind, reason, details) in plan.standings(self.state):
            if kind == shards.FATAL:
                raise _Fatal(reason or shard.describe(), details)
            if kind == shards.WAITING:
                self.waiting_on_refusal = True
            if kind != shards.READY or not self.room.has_room_for_child():
                continue
            if not self.execution:
                raise _Fatal(f"{current.name} runs in shards, whose child workflow ids follow "
                             "from the execution's: decide() needs the execution")
            if carried is None:
                carried = shards.carried_context(self.context, current, plan.expansion)
            payload = shards.child_input(carried, shard, self.execution)
            if len(payload) > self.limits.data:
                raise _Fatal(f"the input of {shard.describe()}, is {len(payload):,} characters, "
                             f"over SWF's {self.limits.data:,}: the context it carries (the keys "
                             "its generators and tasks read) is too large; keep large data "
                             "out of the context (a reference, such as an S3 key)")
            workflow_id = shards.child_workflow_id(self.execution["workflowId"], given_name,
                                                   shard.number, self.limits.identifier)
            self.room.start_child(shards.start_decision(self.state, self.flow, workflow_id,
                                                        shard, payload))

    def _shard_child(self, shard: shards.Shard) -> None:
        """This execution is a shard: run its slice of the activity, then complete with the
        instances' results."""
        current = next((found for found in find_workflow_activities(self.flow)
                        if found.name == shard.activity), None)
        if current is None:
            raise _Fatal(f"this execution is {shard.describe()}, an activity the flow does "
                         "not have")
        found = self._expand(current, self.context, window=(shard.start, shard.stop),
                             unique=shard.unique)
        if found.total != shard.instances or found.unique != shard.unique:
            raise _Fatal(f"the generators of {current.name} now give {found.total:,} "
                         f"{'' if found.unique else 'and repeated '}instances, not the "
                         f"{shard.instances:,} the parent cut into shards: they must give the "
                         "same instances while a workflow runs")
        to_come = self._attempts_to_come(current, found)
        rounds = budget.remaining_rounds(self.flow, [current], {current.name: to_come},
                                         self.limits)
        self._check_budget(budget.ATTEMPT_EVENTS * to_come + self._events_of_what_is_open(),
                           rounds)
        self._consider_todo(current, found, self.context)
        if found.complete:
            result = json.dumps(shards.child_result(found, self.state))
            if len(result) > self.limits.data:
                raise _Fatal(f"this shard's results are {len(result):,} characters together, "
                             f"over SWF's {self.limits.data:,} for a child's result: return "
                             "less from the tasks (a reference, such as an S3 key)")
            self.room.close(make.complete_workflow(result))

    def _consider_todo(self, current: Activity, found: Expansion, context: dict) -> None:
        """Consider the instances to do, in generator order: those never scheduled while the
        decision has room for them (thousands may wait for a slot), those already tried all
        (they may have exhausted their retries)."""
        history_of = self.state.instances.get

        def consider(i: int) -> None:
            activity_id = found.ids[i]
            self._consider(current, ActivityInstance(  # a shard's: the whole activity's pool
                current, found.values[i], context, id=activity_id, pool_size=found.total),
                history_of(activity_id))

        tried = found.tried()
        next_tried = 0
        for i in found.fresh():
            if not self.room.has_room_for(current):
                break
            while next_tried < len(tried) and tried[next_tried] < i:
                consider(tried[next_tried])
                next_tried += 1
            consider(i)
        for i in tried[next_tried:]:
            consider(i)

    # The custom decider: `flow.decider(schedule, context)`.

    def _custom(self, decider: Callable) -> None:
        state = self.state
        self._check_budget(state.open_activities + state.open_unstarted)
        try:
            _call_decider(decider, self.schedule, dict(self.context))
        except ActivityInstanceNotReadyException:
            self.schedule_context.mark_uncompleted()
        except Exception as error:
            self.report.error = error
            raise _Fatal(f"the decider raised {describe_error(error)}",
                         traceback.format_exc()) from error
        if self.schedule_context.completed:
            self.room.close(make.complete_workflow())

    def schedule(self, schedule_id: Any, activity: Activity, requires: Iterable | None = None,
                 input: dict | None = None) -> ActivityState:
        """The `schedule` a custom decider gets: schedule what is to do of the activity's
        instances for `input` over the context, once `requires` (states) have completed;
        their state, and their merged result once they all completed."""
        ensure_requirements(requires)
        if activity.shard is not None:
            raise _Fatal(f"{activity.name} has shard=, which the flow's own decider runs; a "
                         "custom decider schedules its instances in the workflow itself")
        context = {**self.context, **(input or {})}
        found = self._expand(activity, context, str(schedule_id))
        self._consider_todo(activity, found, context)
        if not found.complete:
            self.schedule_context.mark_uncompleted()
            return ActivityState(activity.name, [ACTIVITY_SCHEDULED])
        result: dict = {}
        for activity_id in found.ids:
            outcome = self.state.instances[activity_id].last.result
            if isinstance(outcome, dict):
                result.update(outcome)
        return ActivityState(activity.name, [ACTIVITY_SCHEDULED, ACTIVITY_COMPLETED], result)

    # What to do with one instance.

    def _consider(self, current: Activity, instance: ActivityInstance,
                  history: InstanceHistory | None) -> None:
        if history is not None:
            if history.completed or history.open:
                return
            refusal = _pending_refusal(history)
            if refusal is not None:
                event_id, cause = refusal
                if cause not in RETRYABLE_REFUSALS:
                    raise _Fatal(f"SWF refused to schedule {instance.id}: {cause}")
                if event_id > self.state.last_wakeup_event_id:
                    self.waiting_on_refusal = True
                    return
            elif history.failures > current.retry:
                raise _Fatal(*_exhausted(instance.id, history, current.retry))
            elif not self._retry_timer_fired(current, instance, history):
                return
        self._schedule(current, instance)

    def _retry_timer_fired(self, current: Activity, instance: ActivityInstance,
                           history: InstanceHistory) -> bool:
        """Whether the wait before the next attempt is over, starting its timer if need be."""
        seconds = current.retry_wait(history.failures)
        failed_at = history.last_closed_event_id
        if not seconds or history.retry_timer_fired > failed_at:
            return True
        if history.retry_timer_started <= failed_at:
            self.room.start_timer(make.start_timer(instance.id, seconds, RETRY_TIMER_CONTROL))
        return False

    def _schedule(self, current: Activity, instance: ActivityInstance) -> None:
        if not self.room.has_room_for(current):
            return
        built: list[dict] = []
        try:
            schedule_activity_task(built, instance, version=self.version,
                                   timeouts=self._timeouts(current, instance))
        except RunnerMissing as missing:
            raise _Fatal(str(missing)) from missing
        except (TypeError, ValueError) as error:
            raise _Fatal(f"the input of {instance.id} is not JSON: {error}") from error
        for decision in built:
            payload = decision["scheduleActivityTaskDecisionAttributes"]["input"]
            if len(payload) > self.limits.data:
                raise _Fatal(f"the input of {instance.id} is {len(payload):,} characters, "
                             f"over SWF's {self.limits.data:,}")
            self.room.schedule(decision, current, make.schedule_activity_task_size(decision))

    def _timeouts(self, current: Activity, instance: ActivityInstance) -> dict[str, str]:
        """The instance's timeouts: the same for every instance of an activity whose tasks
        do not depend on the context, so worked out once a pass."""
        if getattr(current.runner, "fixed_sizing", None) is None:
            return instance.timeouts()
        key = (current.name, instance.pool_size)
        if key not in self.timeouts:
            self.timeouts[key] = instance.timeouts()
        return self.timeouts[key]

    # The history budget, and waking up.

    def _check_budget(self, attempt_events: int, rounds: int = 0) -> None:
        """Fail now if the events still to come at best cannot fit under the limit: those of
        the remaining attempts, the decision tasks that must schedule them one after the other
        beyond this one (`rounds` in all, see `budget.remaining_rounds`), then a decision task
        and the close. When this passes, `_Room` has room for at least one attempt."""
        needed = (CLOSING_EVENTS + attempt_events
                  + budget.DECISION_TASK_EVENTS * max(rounds - 1, 0)) if attempt_events else 2
        if self.state.events_used + needed > self.limits.history_events:
            raise self._over_budget(needed)

    def _over_budget(self, needed: int) -> _Fatal:
        reason = (f"history budget exceeded: {self.state.events_used:,} events used and at "
                  f"least {needed:,} more needed to finish, over SWF's "
                  f"{self.limits.history_events:,}-event limit")
        advice = None if self.shard is not None else budget.sharding_advice(
            self.flow, self._input(), limits=self.limits, counts=self.counts)
        return _Fatal(f"{reason}: {advice}" if advice else reason)

    def _first_decision(self) -> bool:
        """Whether no decision of this run came before: none completed, and nothing scheduled
        (a view of a history without its DecisionTask* events, as garcon's get_history makes,
        tells only by the second)."""
        state = self.state
        return not (state.decisions_completed or state.instances or state.children
                    or state.open_timers)

    def _warn_about_budget(self) -> None:
        plan = budget.estimate(self.flow, self._input(), limits=self.limits)
        if max(plan.most, plan.child_most) > self.limits.history_events:
            advice = budget.sharding_advice(self.flow, self._input(), limits=self.limits)
            self.report.warnings.append(f"history budget: {plan.verdict}"
                                        + (f"; {advice}" if advice else ""))

    def _input(self) -> dict | None:
        return self.state.input if isinstance(self.state.input, dict) else None

    def _ask_to_wake(self) -> None:
        """Timers that bring the next decision task when no activity would: at once when
        decisions did not fit in this response, later when SWF refused some for a while."""
        started = self.state.decision_started_event_id
        if self.room.overflowed:
            self.room.start_timer(make.start_timer(f"{CONTINUE_TIMER_PREFIX}{started}", 0),
                                  wake_up=True)
        if self.waiting_on_refusal and not any(
                timer.startswith(BACKOFF_TIMER_PREFIX) for timer in self.state.open_timers):
            self.room.start_timer(make.start_timer(
                f"{BACKOFF_TIMER_PREFIX}{started}", REFUSAL_BACKOFF_SECONDS), wake_up=True)


def _complete(found: Expansion | shards.ShardPlan | None) -> bool:
    return found is not None and found.complete


def _cancel_size(child: ChildRun) -> int:
    """The bytes of the decision that asks an open child to cancel, and its comma."""
    return len(json.dumps(shards.cancel_decision(child))) + 1


def _pending_refusal(history: InstanceHistory) -> tuple[int, str] | None:
    """The latest scheduling refusal, unless an attempt was scheduled since."""
    if not history.refusals:
        return None
    refusal = history.refusals[-1]
    last = history.last
    return refusal if last is None or refusal[0] > last.scheduled_event_id else None


def _exhausted(activity_id: str, history: InstanceHistory, retry: int) -> tuple[str, str]:
    reason = (f"{activity_id} did not complete in "
              f"{make.counted(len(history.attempts), 'attempt')} "
              f"(retry={retry}); last: {history.describe_last_outcome()}")
    details = "\n".join(
        f"attempt {number}: {attempt.outcome}"
        + (f" ({attempt.reason})" if attempt.reason else "")
        + f", events {attempt.scheduled_event_id}-{attempt.closed_event_id}"
        + (f"\n  {attempt.details}" if attempt.details else "")
        for number, attempt in enumerate(history.attempts, 1))
    return reason, details


def _execution_keys(flow: Any, execution: dict | None) -> dict:
    if not execution:
        return {}
    return {"execution.domain": execution.get("domain") or getattr(flow, "domain", None),
            "execution.workflow_id": execution["workflowId"],
            "execution.run_id": execution["runId"]}


def _call_decider(decider: Callable, schedule: Callable, context: dict) -> None:
    parameters = inspect.signature(decider).parameters
    takes_context = "context" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    if takes_context:
        decider(schedule=schedule, context=context)
    else:
        decider(schedule=schedule)


def describe_error(error: BaseException) -> str:
    """`Type: message`, or the type alone when the message is empty."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _fold_whole(events: Iterable[dict]) -> HistoryState:
    """The fold of a whole history, in eventId order: SWF gives it ascending, or descending on
    request (the fold says what is wrong with anything else)."""
    if isinstance(events, (dict, str, bytes)):
        raise TypeError(f"decide takes the history's events (a list of event objects), not "
                        f"{json_kind(events)}"
                        + (": pass its 'events'" if isinstance(events, dict) else ""))
    events = events if isinstance(events, list) else list(events)
    if not events:
        raise HistoryError("the history is empty: the decider needs the whole history, from "
                           "WorkflowExecutionStarted")
    try:
        descending = events[0]["eventId"] > events[-1]["eventId"]
    except (KeyError, TypeError):
        descending = False
    return HistoryState.fold(events[::-1] if descending else events)


# garcon 1.1.1's names for the parts of a decision.

class ScheduleContext:
    """Whether everything a custom decider scheduled so far has completed."""

    def __init__(self) -> None:
        self.completed = True

    def mark_uncompleted(self) -> None:
        self.completed = False


class WorkflowFailure(Exception):
    """The decider would fail the workflow, for `reason` (raised by the names below, which
    have no decision to put it in)."""


def ensure_requirements(requires: Iterable[ActivityState | None] | None) -> None:
    """Raise ActivityInstanceNotReadyException unless every state in `requires` completed."""
    for required in requires or ():
        if required is None or not required.ready:
            raise ActivityInstanceNotReadyException(
                getattr(required, "activity_id", "a requirement"))


def schedule_activity_task(decisions: list, instance: ActivityInstance, version: str = "1.0",
                           id: str | None = None, timeouts: dict[str, str] | None = None
                           ) -> None:
    """Append the ScheduleActivityTask of an instance (by default under its own id) to
    `decisions`: its type at `version`, its input as JSON, its four timeouts (`timeouts`, when
    worked out already). Every ScheduleActivityTask the decider sends is made here."""
    decisions.append(make.schedule_activity_task(
        id or instance.id, instance.activity_name, version, instance.activity_worker.task_list,
        json.dumps(instance.create_execution_input()), timeouts or instance.timeouts()))


def schedule(decisions: list, schedule_context: ScheduleContext, history: Mapping,
             context: dict, schedule_id: Any, current_activity: Activity,
             requires: Iterable | None = None, input: dict | None = None,
             version: str = "1.0") -> ActivityState:
    """A custom decider's `schedule()` outside a decision pass: schedule into `decisions`
    what is to do of `current_activity` for `context` and `input`, given garcon's activity
    states (`history`, from `event.activity_states_from_events` or made of ActivityStates),
    marking `schedule_context` while the activity is not complete. Its state, as in a pass;
    WorkflowFailure when the pass would fail the workflow."""
    current = _Pass(None, event.fold_of(history), None, SWF_LIMITS, Expansions(remember=False),
                    version=version, context=dict(context or {}))
    current.schedule_context = schedule_context
    try:
        state = current.schedule(schedule_id, current_activity, requires, input)
    except _Fatal as fatal:
        raise WorkflowFailure(fatal.reason) from None
    for decision in current.room.decisions:
        decisions.append(decision)
    return state


def scheduled_instances(flow: Any, history: Mapping, context: dict) -> list[ActivityInstance]:
    """The instances `decide` schedules for a flow without a custom decider, given garcon's
    activity states and the execution context (of which only the execution keys count: the
    rest comes from the history). WorkflowFailure when it fails the workflow instead."""
    fold = event.fold_of(history)
    execution = None
    if "execution.run_id" in context:
        execution = {"domain": context.get("execution.domain"),
                     "workflowId": context.get("execution.workflow_id"),
                     "runId": context["execution.run_id"]}
    decisions = decide(flow, fold, execution)
    scheduled = []
    for decision in decisions:
        if decision["decisionType"] == "FailWorkflowExecution":
            raise WorkflowFailure(decision["failWorkflowExecutionDecisionAttributes"]["reason"])
        if decision["decisionType"] == "ScheduleActivityTask":
            attributes = decision["scheduleActivityTaskDecisionAttributes"]
            scheduled.append((attributes["activityType"]["name"], attributes["activityId"]))
    activities = {current.name: current for current in find_workflow_activities(flow)}
    instance_context = {**fold.context, **_execution_keys(flow, execution)}
    known = {instance.id: instance for name in dict.fromkeys(name for name, _ in scheduled)
             for instance in activities[name].instances(instance_context)}
    return [known[activity_id] for _, activity_id in scheduled]


def __getattr__(name: str) -> Any:
    # garcon's DeciderWorker lives with the other worker shells; importing it lazily keeps the
    # decider free of I/O.
    if name == "DeciderWorker":
        from garcon.worker import DeciderWorker
        return DeciderWorker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
