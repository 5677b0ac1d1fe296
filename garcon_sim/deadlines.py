"""Pending deadlines (timeouts and timers) in due order, ties broken by creation order.

A deadline is an instant and an action. Cancelling one marks it dead; dead entries are dropped
when they reach the top of the heap, so cancelling costs O(1) and nothing is ever searched.
"""
from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable


class Deadline:
    __slots__ = ("action", "cancelled", "due")

    def __init__(self, due: int, action: Callable[[], None]) -> None:
        self.due = due
        self.action = action
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Deadlines:
    """A heap of deadlines keyed by (due millisecond, creation number)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Deadline]] = []
        self._order = itertools.count()

    def add(self, due: int, action: Callable[[], None]) -> Deadline:
        deadline = Deadline(due, action)
        heapq.heappush(self._heap, (due, next(self._order), deadline))
        return deadline

    def next_due(self) -> int | None:
        """The instant of the earliest live deadline, or None."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, until: int) -> Deadline | None:
        """Remove and return the earliest live deadline due at or before `until`, if any."""
        due = self.next_due()
        if due is None or due > until:
            return None
        return heapq.heappop(self._heap)[2]
