"""Amazon SWF's quotas, in one table read by the runtime, the simulator and the budget.

Figures come from the SWF quotas page and botocore's service model for swf (2012-01-25).
`SWFLimits` is a frozen dataclass so a test can run the runtime and the simulator together
under smaller limits (say a 500-event history) and reach them in milliseconds; production code
uses `SWF_LIMITS`, the service's own values.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SWFLimits:
    # One workflow execution.
    history_events: int = 25_000
    """Hard quota: SWF terminates the execution with cause EVENT_LIMIT_EXCEEDED past it."""
    recommended_history_events: int = 10_000
    """AWS's advice for a healthy history."""
    open_activities: int = 1_000
    open_timers: int = 1_000
    open_children: int = 1_000

    # Field sizes, in characters (botocore shapes Data, LimitedData, FailureReason, ...).
    data: int = 32_768
    """input, result, details, control, executionContext, signal input, marker details."""
    heartbeat_details: int = 2_048
    reason: int = 256
    identifier: int = 256
    """workflowId, activityId, timerId, markerName, signalName, names of domains, types, lists."""
    identity: int = 256
    description: int = 1_024
    version: int = 64
    run_id: int = 64
    task_token: int = 1_024
    page_token: int = 2_048
    duration: int = 8
    """Durations are strings of at most 8 characters ("NONE" or whole seconds)."""
    tags: int = 5
    tag: int = 256

    # Requests.
    request_bytes: int = 1_048_576
    """One API request, headers included: bounds a RespondDecisionTaskCompleted."""
    page_size: int = 1_000
    """maximumPageSize bound; also the page size when a call leaves it out or sends 0."""
    pollers_per_task_list: int = 1_000
    """Long polls waiting on one task list at once; past it a poll gets LimitExceededFault."""

    # Time.
    longest_timeout_seconds: int = 31_536_000
    """One year: the ceiling of every timeout, including "NONE"."""
    retention_days: int = 90


SWF_LIMITS = SWFLimits()

REQUEST_HEADER_BYTES = 1_024
"""What a request's headers add to its JSON body, for a size worked out from its parameters
alone: botocore sends some 700 bytes (target, content type, user agent, date, SigV4
authorization, invocation id, length, host)."""

FORBIDDEN_ID_CHARACTERS = frozenset(":/|") | frozenset(
    chr(code) for code in (*range(0x00, 0x20), *range(0x7F, 0xA0)))
"""Characters that SWF refuses in ids and names; the literal string "arn" is refused too."""


def invalid_identifier(value: str) -> str | None:
    """Why SWF would refuse `value` as an id or a name, or None when it is valid."""
    if value == "arn":
        return 'must not be the literal string "arn"'
    for character in value:
        if character in FORBIDDEN_ID_CHARACTERS:
            return f"must not contain {character!r}"
    return None
