"""Replaying a recorded history against a flow's current code.

Theory of operation
-------------------
At every decision task of the history (each DecisionTaskCompleted), `replay` runs the flow's
decider on the history up to that task's DecisionTaskStarted, with the flow's code seeing the
instant the task started (freezegun), and compares its decisions with those the history
records: the events carrying that DecisionTaskCompleted's id, written back as decisions
(`garcon_sim.recorded`). Inputs and results are compared as JSON. A refused decision (a
...Failed event) carries only part of the decision: only that part is compared. The reason and
details of a FailWorkflowExecution are explanations, not behaviour: when they differ (ours name
the instance, its attempts and its last outcome, garcon's did not), it is a note, not a
difference.

A run with children (a sharded activity's) replays as a whole (`replay_executions`): the parent
and each child, each against the same flow, each with its own execution (a child's from its
parent's ChildWorkflowExecutionStarted).

Replay also watches the flow's generators. The first time one can run, it runs twice on the
same context: different instances mean randomness or an unordered source (a set). Then, at up to
`CHECKPOINTS` decision tasks spread over the history, it compares what each generator read from
the context and what it gave: the same reads and other instances mean the generator depends on
something else, such as the clock. Either way the instances of a running workflow change under
it; the report says so in plain words, next to the differences it explains.

A history of another workflow type than the flow's is refused (WrongFlowError): its decisions
would all differ, for no reason worth a report. Another version of the same type is replayed,
with a note: checking a changed flow against the histories of its older versions is what replay
is for.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from garcon.activity import find_workflow_activities, flow_version
from garcon.decider import decide_with_report
from garcon.expansion import Expansions, expand_noting_reads
from garcon.history import HistoryState
from garcon.limits import SWF_LIMITS, SWFLimits
from garcon.payload import object_or_empty
from garcon.payload import parse as parse_payload
from garcon.shards import INPUT_KEY

from . import process_state
from .decisions import decision_attributes_key
from .events import Event, attributes
from .history_io import RecordedExecution, family, load_executions, load_history
from .recorded import decision_events, recorded_decision, refused

CHECKPOINTS = 64
"""Decision tasks at which generators are checked: a change between two of them shows, and a
history of thousands of decision tasks does not run every generator thousands of times."""
JSON_FIELDS = ("input", "result", "details", "control")
EXPLANATIONS = {"FailWorkflowExecution": ("reason", "details")}
"""Attributes that explain a decision rather than make it: differences there are notes."""


class WrongFlowError(ValueError):
    """The history is of another workflow type than the flow's."""


@dataclass(frozen=True)
class ReplayDifference:
    event_id: int
    """The DecisionTaskCompleted of the decision task where the decisions differ."""
    recorded: dict | None
    replayed: dict | None
    explanation: str


@dataclass
class ReplayResult:
    decision_tasks: int
    differences: list[ReplayDifference] = field(default_factory=list)
    unstable: list[str] = field(default_factory=list)
    """Generators whose instances change under a running workflow, in plain words."""
    notes: list[str] = field(default_factory=list)
    """Differences in explanations only (failure reasons), which change no decision."""

    @property
    def ok(self) -> bool:
        """Decisions compared, no difference, and no generator that would change a running
        workflow's instances."""
        return bool(self.decision_tasks) and not self.differences and not self.unstable

    def report(self) -> str:
        if not self.decision_tasks:
            return "replayed 0 decision tasks: nothing compared (no DecisionTaskCompleted)"
        found = [f"{len(self.differences)} difference(s)"] if self.differences else []
        found += [f"{len(self.unstable)} unstable generator(s)"] if self.unstable else []
        lines = [f"replayed {self.decision_tasks} decision task(s): "
                 + (", ".join(found) or "no difference")]
        for difference in self.differences:
            lines.append(f"- decision task completed at event {difference.event_id}: "
                         f"{difference.explanation}")
            lines.append(f"    recorded: {_show(difference.recorded)}")
            lines.append(f"    replayed: {_show(difference.replayed)}")
        lines += [f"- {finding}" for finding in self.unstable]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    __str__ = report


def replay(history: Any, flow: Any, *, execution: dict | None = None,
           limits: SWFLimits = SWF_LIMITS) -> ReplayResult:
    """Compare the decisions recorded in `history` (anything `load_history` reads) with those
    `flow` makes now. `execution` ({"domain", "workflowId", "runId"}) is what activity inputs
    carry; by default it is read from the recorded inputs. A history that contradicts itself
    raises `garcon.history.HistoryError`; one with no decision task gives a result that is not
    `ok`, having compared nothing."""
    events = load_history(history)
    return _replay(events, flow, execution or recorded_execution(events), limits)


