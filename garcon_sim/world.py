"""The service's whole state, shared by the per-execution state machines.

`World` indexes domains, types and executions, owns the task queues, the task tokens, the page
tokens and the pending deadlines, and moves virtual time (`run_until`). It makes no decisions
of its own. `revision` counts what a read-only call may still change (an event recorded, say by
a poll that starts a task, or a page token issued), so that a shell can tell a call that
changed nothing from one it must keep (garcon_sim.server journals the latter).
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from garcon.limits import SWFLimits

from .clock import VirtualClock, from_millis
from .deadlines import Deadlines
from .errors import ValidationException
from .ids import IdSource
from .model import SCHEDULED, ActivityTask, DecisionTask, Domain, TypeRecord
from .tasks import TaskQueues

if TYPE_CHECKING:
    from .execution import Execution

PAGE_TOKEN_LIFETIME_MS = 24 * 3600 * 1000
"""Page tokens expire after 24 hours [SWF docs]."""


def _decision_startable(task: DecisionTask) -> bool:
    run = task.run
    return run.open and run.scheduled_decision is task and run.started_decision is None


def _activity_startable(task: ActivityTask) -> bool:
    return task.state == SCHEDULED and task.run.open


@dataclass(slots=True)
class Cursor:
    """Where the next page of a paginated answer starts."""

    kind: str
    issued: int
    position: int
    state: Any = None


class World:
    def __init__(self, clock: VirtualClock, limits: SWFLimits, rng: random.Random) -> None:
        self.clock = clock
        self.limits = limits
        self.ids = IdSource(rng)
        self.deadlines = Deadlines()
        self.domains: dict[str, Domain] = {}
        self.types: dict[tuple[str, str, str, str], TypeRecord] = {}
        self.runs: dict[tuple[str, str, str], Execution] = {}
        self.open_runs: dict[tuple[str, str], Execution] = {}
        self.domain_runs: dict[str, list[Execution]] = {}
        self.decision_queues: TaskQueues[DecisionTask] = TaskQueues(_decision_startable)
        self.activity_queues: TaskQueues[ActivityTask] = TaskQueues(_activity_startable)
        self.tokens: dict[str, DecisionTask | ActivityTask] = {}
        self.hold: Callable[[ActivityTask], bool] | None = None
        self.hold_decisions: Callable[[DecisionTask], bool] | None = None
        self.run_order = itertools.count()
        self._cursors: dict[str, Cursor] = {}
        self.revision = 0
        self._now = (clock.millis, from_millis(clock.millis))

    def now(self) -> datetime:
        millis = self.clock.millis
        if millis != self._now[0]:
            self._now = (millis, from_millis(millis))
        return self._now[1]

    def add_run(self, run: Execution) -> None:
        self.runs[(run.domain, run.workflow_id, run.run_id)] = run
        self.open_runs[(run.domain, run.workflow_id)] = run
        self.domain_runs.setdefault(run.domain, []).append(run)

    def issue_token(self, task: DecisionTask | ActivityTask) -> str:
        token = self.ids.task_token()
        self.tokens[token] = task
        return token

    def run_until(self, target: int) -> None:
        """Apply every deadline due up to `target`, each at its own instant, then stop there."""
        while (deadline := self.deadlines.pop_due(target)) is not None:
            self.clock.step_to(deadline.due)
            deadline.action()
        self.clock.step_to(target)

    def issue_page(self, kind: str, position: int, state: Any = None) -> str:
        token = self.ids.page_token()
        self.revision += 1
        self._cursors[token] = Cursor(kind, self.clock.millis, position, state)
        return token

    def take_page(self, token: str, kind: str) -> Cursor:
        """The cursor behind a nextPageToken, refusing unknown, foreign and expired tokens."""
        cursor = self._cursors.get(token)
        if cursor is None or cursor.kind != kind:
            raise ValidationException("Invalid nextPageToken")
        if self.clock.millis - cursor.issued > PAGE_TOKEN_LIFETIME_MS:
            raise ValidationException("Specified token has exceeded its maximum lifetime")
        return cursor

    def page(self, kind: str, items: list[Any], params: dict[str, Any],
             key: str) -> dict[str, Any]:
        """One page of a listing (items in answer order): `{key: [...], nextPageToken?}`."""
        size = params.get("maximumPageSize") or self.limits.page_size
        token = params.get("nextPageToken")
        start = self.take_page(token, kind).position if token else 0
        answer: dict[str, Any] = {key: items[start:start + size]}
        if start + size < len(items):
            answer["nextPageToken"] = self.issue_page(kind, start + size)
        return answer
