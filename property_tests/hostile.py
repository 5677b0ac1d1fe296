"""Hostile histories: SWF's shape, spoiled as a cut page, a buggy tool or an attacker would.

`mutations()` draws a short list of operations (drop, repeat, swap, cut, renumber, corrupt a
member, a payload, a reference, an event type, or a whole event), which `mutate` applies to a
copy of a history. Each operation is a plain tuple, so that a failing example prints as the
operations to replay. The oracle (`latest_attempts`, `completed`) reads a history plainly,
without garcon.history: it is only asked about histories the library accepted.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

from garcon_sim.events import attributes_key

DEEP = "[" * 1_000 + "]" * 1_000
"""2,000 characters nested 1,000 deep: SWF takes it."""
PAYLOADS = st.sampled_from([
    DEEP, "{" * 5_000, '{"a": ' * 150 + "1" + "}" * 150, '"never closed [[[[' + "[" * 200,
    "not JSON [", "x" * 40_000, "caf\udce9", "[NaN, Infinity]", "", "null", "[1, 2]", "{}",
    '{"generator.country_id": 1}', '{"ready": true}'])
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2**70), st.floats(), st.text(max_size=4),
    st.sampled_from([[], {}, [1], {"a": 1}, {"name": "x", "version": "1"}]), PAYLOADS)
EVENT_TYPES = ["WorkflowExecutionStarted", "DecisionTaskScheduled", "DecisionTaskStarted",
               "DecisionTaskCompleted", "DecisionTaskTimedOut", "ActivityTaskScheduled",
               "ActivityTaskStarted", "ActivityTaskCompleted", "ActivityTaskFailed",
               "ActivityTaskTimedOut", "ActivityTaskCanceled", "ScheduleActivityTaskFailed",
               "TimerStarted", "TimerFired", "TimerCanceled", "WorkflowExecutionCompleted",
               "WorkflowExecutionCancelRequested", "MarkerRecorded", "Unheard"]
PAYLOAD_KEYS = ("input", "result", "details", "reason", "control")
REFERENCE_KEYS = ("scheduledEventId", "startedEventId", "decisionTaskCompletedEventId",
                  "latestCancelRequestedEventId")
MAX_DEPTH = 100
"""garcon.payload's bound, as the README states it."""

_ANY = st.integers(0, 10**6)
_OPERATIONS = st.one_of(
    st.tuples(st.just("drop"), _ANY),
    st.tuples(st.just("repeat"), _ANY),
    st.tuples(st.just("swap"), _ANY, _ANY),
    st.tuples(st.just("cut"), _ANY, _ANY),
    st.tuples(st.just("renumber")),
    st.tuples(st.just("member"), _ANY, _ANY, VALUES),
    st.tuples(st.just("payload"), _ANY, PAYLOADS),
    st.tuples(st.just("reference"), _ANY, st.integers(-1, 90)),
    st.tuples(st.just("retype"), _ANY, st.sampled_from([*EVENT_TYPES, 5, None, ["x"]])),
    st.tuples(st.just("junk"), _ANY, st.sampled_from([None, 5, "event", [], [{}]])),
)


def mutations() -> st.SearchStrategy[list[tuple]]:
    return st.lists(_OPERATIONS, min_size=1, max_size=4)


def mutate(events: list[Any], operations: list[tuple]) -> list[Any]:
    """A copy of `events` with the operations applied in order."""
    events = copy.deepcopy(events)
    for operation in operations:
        if events:
            _apply(events, *operation)
    return events


def _apply(events: list[Any], kind: str, *args: Any) -> None:
    at = args[0] % len(events) if args else 0
    if kind == "drop":
        del events[at]
    elif kind == "repeat":
        events.insert(at, copy.deepcopy(events[at]))
    elif kind == "swap":
        other = args[1] % len(events)
        events[at], events[other] = events[other], events[at]
    elif kind == "cut":
        events[:] = events[at:at + 1 + args[1] % len(events)]
    elif kind == "renumber":  # what a tool that "repairs" ids after a cut would do
        for number, event in enumerate(events, 1):
            if isinstance(event, dict):
                event["eventId"] = number
    elif kind == "junk":
        events[at] = copy.deepcopy(args[1])
    elif kind == "retype" and isinstance(events[at], dict):
        events[at]["eventType"] = args[1]
    elif kind == "member" and isinstance(events[at], dict):
        target = events[at]
        inner = _attributes(target)
        if inner is not None and args[1] % 3:
            target = inner
        keys = sorted(target)
        if keys:
            target[keys[args[1] % len(keys)]] = copy.deepcopy(args[2])
    elif kind in ("payload", "reference"):
        names = PAYLOAD_KEYS if kind == "payload" else REFERENCE_KEYS
        carriers = [(inner, name) for event in events if (inner := _attributes(event)) is not None
                    for name in names if name in inner or (kind == "payload" and name in (
                        "input", "result") and _carries(event, name))]
        if carriers:
            inner, name = carriers[args[0] % len(carriers)]
            inner[name] = args[1]


