"""Group commit: the journal synced in batches by a thread of its own.

A commit with synchronous=FULL waits for the disk (an fsync). Made on the event loop, it would
stop every other call meanwhile. Here the loop only appends entries to a batch; a committer
thread writes the batch (`Journal.append_all`: one sync per chunk) and reports back to the
loop, which goes on answering other calls (applying their changes in memory) while it syncs.
An answer leaves only once every entry appended before it is committed (`durable`): not only
the call's own entry, because an answer may show the effect of an earlier call (a history
holding its event), and nothing an answer showed may be lost.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
from collections.abc import Callable
from typing import Any

from .journal import Entry, Journal, JournalError


class GroupCommit:
    def __init__(self, journal: Journal, loop: asyncio.AbstractEventLoop) -> None:
        self._journal = journal
        self._loop = loop
        self._batch: list[Entry] = []
        self._wake = threading.Condition()
        self._stopping = False
        self._appended = 0
        self._committed = 0
        self._waiting: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()
        self._failure: JournalError | None = None
        self._thread = threading.Thread(target=self._commit_batches,
                                        name="garcon-sim journal", daemon=True)
        self._thread.start()

    def append(self, entry: Entry) -> None:
        """Add an entry to the next batch (from the event loop)."""
        if self._failure is not None:
            raise self._failure
        with self._wake:
            self._batch.append(entry)
            self._appended += 1
            self._wake.notify()

    async def durable(self) -> None:
        """Return once every entry appended so far is committed; raise JournalError if the
        journal could not be written."""
        if self._failure is not None:
            raise self._failure
        if self._committed >= self._appended:
            return
        done = self._loop.create_future()
        self._waiting.append((self._appended, done))
        await done

    def stop(self) -> None:
        """Commit what is appended, then stop the thread."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join()

    def _commit_batches(self) -> None:
        while True:
            with self._wake:
                while not self._batch and not self._stopping:
                    self._wake.wait()
                batch, self._batch = self._batch, []
            if batch:
                try:
                    self._journal.append_all(batch)
                except JournalError as error:
                    self._report(self._failed, error)
                    return
                self._report(self._done, len(batch))
            elif self._stopping:
                return

    def _report(self, callback: Callable[[Any], None], argument: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            self._loop.call_soon_threadsafe(callback, argument)

    def _done(self, count: int) -> None:
        self._committed += count
        while self._waiting and self._waiting[0][0] <= self._committed:
            _, done = self._waiting.popleft()
            if not done.done():
                done.set_result(None)

    def _failed(self, error: JournalError) -> None:
        self._failure = error
        while self._waiting:
            _, done = self._waiting.popleft()
            if not done.done():
                done.set_exception(error)
