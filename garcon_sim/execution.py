"""The life of one workflow execution (a run): its history and its decision tasks.

Theory of operation
-------------------
A run is a history (a list of events) plus the little state that decides what SWF writes next.
Every change goes through `record`, which appends one event and then applies the two rules
that hold for every event:

* the event limit: a history may hold `limits.history_events` events; when only one slot is
  left, the run is terminated (cause EVENT_LIMIT_EXCEEDED) instead of recording the event;
* the decision-task rule: an event listed in `events.DECISION_TRIGGERS` schedules a decision
  task, unless one is already scheduled (SWF batches them). While a decider's response is being
  applied the rule is held back and applied once after the last decision's event
  (`begin_batch` / `end_batch`).

At most one decision task is started and one scheduled. A scheduled task is handed to pollers
(queued) only while none is started; completing or timing out the started one releases it.
Closing a run writes its close event, drops its deadlines, applies its child policy to its open
children when it was terminated or timed out, and tells its parent. Activities and timers live
in `activities.py`; decisions, which drive all of this from a decider's response, live in
`decisions.py`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .deadlines import Deadline
from .events import CLOSE_EVENTS, DECISION_TRIGGERS, make_event
from .model import ActivityTask, Child, DecisionTask, Timer
from .world import World

NONE = "NONE"

CHILD_CLOSE_EVENTS = {
    "COMPLETED": ("ChildWorkflowExecutionCompleted", ("result",)),
    "FAILED": ("ChildWorkflowExecutionFailed", ("reason", "details")),
    "CANCELED": ("ChildWorkflowExecutionCanceled", ("details",)),
    "TERMINATED": ("ChildWorkflowExecutionTerminated", ()),
    "TIMED_OUT": ("ChildWorkflowExecutionTimedOut", ("timeoutType",)),
}
"""What a parent records when its child closes, and which close attributes it carries over.
A child that continues as new stays the same child: its parent hears of its last run only."""

_LIMIT_EXEMPT = frozenset(CLOSE_EVENTS) | {"WorkflowExecutionStarted"}
CHILD_POLICY_CLOSES = frozenset({"WorkflowExecutionTerminated", "WorkflowExecutionTimedOut"})
"""The closes that apply the run's child policy to its open children (both events carry the
policy applied)."""


def duration_ms(duration: str) -> int | None:
    """A SWF duration ("300", "NONE") in milliseconds, None for no timeout."""
    return None if duration == NONE else int(duration) * 1000


class Execution:
    def __init__(self, world: World, domain: str, workflow_id: str, workflow_type: dict[str, str],
                 config: dict[str, Any], *, run_id: str | None = None,
                 tag_list: list[str] | None = None, parent: Execution | None = None,
                 parent_initiated_event_id: int = 0) -> None:
        self.world = world
        self.domain = domain
        self.workflow_id = workflow_id
        self.run_id = run_id or world.ids.run_id()
        self.workflow_type = workflow_type
        self.config = config
        """The executionConfiguration: taskList, both timeouts, childPolicy, taskPriority."""
        self.tag_list = tag_list
        self.parent = parent
        self.parent_initiated_event_id = parent_initiated_event_id
        self.order = next(world.run_order)
        self.events: list[dict[str, Any]] = []
        self.open = True
        self.close_status: str | None = None
        self.started_at = world.now()
        self.closed_at = None
        self.activities: dict[str, ActivityTask] = {}
        self.timers: dict[str, Timer] = {}
        self.children: dict[int, Child] = {}
        self.scheduled_decision: DecisionTask | None = None
        self.started_decision: DecisionTask | None = None
        self.previous_started_event_id = 0
        self.latest_context: str | None = None
        self.latest_activity_at = None
        self.cancel_requested = False
        self.task_tokens: list[str] = []
        """Every task token issued for the run's decision and activity tasks."""
        self.task_list_override: tuple[dict[str, str], str] | None = None
        """(taskList, scheduleToStartTimeout) a decider chose for the next decision tasks."""
        self._deadlines: list[Deadline] = []
        self._batching = False
        self._decision_wanted = False

    @property
    def execution(self) -> dict[str, str]:
        return {"workflowId": self.workflow_id, "runId": self.run_id}

    @property
    def child_policy(self) -> str:
        return self.config["childPolicy"]

    # -- the history ---------------------------------------------------------------------------

    def record(self, event_type: str, attributes: dict[str, Any]) -> int:
        """Append an event and apply the event limit and the decision-task rule.

        Returns the new eventId, or 0 when nothing was recorded because the run is closed
        (or has just been closed by the event limit).
        """
        if not self.open:
            return 0
        events = self.events
        if (len(events) >= self.world.limits.history_events - 1
                and event_type not in _LIMIT_EXEMPT):
            self.close("WorkflowExecutionTerminated",
                       {"childPolicy": self.child_policy, "cause": "EVENT_LIMIT_EXCEEDED"})
            return 0
        event_id = len(events) + 1
        events.append(make_event(event_id, self.world.now(), event_type, attributes))
        self.world.revision += 1
        if event_type in DECISION_TRIGGERS:
            if self._batching:
                self._decision_wanted = True
            elif self.scheduled_decision is None:
                self.schedule_decision_task()
        return event_id

    def after(self, duration: str, action: Callable[[], None]) -> Deadline | None:
        """Run `action` once `duration` has passed on the virtual clock (never for "NONE")."""
        delay = duration_ms(duration)
        if delay is None:
            return None
        deadline = self.world.deadlines.add(self.world.clock.millis + delay, action)
        self._deadlines.append(deadline)
        return deadline

    # -- decision tasks ------------------------------------------------------------------------

    def schedule_decision_task(self) -> None:
        config = self.config
        # scheduleToStartTimeout is always written, "NONE" unless a task-list override set one,
        # as in the 2023 recordings (swf-histories/failing_activity_output.json).
        task_list, schedule_to_start = self.task_list_override or (config["taskList"], NONE)
        attributes = {"taskList": task_list,
                      "startToCloseTimeout": config["taskStartToCloseTimeout"],
                      "scheduleToStartTimeout": schedule_to_start}
        if "taskPriority" in config:
            attributes["taskPriority"] = config["taskPriority"]
        event_id = self.record("DecisionTaskScheduled", attributes)
        if event_id:
            task = DecisionTask(self, event_id, task_list["name"],
                                config["taskStartToCloseTimeout"])
            task.deadline = self.after(schedule_to_start,
                                       lambda: self._time_out_scheduled_decision_task(task))
            self.scheduled_decision = task
            self._release_decision_task()

    def _time_out_scheduled_decision_task(self, task: DecisionTask) -> None:
        """Nobody took it from the override task list in time: back to the run's own list."""
        self.task_list_override = None
        self.scheduled_decision = None
        self.record("DecisionTaskTimedOut", {"timeoutType": "SCHEDULE_TO_START",
                                             "scheduledEventId": task.scheduled_event_id,
                                             "startedEventId": 0})

    def _release_decision_task(self) -> None:
        """Hand the scheduled decision task to pollers once no other one is started."""
        task = self.scheduled_decision
        if task is not None and self.started_decision is None and not task.queued:
            task.queued = True
            self.world.decision_queues.push((self.domain, task.task_list), task,
                                            int(self.config.get("taskPriority", 0)))

    def start_decision_task(self, task: DecisionTask, identity: str | None) -> bool:
        attributes: dict[str, Any] = {"scheduledEventId": task.scheduled_event_id}
        if identity is not None:
            attributes["identity"] = identity
        self.scheduled_decision = None
        if task.deadline is not None:
            task.deadline.cancel()
        event_id = self.record("DecisionTaskStarted", attributes)
        if not event_id:
            return False
        task.started_event_id = event_id
        task.token = self.world.issue_token(task)
        task.deadline = self.after(task.start_to_close, lambda: self.time_out_decision_task(task))
        self.started_decision = task
        return True

    def complete_decision_task(self, task: DecisionTask, response: dict[str, Any]) -> int:
        """DecisionTaskCompleted for a decider's response (its decisions are not applied here).

        A response may send the next decision tasks to another task list, for a while
        (`taskListScheduleToStartTimeout`) or for good.
        """
        self._end_decision_task(task)
        self.previous_started_event_id = task.started_event_id
        attributes: dict[str, Any] = {"scheduledEventId": task.scheduled_event_id,
                                      "startedEventId": task.started_event_id}
        for key in ("executionContext", "taskList", "taskListScheduleToStartTimeout"):
            if response.get(key) is not None:
                attributes[key] = response[key]
        if "executionContext" in attributes:
            self.latest_context = attributes["executionContext"]
        if "taskList" in attributes:
            self.task_list_override = (attributes["taskList"],
                                       attributes.get("taskListScheduleToStartTimeout", NONE))
        return self.record("DecisionTaskCompleted", attributes)

    def time_out_decision_task(self, task: DecisionTask) -> None:
        self._end_decision_task(task)
        if (self.task_list_override is not None
                and task.task_list == self.task_list_override[0]["name"]):
            self.task_list_override = None  # [DOC] a timeout on the override list reverts it
        self.record("DecisionTaskTimedOut", {"timeoutType": "START_TO_CLOSE",
                                             "scheduledEventId": task.scheduled_event_id,
                                             "startedEventId": task.started_event_id})
        self._release_decision_task()

    def _end_decision_task(self, task: DecisionTask) -> None:
        self.started_decision = None
        if task.deadline is not None:
            task.deadline.cancel()

    def begin_batch(self) -> None:
        """Hold the decision-task rule back while a decider's decisions are applied."""
        self._batching = True
        self._decision_wanted = False

    def end_batch(self) -> None:
        self._batching = False
        if not self.open:
            return
        if self._decision_wanted and self.scheduled_decision is None:
            self.schedule_decision_task()
        else:
            self._release_decision_task()

    # -- requests from outside -----------------------------------------------------------------

    def signal(self, name: str, signal_input: str | None, *,
               external: Execution | None = None, initiated_event_id: int = 0) -> None:
        attributes: dict[str, Any] = {"signalName": name}
        if signal_input is not None:
            attributes["input"] = signal_input
        if external is not None:
            attributes["externalWorkflowExecution"] = external.execution
        attributes["externalInitiatedEventId"] = initiated_event_id
        self.record("WorkflowExecutionSignaled", attributes)

    def request_cancel(self, *, external: Execution | None = None, initiated_event_id: int = 0,
                       cause: str | None = None) -> None:
        attributes: dict[str, Any] = {}
        if external is not None:
            attributes["externalWorkflowExecution"] = external.execution
        attributes["externalInitiatedEventId"] = initiated_event_id
        if cause is not None:
            attributes["cause"] = cause
        self.cancel_requested = True
        self.record("WorkflowExecutionCancelRequested", attributes)

    def time_out(self) -> None:
        self.close("WorkflowExecutionTimedOut",
                   {"timeoutType": "START_TO_CLOSE", "childPolicy": self.child_policy})

    # -- closing -------------------------------------------------------------------------------

    def close(self, event_type: str, attributes: dict[str, Any]) -> None:
        """Write the close event, then let go of everything the run still holds."""
        if not self.open:
            return
        self.record(event_type, attributes)
        world = self.world
        self.open = False
        self.close_status = CLOSE_EVENTS[event_type]
        self.closed_at = world.now()
        for deadline in self._deadlines:
            deadline.cancel()
        self._deadlines.clear()
        if world.open_runs.get((self.domain, self.workflow_id)) is self:
            del world.open_runs[(self.domain, self.workflow_id)]
        world.run_closed(self)
        # [DOC] The child policy applies when a run is terminated or times out; a terminate
        # call may name another policy than the run's. A run its decider closes (completed,
        # failed, canceled, continued as new) leaves its children running.
        if event_type in CHILD_POLICY_CLOSES:
            for child in list(self.children.values()):
                apply_child_policy(child.run, attributes["childPolicy"])
        if self.parent is not None and self.close_status in CHILD_CLOSE_EVENTS:
            self._tell_parent(attributes)

    def _tell_parent(self, close_attributes: dict[str, Any]) -> None:
        parent = self.parent
        child = next((c for c in parent.children.values() if c.run is self), None)
        if child is None:
            return
        del parent.children[child.initiated_event_id]
        event_type, carried = CHILD_CLOSE_EVENTS[self.close_status]
        attributes = {"workflowExecution": self.execution, "workflowType": self.workflow_type,
                      "initiatedEventId": child.initiated_event_id,
                      "startedEventId": child.started_event_id}
        for key in carried:
            if key in close_attributes:
                attributes[key] = close_attributes[key]
        parent.record(event_type, attributes)


