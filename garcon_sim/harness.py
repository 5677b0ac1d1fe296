"""Run a garcon flow end to end in the simulator: where garcon and garcon_sim meet.

Theory of operation
-------------------
`run_flow` registers the flow, starts an execution, and drives garcon's own workers (the
DeciderWorker and ActivityWorker that `python -m garcon.worker` runs) against a Simulator, in
one thread and a fixed order: a decision task whenever one is open, otherwise one activity
task (activities in the flow's order), so that every activity close gets a decision task of its
own. An attempt takes `attempt_seconds` of virtual time. When nothing can run, the virtual clock
moves to the next deadline (a timeout, a timer, or the heartbeat of a worker a fault keeps
busy); when nothing is due either, the run stops as STUCK and says what is open. Nothing sleeps.

The flow's own code (generators, tasks, a custom decider) runs with the clock frozen at the
simulator's time (freezegun) and Python's `random` seeded from the run's seed, then restored:
the same seed and the same flow give the same history, byte for byte.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from freezegun import freeze_time

from garcon.activity import Activity, find_workflow_activities
from garcon.decisions import shorten
from garcon.history import HistoryState
from garcon.log import worker_logger
from garcon.worker import ActivityWorker, DeciderWorker, register_flow
from garcon.worker.deciding import RunMemory
from garcon.worker.polling import Backoff, Poller, is_gone

from .faults import Crash, Fail, Fault, FaultError, FaultPlan, Throttle, TimeOut, plan
from .history_io import dump_history
from .names import aliases, holds, unknown_activity, unknown_match_keys
from .simulator import ActivityTaskView, Simulator

IDENTITY = "garcon-sim"
UNFROZEN = ["hypothesis"]
"""Modules that keep the real clock under freezegun: hypothesis times its own examples."""
CLOSE_STATUSES = ("COMPLETED", "FAILED", "CANCELED", "TERMINATED", "TIMED_OUT",
                  "CONTINUED_AS_NEW")


class UnknownNameError(LookupError):
    """A question about a run that names something the run cannot have: an activity the flow
    does not have, or `match` keys no instance's input has. The message names what exists."""


@dataclass(repr=False)
class RunResult:
    """How a simulated run ended, and its history. Its repr is one line (pytest shows it in
    assertion messages); `events` and `to_json()` have the history."""

    status: str
    """SWF's close status (COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT,
    CONTINUED_AS_NEW), or STUCK when nothing could run and nothing was due."""
    reason: str | None
    events: list[dict]
    flow_name: str
    workflow_id: str
    run_id: str
    seed: int
    activity_types: tuple[str, ...]
    """The type names of the flow's activities, scheduled or not."""
    sim: Simulator
    _fold: HistoryState = field(init=False)

    def __post_init__(self) -> None:
        self._fold = HistoryState.fold(self.events)

    def __repr__(self) -> str:
        ending = f": {self.reason}" if self.reason else ""
        return (f"<RunResult {self.status} {self.flow_name} {self.workflow_id} seed "
                f"{self.seed}, {len(self.events):,} events{ending}>")

    @property
    def context(self) -> dict:
        """The final execution context: the input, then every result merged in order."""
        return dict(self._fold.context)

    @property
    def events_used(self) -> int:
        return len(self.events)

    @property
    def duration(self) -> timedelta:
        """Virtual time from the start to the last event."""
        if not self.events:
            return timedelta(0)
        return self.events[-1]["eventTimestamp"] - self.events[0]["eventTimestamp"]

    def instances(self, activity: str, match: Mapping[str, Any] | None = None) -> list[str]:
        """The ids of the activity's instances that were scheduled with an input holding
        `match`, in the order they were first scheduled. An activity the flow does not have,
        or `match` keys that no input of the activity has, raise UnknownNameError."""
        wrong = unknown_activity(activity, self.flow_name, self.activity_types)
        scheduled = self._scheduled(activity)
        wrong = wrong or unknown_match_keys(match, activity, [p for _, p in scheduled])
        if wrong:
            raise UnknownNameError(wrong)
        return [*dict.fromkeys(activity_id for activity_id, payload in scheduled
                               if holds(payload, match))]

    def _scheduled(self, activity: str | None = None) -> list[tuple[str, dict]]:
        """(activity id, input) of each attempt scheduled, of the activity (any for None), in
        order. Inputs that are not JSON objects count as empty."""
        scheduled = []
        for event in self.events:
            if event["eventType"] == "ActivityTaskScheduled":
                attributes = event["activityTaskScheduledEventAttributes"]
                if activity is None or activity in aliases(attributes["activityType"]["name"],
                                                           self.flow_name):
                    scheduled.append((attributes["activityId"],
                                      _payload(attributes.get("input"))))
        return scheduled

    def attempts(self, activity: str, match: Mapping[str, Any] | None = None) -> int:
        """How many times the matching instances were scheduled, all together."""
        return sum(len(self._fold.instances[i].attempts) for i in self.instances(activity, match))

    def outcomes(self, activity: str, match: Mapping[str, Any] | None = None
                 ) -> dict[str, list[str]]:
        """Per matching instance, how each attempt ended ("completed", "failed", "timed out",
        "canceled"), or "open"."""
        return {activity_id: [attempt.outcome or "open"
                              for attempt in self._fold.instances[activity_id].attempts]
                for activity_id in self.instances(activity, match)}

    def to_json(self) -> str:
        """The history as `aws swf get-workflow-execution-history` prints it."""
        return dump_history(self.events)

    def summary(self) -> dict[str, dict[str, int]]:
        """Per activity type: instances, attempts, failures, timeouts, cancellations."""
        rows: dict[str, dict[str, int]] = {}
        for instance in self._fold.instances.values():
            row = rows.setdefault(instance.activity_name, dict.fromkeys(
                ("instances", "attempts", "failures", "timeouts", "canceled"), 0))
            row["instances"] += 1
            row["attempts"] += len(instance.attempts)
            for attempt in instance.attempts:
                key = {"failed": "failures", "timed out": "timeouts",
                       "canceled": "canceled"}.get(attempt.outcome or "")
                if key:
                    row[key] += 1
        return rows


