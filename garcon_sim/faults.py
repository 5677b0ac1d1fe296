"""Faults to inject into a simulated run: what goes wrong, for which attempts.

Each fault names an activity (as given to `create`, or its full type name; None for any) and
may narrow it with `match`, values that the attempt's input must hold (the generator values a
task reads, e.g. `{"generator.country_id": 3}`). `times` limits a fault to the first attempts of
each matching instance; None means every attempt.

- `fail`: the attempt fails (ActivityTaskFailed) without running the task.
- `timeout`: the attempt times out with the given kind: SCHEDULE_TO_START (no worker takes it),
  START_TO_CLOSE or SCHEDULE_TO_CLOSE (a worker takes it and keeps heartbeating, never
  answering), HEARTBEAT (a worker takes it and goes silent). SWF decides which timeout fires
  first from the activity's timeouts: asking for one that cannot come first is an error.
- `crash`: a worker takes the attempt and dies: whichever timeout comes first fires.
- `throttle`: the next `times` calls of an SWF operation fail with ThrottlingException.
- `random_failures`: each attempt fails with probability `rate`, drawn from the run's seed
  and the attempt (the same attempts fail whatever the fleet).

Exceptions raised by the flow's own tasks need no fault: they fail their attempt as on SWF.

A fault must aim at something: an activity the flow does not have, or an external one (no
worker of the run takes its tasks, so nothing could strike them), is refused when the run
starts, and a `match` whose keys no scheduled input of its activity has (or, in a run that
completed, whose values none had) is refused when it ends, naming what there was.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from garcon.activity import UnknownActivityError, resolve_activity

from .names import holds, unknown_match_keys, unmatched_values

TIMEOUT_KINDS = ("SCHEDULE_TO_START", "START_TO_CLOSE", "SCHEDULE_TO_CLOSE", "HEARTBEAT")


class FaultError(ValueError):
    """A fault that cannot happen as asked; the message says why. Raised once a run ended
    (a `match` that selected nothing), it carries the run's `RunResult` as `result`."""

    result: Any = None


@dataclass(frozen=True)
class AttemptFault:
    """A fault on some attempts of some activity instances."""

    activity: str | None
    match: Mapping[str, Any] | None = None
    times: int | None = None

    call = "fault"
    """The function that makes it, to name it in errors."""

    def applies(self, payload: Mapping[str, Any], attempt: int) -> bool:
        """Whether it strikes this attempt (numbered from 1) of an instance of its activity,
        whose input is `payload`."""
        if self.times is not None and attempt > self.times:
            return False
        return holds(payload, self.match)


@dataclass(frozen=True)
class Fail(AttemptFault):
    reason: str = "injected failure"
    call = "fail"


@dataclass(frozen=True)
class TimeOut(AttemptFault):
    kind: str = "START_TO_CLOSE"
    call = "timeout"


@dataclass(frozen=True)
class Crash(AttemptFault):
    call = "crash"


@dataclass(frozen=True)
class Throttle:
    operation: str
    times: int = 1


@dataclass(frozen=True)
class RandomFailures:
    rate: float
    activity: str | None = None
    reason: str = "injected random failure"
    call = "random_failures"


Fault = Fail | TimeOut | Crash | Throttle | RandomFailures


def fail(activity: str | None, match: Mapping[str, Any] | None = None,
         times: int | None = None, reason: str = "injected failure") -> Fail:
    return Fail(activity, _checked_match(match), _checked_times(times), reason)


def timeout(activity: str | None, match: Mapping[str, Any] | None = None,
            kind: str = "START_TO_CLOSE", times: int | None = None) -> TimeOut:
    if kind not in TIMEOUT_KINDS:
        raise FaultError(f"unknown timeout kind {kind!r}: one of {', '.join(TIMEOUT_KINDS)}")
    return TimeOut(activity, _checked_match(match), _checked_times(times), kind)


def crash(activity: str | None, match: Mapping[str, Any] | None = None,
          times: int | None = None) -> Crash:
    return Crash(activity, _checked_match(match), _checked_times(times))