def apply_child_policy(child: Execution | None, policy: str) -> None:
    """What happens to an open child when its parent is terminated or times out."""
    if child is None or not child.open:
        return
    if policy == "TERMINATE":
        child.close("WorkflowExecutionTerminated",
                    {"childPolicy": child.child_policy, "cause": "CHILD_POLICY_APPLIED"})
    elif policy == "REQUEST_CANCEL":
        child.request_cancel(cause="CHILD_POLICY_APPLIED")


def start_execution(world: World, domain: str, workflow_id: str, workflow_type: dict[str, str],
                    config: dict[str, Any], *, workflow_input: str | None = None,
                    tag_list: list[str] | None = None, run_id: str | None = None,
                    parent: Execution | None = None, parent_initiated_event_id: int = 0,
                    continued_from: str | None = None) -> Execution:
    """Create a run: WorkflowExecutionStarted, its first decision task, its own timeout."""
    run = Execution(world, domain, workflow_id, workflow_type, config, run_id=run_id,
                    tag_list=tag_list, parent=parent,
                    parent_initiated_event_id=parent_initiated_event_id)
    world.add_run(run)
    attributes: dict[str, Any] = {
        "workflowType": workflow_type, "taskList": config["taskList"],
        "executionStartToCloseTimeout": config["executionStartToCloseTimeout"],
        "taskStartToCloseTimeout": config["taskStartToCloseTimeout"],
        "childPolicy": config["childPolicy"]}
    for key in ("taskPriority", "lambdaRole"):
        if key in config:
            attributes[key] = config[key]
    if workflow_input is not None:
        attributes["input"] = workflow_input
    if tag_list is not None:
        attributes["tagList"] = tag_list
    if continued_from is not None:
        attributes["continuedExecutionRunId"] = continued_from
    if parent is not None:
        attributes["parentWorkflowExecution"] = parent.execution
    attributes["parentInitiatedEventId"] = parent_initiated_event_id
    run.after(config["executionStartToCloseTimeout"], run.time_out)
    run.record("WorkflowExecutionStarted", attributes)
    return run