class Progress:
    """A look at a run under way, for a progress display: read when wanted, it counts then."""

    def __init__(self, memory: RunMemory):
        self._memory = memory

    @property
    def events(self) -> int:
        return self._memory.state.events_used

    @property
    def instances_done(self) -> int:
        return sum(1 for i in self._memory.state.instances.values() if i.completed)

    @property
    def instances_known(self) -> int:
        """The instances of the activities expanded so far (later ones are not known yet)."""
        return max(self._memory.expansions.known_instances(),
                   len(self._memory.state.instances))

    @property
    def attempts(self) -> int:
        return sum(len(i.attempts) for i in self._memory.state.instances.values())


def run_flow(flow: Any, *, input: dict | None = None, seed: int = 0,
             faults: Iterable[Fault] | FaultPlan = (), sim: Simulator | None = None,
             client: str = "direct", workflow_id: str | None = None,
             start_time: datetime | None = None, attempt_seconds: float = 1.0,
             progress: Callable[[Progress], None] | None = None) -> RunResult:
    """Run `flow` to its end in the simulator (see the module docstring).

    `client` is "direct" (fast) or "boto3" (a genuine boto3 client). `sim` reuses a simulator
    (its clock and limits); otherwise one is made from `seed` and `start_time`. `progress` is
    called after every decision task.
    """
    if sim is not None and start_time is not None:
        raise ValueError("start_time belongs to the simulator: give one or the other")
    if client not in ("direct", "boto3"):
        raise ValueError(f'client is "direct" or "boto3", not {client!r}')
    if sim is None:
        sim = Simulator(seed=seed) if start_time is None else Simulator(
            seed=seed, start_time=start_time)
    faults = plan(faults)
    faults.check_activities(flow.name, (a.name for a in find_workflow_activities(flow)))
    result = _Run(flow, sim, client, faults, seed, input, workflow_id,
                  attempt_seconds, progress).run()
    faults.check_matches(lambda activity: [p for _, p in result._scheduled(activity)],
                         completed=result.status == "COMPLETED")
    return result


