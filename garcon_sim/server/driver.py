"""The clock driver: timers and timeouts fire on time while nobody calls.

An asyncio task sleeps until the service's next deadline (in real seconds: the virtual wait
divided by the speed), or until a call may have added an earlier one (`poke`), then moves the
virtual clock to now, which fires what fell due, and hands the tasks that became available to
the polls waiting for them. It never moves the clock ahead of real time.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from .journal import JournalError
from .polls import LongPolls
from .served import ServedService

logger = logging.getLogger("garcon_sim.server")

IDLE_WAKE_SECONDS = 3600.0
"""How long the driver sleeps when nothing is due (a call wakes it sooner)."""


class ClockDriver:
    def __init__(self, served: ServedService, polls: LongPolls, *,
                 on_fatal: Callable[[str], None]) -> None:
        self.served = served
        self.polls = polls
        self.on_fatal = on_fatal
        """Called with a message when the server must stop (the journal failed)."""
        self._changed = asyncio.Event()
        self._waiting_for: int | None = None
        """The deadline the driver sleeps until (None: nothing was due)."""

    def poke(self) -> None:
        """A call was answered: wake the driver if it set a deadline earlier than the one the
        driver sleeps until."""
        due = self.served.next_due()
        if due is not None and (self._waiting_for is None or due < self._waiting_for):
            self._changed.set()

    async def run(self) -> None:
        served = self.served
        while True:
            due = self._waiting_for = served.next_due()
            delay = IDLE_WAKE_SECONDS if due is None else served.seconds_until(due)
            if delay > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), delay)
            self._changed.clear()
            try:
                served.catch_up()
                self.polls.dispatch()
            except JournalError as error:
                logger.error("%s: stopping", error)
                self.on_fatal(str(error))
                return
            except Exception:  # a bug of the simulator: say so, and drive on
                logger.exception("the clock driver could not move the clock")
