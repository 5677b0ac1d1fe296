"""Run a garcon flow end to end in the simulator: where garcon and garcon_sim meet.

Theory of operation
-------------------
`run_flow` registers the flow, starts an execution, and drives garcon's own workers (the
DeciderWorker and ActivityWorker code that `python -m garcon.worker` runs: `poll`, `attempt`,
`send`, `answer`) against a Simulator as a fleet would (`garcon_sim.fleet`), in one thread and
on the virtual clock. Each activity has a pool of workers, each running one attempt at a time:
its tasks run when a worker takes it, and its answer goes to SWF once its duration is over. The
decider takes a decision task and answers it `decision_seconds` later; closes that come in
meanwhile wait for the next decision task, which SWF schedules once for all of them. An agenda
orders what the fleet does: "this worker's attempt ends at T", "the decider answers at T",
"this backoff ends at T"; at each instant what is due happens, then every idle worker polls,
the decider first, then the clock moves to the next instant due (the agenda's, a busy
worker's heartbeat, or one of SWF's own deadlines). When nothing is due, the run stops as
STUCK and says what is open. Nothing sleeps, and no thread runs.

The flow's own code (generators, tasks, a custom decider) runs with the clock frozen at the
simulator's time (freezegun) and Python's `random` seeded from the run's seed, afresh for each
attempt and decision task, then restored: the same seed and the same flow give the same
history, byte for byte, and the same attempts draw the same numbers whatever the fleet.
"""
from __future__ import annotations

import functools
import heapq
import itertools
import json
import random
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from garcon.activity import Activity, flow_version
from garcon.decisions import shorten
from garcon.history import HistoryState
from garcon.log import worker_logger
from garcon.worker import ActivityExecution, ActivityWorker, DeciderWorker, register_flow
from garcon.worker.polling import Backoff, Poller, error_code, is_gone, is_transient

from . import process_state
from .clock import from_millis, seconds_to_millis, to_millis
from .events import attributes as event_attributes
from .fault_plan import AttemptFaults, attempt_seed, describe_timeouts, first_timeout
from .faults import Crash, Fault, FaultError, FaultPlan, TimeOut, plan
from .fleet import (
    DEFAULT_DECISION_SECONDS,
    DEFAULT_DURATIONS,
    DEFAULT_WORKERS,
    Durations,
    Fleet,
    Workers,
)
from .process_state import RunInProgressError
from .result import Progress, RunResult, UnknownNameError
from .simulator import Simulator

__all__ = ["Progress", "RunInProgressError", "RunResult", "UnknownNameError", "run_flow"]

IDENTITY = "garcon-sim"


def run_flow(flow: Any, *, input: dict | None = None, seed: int = 0,
             faults: Iterable[Fault] | FaultPlan = (), sim: Simulator | None = None,
             client: str = "direct", workflow_id: str | None = None,
             start_time: datetime | None = None, workers: Workers = DEFAULT_WORKERS,
             durations: Durations = DEFAULT_DURATIONS,
             decision_seconds: float = DEFAULT_DECISION_SECONDS,
             progress: Callable[[Progress], None] | None = None) -> RunResult:
    """Run `flow` to its end in the simulator (see the module docstring).

    `client` is "direct" (fast) or "boto3" (a genuine boto3 client). `sim` reuses a simulator
    (its clock and limits); otherwise one is made from `seed` and `start_time`. `workers`,
    `durations` and `decision_seconds` are the fleet (see `garcon_sim.fleet`). `progress` is
    called after every decision task.

    A run changes state the whole process shares while it lasts: the clock every module sees
    (freezegun) and Python's `random`. So one run at a time in a process: a `run_flow` called
    while another is under way (from a task of the flow, or from another thread) raises
    RunInProgressError. Run flows side by side in separate processes (pytest-xdist does).
    """
    if sim is not None and start_time is not None:
        raise ValueError("start_time belongs to the simulator: give one or the other")
    if client not in ("direct", "boto3"):
        raise ValueError(f'client is "direct" or "boto3", not {client!r}')
    if sim is None:
        sim = Simulator(seed=seed) if start_time is None else Simulator(
            seed=seed, start_time=start_time)
    faults = plan(faults)
    with process_state.held():
        faults.check_activities(flow)
        result = _Run(flow, sim, client, faults, seed, input, workflow_id,
                      (workers, durations, decision_seconds), progress).run()
    try:
        faults.check_matches(lambda activity: [p for _, p in result._scheduled(activity)],
                             completed=result.status == "COMPLETED")
    except FaultError as error:
        error.result = result  # the run happened: its history explains the error
        raise
    return result


