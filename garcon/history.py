"""The fold of an SWF workflow history into what a decider needs to know.

`HistoryState.apply(event)` takes events one at a time, in eventId order, so a replay that
decides at every decision task folds each event once: O(events + decisions x decide), not
O(events x decisions). Events come as boto3 returns them or as JSON: timestamps are not read.

The fold refuses a history that is not whole or contradicts itself with `HistoryError`, whose
message names the events that disagree: event ids that do not go 1, 2, 3, ...; a second
WorkflowExecutionStarted, or any event after the close; an activity scheduled again while its
attempt is open; an attempt started or closed twice, closed in a way that needs a start it
never had (completed, failed, timed out from start to close or on a heartbeat), or timed out
before it was taken although it had started; a start or a close that names no scheduled
attempt, decision task or timer; an event of the wrong shape. A decision built on such a
history would be a guess. Each check is O(1) on what the fold keeps anyway. Payloads are data:
an input or a result nested too deep to read safely (`garcon.payload`) fails the workflow, or
the attempt, with the reason.

Per activity instance (keyed by activityId) the state keeps its attempts, each with how it
ended: completed, failed, timed out or canceled, and the result; and the scheduling refusals
(ScheduleActivityTaskFailed) with their causes. For the execution it keeps the context (the
workflow input, then each completed activity's result merged in event order), the open
activities and timers, and how many events the history already holds.

Child workflow executions are folded too: each one the history initiated (by the id of its
StartChildWorkflowExecutionInitiated), with its run, how it closed and its result; the open
ones; and, for the shards of an activity (children whose control names the activity and the
shard, see `shard_control`), every run of each shard and the refusals to start it. A shard's
result merges into the context once every shard before it has merged: in shard order, whatever
order the children complete in. A start, a close or a refusal that names no open child, or a
close that does not match the child's start, is a HistoryError too.
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from garcon.payload import PayloadError, json_kind, parse

COMPLETED = "completed"
FAILED = "failed"
TIMED_OUT = "timed out"
CANCELED = "canceled"
TERMINATED = "terminated"

SHARD_CONTROL_KEY = "garcon.shard"
"""The key of a shard child's control: `{"garcon.shard": [activity type name, shard number]}`."""

NEEDS_START = {"START_TO_CLOSE": True, "HEARTBEAT": True, "SCHEDULE_TO_START": False,
               "SCHEDULE_TO_CLOSE": None}
"""Per timeout type: whether the attempt must have started (True), must not have (False), or
either (None)."""


class HistoryError(ValueError):
    """A history that is not whole or contradicts itself; the message says which events."""


class Attempt:
    """One scheduling of an instance, from ActivityTaskScheduled to its close event.

    `outcome` is None while it is open, else COMPLETED, FAILED, TIMED_OUT or CANCELED;
    `result` the parsed result (the raw string when it is not JSON); `reason` why it did not
    complete (the failure reason, the timeout type, the cancel details), `details` SWF's.
    """

    __slots__ = ("activity_id", "closed_event_id", "details", "outcome", "reason", "result",
                 "scheduled_event_id", "started_event_id")
    outcome: str | None
    result: Any
    reason: str | None
    details: str | None

    def __init__(self, scheduled_event_id: int, activity_id: str):
        # One is made per ActivityTaskScheduled: chained assignments are the cheapest.
        self.scheduled_event_id = scheduled_event_id
        self.activity_id = activity_id
        self.started_event_id = self.closed_event_id = 0
        self.outcome = self.result = self.reason = self.details = None

    def __repr__(self) -> str:
        return (f"Attempt(scheduled={self.scheduled_event_id}, outcome={self.outcome!r}, "
                f"reason={self.reason!r})")


