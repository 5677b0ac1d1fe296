"""Expanding activities into instances, and remembering expansions between decisions.

An activity's instances follow from the context its generators read. A fan-out of a few
thousand instances costs the decider a generator run and a SHA-1 per instance at every decision
task, thousands of times over a run. `Expansions` remembers, per activity, the instances, their
ids and the context keys the generators read (they get a context that notes its reads): while
those keys keep their values, the next decision reuses the instances as they were. A generator
that looks at the whole context (iterates it, copies it) is reused only while the whole context
is unchanged.

The decider worker keeps one `Expansions` per execution, beside the fold of its history; a
decision made without one expands every activity afresh, with the same result.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from garcon.activity import Activity, instance_ids

_MISSING = object()


class _ReadNoting(dict):
    """The context as generators get it: a dict that notes which keys were read, or that all
    of it was (`reads` is then None)."""

    def __init__(self, context: dict):
        super().__init__(context)
        self.reads: dict[str, Any] | None = {}

    def _note(self, key: Any, value: Any) -> Any:
        if self.reads is not None:
            self.reads[key] = value
        return value

    def _everything(self) -> None:
        self.reads = None

    def __getitem__(self, key: Any) -> Any:
        value = dict.get(self, key, _MISSING)
        self._note(key, value)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        value = self._note(key, dict.get(self, key, _MISSING))
        return default if value is _MISSING else value

    def __contains__(self, key: object) -> bool:
        return self._note(key, dict.get(self, key, _MISSING)) is not _MISSING

    def __iter__(self) -> Iterator:
        self._everything()
        return super().__iter__()

    def __len__(self) -> int:
        self._everything()
        return super().__len__()

    def keys(self):
        self._everything()
        return super().keys()

    def items(self):
        self._everything()
        return super().items()

    def values(self):
        self._everything()
        return super().values()

    def copy(self) -> dict:
        self._everything()
        return dict(super().items())


class _Remembered:
    __slots__ = ("ids", "reads", "values", "whole")

    def __init__(self, reads: dict[str, Any] | None, whole: dict | None, values: list[dict],
                 ids: list[str]):
        self.reads = reads
        self.whole = whole
        self.values = values
        self.ids = ids

    def still_valid(self, context: dict) -> bool:
        if self.reads is None:
            return context == self.whole
        return all(context.get(key, _MISSING) == value for key, value in self.reads.items())


class Expansions:
    """Each activity's instances for a context: (their generator values, their ids)."""

    def __init__(self, remember: bool = True):
        self._remember = remember
        self._memory: dict[tuple[str, str | None], _Remembered] = {}

    def expand(self, activity: Activity, context: dict,
               suffix: str | None = None) -> tuple[list[dict], list[str]]:
        """Raises whatever the activity's generators raise."""
        if not self._remember or not activity.generators:
            values = activity.instance_values(context)
            return values, instance_ids(activity.name, values, suffix)
        key = (activity.name, suffix)
        known = self._memory.get(key)
        if known is not None and known.still_valid(context):
            return known.values, known.ids
        noting = _ReadNoting(context)
        values = activity.instance_values(noting)
        ids = instance_ids(activity.name, values, suffix)
        self._memory[key] = _Remembered(noting.reads, None if noting.reads is not None
                                        else dict(context), values, ids)
        return values, ids
