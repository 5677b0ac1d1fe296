"""The fleet of a simulated run: how many workers poll each activity's task list, how long an
attempt takes, how long the decider takes over a decision task. All of it in virtual time.

- `workers`: one number for every activity, or a mapping from activity names (as given to
  `create`, or full type names) to numbers; activities it leaves out get `DEFAULT_WORKERS`.
- `durations`: seconds per attempt. A number, a function of the attempt (`AttemptInfo` ->
  seconds), or a mapping from activity names to either; activities it leaves out get
  `DEFAULT_DURATIONS`. `uniform(low, high)` draws each attempt's duration from the run's seed.
- `decision_seconds`: how long the decider holds each decision task, from DecisionTaskStarted
  to its answer. Closes that land meanwhile wait for the next decision task, which SWF hands out
  once for all of them.

The defaults look like a small production fleet: 10 workers per task list, attempts of half a
second to a second and a half, and a decider that answers in a tenth of a second.
`workers=1, durations=1, decision_seconds=0` runs one attempt of each activity at a time, each
close with a decision task of its own.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from garcon import budget
from garcon.activity import (
    Activity,
    UnknownActivityError,
    resolve_activity_mapping,
    resolve_activity_names,
)
from garcon.payload import object_or_empty

DEFAULT_WORKERS = budget.WORKERS
DEFAULT_DECISION_SECONDS = budget.DECISION_SECONDS


class FleetError(ValueError):
    """A fleet that cannot be: the message says what is wrong."""


@dataclass(frozen=True)
class AttemptInfo:
    """What a duration function knows of the attempt it times."""

    activity: str
    """The activity's type name (`<flow>_<name>`)."""
    activity_id: str
    input: Mapping[str, Any]
    number: int
    """1 for an instance's first attempt, 2 for its first retry, ..."""
    random: random.Random
    """Seeded from the run's seed, the activity id and the attempt number: the same attempt of
    the same run always draws the same values, whatever the fleet and the order of attempts."""


class Uniform:
    """Durations drawn for each attempt uniformly between `low` and `high` seconds."""

    __slots__ = ("high", "low")

    def __init__(self, low: float, high: float):
        if not (budget.is_seconds(low) and budget.is_seconds(high) and low <= high):
            raise FleetError(f"uniform durations go from low to high seconds (0 <= low <= "
                             f"high), not {low!r} to {high!r}")
        self.low = low
        self.high = high

    def __call__(self, attempt: AttemptInfo) -> float:
        return attempt.random.uniform(self.low, self.high)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Uniform) and (self.low, self.high) == (other.low, other.high)

    def __hash__(self) -> int:
        return hash((self.low, self.high))

    def __repr__(self) -> str:
        return f"uniform({self.low!r}, {self.high!r})"


def uniform(low: float, high: float) -> Uniform:
    """Attempt durations drawn uniformly between `low` and `high` seconds, from the run's seed."""
    return Uniform(low, high)


DEFAULT_DURATIONS = uniform(0.5 * budget.ATTEMPT_SECONDS, 1.5 * budget.ATTEMPT_SECONDS)
"""Half a second to a second and a half: on average the attempt `budget.likely` assumes."""

Duration = float | Callable[[AttemptInfo], float]
Workers = int | Mapping[str, int]
Durations = Duration | Mapping[str, Duration]


class Fleet:
    """The fleet a run has, resolved against the activities its workers run."""

    def __init__(self, flow: Any, workers: Workers, durations: Durations,
                 decision_seconds: float, seed: int):
        if not budget.is_seconds(decision_seconds):
            raise FleetError(f"decision_seconds is a number of seconds (0 or more), not "
                             f"{decision_seconds!r}")
        self.decision_seconds = decision_seconds
        self._seed = seed
        self._workers = _per_activity("workers", flow, workers, DEFAULT_WORKERS,
                                      _check_workers)
        self._durations = _per_activity("durations", flow, durations, DEFAULT_DURATIONS,
                                        _check_duration)

    def workers(self, activity: Activity) -> int:
        return self._workers[activity.name]

    def duration(self, activity: Activity, activity_id: str, input: str | None,
                 number: int) -> float:
        """Seconds the attempt takes (`input` is the task's, as SWF gives it)."""
        duration = self._durations[activity.name]
        if not callable(duration):
            return duration
        seconds = duration(AttemptInfo(activity.name, activity_id, object_or_empty(input), number,
                                       random.Random(f"garcon-sim duration {self._seed} "
                                                     f"{activity_id} {number}")))
        if not budget.is_seconds(seconds):
            raise FleetError(f"the duration of {activity_id} (attempt {number}) is {seconds!r}, "
                             "not a number of seconds (0 or more)")
        return seconds


def _per_activity(what: str, flow: Any, given: Any, default: Any,
                  check: Callable[[str, Any], Any]) -> dict[str, Any]:
    """`given` for each activity the workers run (by type name): one value for all, or a
    mapping of names (see `garcon.activity.resolve_activity`)."""
    if not isinstance(given, Mapping):
        check(what, given)
        return {activity.name: given for activity in resolve_activity_names(flow, None)}
    for name, value in given.items():
        check(f"{what}[{name!r}]", value)
    try:
        return resolve_activity_mapping(flow, given, default, where=what, runnable=True)
    except UnknownActivityError as error:
        raise FleetError(str(error)) from None


def _check_workers(what: str, value: Any) -> None:
    if not budget.is_workers(value):
        raise FleetError(f"{what} is {budget.WORKERS_EXPECTED}, not {value!r}")


def _check_duration(what: str, value: Any) -> None:
    if not (callable(value) or budget.is_seconds(value)):
        raise FleetError(f"{what} is a number of seconds (0 or more) or a function of the "
                         f"attempt, not {value!r}")



