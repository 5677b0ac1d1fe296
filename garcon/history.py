"""The fold of an SWF workflow history into what a decider needs to know.

`HistoryState.apply(event)` takes events one at a time, in eventId order, so a replay that
decides at every decision task folds each event once: O(events + decisions x decide), not
O(events x decisions). Events come as boto3 returns them or as JSON: timestamps are not read.

Per activity instance (keyed by activityId) the state keeps its attempts, each with how it
ended: completed, failed, timed out or canceled, and the result; and the scheduling refusals
(ScheduleActivityTaskFailed) with their causes. For the execution it keeps the context (the
workflow input, then each completed activity's result merged in event order), the open
activities and timers, and how many events the history already holds.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

COMPLETED = "completed"
FAILED = "failed"
TIMED_OUT = "timed out"
CANCELED = "canceled"


class Attempt:
    """One scheduling of an instance, from ActivityTaskScheduled to its close event."""

    __slots__ = ("activity_id", "closed_event_id", "details", "outcome", "reason", "result",
                 "scheduled_event_id", "started_event_id")

    def __init__(self, scheduled_event_id: int, activity_id: str):
        self.scheduled_event_id = scheduled_event_id
        self.activity_id = activity_id
        self.started_event_id = 0
        self.outcome: str | None = None
        """None while open, else COMPLETED, FAILED, TIMED_OUT or CANCELED."""
        self.closed_event_id = 0
        self.result: Any = None
        """The parsed result (the raw string when it is not JSON)."""
        self.reason: str | None = None
        """Why it did not complete: the failure reason, the timeout type, the cancel details."""
        self.details: str | None = None

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
        self.refusals: tuple[tuple[int, str], ...] = ()
        """(eventId, cause) of each ScheduleActivityTaskFailed."""
        self.retry_timer_started = 0
        self.retry_timer_fired = 0

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


class HistoryState:
    """The fold of a workflow history; see the module docstring."""

    def __init__(self) -> None:
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

    @classmethod
    def fold(cls, events: Iterable[dict]) -> HistoryState:
        state = cls()
        state.apply_all(events)
        return state

    def apply_all(self, events: Iterable[dict]) -> None:
        """`apply` each event, in order. Histories run to 25,000 events, most of them an
        activity's (scheduled, started, closed): those are folded here, the others by the
        handlers of `_HANDLERS`."""
        handlers, closes = _HANDLERS, _CLOSES
        instances, attempts, touch = self.instances, self._by_scheduled_event, self.touched.append
        used, opened, unstarted = self.events_used, self.open_activities, self.open_unstarted
        wakeup, context = self.last_wakeup_event_id, self.context
        for event in events:
            event_id = event["eventId"]
            if event_id > used:
                used = event_id
            kind = event["eventType"]
            if kind == "ActivityTaskStarted":
                attempts[event["activityTaskStartedEventAttributes"]["scheduledEventId"]
                         ].started_event_id = event_id
                unstarted -= 1
            elif kind == "ActivityTaskScheduled":
                attributes = event["activityTaskScheduledEventAttributes"]
                activity_id = attributes["activityId"]
                instance = instances.get(activity_id)
                if instance is None:  # `_instance_of`, inline on the hot path
                    instance = instances[activity_id] = InstanceHistory(
                        activity_id, attributes["activityType"]["name"])
                attempt = attempts[event_id] = Attempt(event_id, activity_id)
                instance.attempts.append(attempt)
                touch(activity_id)
                opened += 1
                unstarted += 1
            elif kind in closes:
                key, outcome, reason = closes[kind]
                attributes = event[key]
                attempt = attempts[attributes["scheduledEventId"]]
                attempt.outcome = outcome
                attempt.closed_event_id = wakeup = event_id
                if reason is not None:
                    attempt.reason = attributes.get(reason)
                if "details" in attributes:
                    attempt.details = attributes["details"]
                opened -= 1
                if not attempt.started_event_id:
                    unstarted -= 1
                touch(attempt.activity_id)
                if outcome is COMPLETED:
                    result = attempt.result = _parsed_result(attributes.get("result"))
                    if result and isinstance(result, dict):
                        context.update(result)
            elif kind in handlers:
                method, key = handlers[kind]
                self.open_activities, self.open_unstarted = opened, unstarted
                self.last_wakeup_event_id = wakeup
                method(self, event_id, event[key])
                opened, unstarted = self.open_activities, self.open_unstarted
                wakeup = self.last_wakeup_event_id
        self.events_used, self.open_activities, self.open_unstarted = used, opened, unstarted
        self.last_wakeup_event_id = wakeup

    def apply(self, event: dict) -> None:
        self.apply_all((event,))

    # Handlers, one per event type that matters to a decider.

    def _started(self, event_id: int, attributes: dict) -> None:
        raw = attributes.get("input")
        if not raw:
            return
        try:
            self.input = json.loads(raw)
        except ValueError as error:
            self.input_error = f"the workflow input is not JSON ({error})"
            return
        if isinstance(self.input, dict):
            self.context.update(self.input)

    def _decision_started(self, event_id: int, attributes: dict) -> None:
        self.decision_started_event_id = event_id

    def _decision_completed(self, event_id: int, attributes: dict) -> None:
        self.decisions_completed += 1

    def open_by_type(self) -> Counter[str]:
        """Open activities per activity type. It looks at every instance: ask once a decision,
        and only for the activities that cap their open instances."""
        return Counter(instance.activity_name for instance in self.instances.values()
                       if instance.open)

    def _instance_of(self, attributes: dict) -> InstanceHistory:
        activity_id = attributes["activityId"]
        instance = self.instances.get(activity_id)
        if instance is None:
            instance = self.instances[activity_id] = InstanceHistory(
                activity_id, attributes["activityType"]["name"])
        return instance

    def _schedule_failed(self, event_id: int, attributes: dict) -> None:
        instance = self._instance_of(attributes)
        instance.refusals += ((event_id, attributes["cause"]),)

    def _timer_started(self, event_id: int, attributes: dict) -> None:
        timer_id = attributes["timerId"]
        self.open_timers[timer_id] = event_id
        instance = self.instances.get(timer_id)
        if instance is not None:
            instance.retry_timer_started = event_id

    def _timer_fired(self, event_id: int, attributes: dict) -> None:
        timer_id = attributes["timerId"]
        self.open_timers.pop(timer_id, None)
        self.last_wakeup_event_id = event_id
        instance = self.instances.get(timer_id)
        if instance is not None:
            instance.retry_timer_fired = event_id

    def _timer_canceled(self, event_id: int, attributes: dict) -> None:
        self.open_timers.pop(attributes["timerId"], None)

    def _cancel_requested(self, event_id: int, attributes: dict) -> None:
        self.cancel_requested = True

    def _closed(self, event_id: int, attributes: dict) -> None:
        self.closed = True


def _parsed_result(raw: str | None) -> Any:
    """An activity's result: parsed JSON, or the raw string when it is not JSON."""
    if raw == "{}":  # the result of most tasks; not worth a JSON parse
        return {}
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


