"""Expanding activities into instances, and keeping track of them between decisions.

An activity's instances follow from the context its generators read. A fan-out of a few
thousand instances would cost the decider, at every decision task, a generator run, a SHA-1 per
instance and a look at each instance's history: thousands of times over a run. So:

- `Expansions` remembers, per activity, its instances, their ids and the context keys its
  generators read (they get a context that notes its reads). While those keys keep their
  values, the next decision reuses the expansion as it is. A generator that looks at the whole
  context (iterates or copies it) is reused only while the whole context is unchanged.
- An `Expansion` sorts its instances into done, busy (an attempt open) and to do (never
  scheduled, or ended without completing), and keeps that up to date from the activity ids
  the history touched since (`HistoryState.touched`), not by looking at every instance again.

The decider worker keeps one `Expansions` per execution, beside the fold of its history; a
decision made without one expands every activity afresh, with the same result as long as the
generators depend on the context alone. One that reads the clock, random numbers or anything
outside the context may yield other instances at another decision: a worker that remembers keeps
the first ones, a fresh decision takes the new ones (`garcon-sim replay` calls such generators
out). A shard's child
expands its activity whole and keeps a window of it (`window`): the same ids, in the same
places, as the parent that cut the shards.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from garcon.activity import Activity, instance_ids
from garcon.history import COMPLETED, HistoryState, InstanceHistory

_MISSING = object()
_DONE, _BUSY, _TRIED, _FRESH = 0, 1, 2, 3
"""Where an instance stands: completed; an attempt open; to do again (its last attempt ended
without completing, or was refused); to do, never scheduled."""


class Expansion:
    """An activity's instances for one context, and where each of them stands."""

    __slots__ = ("_fresh", "_fresh_order", "_fresh_start", "_index", "_seen", "_status",
                 "_tried", "done", "ids", "reads", "total", "unique", "values")

    def __init__(self, values: list[dict], ids: list[str], reads: dict[str, Any] | None = None,
                 total: int | None = None, unique: bool = True):
        self.values = values
        self.ids = ids
        self.reads = reads
        """The context values the generators read (a missing key maps to a marker), or None
        when they looked at the whole context (or were not watched)."""
        self.total = len(ids) if total is None else total
        """How many instances the activity has: more than `ids` holds in a window of them."""
        self.unique = unique
        """Whether the generators gave no instance twice."""
        self.done = 0
        self._status: list[int] = []
        self._tried: set[int] = set()
        self._fresh: set[int] = set()
        self._fresh_order: list[int] = []
        self._fresh_start = 0
        self._index: dict[str, int] | None = None
        self._seen = 0

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def complete(self) -> bool:
        return self.done == len(self.ids)

    @property
    def fresh_count(self) -> int:
        return len(self._fresh)

    def tried(self) -> list[int]:
        """The instances (by position) to do again, in generator order."""
        return sorted(self._tried)

    def fresh(self) -> Iterator[int]:
        """The instances never scheduled, in generator order. They leave in that order as
        they are scheduled, so the walk starts past those already gone."""
        order, fresh = self._fresh_order, self._fresh
        while self._fresh_start < len(order) and order[self._fresh_start] not in fresh:
            self._fresh_start += 1
        return (i for i in order[self._fresh_start:] if i in fresh)

    def refresh(self, state: HistoryState) -> Expansion:
        """Bring the standing of the instances up to the fold of the history: all of them
        the first time, then only those the history touched since."""
        if not self._status and self.ids:
            self._classify_all(state)
        else:
            self._reclassify(state, state.touched[self._seen:])
        self._seen = len(state.touched)
        return self

    def _classify_all(self, state: HistoryState) -> None:
        history_of = state.instances.get
        status = self._status = [_standing(history_of(activity_id)) for activity_id in self.ids]
        if _FRESH in status:
            self._fresh_order = [i for i, value in enumerate(status) if value == _FRESH]
            self._fresh = set(self._fresh_order)
        if _TRIED in status:
            self._tried = {i for i, value in enumerate(status) if value == _TRIED}
        self.done = status.count(_DONE)

    def _reclassify(self, state: HistoryState, touched: list[str]) -> None:
        if not touched:
            return
        if self._index is None:
            self._index = {activity_id: i for i, activity_id in enumerate(self.ids)}
        for activity_id in touched:
            i = self._index.get(activity_id)
            if i is None:
                continue
            status, previous = _standing(state.instances[activity_id]), self._status[i]
            if status == previous:
                continue
            self._status[i] = status
            self.done += (status == _DONE) - (previous == _DONE)
            self._fresh.discard(i)
            if status == _TRIED:
                self._tried.add(i)
            else:
                self._tried.discard(i)