class InstanceHistory:
    """Everything the history says about one activity id."""

    __slots__ = ("activity_id", "activity_name", "attempts", "refusals", "retry_timer_fired",
                 "retry_timer_started")

    def __init__(self, activity_id: str, activity_name: str):
        self.activity_id = activity_id
        self.activity_name = activity_name
        self.attempts: list[Attempt] = []
        self.refusals: list[tuple[int, str]] | tuple[()] = ()
        """(eventId, cause) of each ScheduleActivityTaskFailed: a list from the first one."""
        self.retry_timer_started = self.retry_timer_fired = 0

    def __repr__(self) -> str:
        return f"InstanceHistory({self.activity_id!r}, attempts={self.attempts!r})"

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def open(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].outcome is None

    @property
    def completed(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].outcome == COMPLETED

    @property
    def failures(self) -> int:
        """Attempts that ended without completing: failed, timed out or canceled."""
        return sum(1 for attempt in self.attempts
                   if attempt.outcome not in (None, COMPLETED))

    @property
    def last_closed_event_id(self) -> int:
        return self.attempts[-1].closed_event_id if self.attempts else 0

    def describe_last_outcome(self) -> str:
        attempt = self.last
        if attempt is None or attempt.outcome is None:
            return "open"
        return f"{attempt.outcome} ({attempt.reason})" if attempt.reason else attempt.outcome


class ChildRun:
    """One child workflow execution the history initiated, from its
    StartChildWorkflowExecutionInitiated to its close. Its `outcome` (None while open, else
    COMPLETED, FAILED, TIMED_OUT, CANCELED or TERMINATED), `result`, `reason`, `details` and
    event ids are an Attempt's, for a child."""

    __slots__ = ("closed_event_id", "details", "initiated_event_id", "outcome", "reason",
                 "result", "run_id", "shard", "started_event_id", "workflow_id")

    def __init__(self, initiated_event_id: int, workflow_id: str,
                 shard: tuple[str, int] | None):
        self.initiated_event_id = initiated_event_id
        self.workflow_id = workflow_id
        self.shard = shard
        """(activity type name, shard number) when garcon started it as a shard."""
        self.run_id: str | None = None
        self.started_event_id = self.closed_event_id = 0
        self.outcome: str | None = None
        self.result = self.reason = self.details = None

    def __repr__(self) -> str:
        return (f"ChildRun({self.workflow_id!r}, initiated={self.initiated_event_id}, "
                f"outcome={self.outcome!r})")


class ShardHistory:
    """Everything the history says about one shard of an activity: the runs of its child
    workflow (a terminated or timed-out one is started again) and the refusals to start it."""

    __slots__ = ("activity_name", "number", "refusals", "runs")

    def __init__(self, activity_name: str, number: int):
        self.activity_name = activity_name
        self.number = number
        self.runs: list[ChildRun] = []
        self.refusals: list[tuple[int, str]] = []
        """(eventId, cause) of each StartChildWorkflowExecutionFailed."""

    def __repr__(self) -> str:
        return f"ShardHistory({self.activity_name!r}, {self.number}, runs={self.runs!r})"

    @property
    def last(self) -> ChildRun | None:
        return self.runs[-1] if self.runs else None