class _Run:
    def __init__(self, flow: Any, sim: Simulator, client: str, faults: FaultPlan, seed: int,
                 input: dict | None, workflow_id: str | None, attempt_seconds: float,
                 progress: Callable[[Progress], None] | None):
        self.flow = flow
        self.progress = progress
        self.sim = sim
        self.swf = sim.direct_client() if client == "direct" else sim.client()
        self.faults = faults
        self.seed = seed
        self.input = input
        self.workflow_id = workflow_id or f"{flow.name}-{seed}"
        self.attempt_seconds = attempt_seconds
        self.fault_rng = random.Random(f"garcon-sim faults {seed}")
        self.backoff_rng = random.Random(f"garcon-sim backoffs {seed}")
        self.attempts = _AttemptFaults(self)
        self.busy: dict[str, tuple[float, datetime]] = {}
        """Tokens of attempts a fault keeps busy: heartbeat interval (s) and next beat."""
        self.logger = worker_logger()
        self.run_id = ""
        self.misuse: FaultError | None = None
        """A fault that cannot happen as asked: it ends the run (a worker would survive it)."""

    def run(self) -> RunResult:
        with _virtual_time(self.sim) as self.freezer, _seeded_random(self.seed):
            register_flow(self.swf, self.flow, self.logger)
            self._start()
            stuck = self._drive()
        return self._result(stuck)

    def _start(self) -> None:
        for throttle in self.faults.throttles():
            self.sim.throttle(throttle.operation, throttle.times)
        if self.attempts.needed:
            self.sim.hold_activity_tasks(self.attempts.held)
        self.decider = DeciderWorker(self.flow, register=False, client=self.swf,
                                     limits=self.sim.limits, logger=self.logger,
                                     sleep=self._sleep, rng=self.backoff_rng)
        self.worker = ActivityWorker(self.flow, client=self.swf, limits=self.sim.limits,
                                     logger=self.logger, sleep=self._sleep,
                                     rng=self.backoff_rng)
        self.pollers = [self.decider.poller(IDENTITY)] + [
            Poller(lambda activity=activity: self._activity_step(activity),
                   name=f"activity worker of {activity.name}", logger=self.logger,
                   on_exception=activity.on_exception, actor=activity,
                   backoff=Backoff(rng=self.backoff_rng))
            for activity in self.worker.activities]
        self.run_id = self.swf.start_workflow_execution(
            domain=self.flow.domain, workflowId=self.workflow_id,
            workflowType={"name": self.flow.name, "version": getattr(self.flow, "version",
                                                                      "1.0")},
            input=json.dumps(self.input if self.input is not None else {}))["runId"]

    def _drive(self) -> str | None:
        """Run until the execution closes (None) or nothing can happen (why it is stuck):
        nothing due but the execution's own timeout, with nothing open to wait for."""
        while True:
            if self._step(self.pollers[0]):
                self._report_progress()
                continue
            if any(self._step(poller) for poller in self.pollers[1:]):
                continue
            described = self._describe()
            if described["executionInfo"]["executionStatus"] == "CLOSED":
                return None
            if not any(described["openCounts"].values()) or not self._wait():
                return self._what_is_open(described["openCounts"])

    def _report_progress(self) -> None:
        memory = self.decider.memory(self.run_id)
        if self.progress is not None and memory is not None:
            self.progress(Progress(memory))

    def _step(self, poller: Poller) -> bool:
        """One poll (and what it brought); a backoff after an error passes in virtual time."""
        self.freezer.move_to(self.sim.clock.now())
        delay = poller()
        if self.misuse is not None:
            raise self.misuse
        if delay:
            self._sleep(delay)
            return True
        return poller.worked

    def _activity_step(self, activity: Activity) -> bool:
        task = self.worker.poll(activity, IDENTITY)
        if task is None:
            return False
        fault = self.attempts.fault_of(task["activityId"])
        if fault is None:
            self._sleep(self.attempt_seconds)
            self.worker.execute(activity, task, parallel=False)
        elif isinstance(fault, Fail):
            self._sleep(self.attempt_seconds)
            self.worker.respond(self.swf.respond_activity_task_failed,
                                 taskToken=task["taskToken"],
                                 reason=shorten(fault.reason, self.sim.limits.reason),
                                 details="injected by garcon_sim.faults")
        elif isinstance(fault, TimeOut):
            self._go_silent(task, fault.kind)
        # A crash: the worker took the task and died; SWF times it out on its own.
        return True

    def _go_silent(self, task: dict, kind: str) -> None:
        """Keep the attempt from answering so that SWF times it out with `kind`: silent for
        HEARTBEAT, heartbeating (so that only the start or schedule deadlines remain) else."""
        timeouts = self.attempts.timeouts_of(task["activityId"])
        first = _first_timeout(timeouts, heartbeating=kind != "HEARTBEAT")
        if first != kind:
            self.misuse = FaultError(
                f"a {kind} timeout cannot come first for {task['activityId']}: with its "
                f"timeouts ({_describe_timeouts(timeouts)}) SWF times it out with {first}")
            return
        heartbeat = timeouts["heartbeatTimeout"]
        if kind != "HEARTBEAT" and heartbeat is not None:
            interval = heartbeat / 2
            self.busy[task["taskToken"]] = (interval, self.sim.clock.now()
                                            + timedelta(seconds=interval))

    def _wait(self) -> bool:
        """Move the clock to the next thing due: a deadline, or a busy worker's heartbeat.
        False when there is none."""
        due = [moment for moment in (self.sim.next_deadline(), self._next_beat())
               if moment is not None]
        if not due:
            return False
        self._advance_to(min(due))
        return True

    def _sleep(self, seconds: float) -> None:
        if seconds:
            self._advance_to(self.sim.clock.now() + timedelta(seconds=seconds))

    def _advance_to(self, target: datetime) -> None:
        """Move the clock to `target`, busy workers heartbeating on the way as they would
        while other attempts run."""
        while (beat := self._next_beat()) is not None and beat <= target:
            if beat > self.sim.clock.now():
                self.sim.clock.advance_to(beat)
            self._heartbeat_due()
        if target > self.sim.clock.now():
            self.sim.clock.advance_to(target)

    def _next_beat(self) -> datetime | None:
        return min((due for _, due in self.busy.values()), default=None)

    def _heartbeat_due(self) -> None:
        now = self.sim.clock.now()
        for token, (interval, due) in sorted(self.busy.items(), key=lambda item: item[1][1]):
            if due > now:
                continue
            del self.busy[token]
            try:
                self.swf.record_activity_task_heartbeat(taskToken=token)
            except Exception as error:
                if not is_gone(error):
                    raise
                continue
            self.busy[token] = (interval, now + timedelta(seconds=interval))

    def _describe(self) -> dict:
        return self.swf.describe_workflow_execution(
            domain=self.flow.domain,
            execution={"workflowId": self.workflow_id, "runId": self.run_id})

    def _what_is_open(self, counts: dict[str, int]) -> str:
        state = HistoryState.fold(self._events())
        open_ids = sorted(i.activity_id for i in state.instances.values() if i.open)
        parts = [f"{counts['openActivityTasks']} activity task(s) open"
                 + (f" ({', '.join(open_ids[:5])}{', ...' if len(open_ids) > 5 else ''})"
                    if open_ids else ""),
                 f"{counts['openTimers']} timer(s)",
                 f"{counts['openDecisionTasks']} decision task(s)"]
        return "nothing can run and nothing is due: " + ", ".join(parts)

    def _events(self) -> list[dict]:
        events: list[dict] = []
        token = None
        while True:
            page = self.swf.get_workflow_execution_history(
                domain=self.flow.domain,
                execution={"workflowId": self.workflow_id, "runId": self.run_id},
                **({"nextPageToken": token} if token else {}))
            events.extend(page["events"])
            token = page.get("nextPageToken")
            if not token:
                return events

    def _result(self, stuck: str | None) -> RunResult:
        events = self._events()
        info = self._describe()["executionInfo"]
        status = "STUCK" if stuck else info.get("closeStatus", "STUCK")
        return RunResult(status, stuck or _close_reason(events[-1]), events, self.flow.name,
                         self.workflow_id, self.run_id, self.seed,
                         tuple(a.name for a in find_workflow_activities(self.flow)), self.sim)


