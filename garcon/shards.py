"""Shards: an activity's instances run in child workflow executions, a slice in each.

SWF ends a history at 25,000 events and every attempt writes at least three, so one execution
cannot fan out much beyond 7,000 instances. An activity created with `shard=N` (or
`shard='auto'`, or under a flow attribute `shard`, see `garcon.budget.shard_size`) runs its
instances in child executions of at most N each instead.

Theory of operation
-------------------
- The parent expands the activity as ever (the same instances and ids, in generator order),
  cuts them into shards of N (`cut`: the last one may be smaller) and starts a child for each
  (`start_decision`): the same workflow type, on the same task list, with the parent's timeouts
  and tags. The child's input is what its slice needs: the context keys the activity's
  generators and tasks read (the whole context when a task does not say which), without the
  parent's execution keys, and the shard under `garcon.shard`; it must fit SWF's 32,768
  characters, or the parent fails saying how large it is. The decision's control names the
  activity and the shard (`garcon.history.shard_control`), which the fold reads back. The
  child's workflowId follows from the parent's, the activity's name and the shard's number
  (`child_workflow_id`): a decision made again cannot start a shard twice, since SWF refuses
  a workflowId that is open.
- A child is decided by the same `decide()`: it finds `garcon.shard` in its input and runs only
  its slice of that activity, with the same ids, retries, `max_open`, `retry_delay` and history
  budget as without shards, then completes with its instances' results merged in generator
  order (`child_result`). The parent's fold merges the children's results into its context in
  shard order; the activities that require the sharded one start once every shard completed.
- The parent keeps at most SWF's 1,000 children open at once, and counts 3 events per child in
  its own history budget.

What the parent does when a shard does not complete (`standing`):

- its child failed (an instance out of retries, its budget, a generator that changed): the
  parent fails with the child's reason, which names the instance, and says which shard;
- its child was terminated or timed out as a whole: the shard starts again, as a new run of
  all its instances, up to `SHARD_RESTARTS` times; then the parent fails naming the shard;
- its child was canceled by someone else: the parent fails, naming the shard;
- SWF refused to start it: for a passing cause (`RETRYABLE_REFUSALS`) it is started again once
  a child closes or a short timer fires; for any other (type missing or deprecated, workflowId
  in use, no permission) the parent fails naming the shard and the cause.

When the parent closes early (it fails, or is canceled), it first asks its open children to
cancel (RequestCancelExternalWorkflowExecution); each child then cancels itself. A parent
terminated or timed out has its children closed by SWF under its child policy (TERMINATE, as
the worker registers the workflow type).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from garcon import decisions as make
from garcon.activity import Activity, flow_version
from garcon.budget import SHARD_RESTARTS
from garcon.expansion import Expansion
from garcon.history import (
    CANCELED,
    COMPLETED,
    FAILED,
    SHARD_CONTROL_KEY,
    ChildRun,
    HistoryState,
    ShardHistory,
    shard_control,
)
from garcon.limits import SWF_LIMITS
from garcon.log import EXECUTION_KEYS

INPUT_KEY = SHARD_CONTROL_KEY
"""Where a child's input holds its shard."""
RETRYABLE_REFUSALS = frozenset({"OPEN_CHILDREN_LIMIT_EXCEEDED", "OPEN_WORKFLOWS_LIMIT_EXCEEDED",
                                "CHILD_CREATION_RATE_EXCEEDED"})
"""StartChildWorkflowExecutionFailed causes that mean "try again later"."""
CHILD_POLICY = "TERMINATE"
"""The child policy a child is started with (it has no children of its own)."""


class ShardError(ValueError):
    """A child's input that is not a shard garcon wrote; the message says what is wrong."""