class HistoryState:
    """The fold of a workflow history; see the module docstring. Once `apply` or `apply_all`
    raised HistoryError, the state is only good for the bin."""

    def __init__(self, *, whole: bool = True) -> None:
        self.whole = whole
        """False for a view of some of a history's events (garcon's views take them without
        the DecisionTask* ones): eventIds may then skip some, and the first need not be 1."""
        self.events_used = 0
        self.input: Any = None
        self.input_error: str | None = None
        self.context: dict = {}
        self.instances: dict[str, InstanceHistory] = {}
        self.open_activities = 0
        self.open_unstarted = 0
        """Open activities not yet handed to a worker."""
        self.open_timers: dict[str, int] = {}
        """timerId -> eventId of its TimerStarted, for timers not yet fired or canceled."""
        self.started: dict = {}
        """The attributes of WorkflowExecutionStarted: type, task list, timeouts, tags."""
        self.children: dict[int, ChildRun] = {}
        """Child executions by the id of their StartChildWorkflowExecutionInitiated."""
        self.shards: dict[tuple[str, int], ShardHistory] = {}
        """(activity type name, shard number) -> that shard's runs and refusals."""
        self.cancels_requested: set[str] = set()
        """The workflowIds of the executions this one asked to cancel."""
        self.open_children = 0
        self.unstarted_children = 0
        """Open children whose ChildWorkflowExecutionStarted has not come yet."""
        self._shard_merges: dict[str, tuple[int, dict[int, dict]]] = {}
        """Per sharded activity: the next shard whose result merges into the context, and the
        results of later shards that completed before it."""
        self.cancel_requested = False
        self.closed = False
        self.decision_started_event_id = 0
        self.decisions_completed = 0
        self.touched: list[str] = []
        """The activity ids whose attempts were scheduled or closed, in event order."""
        self.last_wakeup_event_id = 0
        """Latest event after which a refused schedule may be tried again: an activity closed
        or a timer fired."""
        self._by_scheduled_event: dict[int, Attempt] = {}
        self._decision_tasks: dict[int, int] = {}
        """Decision tasks not closed yet: DecisionTaskScheduled id -> DecisionTaskStarted id (0
        while it waits for a decider)."""
        self._closed_event_id = 0
        self._started_seen = False

    @classmethod
    def fold(cls, events: Iterable[dict], *, whole: bool = True) -> HistoryState:
        state = cls(whole=whole)
        state.apply_all(events)
        return state

    def apply_all(self, events: Iterable[dict]) -> None:
        """`apply` each event, in order. Histories run to 25,000 events, most of them an
        activity's (scheduled, started, closed): those are folded and checked here, inline;
        the others by the methods `_HANDLERS` names."""
        handlers, closes, whole = _FOLDERS, _CLOSES, self.whole
        instances, attempts, touch = self.instances, self._by_scheduled_event, self.touched.append
        used, opened, unstarted = self.events_used, self.open_activities, self.open_unstarted
        wakeup = self.last_wakeup_event_id
        event: Any = None
        try:
            for event in events:
                event_id = event["eventId"]
                if event_id != used + 1 and (whole or event_id <= used):
                    raise _out_of_order(event_id, used)
                used = event_id
                kind = event["eventType"]
                if kind == "ActivityTaskStarted":
                    scheduled = event["activityTaskStartedEventAttributes"]["scheduledEventId"]
                    attempt = attempts.get(scheduled)
                    if (attempt is None or attempt.started_event_id
                            or attempt.outcome is not None):
                        raise _bad_start(event_id, scheduled, attempt)
                    attempt.started_event_id = event_id
                    unstarted -= 1
                elif kind == "ActivityTaskScheduled":
                    attributes = event["activityTaskScheduledEventAttributes"]
                    activity_id = attributes["activityId"]
                    instance = instances.get(activity_id) or self._instance_of(event_id,
                                                                               attributes)
                    tried = instance.attempts
                    if tried and tried[-1].outcome is None:
                        raise HistoryError(
                            f"events {tried[-1].scheduled_event_id} and {event_id} disagree: "
                            f"both schedule {activity_id}, and the first attempt is still open")
                    attempt = attempts[event_id] = Attempt(event_id, activity_id)
                    tried.append(attempt)
                    touch(activity_id)
                    opened += 1
                    unstarted += 1
                elif kind in closes:
                    key, outcome, why, needs_start = closes[kind]
                    attributes = event[key]
                    reason = None if why is None else attributes[why] if (
                        outcome is TIMED_OUT) else attributes.get(why)
                    if outcome is TIMED_OUT:
                        needs_start = NEEDS_START.get(reason)
                    scheduled = attributes["scheduledEventId"]
                    attempt = attempts.get(scheduled)
                    started = attempt.started_event_id if attempt is not None else 0
                    if attempt is None or attempt.outcome is not None or (
                            attributes["startedEventId"] != started) or (
                            needs_start is not None and (not started) is needs_start):
                        raise _bad_close(event_id, attributes, outcome, attempt, scheduled)
                    attempt.outcome = outcome
                    attempt.closed_event_id = wakeup = event_id
                    attempt.reason = reason
                    attempt.details = attributes.get("details")
                    opened -= 1
                    if not started:
                        unstarted -= 1
                    touch(attempt.activity_id)
                    if outcome is COMPLETED:
                        raw = attributes.get("result")
                        if raw == "{}":  # the result of most tasks; not worth a JSON parse
                            attempt.result = {}
                        elif raw:
                            self._read_result(attempt, event_id, raw)
                elif kind in handlers:
                    method, key = handlers[kind]
                    self.open_activities, self.open_unstarted = opened, unstarted
                    self.last_wakeup_event_id = wakeup
                    method(self, event_id, event[key])
                    opened, unstarted = self.open_activities, self.open_unstarted
                    wakeup = self.last_wakeup_event_id
        except (KeyError, TypeError, AttributeError) as error:
            raise _malformed(event, error) from None
        finally:
            self.events_used, self.open_activities, self.open_unstarted = used, opened, unstarted
            self.last_wakeup_event_id = wakeup
        self._check_whole()

    def apply(self, event: dict) -> None:
        self.apply_all((event,))

    def _check_whole(self) -> None:
        if self._closed_event_id and self.events_used != self._closed_event_id:
            raise HistoryError(f"event {self._closed_event_id + 1} follows the close of the "
                               f"workflow at event {self._closed_event_id}")
        if self.events_used and not self._started_seen and self.whole:
            raise HistoryError("the history does not begin with WorkflowExecutionStarted")

    # Handlers, one per event type that matters to a decider.

    def _started(self, event_id: int, attributes: dict) -> None:
        if event_id != 1:
            raise HistoryError(f"event {event_id} starts the workflow again: it started at "
                               "event 1")
        self._started_seen = True
        self.started = attributes
        raw = attributes.get("input")
        if not raw:
            return
        text = _text(raw, event_id, "input")
        try:
            self.input = parse(text)
        except PayloadError as error:
            self.input_error = f"the workflow input cannot be read: {error}"
            return
        except ValueError as error:
            self.input_error = f"the workflow input is not JSON ({error})"
            return
        if isinstance(self.input, dict):
            self.context.update(self.input)

    def _decision_scheduled(self, event_id: int, attributes: dict) -> None:
        self._decision_tasks[event_id] = 0

    def _decision_started(self, event_id: int, attributes: dict) -> None:
        scheduled = attributes["scheduledEventId"]
        if self._decision_tasks.get(scheduled) != 0:
            raise HistoryError(f"event {event_id} starts decision task {scheduled!r}, which "
                               "is not a decision task waiting to start")
        self._decision_tasks[scheduled] = event_id
        self.decision_started_event_id = event_id

    def _decision_closed(self, event_id: int, attributes: dict) -> None:
        scheduled, started = attributes["scheduledEventId"], attributes["startedEventId"]
        if self._decision_tasks.get(scheduled, -1) != started:
            raise HistoryError(f"event {event_id} closes decision task {scheduled!r} started at "
                               f"event {started!r}, which is not a decision task open so")
        del self._decision_tasks[scheduled]

    def _decision_completed(self, event_id: int, attributes: dict) -> None:
        self._decision_closed(event_id, attributes)
        self.decisions_completed += 1

    def open_by_type(self) -> Counter[str]:
        """Open activities per activity type. It looks at every instance: ask once a decision,
        and only for the activities that cap their open instances."""
        return Counter(instance.activity_name for instance in self.instances.values()
                       if instance.open)

    def _instance_of(self, event_id: int, attributes: dict) -> InstanceHistory:
        activity_id = attributes["activityId"]
        instance = self.instances.get(activity_id)
        if instance is None:
            name = attributes["activityType"]["name"]
            if type(activity_id) is not str or type(name) is not str:
                raise HistoryError(f"event {event_id} has an activityId or an activity type "
                                   "name that is not a string")
            instance = self.instances[activity_id] = InstanceHistory(activity_id, name)
        return instance

    def _read_result(self, attempt: Attempt, event_id: int, raw: Any) -> None:
        """A completed attempt's result: parsed JSON merged into the context, the raw string
        when it is not JSON; a result that cannot be read fails the attempt, saying why."""
        text = _text(raw, event_id, "result")
        try:
            attempt.result = parse(text)
        except PayloadError as error:
            attempt.outcome = FAILED
            attempt.reason = f"its result cannot be read: {error}"
            return
        except ValueError:
            attempt.result = raw
        if isinstance(attempt.result, dict):
            self.context.update(attempt.result)

    def _schedule_failed(self, event_id: int, attributes: dict) -> None:
        instance = self._instance_of(event_id, attributes)
        refusal = (event_id, attributes["cause"])
        if instance.refusals:
            instance.refusals.append(refusal)
        else:
            instance.refusals = [refusal]

    def _timer_started(self, event_id: int, attributes: dict) -> None:
        timer_id = attributes["timerId"]
        if timer_id in self.open_timers:
            raise HistoryError(f"events {self.open_timers[timer_id]} and {event_id} disagree: "
                               f"both start timer {timer_id!r}, and the first has not fired")
        self.open_timers[timer_id] = event_id
        instance = self.instances.get(timer_id)
        if instance is not None:
            instance.retry_timer_started = event_id

    def _timer_ended(self, event_id: int, attributes: dict) -> str:
        timer_id = attributes["timerId"]
        started = self.open_timers.pop(timer_id, 0)
        if not started or attributes.get("startedEventId", started) != started:
            raise HistoryError(f"event {event_id} ends timer {timer_id!r} started at event "
                               f"{attributes.get('startedEventId')!r}, but no such timer runs")
        return timer_id

    def _timer_fired(self, event_id: int, attributes: dict) -> None:
        timer_id = self._timer_ended(event_id, attributes)
        self.last_wakeup_event_id = event_id
        instance = self.instances.get(timer_id)
        if instance is not None:
            instance.retry_timer_fired = event_id

    def _child_initiated(self, event_id: int, attributes: dict) -> None:
        workflow_id = attributes["workflowId"]
        if type(workflow_id) is not str:
            raise HistoryError(f"event {event_id} has a workflowId that is not a string")
        shard = read_shard_control(attributes.get("control"))
        child = self.children[event_id] = ChildRun(event_id, workflow_id, shard)
        self.open_children += 1
        self.unstarted_children += 1
        if shard is not None:
            self._shard(shard).runs.append(child)

    def _child_start_failed(self, event_id: int, attributes: dict) -> None:
        initiated, cause = attributes["initiatedEventId"], attributes["cause"]
        shard = read_shard_control(attributes.get("control"))
        if initiated:
            child = self._open_child(event_id, initiated, "fails to start")
            if child.started_event_id:
                raise HistoryError(f"event {event_id} fails to start the child initiated at "
                                   f"event {initiated}, which started at event "
                                   f"{child.started_event_id}")
            del self.children[initiated]
            self.open_children -= 1
            self.unstarted_children -= 1
            shard = child.shard
            if shard is not None:
                self.shards[shard].runs.remove(child)
        if shard is not None:
            self._shard(shard).refusals.append((event_id, cause))

    def _child_started(self, event_id: int, attributes: dict) -> None:
        initiated = attributes["initiatedEventId"]
        child = self._open_child(event_id, initiated, "starts")
        if child.started_event_id:
            raise HistoryError(f"events {child.started_event_id} and {event_id} disagree: both "
                               f"start the child initiated at event {initiated}")
        child.started_event_id = event_id
        child.run_id = attributes["workflowExecution"]["runId"]
        self.unstarted_children -= 1

    def _child_closed(self, event_id: int, attributes: dict, outcome: str,
                      why: str | None) -> None:
        initiated = attributes["initiatedEventId"]
        child = self._open_child(event_id, initiated, f"closes ({outcome})")
        if not child.started_event_id or attributes["startedEventId"] != child.started_event_id:
            raise HistoryError(
                f"event {event_id} closes the child initiated at event {initiated} as started at "
                f"event {attributes['startedEventId']!r}, but "
                + (f"event {child.started_event_id} started it" if child.started_event_id
                   else "it never started"))
        child.outcome = outcome
        child.closed_event_id = self.last_wakeup_event_id = event_id
        child.reason = attributes.get(why) if why else None
        child.details = attributes.get("details")
        self.open_children -= 1
        if outcome is COMPLETED:
            raw = attributes.get("result")
            text = _text(raw, event_id, "result") if raw is not None else ""
            try:
                child.result = parse(text) if text else {}
            except ValueError as error:
                child.outcome = FAILED
                child.reason = f"its result cannot be read: {error}"
                return
            if child.shard is not None:
                self._merge_shard(child.shard, child.result)

    def _cancel_external(self, event_id: int, attributes: dict) -> None:
        self.cancels_requested.add(attributes["workflowId"])

    def _open_child(self, event_id: int, initiated: Any, what: str) -> ChildRun:
        child = self.children.get(initiated) if type(initiated) is int else None
        if child is None or child.outcome is not None:
            raise HistoryError(f"event {event_id} {what} the child initiated at event "
                               f"{initiated!r}, but "
                               + ("that child closed at event "
                                  f"{child.closed_event_id}" if child is not None
                                  else "that event initiates no child"))
        return child

    def _shard(self, shard: tuple[str, int]) -> ShardHistory:
        found = self.shards.get(shard)
        if found is None:
            found = self.shards[shard] = ShardHistory(*shard)
        return found

    def _merge_shard(self, shard: tuple[str, int], result: Any) -> None:
        """Merge a shard's result into the context in shard order: now if every shard before
        it has merged, else once they have."""
        name, number = shard
        following, waiting = self._shard_merges.get(name, (1, {}))
        if number < following or number in waiting:
            return  # merged already (a shard started twice completes once for the context)
        waiting[number] = result if isinstance(result, dict) else {}
        while following in waiting:
            self.context.update(waiting.pop(following))
            following += 1
        self._shard_merges[name] = (following, waiting)

    def open_child_runs(self) -> list[ChildRun]:
        """The children not closed yet, in the order they were initiated."""
        return [child for child in self.children.values() if child.outcome is None]

    def _cancel_requested(self, event_id: int, attributes: dict) -> None:
        self.cancel_requested = True

    def _closed(self, event_id: int, attributes: dict) -> None:
        self.closed = True
        self._closed_event_id = event_id


