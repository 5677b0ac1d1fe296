"""The SWF API surface: one method per operation, wire-shaped dicts in and out.

Theory of operation
-------------------
`SWFService.call(operation, params)` is the only entrance. It answers a throttled operation
with ThrottlingException and validates the request as SWF does (`validation.py`: every broken
constraint, one ValidationException, nothing changed). Then the operation's method finds what
the request names (domain, type, run, or task by token) and hands the work to the state
machines: `registry.py` for domains and types, `execution.py` for runs and decision tasks,
`activities.py` for activities and timers, `decisions.py` for a decider's response,
`visibility.py` for what the read-only calls show. Deadlines that fell due during the call (a
0-second timer) are applied before it returns; as the clock applies them too whenever it
moves, nothing is ever due when a call comes in. Nothing here reads the wall clock, sleeps or
draws randomness other than the world's seeded ids.

Parameters and answers use SWF's JSON names; timestamps are aware datetimes inside, and the
clients turn them into what boto3 returns. Left out: throttling buckets (only the `throttle`
hook raises ThrottlingException), IAM (OperationNotPermittedFault never happens), Lambda tasks
(ScheduleLambdaFunction always fails) and the open executions quota per domain.
"""
from __future__ import annotations

import random
from typing import Any

from botocore import xform_name

from garcon.limits import SWFLimits

from .activities import close_activity, heartbeat, start_activity
from .clock import VirtualClock
from .decisions import apply_decisions, check_decisions
from .errors import (
    DefaultUndefinedFault,
    ThrottlingException,
    TypeDeprecatedFault,
    UnknownResourceFault,
    ValidationException,
    WorkflowExecutionAlreadyStartedFault,
    unknown_execution,
)
from .execution import Execution, start_execution
from .model import DEPRECATED, STARTED, ActivityTask, DecisionTask
from .registry import WORKFLOW_DEFAULTS, Registry, resolve_defaults
from .validation import RequestValidator, swf_model
from .visibility import describe, events_page, execution_info, expired, matching_runs
from .world import ForgottenRun, World

Params = dict[str, Any]

EMPTY_DECISION_TASK = {"previousStartedEventId": 0, "startedEventId": 0}
EMPTY_ACTIVITY_TASK = {"startedEventId": 0}
"""What SWF answers when no task came within the long poll: no taskToken key at all."""