def _attributes(event: Any) -> dict | None:
    if not isinstance(event, dict) or not isinstance(event.get("eventType"), str):
        return None
    kind = event["eventType"]
    inner = event.get(attributes_key(kind))
    return inner if isinstance(inner, dict) else None


def _carries(event: dict, name: str) -> bool:
    """Whether a payload may be added where the history had none."""
    return event["eventType"] in {"input": ("WorkflowExecutionStarted", "ActivityTaskScheduled"),
                                  "result": ("ActivityTaskCompleted",)}[name]


# The oracle: a plain reading of a history the library accepted.

def latest_attempts(events: list[dict]) -> dict[str, dict | None]:
    """activityId -> the close event of its latest attempt, or None while it is open."""
    scheduled: dict[int, str] = {}
    latest: dict[str, tuple[int, dict | None]] = {}
    for event in events:
        attributes = _attributes(event) or {}
        if event["eventType"] == "ActivityTaskScheduled":
            scheduled[event["eventId"]] = attributes["activityId"]
            latest[attributes["activityId"]] = (event["eventId"], None)
        elif event["eventType"] in ("ActivityTaskCompleted", "ActivityTaskFailed",
                                    "ActivityTaskTimedOut", "ActivityTaskCanceled"):
            activity_id = scheduled[attributes["scheduledEventId"]]
            if latest[activity_id][0] == attributes["scheduledEventId"]:
                latest[activity_id] = (attributes["scheduledEventId"], event)
    return {activity_id: close for activity_id, (_, close) in latest.items()}


def completed(close: dict | None) -> bool:
    """Whether an attempt's close is a completion whose result can be read."""
    if close is None or close["eventType"] != "ActivityTaskCompleted":
        return False
    return not too_deep(close["activityTaskCompletedEventAttributes"].get("result") or "")


def too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH (a string never closed runs
    to the end), read one character at a time."""
    depth, in_string, escaped = 0, False, False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif character in "]}":
            depth -= 1
    return False


def as_json(events: list[Any]) -> str:
    """The aws-cli shape of (possibly spoiled) events; what is not JSON is written as text."""
    return json.dumps({"events": events}, default=str)


def contradictions(events: list[Any]) -> list[str]:
    """What makes a history unfit to decide on, found by a plain scan: eventIds that are not
    1, 2, 3, ...; an activity attempt started or closed twice, started after its close,
    completed or failed without a start, or closed or started with no such attempt; an
    activity scheduled again while its attempt is open."""
    found = []
    if [e.get("eventId") if isinstance(e, dict) else None for e in events] != list(
            range(1, len(events) + 1)):
        return ["eventIds are not 1, 2, 3, ..."]
    attempts: dict[int, dict[str, Any]] = {}
    open_by_id: dict[str, int] = {}
    for event in events:
        kind, attributes = event.get("eventType"), _attributes(event)
        if attributes is None:
            continue
        if kind == "ActivityTaskScheduled":
            activity_id = attributes.get("activityId")
            if isinstance(activity_id, str) and activity_id in open_by_id:
                found.append(f"event {event['eventId']}: {activity_id} scheduled while open")
            attempts[event["eventId"]] = {"id": activity_id, "started": False, "closed": False}
            open_by_id[activity_id] = event["eventId"]
        elif kind == "ActivityTaskStarted" or kind in CLOSES:
            attempt = attempts.get(attributes.get("scheduledEventId"))
            if attempt is None:
                found.append(f"event {event['eventId']}: no such attempt")
            elif attempt["closed"] or (kind == "ActivityTaskStarted" and attempt["started"]):
                found.append(f"event {event['eventId']}: started or closed again")
            elif kind == "ActivityTaskStarted":
                attempt["started"] = True
            else:
                if kind in ("ActivityTaskCompleted", "ActivityTaskFailed") and not attempt[
                        "started"]:
                    found.append(f"event {event['eventId']}: closed without a start")
                attempt["closed"] = True
                open_by_id.pop(attempt["id"], None)
    return found


CLOSES = frozenset({"ActivityTaskCompleted", "ActivityTaskFailed", "ActivityTaskTimedOut",
                    "ActivityTaskCanceled"})
