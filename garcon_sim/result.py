"""What a simulated run gives: `RunResult` (how it ended, its history, questions about its
instances and attempts) and `Progress` (a look at a run under way)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from garcon.activity import UnknownActivityError, find_workflow_activities, resolve_activity
from garcon.history import HistoryState, InstanceHistory
from garcon.payload import object_or_empty
from garcon.worker.deciding import RunMemory

from .history_io import dump_history
from .names import holds, unknown_match_keys
from .simulator import Simulator


class UnknownNameError(LookupError):
    """A question about a run that names something the run cannot have: an activity the flow
    does not have, or `match` keys no instance's input has. The message names what exists."""


@dataclass(repr=False)
class RunResult:
    """How a simulated run ended, and its history. Its repr is one line (pytest shows it in
    assertion messages); `events` and `to_json()` have the history. A sharded activity's
    instances run in child executions (`children`), which `instances`, `attempts`,
    `outcomes` and `summary` see through."""

    status: str
    """SWF's close status (COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT,
    CONTINUED_AS_NEW), or STUCK when nothing could run and nothing was due."""
    reason: str | None
    events: list[dict]
    flow: Any
    """The flow that ran (a module or an object)."""
    workflow_id: str
    run_id: str
    seed: int
    sim: Simulator
    children: list[RunResult] = field(default_factory=list)
    """The child executions it started, in the order they started (a shard started again
    is a new run), each with its own history and children."""
    _fold: HistoryState = field(init=False)

    def __post_init__(self) -> None:
        self._fold = HistoryState.fold(self.events)

    def __repr__(self) -> str:
        ending = f": {self.reason}" if self.reason else ""
        children = (f", {len(self.executions()) - 1:,} child executions" if self.children
                    else "")
        return (f"<RunResult {self.status} {self.flow_name} {self.workflow_id} seed "
                f"{self.seed}, {len(self.events):,} events{children}{ending}>")

    @property
    def flow_name(self) -> str:
        return self.flow.name

    @property
    def activity_types(self) -> tuple[str, ...]:
        """The type names of the flow's activities, scheduled or not."""
        return tuple(current.name for current in find_workflow_activities(self.flow))

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

    def executions(self) -> list[RunResult]:
        """This run, then its children and theirs, depth first, in the order they started."""
        return [self, *(execution for child in self.children
                        for execution in child.executions())]

    def instances(self, activity: str, match: Mapping[str, Any] | None = None) -> list[str]:
        """The ids of the activity's instances that were scheduled with an input holding
        `match`, in the order they were first scheduled (in this run, then in its children).
        An activity the flow does not have, or `match` keys that no input of the activity has,
        raise UnknownNameError."""
        try:
            activity_type = resolve_activity(self.flow, activity).name
        except UnknownActivityError as error:
            raise UnknownNameError(str(error)) from None
        scheduled = self._scheduled(activity_type)
        wrong = unknown_match_keys(match, activity, [p for _, p in scheduled])
        if wrong:
            raise UnknownNameError(wrong)
        return [*dict.fromkeys(activity_id for activity_id, payload in scheduled
                               if holds(payload, match))]

    def _scheduled(self, activity_type: str | None = None) -> list[tuple[str, dict]]:
        """(activity id, input) of each attempt scheduled, of the activity type (any for
        None), in order, in this run then in its children. Inputs that are not JSON objects
        count as empty."""
        scheduled = []
        for execution in self.executions():
            for event in execution.events:
                if event["eventType"] == "ActivityTaskScheduled":
                    attributes = event["activityTaskScheduledEventAttributes"]
                    if activity_type in (None, attributes["activityType"]["name"]):
                        scheduled.append((attributes["activityId"],
                                          object_or_empty(attributes.get("input"))))
        return scheduled

    def attempts(self, activity: str, match: Mapping[str, Any] | None = None) -> int:
        """How many times the matching instances were scheduled, all together."""
        return sum(len(history.attempts) for histories in
                   self._histories(activity, match).values() for history in histories)

    def outcomes(self, activity: str, match: Mapping[str, Any] | None = None
                 ) -> dict[str, list[str]]:
        """Per matching instance, how each attempt ended ("completed", "failed", "timed out",
        "canceled"), or "open"; across the runs of its shard when one was started again."""
        return {activity_id: [attempt.outcome or "open" for history in histories
                              for attempt in history.attempts]
                for activity_id, histories in self._histories(activity, match).items()}

    def _histories(self, activity: str, match: Mapping[str, Any] | None
                   ) -> dict[str, list[InstanceHistory]]:
        """Per matching instance, what each execution that scheduled it says of it."""
        found: dict[str, list[InstanceHistory]] = {
            activity_id: [] for activity_id in self.instances(activity, match)}
        for execution in self.executions():
            for activity_id, history in execution._fold.instances.items():
                if activity_id in found:
                    found[activity_id].append(history)
        return found

    def to_json(self) -> str:
        """The history as `aws swf get-workflow-execution-history` prints it; with children,
        theirs too, under "children" (see `garcon_sim.history_io.dump_history`)."""
        return dump_history(self.events, [(child.workflow_id, child.run_id, child.events)
                                          for child in self.executions()[1:]])

    def summary(self) -> dict[str, dict[str, int]]:
        """Per activity type: instances, attempts, failures, timeouts, cancellations, all
        executions together (an instance counts once, whatever runs its shard took)."""
        rows: dict[str, dict[str, int]] = {}
        seen: set[str] = set()
        for execution in self.executions():
            for instance in execution._fold.instances.values():
                row = rows.setdefault(instance.activity_name, dict.fromkeys(
                    ("instances", "attempts", "failures", "timeouts", "canceled"), 0))
                if instance.activity_id not in seen:
                    seen.add(instance.activity_id)
                    row["instances"] += 1
                row["attempts"] += len(instance.attempts)
                for attempt in instance.attempts:
                    key = {"failed": "failures", "timed out": "timeouts",
                           "canceled": "canceled"}.get(attempt.outcome or "")
                    if key:
                        row[key] += 1
        return rows


class Progress:
    """A look at a run under way, for a progress display: read when wanted, it counts then.
    `memories` are what the decider keeps of the run and of its children (their folds)."""

    def __init__(self, memory: RunMemory, children: Iterable[RunMemory] = ()):
        self._memory = memory
        self._all = [memory, *children]

    @property
    def events(self) -> int:
        """Events in the run's own history."""
        return self._memory.state.events_used

    @property
    def instances_done(self) -> int:
        return sum(1 for memory in self._all for i in memory.state.instances.values()
                   if i.completed)

    @property
    def instances_known(self) -> int:
        """The instances of the activities expanded so far (later ones are not known yet)."""
        return max(self._memory.expansions.known_instances(),
                   sum(len(memory.state.instances) for memory in self._all))

    @property
    def attempts(self) -> int:
        return sum(len(i.attempts) for memory in self._all
                   for i in memory.state.instances.values())
