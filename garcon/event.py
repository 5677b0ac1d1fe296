"""garcon 1.1.1's activity states: views of the one fold of a history (`garcon.history`).

`activity_states_from_events(events)` is, per activity type name and per activity id, the
`ActivityState` of every instance the history scheduled: the states of its attempts and, once
it completed, its result. `get_current_context(events)` is the `ExecutionContext`. Both fold
the events once, as the decider does, and read that fold.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from garcon.activity import ACTIVITY_COMPLETED, ACTIVITY_FAILED, ACTIVITY_SCHEDULED, ActivityState
from garcon.context import ExecutionContext, in_order
from garcon.history import COMPLETED, HistoryState, attributes_key


class ActivityStates(Mapping[str, dict[str, ActivityState]]):
    """garcon's activity states of a history's fold, made when first read."""

    def __init__(self, fold: HistoryState):
        self.fold = fold
        self._states: dict[str, dict[str, ActivityState]] | None = None

    def _read(self) -> dict[str, dict[str, ActivityState]]:
        if self._states is None:
            self._states = {}
            for instance in self.fold.instances.values():
                if not instance.attempts:
                    continue  # refused before any attempt: garcon never saw it
                state = ActivityState(instance.activity_id)
                for attempt in instance.attempts:
                    state.add_state(ACTIVITY_SCHEDULED)
                    if attempt.outcome == COMPLETED:
                        state.add_state(ACTIVITY_COMPLETED)
                        state.set_result(attempt.result if attempt.result is not None else {})
                    elif attempt.outcome is not None:
                        state.add_state(ACTIVITY_FAILED)
                self._states.setdefault(instance.activity_name, {})[instance.activity_id] = state
        return self._states

    def __getitem__(self, activity_name: str) -> dict[str, ActivityState]:
        return self._read()[activity_name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


def activity_states_from_events(events: Iterable[dict]) -> ActivityStates:
    return ActivityStates(HistoryState.fold(in_order(events), whole=False))


def get_current_context(events: Iterable[dict]) -> ExecutionContext:
    return ExecutionContext(events)


def fold_of(states: Mapping[str, Mapping[str, ActivityState]]) -> HistoryState:
    """The fold behind activity states: theirs when they are a view of one, else the fold of
    the history they stand for (states made by hand, as garcon's tests do): each
    ACTIVITY_SCHEDULED an attempt, closed by the ACTIVITY_FAILED or ACTIVITY_COMPLETED after
    it (which stand for a scheduled attempt too when none is open), started just before it
    closed."""
    if isinstance(states, ActivityStates):
        return states.fold
    events: list[dict] = []

    def add(event_type: str, attributes: dict) -> int:
        events.append({"eventId": len(events) + 1, "eventType": event_type,
                       attributes_key(event_type): attributes})
        return len(events)

    for name, instances in states.items():
        for activity_id, state in instances.items():
            scheduled = 0
            for kind in state.states:
                if scheduled == 0 or kind == ACTIVITY_SCHEDULED:
                    scheduled = add("ActivityTaskScheduled", {
                        "activityId": activity_id, "activityType": {"name": name}})
                if kind in (ACTIVITY_FAILED, ACTIVITY_COMPLETED):
                    closed = {"scheduledEventId": scheduled, "startedEventId": add(
                        "ActivityTaskStarted", {"scheduledEventId": scheduled})}
                    if kind == ACTIVITY_COMPLETED:
                        closed["result"] = json.dumps(state.get_last_result())
                    add("ActivityTaskCompleted" if kind == ACTIVITY_COMPLETED
                        else "ActivityTaskFailed", closed)
                if kind != ACTIVITY_SCHEDULED:
                    scheduled = 0
    return HistoryState.fold(events, whole=False)
