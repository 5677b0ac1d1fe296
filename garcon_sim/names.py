"""The input keys and values of a `match`, checked against the inputs a run's instances had,
so that a typo in a key is an error naming the keys there were rather than a fault that never
strikes or a count of 0. (Activity names are checked by `garcon.activity.resolve_activity`.)

A key is a name, and is checked wherever inputs were scheduled. A value is data: a fault's
values are checked once the run completed (every instance that could be was scheduled), but a
question such as `run.attempts("work", {"generator.n": 7})` about a value no instance had
answers 0, which may be the answer (a run that stopped before scheduling it).

Each check returns the sentence to raise (the caller picks its error type), or None.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def unknown_match_keys(match: Mapping[str, Any] | None, activity: str | None,
                       inputs: Sequence[Mapping[str, Any]]) -> str | None:
    """Why `match` can select none of the `inputs` that instances of `activity` (None: of any
    activity) were scheduled with, because no input has its keys; None when one does, or when
    nothing was scheduled (nothing to judge by)."""
    keys = set(match or ())
    if not inputs or any(keys <= payload.keys() for payload in inputs):
        return None
    seen = sorted({key for payload in inputs for key in payload})
    missing = sorted(keys - set(seen))
    lacking = ", ".join(missing) if missing else "all of " + ", ".join(sorted(keys))
    return (f"match {dict(match or {})!r} selects no instance: no input of {_whose(activity)} "
            f"instances has {lacking} (their input keys: {', '.join(seen) or 'none'})")


def unmatched_values(match: Mapping[str, Any], activity: str | None,
                     inputs: Sequence[Mapping[str, Any]]) -> str | None:
    """Why `match` selects none of `inputs` although they have its keys, naming the values
    they had; None when it selects one."""
    if any(holds(payload, match) for payload in inputs):
        return None
    seen = {key: sorted({repr(payload[key]) for payload in inputs if key in payload})
            for key in sorted(match)}
    values = "; ".join(f"{key}: {', '.join(found[:10])}{', ...' if len(found) > 10 else ''}"
                       for key, found in seen.items())
    return (f"match {dict(match)!r} selects none of {_whose(activity)} instances (their "
            f"values: {values})")


def holds(payload: Mapping[str, Any], match: Mapping[str, Any] | None) -> bool:
    """Whether the input `payload` has every key of `match` with the same value."""
    return all(key in payload and payload[key] == value for key, value in (match or {}).items())


def _whose(activity: str | None) -> str:
    return f"{activity}'s" if activity is not None else "the activities'"