class _AttemptFaults:
    """Which fault strikes each attempt, decided once, when the simulator first shows the
    attempt's task (to the hold predicate, before any poller gets it)."""

    def __init__(self, run: _Run):
        self.run = run
        self.needed = any(not isinstance(fault, Throttle) for fault in run.faults)
        self._attempts: dict[str, int] = {}
        self._latest: dict[str, int] = {}
        self._faults: dict[int, Fail | TimeOut | Crash | None] = {}

    def held(self, view: ActivityTaskView) -> bool:
        fault = self._decide(view)
        return isinstance(fault, TimeOut) and fault.kind == "SCHEDULE_TO_START"

    def fault_of(self, activity_id: str) -> Fail | TimeOut | Crash | None:
        if not self.needed:
            return None
        return self._faults.get(self._latest.get(activity_id, 0))

    def timeouts_of(self, activity_id: str) -> dict[str, float | None]:
        """The timeouts and the schedule time of the activity's latest attempt."""
        scheduled = self._latest[activity_id]
        event = next(e for e in self.run._events() if e["eventId"] == scheduled)
        attributes = event["activityTaskScheduledEventAttributes"]
        timeouts: dict[str, Any] = {key: _seconds(attributes.get(key)) for key in (
            "scheduleToStartTimeout", "scheduleToCloseTimeout", "startToCloseTimeout",
            "heartbeatTimeout")}
        timeouts["queued"] = (self.run.sim.clock.now() - event["eventTimestamp"]
                              ).total_seconds()
        return timeouts

    def _decide(self, view: ActivityTaskView) -> Fail | TimeOut | Crash | None:
        scheduled = view.scheduledEventId
        if scheduled not in self._faults:
            attempt = self._attempts.get(view.activityId, 0) + 1
            self._attempts[view.activityId] = attempt
            self._latest[view.activityId] = scheduled
            self._faults[scheduled] = self.run.faults.for_attempt(
                aliases(view.activityType["name"], self.run.flow.name), _payload(view.input),
                attempt, self.run.fault_rng)
        return self._faults[scheduled]