def throttle(operation: str, times: int = 1) -> Throttle:
    return Throttle(operation, _checked_times(times))


def random_failures(rate: float, activity: str | None = None,
                    reason: str = "injected random failure") -> RandomFailures:
    if not 0 <= rate <= 1:
        raise FaultError(f"a failure rate is between 0 and 1, not {rate!r}")
    return RandomFailures(rate, activity, reason)


@dataclass
class FaultPlan:
    """The faults of a run, in the order they were added; the first that applies wins."""

    faults: list[Fault] = field(default_factory=list)
    _types: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Each fault's activity, as its fault names it, to its type name (`check_activities`)."""

    def add(self, *faults: Fault) -> FaultPlan:
        self.faults.extend(faults)
        return self

    def __iter__(self):
        return iter(self.faults)

    def __len__(self) -> int:
        return len(self.faults)

    def check_activities(self, flow: Any) -> None:
        """Refuse a fault naming an activity the flow does not have, or an external one, which
        the run's workers never take, so that nothing could strike it (FaultError). Each
        fault's activity is then known by its type name."""
        self._types = {}
        for fault in self.faults:
            name = getattr(fault, "activity", None)  # a Throttle names an operation
            if name is not None:
                try:
                    self._types[name] = resolve_activity(
                        flow, name, where=f"{fault.call}({name!r})", runnable=True).name
                except UnknownActivityError as error:
                    raise FaultError(str(error)) from None

    def check_matches(self, inputs: Callable[[str | None], list[dict]], completed: bool
                      ) -> None:
        """Refuse a `match` that could select none of the instances scheduled (FaultError):
        no input of its activity has its keys; or, when the run `completed` (so that every
        instance that could be was scheduled), none had its values. A fault on any activity
        is judged only in a run that completed: others may stop before its target is
        scheduled. `inputs(activity_type)` gives the inputs that activity's attempts were
        scheduled with (every activity's for None). After `check_activities`."""
        for fault in self.faults:
            if not isinstance(fault, AttemptFault) or not fault.match or not (
                    completed or fault.activity is not None):
                continue
            scheduled = inputs(None if fault.activity is None else self._types[fault.activity])
            wrong = unknown_match_keys(fault.match, fault.activity, scheduled) or (
                completed and scheduled and unmatched_values(fault.match, fault.activity,
                                                             scheduled))
            if wrong:
                raise FaultError(f"{fault.call}({fault.activity!r}, match=...): {wrong}")

    def throttles(self) -> list[Throttle]:
        return [fault for fault in self.faults if isinstance(fault, Throttle)]

    def for_attempt(self, activity_type: str, payload: Mapping[str, Any], attempt: int,
                    rng: random.Random) -> Fail | TimeOut | Crash | None:
        """The fault striking this attempt of an instance of the activity `activity_type` (a
        type name), if any (`check_activities` first). Random failures draw from `rng` (the
        attempt's own, seeded from the run's seed and the attempt) once per attempt they could
        strike, so that they strike the same attempts whatever the order attempts come in."""
        for fault in self.faults:
            if isinstance(fault, Throttle) or not (
                    fault.activity is None or self._types[fault.activity] == activity_type):
                continue
            if isinstance(fault, AttemptFault):
                if fault.applies(payload, attempt):
                    return fault
            elif rng.random() < fault.rate:
                return Fail(fault.activity, reason=fault.reason)
        return None


def plan(faults: Iterable[Fault] | FaultPlan) -> FaultPlan:
    """A run's own plan of the faults given (a copy of a FaultPlan: the run resolves its
    activity names, and another run may share the caller's)."""
    return FaultPlan(list(faults))


def _checked_times(times: int | None) -> int | None:
    if times is not None and (not isinstance(times, int) or times < 1):
        raise FaultError(f"times is a number of attempts (1 or more), not {times!r}")
    return times


def _checked_match(match: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if match is not None and not isinstance(match, Mapping):
        raise FaultError(f"match is a mapping of input keys to values, not {match!r}")
    return dict(match) if match is not None else None