def _text(value: Any, event_id: int, name: str) -> str:
    if type(value) is not str:
        raise HistoryError(f"event {event_id} has a {name} that is {json_kind(value)}, not a "
                           "string")
    return value


def shard_control(activity_name: str, number: int) -> str:
    """The control of a shard's StartChildWorkflowExecution, which the fold reads back."""
    return json.dumps({SHARD_CONTROL_KEY: [activity_name, number]})


def read_shard_control(control: Any) -> tuple[str, int] | None:
    """(activity type name, shard number) from a `shard_control`; None for any other control
    (a child that another decider, or a person, started)."""
    if type(control) is not str or SHARD_CONTROL_KEY not in control:
        return None
    try:
        value = parse(control)
    except ValueError:  # PayloadError too: a control nested too deep is no shard's
        return None
    shard = value.get(SHARD_CONTROL_KEY) if isinstance(value, dict) else None
    if (isinstance(shard, list) and len(shard) == 2 and type(shard[0]) is str
            and type(shard[1]) is int and shard[1] >= 1):
        return shard[0], shard[1]
    return None


def _out_of_order(event_id: Any, previous: int) -> HistoryError:
    if previous == 0 and event_id != 1:
        return HistoryError(f"the history begins at event {event_id!r}, not at event 1: it is "
                            "one page of several, or cut; the decider needs the whole history")
    if isinstance(event_id, int) and event_id > previous + 1:
        return HistoryError(f"event {event_id} follows event {previous}: "
                            + (f"event {previous + 1} is missing" if event_id == previous + 2
                               else f"events {previous + 1} to {event_id - 1} are missing"))
    return HistoryError(f"event {event_id!r} comes after event {previous}: the events are out "
                        "of order or repeated")


