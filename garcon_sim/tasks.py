"""Task lists: the queues pollers take decision and activity tasks from.

A queue is a heap per (domain, task list) ordered by priority (higher first) and then by the
order tasks were scheduled. Tasks that stopped being startable (their run closed, they timed
out, were cancelled, or a newer decision task took their place) are skipped and dropped when
reached; `hold` keeps tasks in the queue without handing them out. `on_push`, when set, hears
of every task queued (the server wakes a long poll waiting on that task list with it).
"""
from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
QueueKey = tuple[str, str]


class TaskQueues(Generic[T]):
    def __init__(self, startable: Callable[[T], bool]) -> None:
        self._queues: dict[QueueKey, list[tuple[int, int, T]]] = {}
        self._order = itertools.count()
        self._startable = startable
        self.on_push: Callable[[QueueKey], None] | None = None

    def push(self, key: QueueKey, task: T, priority: int) -> None:
        heapq.heappush(self._queues.setdefault(key, []),
                       (-priority, next(self._order), task))
        if self.on_push is not None:
            self.on_push(key)

    def pop(self, key: QueueKey, held: Callable[[T], bool] | None = None) -> T | None:
        """Take the first startable task that is not held, or None."""
        queue = self._queues.get(key)
        if not queue:
            return None
        kept = []
        found = None
        while queue:
            entry = heapq.heappop(queue)
            task = entry[2]
            if not self._startable(task):
                continue
            if held is not None and held(task):
                kept.append(entry)
                continue
            found = task
            break
        for entry in kept:
            heapq.heappush(queue, entry)
        return found

    def count(self, key: QueueKey) -> int:
        """How many startable tasks wait in a queue (held ones included)."""
        return sum(1 for entry in self._queues.get(key, ()) if self._startable(entry[2]))