@dataclass(frozen=True)
class Shard:
    """One slice of a sharded activity's instances: those from `start` to before `stop`."""

    activity: str
    """The activity's type name."""
    number: int
    """1 for the first shard."""
    shards: int
    """How many shards the activity has."""
    start: int
    stop: int
    instances: int
    """How many instances the activity has in all."""
    unique: bool = True
    """Whether the generators gave no instance twice (then a child works out the ids of its
    slice alone)."""

    def describe(self) -> str:
        return (f"shard {self.number} of {self.shards} of {self.activity}, instances "
                f"{self.start + 1:,} to {self.stop:,} of {self.instances:,}")

    def marker(self, parent: Mapping[str, Any]) -> dict:
        """The shard as a child's input holds it, with the parent's execution."""
        return {"activity": self.activity, "number": self.number, "shards": self.shards,
                "start": self.start, "stop": self.stop, "instances": self.instances,
                "unique": self.unique, "parent": dict(parent)}

    @classmethod
    def of_input(cls, value: Any) -> Shard | None:
        """The shard a child's input holds, None for the input of an execution that is not
        a shard; ShardError for a `garcon.shard` that is not one."""
        if not isinstance(value, dict) or INPUT_KEY not in value:
            return None
        marker = value[INPUT_KEY]
        fields = ("activity", "number", "shards", "start", "stop", "instances")
        if not (isinstance(marker, dict) and type(marker.get("activity")) is str
                and all(type(marker.get(key)) is int for key in fields[1:])
                and type(marker.get("unique")) is bool):
            raise ShardError(f"the input's {INPUT_KEY} is not a shard garcon wrote: "
                             f"{json.dumps(marker)[:100]}")
        shard = cls(*(marker[key] for key in fields), marker["unique"])
        if not (1 <= shard.number <= shard.shards
                and 0 <= shard.start < shard.stop <= shard.instances):
            raise ShardError(f"the input's {INPUT_KEY} is not a shard garcon wrote: "
                             f"{json.dumps(marker)[:100]}")
        return shard