def _malformed(event: Any, error: Exception) -> HistoryError:
    if not isinstance(event, dict):
        return HistoryError(f"an event is a {type(event).__name__}, not an object")
    where = f"event {event.get('eventId')!r} ({event.get('eventType')!r})"
    if isinstance(error, KeyError):
        return HistoryError(f"{where} has no {error.args[0]}")
    return HistoryError(f"{where} is malformed: {error}")


def _bad_start(event_id: int, scheduled: Any, attempt: Attempt | None) -> HistoryError:
    if attempt is None:
        return HistoryError(f"event {event_id} starts the activity scheduled at event "
                            f"{scheduled!r}, but that event schedules no activity")
    return HistoryError(
        f"events {attempt.started_event_id or attempt.closed_event_id} and {event_id} "
        f"disagree: the attempt of {attempt.activity_id} scheduled at event {scheduled} is "
        f"started at {event_id} after it was "
        + ("started" if attempt.started_event_id else attempt.outcome))


def _bad_close(event_id: int, attributes: dict, outcome: str, attempt: Attempt | None,
               scheduled: Any) -> HistoryError:
    if attempt is None:
        return HistoryError(f"event {event_id} closes the activity scheduled at event "
                            f"{scheduled!r} ({outcome}), but that event schedules no activity")
    what = f"the attempt of {attempt.activity_id} scheduled at event {scheduled}"
    if attempt.outcome is not None:
        return HistoryError(f"events {attempt.closed_event_id} and {event_id} disagree: both "
                            f"close {what} ({attempt.outcome}, then {outcome})")
    started = attributes["startedEventId"]
    if started != attempt.started_event_id:
        return HistoryError(f"event {event_id} closes {what} ({outcome}) as started at event "
                            f"{started!r}, but "
                            + (f"event {attempt.started_event_id} started it"
                               if attempt.started_event_id else "it never started"))
    if attempt.started_event_id:
        return HistoryError(f"events {attempt.started_event_id} and {event_id} disagree: {what} "
                            f"started at event {attempt.started_event_id}, yet it {outcome} "
                            f"({attributes.get('timeoutType')}) as if it had not")
    return HistoryError(f"event {event_id} closes {what} ({outcome}), but it never started")


