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
        """`apply` each event; the loop is `apply` inlined, since histories run to 25,000."""
        handlers = _HANDLERS
        used = self.events_used
        for event in events:
            event_id = event["eventId"]
            if event_id > used:
                used = event_id
            handler = handlers.get(event["eventType"])
            if handler is not None:
                handler[0](self, event_id, event[handler[1]])
        self.events_used = used

    def apply(self, event: dict) -> None:
        event_id = event["eventId"]
        if event_id > self.events_used:
            self.events_used = event_id
        handler = _HANDLERS.get(event["eventType"])
        if handler is not None:
            method, attributes = handler
            method(self, event_id, event[attributes])

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

    def _activity_scheduled(self, event_id: int, attributes: dict) -> None:
        activity_id = attributes["activityId"]
        instance = self.instances.get(activity_id) or self._instance_of(attributes)
        attempt = self._by_scheduled_event[event_id] = Attempt(event_id, activity_id)
        instance.attempts.append(attempt)
        self.touched.append(activity_id)
        self.open_activities += 1
        self.open_unstarted += 1

    def _activity_started(self, event_id: int, attributes: dict) -> None:
        self._by_scheduled_event[attributes["scheduledEventId"]].started_event_id = event_id
        self.open_unstarted -= 1

    def _close_attempt(self, event_id: int, attributes: dict, outcome: str,
                       reason: str | None = None) -> Attempt:
        scheduled = attributes["scheduledEventId"]
        attempt = self._by_scheduled_event[scheduled]
        attempt.outcome = outcome
        attempt.closed_event_id = event_id
        attempt.reason = reason
        attempt.details = attributes.get("details")
        self.open_activities -= 1
        if not attempt.started_event_id:
            self.open_unstarted -= 1
        self.last_wakeup_event_id = event_id
        self.touched.append(attempt.activity_id)
        return attempt

    def _activity_completed(self, event_id: int, attributes: dict) -> None:
        attempt = self._close_attempt(event_id, attributes, COMPLETED)
        raw = attributes.get("result")
        if raw == "{}":  # the result of most tasks; not worth a JSON parse
            attempt.result = {}
        elif raw:
            try:
                attempt.result = json.loads(raw)
            except ValueError:
                attempt.result = raw
            if isinstance(attempt.result, dict):
                self.context.update(attempt.result)

    def _activity_failed(self, event_id: int, attributes: dict) -> None:
        self._close_attempt(event_id, attributes, FAILED, attributes.get("reason"))

    def _activity_timed_out(self, event_id: int, attributes: dict) -> None:
        self._close_attempt(event_id, attributes, TIMED_OUT, attributes["timeoutType"])

    def _activity_canceled(self, event_id: int, attributes: dict) -> None:
        self._close_attempt(event_id, attributes, CANCELED, attributes.get("details"))

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


_HANDLERS = {
    event_type: (getattr(HistoryState, method), f"{event_type[0].lower()}{event_type[1:]}"
                                                "EventAttributes")
    for event_type, method in {
        "WorkflowExecutionStarted": "_started",
        "DecisionTaskStarted": "_decision_started",
        "DecisionTaskCompleted": "_decision_completed",
        "ActivityTaskScheduled": "_activity_scheduled",
        "ActivityTaskStarted": "_activity_started",
        "ActivityTaskCompleted": "_activity_completed",
        "ActivityTaskFailed": "_activity_failed",
        "ActivityTaskTimedOut": "_activity_timed_out",
        "ActivityTaskCanceled": "_activity_canceled",
        "ScheduleActivityTaskFailed": "_schedule_failed",
        "TimerStarted": "_timer_started",
        "TimerFired": "_timer_fired",
        "TimerCanceled": "_timer_canceled",
        "WorkflowExecutionCancelRequested": "_cancel_requested",
        **{f"WorkflowExecution{close}": "_closed" for close in (
            "Completed", "Failed", "Canceled", "Terminated", "TimedOut", "ContinuedAsNew")},
    }.items()}
"""The events a decider needs: the method of HistoryState that folds each one, and the key of
its attributes."""