def cut(activity_name: str, instances: int, size: int, unique: bool = True) -> list[Shard]:
    """The shards of `instances` instances, `size` at most in each, in generator order."""
    count = -(-instances // size)
    return [Shard(activity_name, number, count, start, min(start + size, instances), instances,
                  unique) for number, start in enumerate(range(0, instances, size), 1)]


def child_workflow_id(parent_workflow_id: str, activity_short_name: str, number: int,
                      limit: int = SWF_LIMITS.identifier) -> str:
    """`<parent's workflowId>-<activity>-shard-<n>`: the same for every decision of the
    parent, and open only once at a time. Past SWF's 256 characters, its start and a digest of
    the whole: still one id per parent, activity and shard. (The parts hold only characters
    SWF allows in ids, and so does the result.)"""
    whole = f"{parent_workflow_id}-{activity_short_name}-shard-{number}"
    if len(whole) <= limit:
        return whole
    digest = hashlib.sha1(whole.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return f"{whole[:limit - len(digest) - 1]}~{digest}"


def carried_context(context: Mapping[str, Any], activity: Activity, expansion: Expansion
                    ) -> dict:
    """The context a child needs for its slice: the keys the generators read and the tasks
    declare (all of it when a task does not say, or its tasks depend on the context), without
    the parent's execution keys (the child has its own)."""
    reads, declared = expansion.reads, _declared_keys(activity, context)
    keys: Any = context.keys() if reads is None or declared is None else dict.fromkeys(
        [*reads, *declared])
    return {key: context[key] for key in keys
            if key in context and key not in EXECUTION_KEYS and key != INPUT_KEY}


def _declared_keys(activity: Activity, context: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The keys the activity's tasks declare, None when some task does not, or when the
    tasks themselves depend on the context (task lists)."""
    runner = activity.runner
    if runner is None:
        return None
    try:
        sizing = runner.sizing(context)
    except Exception:  # the flow's own code: the child will say what is wrong
        return None
    return sizing.requirements if runner.fixed_sizing is not None else None


def child_input(carried: dict, shard: Shard, parent: Mapping[str, Any]) -> str:
    """The child's input: the context it carries, and its shard (with `parent`, the parent's
    execution: `{"domain", "workflowId", "runId"}`)."""
    return json.dumps({**carried, INPUT_KEY: shard.marker(parent)})


def start_decision(state: HistoryState, flow: Any, workflow_id: str, shard: Shard,
                   input: str) -> dict:
    """The StartChildWorkflowExecution of a shard: the parent's type, task list, timeouts,
    priority and tags (those its WorkflowExecutionStarted gives), SWF's defaults for none."""
    started = state.started
    settings: dict[str, Any] = {"childPolicy": CHILD_POLICY}
    for key in ("taskList", "executionStartToCloseTimeout", "taskStartToCloseTimeout",
                "taskPriority", "tagList"):
        if started.get(key) is not None:
            settings[key] = started[key]
    settings.setdefault("taskList", {"name": flow.name})
    workflow_type = started.get("workflowType") or {
        "name": flow.name, "version": flow_version(flow)}
    return make.start_child_workflow(workflow_id, workflow_type, input,
                                     shard_control(shard.activity, shard.number), settings)


def cancel_decision(child: ChildRun) -> dict:
    return make.request_cancel_external(child.workflow_id, child.run_id)


def child_result(expansion: Expansion, state: HistoryState) -> dict:
    """A child's result: its instances' results merged in generator order."""
    merged: dict = {}
    instances = state.instances
    for activity_id in expansion.ids:
        result = instances[activity_id].last.result
        if isinstance(result, dict):
            merged.update(result)
    return merged


DONE, BUSY, READY, WAITING, FATAL = "done", "busy", "ready", "waiting", "fatal"


def standing(history: ShardHistory | None, shard: Shard, state: HistoryState
             ) -> tuple[str, str | None, str | None]:
    """Where a shard stands in the parent, and for FATAL why, with the details: DONE (its
    child completed), BUSY (its child is open, or it was asked to cancel), READY (to start:
    never started, or again), WAITING (refused for a passing reason, nothing happened since)."""
    if history is None:
        return READY, None, None
    last = history.last
    refusal = history.refusals[-1] if history.refusals else None
    if refusal is not None and (last is None or refusal[0] > last.initiated_event_id):
        event_id, cause = refusal
        if cause not in RETRYABLE_REFUSALS:
            hint = (" (the decider needs IAM's swf:StartChildWorkflowExecution)"
                    if cause == "OPERATION_NOT_PERMITTED" else "")
            return FATAL, f"SWF refused to start {shard.describe()}: {cause}{hint}", None
        return (WAITING if event_id > state.last_wakeup_event_id else READY), None, None
    if last is None:
        return READY, None, None
    if last.outcome is None or last.workflow_id in state.cancels_requested:
        return BUSY, None, None
    if last.outcome == COMPLETED:
        return DONE, None, None
    where = f"{shard.describe()}, child workflow {last.workflow_id}"
    if last.outcome == FAILED:
        return FATAL, f"{last.reason or 'failed'} (in {where})", last.details
    if last.outcome == CANCELED:
        return FATAL, f"{where} was canceled", last.reason
    ended = [run.outcome for run in history.runs]
    if len(ended) <= SHARD_RESTARTS:
        return READY, None, None
    return FATAL, (f"{where}: did not complete in {len(ended)} runs "
                   f"({', '.join(map(str, ended))}); a shard is started again at most "
                   f"{SHARD_RESTARTS} times"), None


class ShardPlan:
    """A sharded activity as its parent sees it: its instances, its shards and what the
    history says of each."""

    __slots__ = ("activity", "expansion", "histories", "shards")

    def __init__(self, activity: Activity, expansion: Expansion, size: int,
                 state: HistoryState):
        self.activity = activity
        self.expansion = expansion
        self.shards = cut(activity.name, expansion.count, size, expansion.unique)
        self.histories = [state.shards.get((activity.name, shard.number))
                          for shard in self.shards]

    @property
    def complete(self) -> bool:
        """Whether every shard's child completed."""
        return all(history is not None and history.last is not None
                   and history.last.outcome == COMPLETED for history in self.histories)

    def standings(self, state: HistoryState
                  ) -> list[tuple[Shard, tuple[str, str | None, str | None]]]:
        return [(shard, standing(history, shard, state))
                for shard, history in zip(self.shards, self.histories, strict=True)]

    def to_come(self, state: HistoryState) -> int:
        """The shards still to start: never started, or to start again."""
        return sum(1 for _, (kind, _, _) in self.standings(state) if kind in (READY, WAITING))