class _Agenda:
    """What the fleet has to do, and when: actions due at instants of virtual time (epoch
    milliseconds), earliest first, those due at one instant in the order they were added."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def add(self, millis: int, action: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (millis, next(self._order), action))

    def next_due(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, millis: int) -> Callable[[], None] | None:
        if self._heap and self._heap[0][0] <= millis:
            return heapq.heappop(self._heap)[2]
        return None


class _Pool:
    """The workers of one activity's task list."""

    __slots__ = ("activity", "idle", "may_have_tasks")

    def __init__(self, activity: Activity):
        self.activity = activity
        self.idle: list[_Slot] = []
        self.may_have_tasks = False
        """False once a poll came back empty, until a decision schedules more there."""


class _Slot:
    """One activity worker: idle in its pool, or busy with an attempt (or a backoff)."""

    __slots__ = ("answer", "poller", "pool")

    def __init__(self, pool: _Pool):
        self.pool = pool
        self.answer: Callable[[], Any] | None = None
        """The answer of the attempt in hand, sent when its duration is over."""
        self.poller: Poller


class _Run:
    """One run: the fleet's workers and the decider, driven over virtual time.

    Each worker (a slot of its activity's pool) and the decider is idle or busy until an
    instant on the agenda. At each instant, whatever falls due happens first (attempts end and
    answer, the decider answers, backoffs end), then every idle worker polls, the decider
    first; then the clock moves on to the next instant due: the agenda's, a busy worker's
    heartbeat, or one of SWF's own deadlines. A call that waits (a throttled answer backing
    off) lets time pass for everyone else meanwhile.
    """

    def __init__(self, flow: Any, sim: Simulator, client: str, faults: FaultPlan, seed: int,
                 input: dict | None, workflow_id: str | None, fleet: tuple,
                 progress: Callable[[Progress], None] | None):
        self.flow = flow
        self.progress = progress
        self.sim = sim
        self.swf = sim.direct_client() if client == "direct" else sim.client()
        self.faults = faults
        self.seed = seed
        self.input = input
        self.workflow_id = workflow_id or f"{flow.name}-{seed}"
        self.backoff_rng = random.Random(f"garcon-sim backoffs {seed}")
        self.attempts = AttemptFaults(faults, seed)
        self.logger = worker_logger()
        self.run_id = ""
        self.misuse: Exception | None = None
        """A fault that cannot happen as asked, a duration that cannot be worked out, or
        decisions SWF refuses as invalid (they would be made again at every decision task): it
        ends the run (a worker would survive it)."""
        self.decider = DeciderWorker(flow, register=False, client=self.swf, limits=sim.limits,
                                     logger=self.logger, sleep=self._sleep, rng=self.backoff_rng)
        self.worker = ActivityWorker(flow, client=self.swf, limits=sim.limits,
                                     logger=self.logger, sleep=self._sleep,
                                     rng=self.backoff_rng)
        self.fleet = Fleet(flow, *fleet, seed)
        self.agenda = _Agenda()
        self.beats = _Agenda()
        """Heartbeats of workers that a fault keeps busy (they never answer)."""
        self.deciding = Poller(self._decider_step, name=f"decider of {flow.name}",
                               logger=self.logger, on_exception=self.decider.on_exception,
                               actor=self.decider, backoff=Backoff(rng=self.backoff_rng))
        self.decider_idle = True
        self.started_children = False
        """Whether the decider started a child execution (a shard)."""
        self.decision: tuple[dict, int] | None = None
        """The decision task in hand and the instant the decider took it."""
        self.pools = [self._pool(activity) for activity in self.worker.activities]
        self.frozen_at = -1

    def _pool(self, activity: Activity) -> _Pool:
        pool = _Pool(activity)
        for _ in range(self.fleet.workers(activity)):
            slot = _Slot(pool)
            slot.poller = Poller(functools.partial(self._slot_step, slot),
                                 name=f"activity worker of {activity.name}", logger=self.logger,
                                 on_exception=activity.on_exception, actor=activity,
                                 backoff=Backoff(rng=self.backoff_rng))
            pool.idle.append(slot)
        return pool

    def run(self) -> RunResult:
        with process_state.frozen_clock(self.sim.clock.now()) as self.freezer, \
                process_state.seeded_random(self.seed):
            register_flow(self.swf, self.flow, self.logger)
            self._start()
            stuck = self._drive()
        return self._result(stuck)

    def _start(self) -> None:
        for throttle in self.faults.throttles():
            self.sim.throttle(throttle.operation, throttle.times)
        if self.attempts.needed:
            self.sim.hold_activity_tasks(self.attempts.held)
        self.run_id = self.swf.start_workflow_execution(
            domain=self.flow.domain, workflowId=self.workflow_id,
            workflowType={"name": self.flow.name, "version": flow_version(self.flow)},
            input=json.dumps(self.input if self.input is not None else {}))["runId"]

    def _drive(self) -> str | None:
        """Run until the execution and its children close (None) or nothing can happen (why
        it is stuck): nothing due but the executions' own timeouts, with nothing open in them
        to wait for."""
        while True:
            self._dispatch()
            if not self.sim.is_open(self.flow.domain, self.workflow_id, self.run_id) and not (
                    self._open_children()):
                return None
            due = self._next_due()
            if due is None:
                return self._what_is_open(self._describe()["openCounts"])
            self._run_until(due)

    def _next_due(self) -> int | None:
        own = [due for due in (self.agenda.next_due(), self.beats.next_due()) if due is not None]
        deadline = self.sim.next_deadline()
        if deadline is not None:
            if not own and not self._anything_open():
                return None
            own.append(to_millis(deadline))
        return min(own, default=None)

    def _anything_open(self) -> bool:
        """Whether the execution or one of its open children has an activity, a timer or a
        decision task open (a child alone is nothing to wait for: its own work is)."""
        executions = [(self.workflow_id, self.run_id), *self._open_children()]
        return any(count for workflow_id, run_id in executions
                   for key, count in self._describe(workflow_id, run_id)["openCounts"].items()
                   if key != "openChildWorkflowExecutions")

    def _open_children(self) -> list[tuple[str, str]]:
        """The children (and theirs) still open, as (workflowId, runId)."""
        if not self.started_children:
            return []
        return [child for child in self._children_of(self.workflow_id, self.run_id)
                if self.sim.is_open(self.flow.domain, *child)]

    def _children_of(self, workflow_id: str, run_id: str) -> list[tuple[str, str]]:
        """The executions an execution started as children, and theirs, depth first."""
        return [found for child in _started(self._events(workflow_id, run_id))
                for found in (child, *self._children_of(*child))]

    def _run_until(self, target: int) -> None:
        """Move the clock to `target`, doing on the way, each at its instant, what falls due:
        heartbeats, then the agenda (SWF's own deadlines fire as the clock passes them)."""
        while True:
            due = [at for at in (self.agenda.next_due(), self.beats.next_due())
                   if at is not None and at <= target]
            if not due:
                break
            self._clock_to(min(due))
            now = self.sim.clock.millis
            while (beat := self.beats.pop_due(now)) is not None:
                beat()
            while (action := self.agenda.pop_due(now)) is not None:
                action()
        self._clock_to(target)

    def _clock_to(self, millis: int) -> None:
        if millis > self.sim.clock.millis:
            self.sim.clock.advance(milliseconds=millis - self.sim.clock.millis)

    def _sleep(self, seconds: float) -> None:
        """A worker waiting in a call (a backoff): time passes, for everyone else too."""
        if seconds:
            self._run_until(self.sim.clock.millis + seconds_to_millis(seconds))

    def _after(self, seconds: float) -> int:
        return self.sim.clock.millis + seconds_to_millis(seconds)

    def _freeze(self, millis: int | None = None) -> None:
        """The flow's code sees this instant (now, by default)."""
        millis = self.sim.clock.millis if millis is None else millis
        if millis != self.frozen_at:
            self.freezer.move_to(from_millis(millis))
            self.frozen_at = millis

    # The decider.

    def _dispatch(self) -> None:
        """Every idle worker polls, the decider first, until its task list is empty."""
        if self.decider_idle:
            self.decider_idle = False
            self._freeze()
            delay = self._call(self.deciding)
            if delay:
                self.agenda.add(self._after(delay), self._decider_ready)
            elif not self.deciding.worked:
                self.decider_idle = True
        for pool in self.pools:
            while pool.may_have_tasks and pool.idle:
                slot = pool.idle.pop()
                self._freeze()
                delay = self._call(slot.poller)
                if delay:
                    self.agenda.add(self._after(delay), functools.partial(self._ready, slot))
                elif not slot.poller.worked:
                    pool.idle.append(slot)
                    pool.may_have_tasks = False

    def _call(self, poller: Poller) -> float:
        delay = poller()
        if self.misuse is not None:
            raise self.misuse
        return delay

    def _decider_step(self) -> bool:
        """Poll for a decision task and keep it `decision_seconds`; or answer the one kept."""
        if self.decision is not None:
            (task, _), self.decision = self.decision, None
            try:
                decisions = self.decider.answer(task).decisions
            except Exception as error:
                if error_code(error) == "ValidationException":
                    self.misuse = error
                raise
            lists = {decision["scheduleActivityTaskDecisionAttributes"]["taskList"]["name"]
                     for decision in decisions
                     if decision["decisionType"] == "ScheduleActivityTask"}
            self.started_children = self.started_children or any(
                decision["decisionType"] == "StartChildWorkflowExecution"
                for decision in decisions)
            for pool in self.pools:
                pool.may_have_tasks = pool.may_have_tasks or pool.activity.task_list in lists
            self._report_progress()
            return True
        task = self.decider.poll(IDENTITY)
        if task is None:
            return False
        now = self.sim.clock.millis
        self.decision = (task, now)
        self.agenda.add(now + seconds_to_millis(self.fleet.decision_seconds), self._decision_due)
        return True

    def _decision_due(self) -> None:
        task, taken = self.decision
        self._freeze(taken)  # the flow's code decides when the task was taken
        random.seed(attempt_seed("random", self.seed, "decision", task["startedEventId"]))
        delay = self._call(self.deciding)
        if delay:
            self.agenda.add(self._after(delay), self._decider_ready)
        else:
            self.decider_idle = True

    def _decider_ready(self) -> None:
        self.decider_idle = True

    def _report_progress(self) -> None:
        if self.progress is None:
            return
        memory = self.decider.memory(self.run_id)
        if memory is not None:
            self.progress(Progress(memory, (kept for kept in self.decider.memories()
                                            if kept is not memory)))

    # The activity workers.

    def _slot_step(self, slot: _Slot) -> bool:
        """Poll for an activity task and begin the attempt; or send the answer of the one in
        hand."""
        if slot.answer is not None:
            answer, slot.answer = slot.answer, None
            answer()
            return True
        task = self.worker.poll(slot.pool.activity, IDENTITY)
        if task is None:
            return False
        self._begin(slot, task)
        return True

    def _begin(self, slot: _Slot, task: dict) -> None:
        """Start an attempt: its tasks run now, and it answers once its duration is over; a
        fault makes it fail, time out, or its worker crash."""
        activity, activity_id = slot.pool.activity, task["activityId"]
        number = self.attempts.took(activity_id)
        fault = self.attempts.fault_of(activity_id)
        if isinstance(fault, Crash):  # the worker dies; another takes its place
            slot.pool.idle.append(slot)
            return
        if isinstance(fault, TimeOut):
            ends = self._go_silent(task, fault.kind)
        else:
            try:
                seconds = self.fleet.duration(activity, activity_id, task.get("input"), number)
            except Exception as error:  # the fleet's own code: it ends the run
                self.misuse = error
                return
            ends = self._after(seconds)
            if fault is None:
                execution = ActivityExecution.of_task(self.swf, task, activity, self.flow.domain,
                                                      parallel=False)
                random.seed(attempt_seed("random", self.seed, activity_id, number))
                slot.answer = functools.partial(
                    self.worker.send, self.worker.attempt(activity, execution))
            else:
                slot.answer = functools.partial(
                    self.worker.respond, self.swf.respond_activity_task_failed,
                    taskToken=task["taskToken"],
                    reason=shorten(fault.reason, self.sim.limits.reason),
                    details="injected by garcon_sim.faults")
        self.agenda.add(ends, functools.partial(self._attempt_over, slot))

    def _attempt_over(self, slot: _Slot) -> None:
        """The attempt's time is up: its worker answers (if it has an answer) and is free."""
        self._freeze()
        delay = self._call(slot.poller) if slot.answer is not None else 0
        if delay:
            self.agenda.add(self._after(delay), functools.partial(self._ready, slot))
        else:
            slot.pool.idle.append(slot)

    def _ready(self, slot: _Slot) -> None:
        slot.pool.idle.append(slot)

    def _go_silent(self, task: dict, kind: str) -> int:
        """Keep the attempt from answering so that SWF times it out with `kind`: silent for
        HEARTBEAT, heartbeating (so that only the start or schedule deadlines remain) else.
        The instant SWF times it out, when its worker is free again."""
        timeouts = self.attempts.timeouts_of(task["activityId"], self.sim.clock.now())
        at, first = first_timeout(timeouts, heartbeating=kind != "HEARTBEAT")
        if first != kind:
            self.misuse = FaultError(
                f"a {kind} timeout cannot come first for {task['activityId']}: with its "
                f"timeouts ({describe_timeouts(timeouts)}) SWF times it out with {first}")
            return self.sim.clock.millis
        ends = self._after(at - timeouts["queued"])
        heartbeat = timeouts.get("heartbeatTimeout")
        if kind != "HEARTBEAT" and heartbeat is not None:
            self._beat_later(task["taskToken"], seconds_to_millis(heartbeat / 2), ends)
        return ends

    def _beat_later(self, token: str, interval: int, until: int) -> None:
        beat = self.sim.clock.millis + interval
        if beat < until:
            self.beats.add(beat, functools.partial(self._beat, token, interval, until))

    def _beat(self, token: str, interval: int, until: int) -> None:
        try:
            self.swf.record_activity_task_heartbeat(taskToken=token)
        except Exception as error:
            if is_gone(error):
                return
            if not is_transient(error):
                raise
        self._beat_later(token, interval, until)

    # What the run comes to.

    def _describe(self, workflow_id: str | None = None, run_id: str | None = None) -> dict:
        return self.swf.describe_workflow_execution(
            domain=self.flow.domain, execution={"workflowId": workflow_id or self.workflow_id,
                                                "runId": run_id or self.run_id})

    def _what_is_open(self, counts: dict[str, int]) -> str:
        state = HistoryState.fold(self._events())
        open_ids = sorted(i.activity_id for i in state.instances.values() if i.open)
        parts = [f"{counts['openActivityTasks']} activity task(s) open"
                 + (f" ({', '.join(open_ids[:5])}{', ...' if len(open_ids) > 5 else ''})"
                    if open_ids else ""),
                 f"{counts['openTimers']} timer(s)",
                 f"{counts['openDecisionTasks']} decision task(s)"]
        return "nothing can run and nothing is due: " + ", ".join(parts)

    def _events(self, workflow_id: str | None = None, run_id: str | None = None) -> list[dict]:
        events: list[dict] = []
        token = None
        while True:
            page = self.swf.get_workflow_execution_history(
                domain=self.flow.domain,
                execution={"workflowId": workflow_id or self.workflow_id,
                           "runId": run_id or self.run_id},
                **({"nextPageToken": token} if token else {}))
            events.extend(page["events"])
            token = page.get("nextPageToken")
            if not token:
                return events

    def _result(self, stuck: str | None, workflow_id: str | None = None,
                run_id: str | None = None) -> RunResult:
        """How the execution (or one of its children) ended, with its children's results."""
        workflow_id, run_id = workflow_id or self.workflow_id, run_id or self.run_id
        events = self._events(workflow_id, run_id)
        info = self._describe(workflow_id, run_id)["executionInfo"]
        status = "STUCK" if stuck else info.get("closeStatus", "STUCK")
        children = [self._result(None, *child) for child in _started(events)]
        return RunResult(status, stuck or _close_reason(events[-1]), events, self.flow,
                         workflow_id, run_id, self.seed, self.sim, children)


def _started(events: list[dict]) -> list[tuple[str, str]]:
    """The children a history started, as (workflowId, runId), in the order they started."""
    return [(child["workflowId"], child["runId"]) for child in (
        event["childWorkflowExecutionStartedEventAttributes"]["workflowExecution"]
        for event in events if event["eventType"] == "ChildWorkflowExecutionStarted")]


def _close_reason(event: dict) -> str | None:
    kind, attributes = event["eventType"], event_attributes(event)
    if kind == "WorkflowExecutionFailed":
        return attributes.get("reason")
    if kind == "WorkflowExecutionTerminated":
        return ": ".join(p for p in (attributes.get("cause"), attributes.get("reason")) if p)
    if kind == "WorkflowExecutionTimedOut":
        return "the execution's start-to-close timeout passed"
    if kind == "WorkflowExecutionCanceled":
        return attributes.get("details") or "canceled"
    return None


