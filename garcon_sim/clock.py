"""The virtual clock: the only source of time in the simulator.

Time is an integer count of milliseconds since the Unix epoch, because SWF's wire format carries
epoch seconds with three decimals: anything finer would make the boto3 client and the direct
client disagree. The clock never reads the wall clock. Moving it hands control to a `runner`
(the service) that applies every deadline falling due on the way, each at its own instant, so
that `advance(seconds=300)` behaves like five minutes of a real service.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DEFAULT_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""Where a Simulator starts when it is not told: a fixed date, never the wall clock."""

_ONE_MS = timedelta(milliseconds=1)


def to_millis(when: datetime) -> int:
    """Epoch milliseconds of an aware datetime (rounded to the nearest millisecond)."""
    if when.tzinfo is None:
        raise ValueError(f"{when!r} is naive: give the simulator timezone-aware datetimes")
    return round((when - EPOCH) / _ONE_MS)


def from_millis(millis: int) -> datetime:
    """The aware UTC datetime of an epoch-milliseconds instant."""
    return EPOCH + timedelta(milliseconds=millis)


def seconds_to_millis(value: float | int) -> int:
    """Seconds to milliseconds: epoch seconds as on the wire (float, 3 decimals), or a
    duration."""
    return round(value * 1000)


class VirtualClock:
    """Millisecond virtual time that moves only when told to.

    A runner (`drive_with`) is called on every move with the target instant; it must apply the
    deadlines due up to the target, stepping the clock to each with `step_to`, and finally step
    to the target itself. Without a runner the clock simply moves.
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._millis = to_millis(start)
        self._runner: Callable[[int], None] | None = None

    @property
    def millis(self) -> int:
        """The current instant in epoch milliseconds."""
        return self._millis

    def now(self) -> datetime:
        """The current instant as an aware UTC datetime."""
        return from_millis(self._millis)

    def advance(self, seconds: float = 0.0, *, milliseconds: int = 0) -> datetime:
        """Move forward by a duration, firing due timeouts and timers on the way."""
        step = round(seconds * 1000) + milliseconds
        if step < 0:
            raise ValueError("the virtual clock only moves forward")
        return self._move_to(self._millis + step)

    def advance_to(self, when: datetime) -> datetime:
        """Move forward to an instant, firing due timeouts and timers on the way."""
        target = to_millis(when)
        if target < self._millis:
            raise ValueError(f"cannot move the clock back from {self.now()} to {when}")
        return self._move_to(target)

    def drive_with(self, runner: Callable[[int], None]) -> None:
        """Hand every move of the clock to `runner(target_millis)`."""
        self._runner = runner

    def _move_to(self, target: int) -> datetime:
        if self._runner is None:
            self._millis = target
        else:
            self._runner(target)
        return self.now()

    def step_to(self, millis: int) -> None:
        """Set the time without running anything: for the runner, as it applies deadlines."""
        self._millis = max(self._millis, millis)
