"""Activity tasks and timers of a run: scheduling, starting, closing and their timeouts.

The four activity timeouts are data (`ACTIVITY_TIMEOUTS`): which attribute holds the duration
and whether its clock starts when the task is scheduled or when a worker starts it. Heartbeats
restart the HEARTBEAT clock only. Every way an activity ends goes through `close_activity`,
which drops its deadlines and makes its token unknown. A "NONE" timeout sets no deadline: the
run's own start-to-close timeout, at most a year, bounds it anyway.

`latest_activity_at` (DescribeWorkflowExecution's latestActivityTaskTimestamp) moves on every
activity event, not only on scheduling as the API reference says: the recordings show it at
an ActivityTaskStarted (swf-histories/cancel_requested.json, unrequested_signal.json) and at
an ActivityTaskCompleted or ActivityTaskFailed (chain_send_result.json,
failing_activity_output.json).
"""
from __future__ import annotations

from typing import Any

from .execution import Execution
from .model import CLOSED, STARTED, ActivityTask, Timer

ACTIVITY_TIMEOUTS = (
    # (timeout type, attribute holding the duration, the clock starts when the task is ...)
    ("SCHEDULE_TO_START", "scheduleToStartTimeout", "scheduled"),
    ("SCHEDULE_TO_CLOSE", "scheduleToCloseTimeout", "scheduled"),
    ("START_TO_CLOSE", "startToCloseTimeout", "started"),
    ("HEARTBEAT", "heartbeatTimeout", "started"),
)


def _arm(task: ActivityTask, moment: str) -> None:
    for timeout_type, key, starts in ACTIVITY_TIMEOUTS:
        if starts == moment:
            _arm_one(task, timeout_type, key)


def _arm_one(task: ActivityTask, timeout_type: str, key: str) -> None:
    deadline = task.run.after(task.attributes[key],
                              lambda: time_out_activity(task, timeout_type))
    if deadline is not None:
        task.deadlines[timeout_type] = deadline


def schedule_activity(run: Execution, attributes: dict[str, Any]) -> None:
    """Record ActivityTaskScheduled (attributes already resolved) and queue the task."""
    event_id = run.record("ActivityTaskScheduled", attributes)
    if not event_id:
        return
    task = ActivityTask(run, attributes["activityId"], attributes, event_id)
    run.activities[task.activity_id] = task
    run.latest_activity_at = run.world.now()
    _arm(task, "scheduled")
    run.world.activity_queues.push((run.domain, attributes["taskList"]["name"]), task,
                                   int(attributes.get("taskPriority", 0)))


def start_activity(task: ActivityTask, identity: str | None) -> bool:
    run = task.run
    attributes: dict[str, Any] = {"scheduledEventId": task.scheduled_event_id}
    if identity is not None:
        attributes["identity"] = identity
    event_id = run.record("ActivityTaskStarted", attributes)
    if not event_id:
        return False
    task.state = STARTED
    task.started_event_id = event_id
    task.token = run.world.issue_token(task)
    run.latest_activity_at = run.world.now()
    schedule_to_start = task.deadlines.pop("SCHEDULE_TO_START", None)
    if schedule_to_start is not None:
        schedule_to_start.cancel()
    _arm(task, "started")
    return True


def heartbeat(task: ActivityTask, details: str | None) -> bool:
    """Restart the heartbeat clock; answer whether cancellation was requested."""
    if details is not None:
        task.heartbeat_details = details
    previous = task.deadlines.pop("HEARTBEAT", None)
    if previous is not None:
        previous.cancel()
        _arm_one(task, "HEARTBEAT", "heartbeatTimeout")
    return task.cancel_requested_event_id != 0


def close_activity(task: ActivityTask, event_type: str, attributes: dict[str, Any]) -> None:
    """End an activity with its close event (completed, failed, canceled or timed out)."""
    run = task.run
    task.state = CLOSED
    for deadline in task.deadlines.values():
        deadline.cancel()
    task.deadlines.clear()
    del run.activities[task.activity_id]
    attributes["scheduledEventId"] = task.scheduled_event_id
    attributes["startedEventId"] = task.started_event_id
    run.latest_activity_at = run.world.now()
    run.record(event_type, attributes)


def time_out_activity(task: ActivityTask, timeout_type: str) -> None:
    attributes: dict[str, Any] = {"timeoutType": timeout_type}
    if timeout_type == "HEARTBEAT" and task.heartbeat_details is not None:
        attributes["details"] = task.heartbeat_details
    close_activity(task, "ActivityTaskTimedOut", attributes)


def request_cancel_activity(task: ActivityTask, decision_event_id: int) -> None:
    """ActivityTaskCancelRequested; a task no worker has started is canceled at once [INF]."""
    event_id = task.run.record("ActivityTaskCancelRequested",
                               {"activityId": task.activity_id,
                                "decisionTaskCompletedEventId": decision_event_id})
    task.cancel_requested_event_id = event_id
    if event_id and task.state != STARTED:
        close_activity(task, "ActivityTaskCanceled",
                       {"latestCancelRequestedEventId": event_id})


def start_timer(run: Execution, timer_id: str, attributes: dict[str, Any]) -> None:
    event_id = run.record("TimerStarted", attributes)
    if event_id:
        deadline = run.after(attributes["startToFireTimeout"], lambda: fire_timer(run, timer_id))
        run.timers[timer_id] = Timer(timer_id, event_id, deadline)


def fire_timer(run: Execution, timer_id: str) -> None:
    timer = run.timers.pop(timer_id)
    run.record("TimerFired", {"timerId": timer_id, "startedEventId": timer.started_event_id})


def cancel_timer(run: Execution, timer_id: str, decision_event_id: int) -> None:
    timer = run.timers.pop(timer_id)
    timer.deadline.cancel()
    run.record("TimerCanceled", {"timerId": timer_id, "startedEventId": timer.started_event_id,
                                 "decisionTaskCompletedEventId": decision_event_id})
