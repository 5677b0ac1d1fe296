"""Reading JSON payloads (workflow inputs, activity inputs and results) with a bound.

A payload is data from outside: SWF takes any string of up to 32,768 characters, and 1,000
brackets in a row are enough to make `json.loads` raise RecursionError, at a depth that depends
on the caller's own stack. So a payload nested deeper than `MAX_DEPTH` is refused with
`PayloadError`, whatever the stack: the same history reads the same everywhere, and what was
read can be written again (`json.dumps`) by the decider and the workers.

Most payloads have fewer brackets than `MAX_DEPTH` in all, which two `str.count` calls tell; only
the others are scanned for their real depth (strings skipped).
"""
from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 100
"""The deepest nesting of arrays and objects a payload may have (Ruby's JSON default too)."""

_NOT_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[^\[\]{}"]+')
"""Strings (one never closed runs to the end) and runs of anything else: what leaves only the
brackets that nest."""
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


_KINDS = {str: "a string", bool: "true or false", int: "an integer", float: "a number",
          dict: "an object", list: "a list"}


class PayloadError(ValueError):
    """A payload that cannot be read safely; the message says why."""


def parse(text: str) -> Any:
    """`json.loads(text)`, but text whose brackets nest deeper than MAX_DEPTH (outside strings,
    JSON or not) raises PayloadError; other text that is not JSON raises json.JSONDecodeError,
    a ValueError too."""
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting(text) > MAX_DEPTH:
        raise PayloadError(f"it is JSON nested more than {MAX_DEPTH} levels deep")
    return json.loads(text)


def object_or_empty(text: str | None) -> dict:
    """The JSON object `text` holds, or {} when it holds something else, is not JSON or cannot
    be read safely: for tools that only look into payloads (never decide on them)."""
    if not text:
        return {}
    try:
        value = parse(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def nesting(text: str) -> int:
    """How deep brackets nest in JSON text (those inside strings do not count; a string that is
    never closed runs to the end)."""
    brackets = _NOT_BRACKETS.sub("", text)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def json_kind(value: Any) -> str:
    """What a JSON value is, in words: "null", "true or false", "an integer", ..."""
    if value is None:
        return "null"
    return _KINDS.get(type(value), f"a {type(value).__name__}")
