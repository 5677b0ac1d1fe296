"""What the visibility calls show: execution infos, descriptions, listing filters, history pages.

Closed runs stay visible for their domain's retention period (0 or NONE: only until the clock
moves past their close), then they are unknown, as in SWF.
"""
from __future__ import annotations

from typing import Any

from .clock import seconds_to_millis, to_millis
from .errors import ValidationException
from .execution import Execution
from .world import World

KEY_FILTERS = ("executionFilter", "typeFilter", "tagFilter", "closeStatusFilter")


def expired(world: World, run: Execution) -> bool:
    """Whether a closed run's retention is over (the world forgets it as the clock moves on)."""
    return not run.open and world.clock.millis > world.visible_until(run)


def execution_info(run: Execution) -> dict[str, Any]:
    info: dict[str, Any] = {
        "execution": run.execution, "workflowType": run.workflow_type,
        "startTimestamp": run.started_at,
        "executionStatus": "OPEN" if run.open else "CLOSED",
        # Recorded: cancelRequested reads false once the run is closed, even when a cancel
        # was requested (swf-histories/cancel_requested.json, DescribeWorkflowExecution).
        "cancelRequested": run.cancel_requested and run.open,
    }
    if not run.open:
        info["closeTimestamp"] = run.closed_at
        info["closeStatus"] = run.close_status
    if run.parent is not None:
        info["parent"] = run.parent.execution
    if run.tag_list is not None:
        info["tagList"] = run.tag_list
    return info


def describe(run: Execution) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "executionInfo": execution_info(run),
        "executionConfiguration": dict(run.config),
        # Recorded: a run closed with an activity still started keeps counting it as open
        # (swf-histories/cancel_requested.json), so the counts are not reset on close.
        "openCounts": {
            "openActivityTasks": len(run.activities),
            "openDecisionTasks": int(run.open and (run.scheduled_decision is not None
                                                   or run.started_decision is not None)),
            "openTimers": len(run.timers),
            "openChildWorkflowExecutions": sum(1 for c in run.children.values()
                                               if c.run is not None and c.run.open),
            "openLambdaFunctions": 0,
        },
    }
    if run.latest_activity_at is not None:
        answer["latestActivityTaskTimestamp"] = run.latest_activity_at
    if run.latest_context is not None:
        answer["latestExecutionContext"] = run.latest_context
    return answer


def _in_window(instant: Any, window: dict[str, Any]) -> bool:
    moment = to_millis(instant)
    if moment < seconds_to_millis(window["oldestDate"]):
        return False
    return "latestDate" not in window or moment <= seconds_to_millis(window["latestDate"])


def matching_runs(world: World, domain: str, params: dict[str, Any],
                  closed: bool) -> list[Execution]:
    """The runs a List/Count call selects, newest first (oldest first with reverseOrder)."""
    given = [name for name in KEY_FILTERS if params.get(name) is not None]
    if len(given) > 1:
        raise ValidationException(
            f"Only one of {', '.join(given)} can be given: they are mutually exclusive")
    windows = [name for name in ("startTimeFilter", "closeTimeFilter") if name in params]
    if len(windows) != 1:
        raise ValidationException("Exactly one of startTimeFilter and closeTimeFilter must "
                                  "be given")
    by_close = windows[0] == "closeTimeFilter"
    window = params[windows[0]]
    execution_filter = params.get("executionFilter")
    type_filter = params.get("typeFilter")
    tag_filter = params.get("tagFilter")
    status_filter = params.get("closeStatusFilter")
    runs = []
    for run in world.domain_runs.get(domain, {}).values():
        if run.open == closed or expired(world, run):
            continue
        if not _in_window(run.closed_at if by_close else run.started_at, window):
            continue
        if execution_filter and run.workflow_id != execution_filter["workflowId"]:
            continue
        if type_filter and (run.workflow_type["name"] != type_filter["name"] or (
                type_filter.get("version") is not None
                and run.workflow_type["version"] != type_filter["version"])):
            continue
        if tag_filter and tag_filter["tag"] not in (run.tag_list or ()):
            continue
        if status_filter and run.close_status != status_filter["status"]:
            continue
        runs.append(run)
    runs.sort(key=lambda r: ((r.closed_at if by_close else r.started_at), r.order),
              reverse=not params.get("reverseOrder"))
    return runs


def events_page(events: list[dict[str, Any]], start: int, end: int, position: int, size: int,
                reverse: bool) -> tuple[list[dict[str, Any]], int | None]:
    """Events `start..end` (list indexes), page `position` onwards; the next position or None."""
    if reverse:
        high = end - position
        page = events[max(start, high - size):high][::-1]
    else:
        low = start + position
        page = events[low:min(end, low + size)]
    following = position + size
    return page, (following if following < end - start else None)
