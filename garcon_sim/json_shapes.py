"""JSON checked against the types of botocore's model of SWF: the one check of request
parameters at the HTTP edge (`server/wire.py`) and of events in the history loader
(`event_shapes.py`).

`compile_check(shape, rules)` turns a model shape into nested functions that raise `Mismatch`
at the first value that is not of its JSON type (`activityId is an integer, not a string`).
The member names and list indexes are collected as the exception travels up, so a sound value
costs one call per member and builds no text. `Rules` hold what differs between the two users:
whether a null member reads as absent (the edge, as SWF's front end does) or is checked like
any value; whether required members must be there; how members the model does not know are
checked (ignored, or each with a check of its own); what else every string must be.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import Shape

from garcon.payload import json_kind as kind

Check = Callable[[Any], None]

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "blob": (str,), "boolean": (bool,), "integer": (int,), "long": (int,),
    "float": (int, float), "double": (int, float), "timestamp": (int, float),
    "structure": (dict,), "map": (dict,), "list": (list,),
}
"""The JSON values each model type takes (timestamps are epoch seconds); a boolean is never an
integer, though Python's bool is an int."""
WANTED = {"string": "a string", "blob": "a string", "boolean": "true or false",
          "integer": "an integer", "long": "an integer", "float": "a number",
          "double": "a number", "timestamp": "a number", "structure": "an object",
          "map": "an object", "list": "a list"}


class Mismatch(Exception):
    """A value that departs from its shape: `what` is wrong ("is a string, not an integer",
    "is missing"), and `path` where (its member names and indexes, innermost first)."""

    def __init__(self, what: str, *path: str) -> None:
        super().__init__(what)
        self.what = what
        self.path = [*path]

    def where(self) -> str:
        """The path, outermost first: `decisions.0.scheduleActivityTaskDecisionAttributes`."""
        return ".".join(reversed(self.path))

    def __str__(self) -> str:
        return " ".join(filter(None, (self.where(), self.what)))


@dataclass(frozen=True)
class Rules:
    nulls_absent: bool
    """A null member reads as absent (else it must be of its member's type)."""
    required: bool
    """A required member that is missing (or null) is a Mismatch."""
    unknown: Check | None = None
    """The check of a member the model does not know; None: such members are ignored."""
    text: Check | None = None
    """More to check of every string (its type checked first)."""


def not_of(value: Any, wanted: str) -> Mismatch:
    return Mismatch(f"is {kind(value)}, not {wanted}")


def check_members(value: dict, members: Mapping[str, Check], rules: Rules) -> None:
    """Check each member of an object with its check (`rules.unknown` for the others)."""
    for name, item in value.items():
        check = members.get(name, rules.unknown)
        if check is None or (item is None and rules.nulls_absent):
            continue
        try:
            check(item)
        except Mismatch as mismatch:
            mismatch.path.append(str(name))
            raise


def compile_check(shape: Shape, rules: Rules) -> Check:
    """The check of a value of `shape` (the model's shapes are not recursive)."""
    kind_name = shape.type_name
    if kind_name == "structure":
        return _structure(shape, rules)
    if kind_name in ("list", "map"):
        return _items(shape, rules)
    allowed, wanted, text = JSON_TYPES[kind_name], WANTED[kind_name], rules.text
    if text is not None and allowed == (str,):
        def string(value: Any) -> None:
            if type(value) is not str:
                raise not_of(value, wanted)
            text(value)

        return string

    def scalar(value: Any) -> None:
        if type(value) not in allowed:
            raise not_of(value, wanted)

    return scalar


def _structure(shape: Shape, rules: Rules) -> Check:
    members = {name: compile_check(sub, rules) for name, sub in shape.members.items()}
    required = tuple(shape.required_members) if rules.required else ()

    def structure(value: Any) -> None:
        if type(value) is not dict:
            raise not_of(value, "an object")
        for name in required:
            if value.get(name) is None:
                raise Mismatch("is missing", name)
        check_members(value, members, rules)

    return structure


def _items(shape: Shape, rules: Rules) -> Check:
    """A list's items, or a map's values: a null among them is let be (SWF took and wrote a
    tagList of [null])."""
    listed = shape.type_name == "list"
    item_check = compile_check(shape.member if listed else shape.value, rules)
    wanted, container = ("a list", list) if listed else ("an object", dict)

    def items(value: Any) -> None:
        if type(value) is not container:
            raise not_of(value, wanted)
        for key, item in (enumerate(value) if listed else value.items()):
            if item is None:
                continue
            try:
                item_check(item)
            except Mismatch as mismatch:
                mismatch.path.append(str(key))
                raise

    return items
