"""The simulator as the server holds it: on real (scaled) time, every call that changed it
journaled, rebuilt from its journal on a restart.

Time: the virtual clock starts at the wall-clock time of the first start and runs at `speed`
times real time, measured on the monotonic clock. Before each call it is moved to "now", so
every timeout due by then fires first, at its own instant (the clock driver moves it between
calls too). On a restart the clock resumes where it would stand had the server run on at its
previous speed (the last anchor plus the downtime): an activity a worker held while the server
was down times out as it would have on SWF, which kept running meanwhile.

Which calls are journaled: every call of an operation that is not read-only, whatever it
answered, and a read-only one (a poll, a Get, List, Describe or Count) when it changed the
world anyway (it started a task, or issued a page token: `World.revision` moved). Nothing is
answered before it is committed: at once in `call`, or, once the server commits in groups,
when `durable` returns.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..clients import wire_answer, wire_body
from ..clock import from_millis
from ..simulator import Simulator
from ..validation import swf_model
from .group_commit import GroupCommit
from .journal import Anchor, Entry, Journal, JournalError

READ_ONLY = frozenset(name for name in swf_model().operation_names
                      if name.startswith(("Describe", "List", "Count", "Get", "PollFor")))
INTERNAL_FAILURE = "com.amazon.coral.service#InternalFailure"

logger = logging.getLogger("garcon_sim.server")


@dataclass(frozen=True)
class Answer:
    """One call's answer: its HTTP status, its JSON body, and that body's bytes on the wire."""

    status: int
    body: dict[str, Any]
    data: bytes


class ServedService:
    """A Simulator on real time, its calls journaled (when given a journal)."""

    def __init__(self, simulator: Simulator, anchor: Anchor, *, seed: int,
                 journal: Journal | None = None, replayed: int = 0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.simulator = simulator
        self.seed = seed
        self.world = simulator.service.world
        self.journal = journal
        self.anchor = anchor
        self.replayed = replayed
        """How many journaled calls were replayed to rebuild the state on start."""
        self.journaled = replayed
        """How many calls the journal holds (or will, once the last batch is committed)."""
        self._writer: Journal | GroupCommit | None = journal
        self._group: GroupCommit | None = None
        self._monotonic = monotonic
        self._anchored_at = monotonic()

    @classmethod
    def open(cls, *, db: str | Path | None = None, seed: int | None = None, speed: float = 1.0,
             wall: Callable[[], float] = time.time,
             monotonic: Callable[[], float] = time.monotonic) -> ServedService:
        """A new service (in memory, or a new journal at `db`), or the one a journal holds.
        `wall` and `monotonic` are the real clocks (a test gives its own)."""
        journal = None if db is None else Journal(db)
        try:
            if journal is None or journal.fresh:
                seed = 0 if seed is None else seed
                start = round(wall() * 1000)
                if journal is not None:
                    journal.create(seed, start)
                simulator, replayed = _simulator(seed, start), 0
            else:
                if seed is not None and seed != journal.seed:
                    raise JournalError(f"{journal.path} holds the state of seed {journal.seed}, "
                                       f"not {seed}: leave --seed out to go on with it")
                seed = journal.seed
                simulator = _simulator(seed, journal.start_millis)
                replayed = replay(simulator, journal)
            now = wall()
            resume = simulator.clock.millis
            if journal is not None and journal.anchor is not None:
                resume = max(resume, journal.anchor.virtual_at(now))
            simulator.clock.advance(milliseconds=resume - simulator.clock.millis)
            anchor = Anchor(resume, now, speed)
            if journal is not None:
                journal.set_anchor(anchor)
        except BaseException:
            if journal is not None:
                journal.close()
            raise
        return cls(simulator, anchor, seed=seed, journal=journal, replayed=replayed,
                   monotonic=monotonic)

    # -- time ----------------------------------------------------------------------------------

    def now_millis(self) -> int:
        """The virtual instant it is now: the anchor plus the real time since, times speed."""
        elapsed = self._monotonic() - self._anchored_at
        return self.anchor.virtual_millis + int(elapsed * self.anchor.speed * 1000)

    def catch_up(self) -> None:
        """Move the virtual clock to now, firing every deadline due on the way."""
        clock = self.simulator.clock
        lag = self.now_millis() - clock.millis
        if lag > 0:
            clock.advance(milliseconds=lag)

    def seconds_until(self, millis: int) -> float:
        """Real seconds until the virtual clock reaches `millis` (0 when it has)."""
        return max(0.0, (millis - self.now_millis()) / (self.anchor.speed * 1000))

    def next_due(self) -> int | None:
        return self.world.deadlines.next_due()

    # -- calls ---------------------------------------------------------------------------------

    def call(self, operation: str, params: dict[str, Any], raw: bytes) -> Answer:
        """Answer one call now; journal it (`raw` is its request body) if it changed anything.
        Raises JournalError when the journal cannot be written: the answer must not leave."""
        self.catch_up()
        revision = self.world.revision
        status, body = answer(self.simulator, operation, params)
        data = wire_body(body)
        if self._writer is not None and (operation not in READ_ONLY
                                         or self.world.revision != revision):
            self._writer.append(Entry(self.simulator.clock.millis, operation, raw, status,
                                      zlib.crc32(data)))
            self.journaled += 1
        return Answer(status, body, data)

    def commit_in_groups(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on, commit the journal in batches from a thread (see group_commit.py):
        `call` then only appends, and an answer must wait for `durable` before it leaves."""
        if self.journal is not None and self._group is None:
            self._group = self._writer = GroupCommit(self.journal, loop)

    async def durable(self) -> None:
        """Return once every call answered so far is in the journal (at once without one)."""
        if self._group is not None:
            await self._group.durable()

    def close(self) -> None:
        if self._group is not None:
            self._group.stop()
        if self.journal is not None:
            self.journal.close()


def _simulator(seed: int, start_millis: int) -> Simulator:
    """The served simulator: the HTTP edge measures each request's real bytes against SWF's
    1 MB (app.py), so the service does not estimate them again by its own rule."""
    return Simulator(seed=seed, start_time=from_millis(start_millis),
                     estimate_request_size=False)


def answer(simulator: Simulator, operation: str, params: dict[str, Any], *,
           log: bool = True) -> tuple[int, dict[str, Any]]:
    """The service's wire answer; an unexpected error (a bug of the simulator) is answered
    500 InternalFailure, as SWF answers its own, and the server serves on."""
    try:
        return wire_answer(simulator.service, operation, params)
    except Exception as error:
        if log:
            logger.exception("%s failed inside the simulator", operation)
        return 500, {"__type": INTERNAL_FAILURE, "message": f"{type(error).__name__}: {error}"}


def replay(simulator: Simulator, journal: Journal) -> int:
    """Make the journal's calls again, each at its instant; how many. Refuses a replay whose
    answers depart from the journaled ones."""
    clock = simulator.clock
    count = 0
    for count, entry in enumerate(journal.entries(), 1):
        clock.advance(milliseconds=max(0, entry.millis - clock.millis))
        status, body = answer(simulator, entry.operation, json.loads(entry.params), log=False)
        if status != entry.status or zlib.crc32(wire_body(body)) != entry.digest:
            raise JournalError(
                f"{journal.path}: call {count:,} ({entry.operation}) answers differently on "
                f"replay than it did: the journal was written by another version of garcon-sim "
                f"(use that version, or start on a new --db file)")
    return count