def _first_timeout(timeouts: dict[str, Any], heartbeating: bool) -> str:
    """Which timeout SWF fires first for an attempt started now, with ties going to the one
    armed first (schedule deadlines, then start-to-close, then heartbeat), as in the
    simulator."""
    queued = timeouts["queued"]
    candidates = [
        (timeouts["scheduleToCloseTimeout"], 0, "SCHEDULE_TO_CLOSE"),
        (None if timeouts["startToCloseTimeout"] is None
         else queued + timeouts["startToCloseTimeout"], 1, "START_TO_CLOSE"),
        (None if heartbeating or timeouts["heartbeatTimeout"] is None
         else queued + timeouts["heartbeatTimeout"], 2, "HEARTBEAT")]
    due = [(at, order, kind) for at, order, kind in candidates if at is not None]
    return min(due)[2] if due else "none (its timeouts are NONE)"


def _describe_timeouts(timeouts: dict[str, Any]) -> str:
    return ", ".join(f"{key} {'NONE' if value is None else f'{value:g} s'}"
                     for key, value in timeouts.items() if key != "queued")


def _seconds(value: str | None) -> float | None:
    return None if value in (None, "NONE") else float(value)


def _close_reason(event: dict) -> str | None:
    kind = event["eventType"]
    attributes = event.get(f"{kind[0].lower()}{kind[1:]}EventAttributes", {})
    if kind == "WorkflowExecutionFailed":
        return attributes.get("reason")
    if kind == "WorkflowExecutionTerminated":
        return ": ".join(p for p in (attributes.get("cause"), attributes.get("reason")) if p)
    if kind == "WorkflowExecutionTimedOut":
        return "the execution's start-to-close timeout passed"
    if kind == "WorkflowExecutionCanceled":
        return attributes.get("details") or "canceled"
    return None


def _payload(raw: str | None) -> dict:
    try:
        payload = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


@contextmanager
def _virtual_time(sim: Simulator) -> Iterator[Any]:
    """The flow's code sees the simulator's clock (time.time, datetime.now, ...)."""
    with freeze_time(sim.clock.now(), tick=False, ignore=UNFROZEN) as freezer:
        yield freezer


@contextmanager
def _seeded_random(seed: int) -> Iterator[None]:
    """Python's `random` seeded from the run's seed for the flow's code, restored after."""
    saved = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(saved)