def _replay(events: list[Event], flow: Any, execution: dict | None, limits: SWFLimits,
            watch: bool = True) -> ReplayResult:
    recorded_type = _workflow_type(events)
    if recorded_type is not None and recorded_type.get("name") != flow.name:
        raise WrongFlowError(
            f"the history is of workflow type {_type_text(recorded_type)}, not the flow's "
            f"{_type_text({'name': flow.name, 'version': flow_version(flow)})}: replay it "
            "against the flow that made it")
    result = _Replay(flow, events, execution, limits, watch).run()
    if recorded_type is not None and recorded_type.get("version") != flow_version(flow):
        result.notes.append(f"the history is of version {recorded_type.get('version')} of "
                            f"{flow.name}, the flow is version {flow_version(flow)}")
    return result


def _workflow_type(events: list[Event]) -> dict | None:
    """The workflow type the history's WorkflowExecutionStarted names, if it has one."""
    started = next((e for e in events if e["eventType"] == "WorkflowExecutionStarted"), None)
    return None if started is None else attributes(started).get("workflowType")


def _type_text(workflow_type: dict) -> str:
    return f"{workflow_type.get('name')!r} (version {workflow_type.get('version')})"


@dataclass
class RunReplay:
    """The replay of a run and of its children: one ReplayResult per execution."""

    results: list[tuple[RecordedExecution, ReplayResult]]

    @property
    def ok(self) -> bool:
        """The run's decisions compared and matching, and every child's that had any."""
        run = self.results[0][1]
        return run.ok and all(result.ok for _, result in self.results[1:]
                              if result.decision_tasks or result.unstable)

    def report(self) -> str:
        if len(self.results) == 1:
            return self.results[0][1].report()
        lines = []
        for index, (execution, result) in enumerate(self.results):
            ids = execution.workflow_execution or {}
            what = "run" if index == 0 else f"child {ids.get('workflowId')}"
            lines.append(f"{what} (run {ids.get('runId', '?')}): {result.report()}")
        return "\n".join(lines)

    __str__ = report


def replay_executions(*sources: Any, flow: Any, execution: dict | None = None,
                      limits: SWFLimits = SWF_LIMITS) -> RunReplay:
    """`replay` a run and its children: the histories in `sources` (files `garcon-sim run
    --out` wrote, with the children beside the run, or one history per execution, the run's
    first; see `history_io.load_executions`). `execution` is the run's, by default read from
    the histories."""
    executions = family(load_executions(*sources))
    run = executions[0]
    run_execution = execution or recorded_execution(run.events) or (
        run.workflow_execution and {"domain": getattr(flow, "domain", None),
                                    **run.workflow_execution})
    domain = (run_execution or {}).get("domain") or getattr(flow, "domain", None)
    results = [(run, _replay(run.events, flow, run_execution, limits))]
    for child in executions[1:]:  # the run's replay watched the generators; a child checks
        ids = {"domain": domain, **child.workflow_execution}  # its slice against its input
        results.append((child, _replay(child.events, flow, ids, limits, watch=False)))
    return RunReplay(results)


def recorded_execution(events: list[Event]) -> dict | None:
    """The execution named in the recorded activity inputs (garcon writes it there), or in the
    inputs of the shards it started, if any."""
    for event in events:
        if event["eventType"] not in ("ActivityTaskScheduled",
                                      "StartChildWorkflowExecutionInitiated"):
            continue
        payload = object_or_empty(attributes(event).get("input"))
        marker = payload.get(INPUT_KEY)
        parent = marker.get("parent") if isinstance(marker, dict) else None
        if isinstance(parent, dict) and {"domain", "workflowId", "runId"} <= parent.keys():
            return {key: parent[key] for key in ("domain", "workflowId", "runId")}
        if all(
                f"execution.{key}" in payload for key in ("domain", "workflow_id", "run_id")):
            return {"domain": payload["execution.domain"],
                    "workflowId": payload["execution.workflow_id"],
                    "runId": payload["execution.run_id"]}
    return None