class SWFService:
    def __init__(self, clock: VirtualClock, limits: SWFLimits, rng: random.Random, *,
                 estimate_request_size: bool = True) -> None:
        self.world = World(clock, limits, rng)
        self.registry = Registry(self.world)
        self.validator = RequestValidator(limits, estimate_size=estimate_request_size)
        self.throttles: dict[str, int] = {}
        self._operations = {name: getattr(self, xform_name(name))
                            for name in swf_model().operation_names}

    def call(self, operation: str, params: Params) -> dict[str, Any]:
        """Answer one API call, or raise the SWFFault the service would answer."""
        world = self.world
        if self.throttles.get(operation):
            self.throttles[operation] -= 1
            raise ThrottlingException("Rate exceeded")
        handler = self._operations.get(operation)
        if handler is None:
            raise ValidationException(f"Unknown operation {operation}")
        self.validator.validate(operation, params)
        answer = handler(params)
        world.run_until(world.clock.millis)
        return answer

    # -- lookups -------------------------------------------------------------------------------

    def _run(self, domain: str, execution: dict[str, str]) -> Execution:
        """A run, open or closed (within retention), named by workflowId and runId."""
        self.registry.domain(domain)
        run = self.world.runs.get((domain, execution["workflowId"], execution["runId"]))
        if run is None or expired(self.world, run):
            raise unknown_execution(execution["workflowId"], execution["runId"])
        return run

    def _open_run(self, params: Params) -> Execution:
        """The open run a Signal, RequestCancel or Terminate call names (runId optional)."""
        domain = self.registry.domain(params["domain"]).name
        workflow_id, run_id = params["workflowId"], params.get("runId")
        run = self.world.open_runs.get((domain, workflow_id))
        if run is None or (run_id and run.run_id != run_id):
            raise unknown_execution(workflow_id, run_id)
        return run

    def _task(self, token: str) -> DecisionTask | ActivityTask:
        task = self.world.tokens.get(token)
        if task is None:
            raise ValidationException("Invalid token")
        if isinstance(task, ForgottenRun):
            raise unknown_execution(task.workflow_id, task.run_id)
        if not task.run.open:
            raise unknown_execution(task.run.workflow_id, task.run.run_id)
        return task

    def _decision_task(self, token: str) -> DecisionTask:
        task = self._task(token)
        if not isinstance(task, DecisionTask) or task.run.started_decision is not task:
            raise UnknownResourceFault(
                f"Unknown decision task, scheduledEventId = {task.scheduled_event_id}")
        return task

    def _activity_task(self, token: str) -> ActivityTask:
        task = self._task(token)
        if not isinstance(task, ActivityTask) or task.state != STARTED:
            raise UnknownResourceFault(
                f"Unknown activity, scheduledEventId = {task.scheduled_event_id}")
        return task

    # -- domains and types ---------------------------------------------------------------------

    def register_domain(self, p: Params) -> dict[str, Any]:
        return self.registry.register_domain(p)

    def describe_domain(self, p: Params) -> dict[str, Any]:
        return self.registry.describe_domain(p)

    def list_domains(self, p: Params) -> dict[str, Any]:
        return self.registry.list_domains(p)

    def deprecate_domain(self, p: Params) -> dict[str, Any]:
        return self.registry.deprecate_domain(p)

    def undeprecate_domain(self, p: Params) -> dict[str, Any]:
        return self.registry.undeprecate_domain(p)

    def tag_resource(self, p: Params) -> dict[str, Any]:
        return self.registry.tag_resource(p)

    def untag_resource(self, p: Params) -> dict[str, Any]:
        return self.registry.untag_resource(p)

    def list_tags_for_resource(self, p: Params) -> dict[str, Any]:
        return self.registry.list_tags_for_resource(p)

    def register_activity_type(self, p: Params) -> dict[str, Any]:
        return self.registry.register_type("activity", p)

    def register_workflow_type(self, p: Params) -> dict[str, Any]:
        return self.registry.register_type("workflow", p)

    def describe_activity_type(self, p: Params) -> dict[str, Any]:
        return self.registry.describe_type("activity", p)

    def describe_workflow_type(self, p: Params) -> dict[str, Any]:
        return self.registry.describe_type("workflow", p)

    def list_activity_types(self, p: Params) -> dict[str, Any]:
        return self.registry.list_types("activity", p)

    def list_workflow_types(self, p: Params) -> dict[str, Any]:
        return self.registry.list_types("workflow", p)

    def deprecate_activity_type(self, p: Params) -> dict[str, Any]:
        return self.registry.deprecate_type("activity", p)

    def deprecate_workflow_type(self, p: Params) -> dict[str, Any]:
        return self.registry.deprecate_type("workflow", p)

    def undeprecate_activity_type(self, p: Params) -> dict[str, Any]:
        return self.registry.undeprecate_type("activity", p)

    def undeprecate_workflow_type(self, p: Params) -> dict[str, Any]:
        return self.registry.undeprecate_type("workflow", p)

    def delete_activity_type(self, p: Params) -> dict[str, Any]:
        return self.registry.delete_type("activity", p)

    def delete_workflow_type(self, p: Params) -> dict[str, Any]:
        return self.registry.delete_type("workflow", p)

    # -- executions ----------------------------------------------------------------------------

    def start_workflow_execution(self, p: Params) -> dict[str, Any]:
        domain = self.registry.registered_domain(p["domain"]).name
        record = self.registry.type("workflow", domain, p["workflowType"])
        if record.status == DEPRECATED:
            raise TypeDeprecatedFault(
                f"WorkflowType=[name={record.name}, version={record.version}]")
        if (domain, p["workflowId"]) in self.world.open_runs:
            raise WorkflowExecutionAlreadyStartedFault(
                f"Workflow execution already started: {p['workflowId']}")
        config, missing = resolve_defaults(p, record, WORKFLOW_DEFAULTS)
        if missing is not None:
            raise DefaultUndefinedFault(missing[0])
        run = start_execution(self.world, domain, p["workflowId"], record.ref(), config,
                              workflow_input=p.get("input"), tag_list=p.get("tagList"))
        return {"runId": run.run_id}

    def describe_workflow_execution(self, p: Params) -> dict[str, Any]:
        return describe(self._run(p["domain"], p["execution"]))

    def get_workflow_execution_history(self, p: Params) -> dict[str, Any]:
        run = self._run(p["domain"], p["execution"])
        end = len(run.events)
        position = 0
        if p.get("nextPageToken"):
            cursor = self.world.take_page(p["nextPageToken"], "GetWorkflowExecutionHistory")
            if cursor.state[0] is not run:
                raise ValidationException("Invalid nextPageToken")
            position, end = cursor.position, cursor.state[1]
        page, following = events_page(run.events, 0, end, position,
                                      p.get("maximumPageSize") or self.world.limits.page_size,
                                      bool(p.get("reverseOrder")))
        answer: dict[str, Any] = {"events": page}
        if following is not None:
            answer["nextPageToken"] = self.world.issue_page("GetWorkflowExecutionHistory",
                                                            following, (run, end))
        return answer

    def list_open_workflow_executions(self, p: Params) -> dict[str, Any]:
        return self._list(p, closed=False)

    def list_closed_workflow_executions(self, p: Params) -> dict[str, Any]:
        return self._list(p, closed=True)

    def count_open_workflow_executions(self, p: Params) -> dict[str, Any]:
        return self._count(p, closed=False)

    def count_closed_workflow_executions(self, p: Params) -> dict[str, Any]:
        return self._count(p, closed=True)

    def _list(self, p: Params, closed: bool) -> dict[str, Any]:
        domain = self.registry.domain(p["domain"]).name
        infos = [execution_info(run) for run in matching_runs(self.world, domain, p, closed)]
        kind = "ListClosedWorkflowExecutions" if closed else "ListOpenWorkflowExecutions"
        return self.world.page(kind, infos, p, "executionInfos")

    def _count(self, p: Params, closed: bool) -> dict[str, Any]:
        domain = self.registry.domain(p["domain"]).name
        return {"count": len(matching_runs(self.world, domain, p, closed)), "truncated": False}

    def signal_workflow_execution(self, p: Params) -> dict[str, Any]:
        self._open_run(p).signal(p["signalName"], p.get("input"))
        return {}

    def request_cancel_workflow_execution(self, p: Params) -> dict[str, Any]:
        self._open_run(p).request_cancel()
        return {}

    def terminate_workflow_execution(self, p: Params) -> dict[str, Any]:
        run = self._open_run(p)
        # [DOC] `cause` is set only when SWF terminated the run by itself, so none here.
        attributes: dict[str, Any] = {"childPolicy": p.get("childPolicy") or run.child_policy}
        for key in ("reason", "details"):
            if p.get(key) is not None:
                attributes[key] = p[key]
        run.close("WorkflowExecutionTerminated", attributes)
        return {}

    # -- decision tasks ------------------------------------------------------------------------

    def poll_for_decision_task(self, p: Params) -> dict[str, Any]:
        domain = self.registry.domain(p["domain"]).name
        if p.get("nextPageToken"):
            cursor = self.world.take_page(p["nextPageToken"], "PollForDecisionTask")
            return self._decision_task_page(p, cursor.state, cursor.position)
        task = self.world.decision_queues.pop((domain, p["taskList"]["name"]),
                                              self.world.hold_decisions)
        if task is None:
            return dict(EMPTY_DECISION_TASK)
        run = task.run
        previous = run.previous_started_event_id
        if not run.start_decision_task(task, p.get("identity")):
            return dict(EMPTY_DECISION_TASK)
        start = previous - 1 if p.get("startAtPreviousStartedEvent") and previous else 0
        return self._decision_task_page(p, (task, previous, start), 0)

    def _decision_task_page(self, p: Params, state: tuple[DecisionTask, int, int],
                            position: int) -> dict[str, Any]:
        """One page of a decision task: its history up to its DecisionTaskStarted event."""
        task, previous, start = state
        run = task.run
        page, following = events_page(run.events, start, task.started_event_id, position,
                                      p.get("maximumPageSize") or self.world.limits.page_size,
                                      bool(p.get("reverseOrder")))
        answer: dict[str, Any] = {
            "taskToken": task.token, "startedEventId": task.started_event_id,
            "previousStartedEventId": previous, "workflowExecution": run.execution,
            "workflowType": run.workflow_type, "events": page}
        if following is not None:
            answer["nextPageToken"] = self.world.issue_page("PollForDecisionTask", following,
                                                            state)
        return answer

    def respond_decision_task_completed(self, p: Params) -> dict[str, Any]:
        task = self._decision_task(p["taskToken"])
        check_decisions(p.get("decisions") or [])
        apply_decisions(task.run, self.registry, task, p)
        return {}

    def count_pending_decision_tasks(self, p: Params) -> dict[str, Any]:
        domain = self.registry.domain(p["domain"]).name
        return {"count": self.world.decision_queues.count((domain, p["taskList"]["name"])),
                "truncated": False}

    # -- activity tasks ------------------------------------------------------------------------

    def poll_for_activity_task(self, p: Params) -> dict[str, Any]:
        domain = self.registry.domain(p["domain"]).name
        task = self.world.activity_queues.pop((domain, p["taskList"]["name"]), self.world.hold)
        if task is None or not start_activity(task, p.get("identity")):
            return dict(EMPTY_ACTIVITY_TASK)
        scheduled = task.attributes
        answer = {"taskToken": task.token, "activityId": task.activity_id,
                  "startedEventId": task.started_event_id,
                  "workflowExecution": task.run.execution,
                  "activityType": scheduled["activityType"]}
        if "input" in scheduled:
            answer["input"] = scheduled["input"]
        return answer

    def respond_activity_task_completed(self, p: Params) -> dict[str, Any]:
        return self._close_activity(p, "ActivityTaskCompleted", ("result",))

    def respond_activity_task_failed(self, p: Params) -> dict[str, Any]:
        return self._close_activity(p, "ActivityTaskFailed", ("reason", "details"))

    def respond_activity_task_canceled(self, p: Params) -> dict[str, Any]:
        return self._close_activity(p, "ActivityTaskCanceled", ("details",))

    def _close_activity(self, p: Params, event_type: str, keys: tuple[str, ...]
                        ) -> dict[str, Any]:
        task = self._activity_task(p["taskToken"])
        attributes = {key: p[key] for key in keys if p.get(key) is not None}
        if event_type == "ActivityTaskCanceled" and task.cancel_requested_event_id:
            attributes["latestCancelRequestedEventId"] = task.cancel_requested_event_id
        close_activity(task, event_type, attributes)
        return {}

    def record_activity_task_heartbeat(self, p: Params) -> dict[str, Any]:
        task = self._activity_task(p["taskToken"])
        return {"cancelRequested": heartbeat(task, p.get("details"))}

    def count_pending_activity_tasks(self, p: Params) -> dict[str, Any]:
        domain = self.registry.domain(p["domain"]).name
        return {"count": self.world.activity_queues.count((domain, p["taskList"]["name"])),
                "truncated": False}