_HANDLERS = {
    "WorkflowExecutionStarted": "_started",
    "DecisionTaskScheduled": "_decision_scheduled",
    "DecisionTaskStarted": "_decision_started",
    "DecisionTaskCompleted": "_decision_completed",
    "DecisionTaskTimedOut": "_decision_closed",
    "ScheduleActivityTaskFailed": "_schedule_failed",
    "TimerStarted": "_timer_started",
    "TimerFired": "_timer_fired",
    "TimerCanceled": "_timer_ended",
    "StartChildWorkflowExecutionInitiated": "_child_initiated",
    "StartChildWorkflowExecutionFailed": "_child_start_failed",
    "ChildWorkflowExecutionStarted": "_child_started",
    "RequestCancelExternalWorkflowExecutionInitiated": "_cancel_external",
    "WorkflowExecutionCancelRequested": "_cancel_requested",
    **{f"WorkflowExecution{close}": "_closed" for close in (
        "Completed", "Failed", "Canceled", "Terminated", "TimedOut", "ContinuedAsNew")},
}
"""The events a decider needs besides an activity's (which `apply_all` folds), and the method
of HistoryState that folds each one."""

_CHILD_CLOSES = {
    "ChildWorkflowExecutionCompleted": (COMPLETED, None),
    "ChildWorkflowExecutionFailed": (FAILED, "reason"),
    "ChildWorkflowExecutionTimedOut": (TIMED_OUT, "timeoutType"),
    "ChildWorkflowExecutionCanceled": (CANCELED, "details"),
    "ChildWorkflowExecutionTerminated": (TERMINATED, None),
}
"""The events that close a child execution: its outcome, and the attribute that says why it
did not complete."""