class _Replay:
    def __init__(self, flow: Any, events: list[Event], execution: dict | None,
                 limits: SWFLimits, watch: bool = True):
        self.flow = flow
        self.events = events
        self.execution = execution
        self.limits = limits
        self.result = ReplayResult(0)
        self.generators = _GeneratorWatch(flow if watch else None, execution)

    def run(self) -> ReplayResult:
        recorded = decision_events(self.events)
        tasks = sum(e["eventType"] == "DecisionTaskCompleted" for e in self.events)
        checkpoints = {round(i * (tasks - 1) / (CHECKPOINTS - 1)) for i in range(CHECKPOINTS)}
        state, folded, expansions = HistoryState(), 0, Expansions()
        with process_state.held(), \
                process_state.frozen_clock(self.events[0]["eventTimestamp"]) as clock:
            for completed in self.events:
                if completed["eventType"] != "DecisionTaskCompleted":
                    continue
                started_id = attributes(completed)["startedEventId"]
                while folded < len(self.events) and self.events[folded]["eventId"] <= started_id:
                    state.apply(self.events[folded])
                    folded += 1
                clock.move_to(self._timestamp(started_id, completed))
                decisions = decide_with_report(self.flow, state, self.execution,
                                               limits=self.limits,
                                               expansions=expansions).decisions
                if self.result.decision_tasks in checkpoints:
                    self.generators.look(completed["eventId"], state)
                self.result.decision_tasks += 1
                self._compare(completed["eventId"], recorded.get(completed["eventId"], []),
                              decisions)
        state.apply_all(self.events[folded:])  # the rest must hold together too
        self.result.unstable = self.generators.findings()
        return self.result

    def _timestamp(self, started_id: int, completed: Event) -> Any:
        started = next((e for e in self.events if e["eventId"] == started_id), completed)
        return started["eventTimestamp"]

    def _compare(self, event_id: int, sources: list[Event], decisions: list[dict]) -> None:
        for position in range(max(len(sources), len(decisions))):
            source = sources[position] if position < len(sources) else None
            ours = decisions[position] if position < len(decisions) else None
            theirs = recorded_decision(source) if source is not None else None
            explanation = self._difference(theirs, ours, source is not None and refused(source))
            if explanation is not None:
                self.result.differences.append(ReplayDifference(
                    event_id, theirs, ours, self._with_generators(explanation, theirs, ours)))

    def _difference(self, theirs: dict | None, ours: dict | None, partial: bool) -> str | None:
        if theirs is None:
            return f"the flow now also decides {ours['decisionType']}"
        if ours is None:
            return f"the flow no longer decides {theirs['decisionType']}"
        if theirs["decisionType"] != ours["decisionType"]:
            return (f"recorded {theirs['decisionType']}, the flow now decides "
                    f"{ours['decisionType']}")
        kind = theirs["decisionType"]
        key = decision_attributes_key(kind)
        recorded, replayed = theirs[key], ours[key]
        keys = recorded.keys() if partial else recorded.keys() | replayed.keys()
        differing = sorted(k for k in keys if not _same(k, recorded.get(k), replayed.get(k))
                           and not (k == "taskPriority" and k not in replayed))
        explained = [k for k in differing if k in EXPLANATIONS.get(kind, ())]
        if explained:
            self.result.notes.append(
                f"{kind} {', '.join(explained)} differ (recorded {_show(recorded)}, now "
                f"{_show(replayed)}): explanations only, the decision is the same")
        differing = [k for k in differing if k not in explained]
        if not differing:
            return None
        return f"{kind} differs in {', '.join(differing)}"

    def _with_generators(self, explanation: str, theirs: dict | None, ours: dict | None) -> str:
        names = {d[decision_attributes_key(d["decisionType"])].get("activityType", {}).get(
            "name") for d in (theirs, ours) if d is not None}
        causes = [self.generators.unstable[name] for name in sorted(n for n in names if n)
                  if name in self.generators.unstable]
        return "; ".join([explanation, *causes])


class _GeneratorWatch:
    """Notes generators whose instances change while what they read stays the same."""

    def __init__(self, flow: Any, execution: dict | None):
        self.activities = ([] if flow is None or getattr(flow, "decider", None) is not None
                           else [a for a in find_workflow_activities(flow) if a.generators])
        keys = ({} if execution is None else {
            "execution.domain": execution.get("domain"),
            "execution.workflow_id": execution.get("workflowId"),
            "execution.run_id": execution.get("runId")})
        self.execution_keys = keys
        self.previous: dict[str, tuple[int, Any, list[dict]]] = {}
        self.unstable: dict[str, str] = {}

    def look(self, event_id: int, state: HistoryState) -> None:
        context = {**state.context, **self.execution_keys}
        for activity in self.activities:
            if activity.name in self.unstable:
                continue
            earlier = self.previous.get(activity.name)
            try:
                reads, (values, _, _) = expand_noting_reads(activity, context)
                again = values if earlier else expand_noting_reads(activity, context)[1][0]
            except Exception:
                continue  # not expandable yet: it reads results still to come
            if values != again:
                self.unstable[activity.name] = (
                    f"the generators of {activity.name} give different instances each time "
                    "they run on the same context (random numbers, or an unordered source "
                    "such as a set?)")
                continue
            if earlier is not None and earlier[1] == reads and earlier[2] != values:
                self.unstable[activity.name] = (
                    f"the generators of {activity.name} gave other instances at the decision "
                    f"task completed at event {event_id} than at event {earlier[0]}, while "
                    "what they read from the context was the same: they depend on something "
                    "else, such as the clock")
            self.previous[activity.name] = (event_id, reads, values)

    def findings(self) -> list[str]:
        return [self.unstable[name] for name in sorted(self.unstable)]


def _same(key: str, recorded: Any, replayed: Any) -> bool:
    if key in JSON_FIELDS and isinstance(recorded, str) and isinstance(replayed, str):
        try:
            return parse_payload(recorded) == parse_payload(replayed)
        except ValueError:
            pass
    return recorded == replayed


def _show(decision: dict | None, limit: int = 300) -> str:
    if decision is None:
        return "(none)"
    text = json.dumps(decision, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"