_CLOSES = {
    "ActivityTaskCompleted": ("activityTaskCompletedEventAttributes", COMPLETED, None),
    "ActivityTaskFailed": ("activityTaskFailedEventAttributes", FAILED, "reason"),
    "ActivityTaskTimedOut": ("activityTaskTimedOutEventAttributes", TIMED_OUT, "timeoutType"),
    "ActivityTaskCanceled": ("activityTaskCanceledEventAttributes", CANCELED, "details"),
}
"""The events that close an attempt: the key of their attributes, the attempt's outcome, and
the attribute that says why it did not complete."""

_HANDLERS = {
    event_type: (getattr(HistoryState, method), f"{event_type[0].lower()}{event_type[1:]}"
                                                "EventAttributes")
    for event_type, method in {
        "WorkflowExecutionStarted": "_started",
        "DecisionTaskStarted": "_decision_started",
        "DecisionTaskCompleted": "_decision_completed",
        "ScheduleActivityTaskFailed": "_schedule_failed",
        "TimerStarted": "_timer_started",
        "TimerFired": "_timer_fired",
        "TimerCanceled": "_timer_canceled",
        "WorkflowExecutionCancelRequested": "_cancel_requested",
        **{f"WorkflowExecution{close}": "_closed" for close in (
            "Completed", "Failed", "Canceled", "Terminated", "TimedOut", "ContinuedAsNew")},
    }.items()}
"""The other events a decider needs (besides an activity's, which `apply_all` folds): the
method of HistoryState that folds each one, and the key of its attributes."""
