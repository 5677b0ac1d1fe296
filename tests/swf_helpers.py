"""What the tests do again and again with SWF: register a domain and its types, start an
execution, answer a decision task, read a history; wait for a condition with a deadline (never
a bare sleep); and call a served simulator in process, on clocks the test moves.

The SWF functions take any boto3-shaped client (the simulator's, moto's, a `garcon-sim serve`
one's, or `ServedClient`), and what differs from test to test as arguments.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from botocore import xform_name

from garcon_sim.server.served import ServedService
from garcon_sim.validation import swf_model

WORKFLOW_DEFAULTS = {"defaultChildPolicy": "TERMINATE", "defaultTaskStartToCloseTimeout": "600",
                     "defaultExecutionStartToCloseTimeout": "3600"}
ACTIVITY_DEFAULTS = {"defaultTaskHeartbeatTimeout": "NONE",
                     "defaultTaskScheduleToStartTimeout": "NONE",
                     "defaultTaskStartToCloseTimeout": "600",
                     "defaultTaskScheduleToCloseTimeout": "NONE"}


def wait_until(condition: Callable[[], Any], timeout: float = 60.0, what: str = "the condition",
               every: float = 0.05) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def register(swf: Any, domain: str, workflow_type: dict[str, str], *,
             activity_types: tuple[dict[str, str], ...] = (), retention: str = "1",
             decisions: str = "deciders", activities: str = "workers",
             workflow_defaults: dict[str, str] | None = None,
             activity_defaults: dict[str, str] | None = None) -> None:
    """The domain, the workflow type (its decision tasks on `decisions`) and the activity
    types (their tasks on `activities`); defaults override WORKFLOW_DEFAULTS and
    ACTIVITY_DEFAULTS."""
    swf.register_domain(name=domain, workflowExecutionRetentionPeriodInDays=retention)
    swf.register_workflow_type(domain=domain, **workflow_type,
                               defaultTaskList={"name": decisions},
                               **{**WORKFLOW_DEFAULTS, **(workflow_defaults or {})})
    for activity_type in activity_types:
        swf.register_activity_type(domain=domain, **activity_type,
                                   defaultTaskList={"name": activities},
                                   **{**ACTIVITY_DEFAULTS, **(activity_defaults or {})})


def start(swf: Any, domain: str, workflow_id: str, workflow_type: dict[str, str],
          **options: Any) -> dict[str, str]:
    """A new execution (`options`: input, tagList, ...): its workflowId and runId."""
    run_id = swf.start_workflow_execution(domain=domain, workflowId=workflow_id,
                                          workflowType=workflow_type, **options)["runId"]
    return {"workflowId": workflow_id, "runId": run_id}


def decide(swf: Any, domain: str, *decisions: dict[str, Any], task_list: str = "deciders",
           **options: Any) -> dict[str, Any]:
    """Take a decision task and answer it with `decisions`: the task."""
    task = swf.poll_for_decision_task(domain=domain, taskList={"name": task_list})
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=list(decisions),
                                        **options)
    return task


def schedule(activity_type: dict[str, str], activity_id: str, **attributes: Any
             ) -> dict[str, Any]:
    """A ScheduleActivityTask decision."""
    return {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
        "activityType": activity_type, "activityId": activity_id, **attributes}}


def registered(swf: Any, domain: str, workflow_type: dict[str, str]) -> bool:
    """Whether the workflow type is registered (a worker registers it as it starts)."""
    try:
        swf.describe_workflow_type(domain=domain, workflowType=workflow_type)
        return True
    except swf.exceptions.UnknownResourceFault:
        return False


def history(swf: Any, domain: str, execution: dict[str, str]) -> list[dict]:
    """Every event of an execution, page after page."""
    events, more = [], {}
    while True:
        page = swf.get_workflow_execution_history(domain=domain, execution=execution, **more)
        events += page["events"]
        if "nextPageToken" not in page:
            return events
        more = {"nextPageToken": page["nextPageToken"]}


def closed(swf: Any, domain: str, execution: dict[str, str]) -> str | None:
    """The close status, once the execution has closed."""
    info = swf.describe_workflow_execution(domain=domain, execution=execution)["executionInfo"]
    return info.get("closeStatus")


# The served simulator, in process.

class Clocks:
    """A wall clock and a monotonic clock that move only when the test says."""

    def __init__(self, wall: float = 1_800_000_000.0) -> None:
        self.wall_seconds = wall
        self.monotonic_seconds = 100.0

    def wall(self) -> float:
        return self.wall_seconds

    def monotonic(self) -> float:
        return self.monotonic_seconds

    def pass_(self, seconds: float) -> None:
        self.wall_seconds += seconds
        self.monotonic_seconds += seconds


def open_served(path: Any, clocks: Clocks, **options: Any) -> ServedService:
    """A served service on the test's clocks, journaled at `path` (None: in memory)."""
    return ServedService.open(db=path, wall=clocks.wall, monotonic=clocks.monotonic, **options)


def call(served: ServedService, operation: str, **params: Any) -> dict[str, Any]:
    """One call through the served service, as the HTTP edge makes it (the request's JSON as
    its raw body); an error answer raises AssertionError with it."""
    answer = served.call(operation, params, json.dumps(params).encode())
    assert answer.status == 200, answer.body
    return answer.body


class ServedClient:
    """The served service in the shape of a boto3 client (`register_domain(...)`), for the
    functions above: every method is `call`."""

    _operations = {xform_name(name): name for name in swf_model().operation_names}

    def __init__(self, served: ServedService) -> None:
        self.served = served

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        operation = self._operations.get(method)
        if operation is None:
            raise AttributeError(method)
        return lambda **params: call(self.served, operation, **params)
