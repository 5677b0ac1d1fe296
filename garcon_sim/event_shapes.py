"""The shape of a history event, checked once at load against botocore's model of SWF.

`shape_problem(event)` says, in words that name the member, what in an event is not what SWF
writes: a member of the wrong type (`activityTaskCompletedEventAttributes.scheduledEventId is
a string, not an integer`), a required member missing, the attributes of a known event type
missing, a string holding a lone surrogate (no UTF-8 can carry it, and SWF speaks UTF-8), or
data nested deeper than `MAX_NESTING` where the model has no shape (members it does not know
are kept, as a newer SWF may write them). Enum values are not checked, for the same reason.
The tools that read histories (replay, reenact, timeline) may then trust every member they
know. The check is `json_shapes`' (the HTTP edge's too), compiled once, under the history's
`HISTORY_RULES`.
"""
from __future__ import annotations

import functools
from typing import Any

from .events import attributes_key
from .json_shapes import Check, Mismatch, Rules, check_members, compile_check, not_of
from .validation import lone_surrogate, swf_model

MAX_NESTING = 16
"""How deep data may nest where the model has no shape (it nests no deeper than 4 itself)."""


def shape_problem(event: dict[str, Any]) -> str | None:
    """What is wrong with the shape of an event (an object with an integer eventId), or None.
    eventTimestamp is the loader's to read."""
    try:
        _event_check()(event)
    except Mismatch as mismatch:
        return str(mismatch)
    return None


def _unicode(value: str) -> None:
    if not value.isascii() and (surrogate := lone_surrogate(value)):
        raise Mismatch(f"holds {surrogate}, which is not Unicode text")


def _data(value: Any, depth: int = 0) -> None:
    """A member the model does not know: any JSON value, nested no deeper than MAX_NESTING."""
    kind = type(value)
    if kind is str:
        _unicode(value)
    elif kind is dict or kind is list:
        if depth >= MAX_NESTING:
            raise Mismatch(f"nests deeper than {MAX_NESTING} levels")
        for key, item in (value.items() if kind is dict else enumerate(value)):
            try:
                _data(item, depth + 1)
            except Mismatch as mismatch:
                mismatch.path.append(str(key))
                raise
    elif kind not in (int, float, bool) and value is not None:
        raise not_of(value, "a JSON value")


HISTORY_RULES = Rules(nulls_absent=False, required=True, unknown=_data, text=_unicode)
"""An event holds what SWF writes: no null where the model has a type, every required
member, members of a newer SWF as plain JSON, text that UTF-8 can carry."""


def _anything(value: Any) -> None:
    """eventTimestamp: the loader reads it (epoch seconds, ISO 8601 text or a datetime)."""


@functools.cache
def _event_check() -> Check:
    model = swf_model().shape_for("HistoryEvent")
    members = {name: compile_check(shape, HISTORY_RULES) if shape.type_name != "timestamp"
               else _anything for name, shape in model.members.items()}
    required = tuple(name for name in model.required_members
                     if model.members[name].type_name != "timestamp")

    def check(event: dict[str, Any]) -> None:
        for name in required:
            if event.get(name) is None:
                raise Mismatch("is missing", name)
        check_members(event, members, HISTORY_RULES)
        key = attributes_key(event["eventType"])
        if key in members and key not in event:
            raise Mismatch("is missing", key)

    return check