@functools.lru_cache(maxsize=1_024)
def attributes_key(event_type: str) -> str:
    """`ActivityTaskScheduled` -> `activityTaskScheduledEventAttributes`: the key of an
    event's attributes (remembered: asked for a few types again and again; bounded: a file may
    hold any)."""
    return event_type[:1].lower() + event_type[1:] + "EventAttributes"


_CLOSES = {
    "ActivityTaskCompleted": ("activityTaskCompletedEventAttributes", COMPLETED, None, True),
    "ActivityTaskFailed": ("activityTaskFailedEventAttributes", FAILED, "reason", True),
    "ActivityTaskTimedOut": ("activityTaskTimedOutEventAttributes", TIMED_OUT, "timeoutType",
                             None),
    "ActivityTaskCanceled": ("activityTaskCanceledEventAttributes", CANCELED, "details", None),
}
"""The events that close an attempt: the key of their attributes, the attempt's outcome, the
attribute that says why it did not complete, and whether the attempt must have started (None:
it may or may not; for a timeout, `NEEDS_START` says, by its type)."""


_FOLDERS = {
    **{event_type: (getattr(HistoryState, method), attributes_key(event_type))
       for event_type, method in _HANDLERS.items()},
    **{event_type: (functools.partial(HistoryState._child_closed, outcome=outcome, why=why),
                    attributes_key(event_type))
       for event_type, (outcome, why) in _CHILD_CLOSES.items()},
}
"""Per event type `apply_all` hands on: the function that folds it (given the state, the
event's id and its attributes), and the key of its attributes."""
