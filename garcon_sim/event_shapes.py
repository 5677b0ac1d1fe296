"""The shape of a history event, checked once at load against botocore's model of SWF.

`shape_problem(event)` says, in words that name the member, what in an event is not what SWF
writes: a member of the wrong type (`activityTaskCompletedEventAttributes.scheduledEventId is
a string, not an integer`), a required member missing, the attributes of a known event type
missing, a string holding a lone surrogate (no UTF-8 can carry it, and SWF speaks UTF-8), or
data nested deeper than `MAX_NESTING` where the model has no shape (members it does not know
are kept, as a newer SWF may write them). Enum values are not checked, for the same reason.
The tools that read histories (replay, reenact, timeline) may then trust every member they
know. The checks are compiled once from the model into nested functions; a problem travels up
as an exception that collects the member names on its way, so a sound event costs one call per
member and builds no text.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

from .events import attributes_key
from .validation import lone_surrogate, swf_model

MAX_NESTING = 16
"""How deep data may nest where the model has no shape (it nests no deeper than 4 itself)."""

Check = Callable[[Any], None]


class _Problem(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what
        self.path: list[str] = []


def shape_problem(event: dict[str, Any]) -> str | None:
    """What is wrong with the shape of an event (an object with an integer eventId), or None.
    eventTimestamp is the loader's to read."""
    try:
        _event_check()(event)
    except _Problem as problem:
        return " ".join(filter(None, (".".join(reversed(problem.path)), problem.what)))
    return None


@functools.cache
def _event_check() -> Check:
    model = swf_model().shape_for("HistoryEvent")
    members = {name: _compile(shape) if shape.type_name != "timestamp" else _anything
               for name, shape in model.members.items()}
    required = tuple(name for name in model.required_members
                     if model.members[name].type_name != "timestamp")

    def check(event: dict[str, Any]) -> None:
        for name in required:
            if event.get(name) is None:
                raise _Problem(f"{name} is missing")
        _members(event, members)
        key = attributes_key(event["eventType"])
        if key in members and key not in event:
            raise _Problem(f"{key} is missing")

    return check


def _members(value: dict[str, Any], members: dict[str, Check]) -> None:
    for name, item in value.items():
        try:
            members.get(name, _data)(item)
        except _Problem as problem:
            problem.path.append(str(name))
            raise


def _compile(shape: Shape) -> Check:
    kind = shape.type_name
    if kind == "structure":
        members = {name: _compile(sub) for name, sub in shape.members.items()}
        required = tuple(shape.required_members)

        def structure(value: Any) -> None:
            if type(value) is not dict:
                raise _Problem(_not(value, "an object"))
            for name in required:
                if value.get(name) is None:
                    problem = _Problem("is missing")
                    problem.path.append(name)
                    raise problem
            _members(value, members)

        return structure
    if kind == "list":
        item_check = _compile(shape.member)

        def items(value: Any) -> None:
            if type(value) is not list:
                raise _Problem(_not(value, "a list"))
            for index, item in enumerate(value):
                try:
                    if item is not None:  # SWF took and wrote a tagList of [null]
                        item_check(item)
                except _Problem as problem:
                    problem.path.append(str(index))
                    raise

        return items
    if kind == "string":
        return _string
    if kind in ("long", "integer"):
        return _integer
    if kind == "boolean":
        return _boolean
    return _data


def _anything(value: Any) -> None:
    """eventTimestamp: the loader reads it (epoch seconds, ISO 8601 text or a datetime)."""


def _string(value: Any) -> None:
    if type(value) is not str:
        raise _Problem(_not(value, "a string"))
    if not value.isascii() and (surrogate := lone_surrogate(value)):
        raise _Problem(f"holds {surrogate}, which is not Unicode text")


def _integer(value: Any) -> None:
    if type(value) is not int:
        raise _Problem(_not(value, "an integer"))


def _boolean(value: Any) -> None:
    if type(value) is not bool:
        raise _Problem(_not(value, "true or false"))


def _data(value: Any, depth: int = 0) -> None:
    """A member the model does not know: any JSON value, nested no deeper than MAX_NESTING."""
    kind = type(value)
    if kind is str:
        _string(value)
    elif kind is dict or kind is list:
        if depth >= MAX_NESTING:
            raise _Problem(f"nests deeper than {MAX_NESTING} levels")
        for key, item in (value.items() if kind is dict else enumerate(value)):
            try:
                _data(item, depth + 1)
            except _Problem as problem:
                problem.path.append(str(key))
                raise
    elif kind not in (int, float, bool) and value is not None:
        raise _Problem(_not(value, "a JSON value"))


def _not(value: Any, wanted: str) -> str:
    return f"is {_kind(value)}, not {wanted}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return {str: "a string", int: "an integer", float: "a number", dict: "an object",
            list: "a list"}.get(type(value), f"a {type(value).__name__}")
