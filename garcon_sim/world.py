"""The service's whole state, shared by the per-execution state machines.

`World` indexes domains, types and executions, owns the task queues, the task tokens, the page
tokens and the pending deadlines, and moves virtual time (`run_until`). It makes no decisions
of its own. `revision` counts what a read-only call may still change (an event recorded, say by
a poll that starts a task, or a page token issued), so that a shell can tell a call that
changed nothing from one it must keep (garcon_sim.server journals the latter).

Nothing is kept past its time, so that a long-running `garcon-sim serve` stays the size of its
live state: the cursor of a page token is forgotten once the token expired (the token itself
still reads as expired: it carries its instant), and a closed run once its domain's retention
is over (its task tokens then answer "unknown execution", as they did while it was kept). Both
follow the virtual clock alone, so a replay of the same calls forgets the same things.
"""
from __future__ import annotations

import heapq
import itertools
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from garcon.limits import SWFLimits

from .clock import VirtualClock, from_millis, to_millis
from .deadlines import Deadlines
from .errors import ValidationException
from .ids import IdSource, page_token_issued
from .model import SCHEDULED, ActivityTask, DecisionTask, Domain, TypeRecord
from .tasks import TaskQueues

if TYPE_CHECKING:
    from .execution import Execution

DAY_MS = 24 * 3600 * 1000
PAGE_TOKEN_LIFETIME_MS = DAY_MS
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


@dataclass(frozen=True, slots=True)
class ForgottenRun:
    """What the task tokens of a run past its retention still name."""

    workflow_id: str
    run_id: str


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
        self.domain_runs: dict[str, dict[tuple[str, str], Execution]] = {}
        """Per domain, its runs (by workflowId and runId) in the order they started."""
        self.decision_queues: TaskQueues[DecisionTask] = TaskQueues(_decision_startable)
        self.activity_queues: TaskQueues[ActivityTask] = TaskQueues(_activity_startable)
        self.tokens: dict[str, DecisionTask | ActivityTask | ForgottenRun] = {}
        self.hold: Callable[[ActivityTask], bool] | None = None
        self.hold_decisions: Callable[[DecisionTask], bool] | None = None
        self.run_order = itertools.count()
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()
        """The page tokens issued and not yet expired, in the order they were issued."""
        self._retained: list[tuple[int, int, Execution]] = []
        """Closed runs as a heap of (the last instant they are visible, start order, run)."""
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
        self.domain_runs.setdefault(run.domain, {})[(run.workflow_id, run.run_id)] = run

    def run_closed(self, run: Execution) -> None:
        """Keep a run that just closed for its domain's retention, then forget it."""
        heapq.heappush(self._retained, (self.visible_until(run), run.order, run))

    def visible_until(self, run: Execution) -> int:
        """The last instant a closed run is visible: its domain's retention after its close
        (0 or NONE: its close alone)."""
        days = self.domains[run.domain].retention_days
        return to_millis(run.closed_at) + (0 if days == "NONE" else int(days) * DAY_MS)

    def issue_token(self, task: DecisionTask | ActivityTask) -> str:
        token = self.ids.task_token()
        self.tokens[token] = task
        task.run.task_tokens.append(token)
        return token

    def run_until(self, target: int) -> None:
        """Apply every deadline due up to `target`, each at its own instant, then stop there
        and forget the runs whose retention is over."""
        while (deadline := self.deadlines.pop_due(target)) is not None:
            self.clock.step_to(deadline.due)
            deadline.action()
        self.clock.step_to(target)
        retained = self._retained
        while retained and retained[0][0] < target:
            self._forget(heapq.heappop(retained)[2])

    def _forget(self, run: Execution) -> None:
        del self.runs[(run.domain, run.workflow_id, run.run_id)]
        del self.domain_runs[run.domain][(run.workflow_id, run.run_id)]
        gone = ForgottenRun(run.workflow_id, run.run_id)
        for token in run.task_tokens:
            self.tokens[token] = gone

    def issue_page(self, kind: str, position: int, state: Any = None) -> str:
        now = self.clock.millis
        cursors = self.cursors
        while cursors and now - next(iter(cursors.values())).issued > PAGE_TOKEN_LIFETIME_MS:
            cursors.popitem(last=False)
        token = self.ids.page_token(now)
        self.revision += 1
        cursors[token] = Cursor(kind, now, position, state)
        return token

    def take_page(self, token: str, kind: str) -> Cursor:
        """The cursor behind a nextPageToken, refusing unknown, foreign and expired tokens
        (expired ones whose cursor is forgotten too)."""
        cursor = self.cursors.get(token)
        issued = page_token_issued(token) if cursor is None else cursor.issued
        if issued is not None and self.clock.millis - issued > PAGE_TOKEN_LIFETIME_MS:
            raise ValidationException("Specified token has exceeded its maximum lifetime")
        if cursor is None or cursor.kind != kind:
            raise ValidationException("Invalid nextPageToken")
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