def _standing(history: InstanceHistory | None) -> int:
    if history is None:
        return _FRESH
    attempts = history.attempts
    if not attempts:
        return _TRIED  # refused before any attempt
    outcome = attempts[-1].outcome
    return _BUSY if outcome is None else _DONE if outcome == COMPLETED else _TRIED


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
        value = self._note(key, dict.get(self, key, _MISSING))
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
    __slots__ = ("expansion", "reads", "whole")

    def __init__(self, reads: dict[str, Any] | None, whole: dict | None, expansion: Expansion):
        self.reads = reads
        self.whole = whole
        self.expansion = expansion

    def still_valid(self, context: dict) -> bool:
        if self.reads is None:
            return context == self.whole
        return all(context.get(key, _MISSING) == value for key, value in self.reads.items())


class Expansions:
    """Each activity's `Expansion` for a context, remembered between decisions unless
    `remember` is False."""

    def __init__(self, remember: bool = True):
        self._remember = remember
        self._memory: dict[tuple[str, str | None], _Remembered] = {}

    def known_instances(self) -> int:
        """How many instances the remembered expansions hold, all activities together."""
        return sum(remembered.expansion.count for remembered in self._memory.values())

    def expand(self, activity: Activity, context: dict, state: HistoryState,
               suffix: str | None = None, window: tuple[int, int] | None = None,
               unique: bool = False) -> Expansion:
        """The activity's instances (those from `window[0]` to before `window[1]`, if given),
        up to date with `state`. `unique` says the generators give no instance twice (the
        parent that cut the window saw so): only the window's ids are then worked out. Raises
        whatever the activity's generators raise."""
        key = (activity.name, suffix, window)
        known = self._memory.get(key) if self._remember else None
        if known is not None and known.still_valid(context):
            return known.expansion.refresh(state)
        if window is not None and unique:
            expansion = _window(activity, context, suffix, window)
        else:
            reads, (values, ids, once) = expand_noting_reads(activity, context, suffix)
            total = len(ids)
            if window is not None:
                values, ids = values[window[0]:window[1]], ids[window[0]:window[1]]
            expansion = Expansion(values, ids, reads, total, once)
        if self._remember:
            reads = expansion.reads
            self._memory[key] = _Remembered(reads, None if reads is not None else dict(context),
                                            expansion)
        return expansion.refresh(state)


def expand_noting_reads(activity: Activity, context: dict, suffix: str | None = None
                        ) -> tuple[dict | None, tuple[list[dict], list[str], bool]]:
    """The activity's instances (`Activity.expand_counted`), and the context values its
    generators read: a dict of key to value (a missing key maps to a marker), or None when
    they looked at the whole context."""
    noting = _ReadNoting(context)
    expanded = activity.expand_counted(noting, suffix)
    return noting.reads, expanded


def _window(activity: Activity, context: dict, suffix: str | None,
            window: tuple[int, int]) -> Expansion:
    """The instances of a window of generator values that give no instance twice: ids for the
    window's values only (the SHA-1 of each is most of an expansion's cost)."""
    noting = _ReadNoting(context)
    values = activity.instance_values(noting)
    kept = values[window[0]:window[1]]
    ids = instance_ids(activity.name, kept, suffix)
    return Expansion(kept, ids, noting.reads, len(values), len(set(ids)) == len(ids))
