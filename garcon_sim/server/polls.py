"""Long polls: a poll with nothing to hand out waits, outside the service, for a task.

SWF holds an empty PollForDecisionTask or PollForActivityTask up to 60 seconds and answers the
moment a task arrives, to one poller. Here a waiting poll is a future in a FIFO per (operation,
domain, task list): no thread each, so hundreds wait at once. The service's task queues say
when a task is queued (`TaskQueues.on_push`); after each call and each move of the clock,
`dispatch` makes the poll again for the longest-waiting poller of each such task list, and
again while tasks come out, through the same journaled path as any call. A poll is held
(`hold`) in the same step as its empty answer, so that no task queued in between passes it by.

A waiter's future is settled once, by whichever comes first: `dispatch`, with the answer that
started a task, or the poll's timeout, with None (the poll is then made once more and answered
with what that gives). Either sees the other's result, even in the same turn of the loop: a task
is never started for a poll that already gave up. Past `limits.pollers_per_task_list` (1,000)
pollers waiting on one task list, a poll is refused with LimitExceededFault, as SWF does.
"""
from __future__ import annotations

import asyncio
import collections
from typing import Any

from ..clients import wire_body
from ..errors import LimitExceededFault
from .served import Answer, ServedService

POLLS = ("PollForDecisionTask", "PollForActivityTask")

Key = tuple[str, str, str]
"""(operation, domain, task list name)."""


class Waiter:
    """A poll held until a task comes for it."""

    __slots__ = ("future", "key", "operation", "params", "raw")

    def __init__(self, key: Key, operation: str, params: dict[str, Any], raw: bytes) -> None:
        self.key = key
        self.operation = operation
        self.params = params
        self.raw = raw
        self.future: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()


class LongPolls:
    def __init__(self, served: ServedService, timeout: float) -> None:
        self.served = served
        self.timeout = timeout
        """Real seconds a poll waits for a task before it is answered empty."""
        self._waiting: dict[Key, collections.deque[Waiter]] = {}
        self._queued: dict[Key, None] = {}
        """Task lists that had a task queued since the last dispatch (a dict keeps the order)."""
        world = served.world
        world.decision_queues.on_push = lambda key: self._task_queued(POLLS[0], key)
        world.activity_queues.on_push = lambda key: self._task_queued(POLLS[1], key)

    @staticmethod
    def waits(operation: str, params: dict[str, Any], answer: Answer) -> bool:
        """Whether this answer is an empty poll that should wait for a task."""
        return (operation in POLLS and answer.status == 200 and "taskToken" not in answer.body
                and not params.get("nextPageToken"))

    def waiting(self) -> dict[Key, int]:
        """How many polls wait, per task list."""
        return {key: len(queue) for key, queue in self._waiting.items() if queue}

    def hold(self, operation: str, params: dict[str, Any], raw: bytes) -> Waiter | Answer:
        """Register an empty poll as waiting. Call it as the empty answer comes, before
        anything else runs, so that no task queued meanwhile can pass it by. Past the quota of
        pollers, the LimitExceededFault answer instead."""
        key = (operation, params["domain"], params["taskList"]["name"])
        queue = self._waiting.setdefault(key, collections.deque())
        quota = self.served.simulator.limits.pollers_per_task_list
        if len(queue) >= quota:
            fault = LimitExceededFault(f"More than {quota:,} pollers on task list {key[2]}")
            return Answer(fault.status, fault.body(), wire_body(fault.body()))
        waiter = Waiter(key, operation, params, raw)
        queue.append(waiter)
        return waiter

    async def wait(self, waiter: Waiter) -> Answer | None:
        """The answer the poll got when a task came, or None once the timeout passed."""
        expiry = asyncio.get_running_loop().call_later(self.timeout, _give_up, waiter)
        try:
            return await waiter.future
        finally:
            expiry.cancel()
            queue = self._waiting.get(waiter.key)
            if queue is not None:
                if waiter in queue:
                    queue.remove(waiter)
                if not queue:
                    del self._waiting[waiter.key]

    def _task_queued(self, operation: str, key: tuple[str, str]) -> None:
        full = (operation, *key)
        if full in self._waiting:
            self._queued[full] = None

    def dispatch(self) -> None:
        """Hand the tasks queued since the last dispatch to the polls waiting for them."""
        while self._queued:
            key = next(iter(self._queued))
            del self._queued[key]
            queue = self._waiting.get(key, ())
            while queue:
                waiter = queue[0]
                if waiter.future.done():
                    queue.popleft()
                    continue
                answer = self.served.call(waiter.operation, waiter.params, waiter.raw)
                if self.waits(waiter.operation, waiter.params, answer):
                    break
                queue.popleft()
                waiter.future.set_result(answer)

    def release(self) -> None:
        """Answer every waiting poll now (the server is stopping)."""
        for queue in self._waiting.values():
            for waiter in queue:
                if not waiter.future.done():
                    waiter.future.set_result(
                        self.served.call(waiter.operation, waiter.params, waiter.raw))


def _give_up(waiter: Waiter) -> None:
    """The poll's time is up: settle it empty, unless a task came first."""
    if not waiter.future.done():
        waiter.future.set_result(None)
