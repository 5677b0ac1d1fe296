"""What a generated flow should do under a fault plan, and what its history says it did.

The expectations are worked out from the flow's specs and the fault plan alone, not with the
runtime's code: an instance's values are the product of its generators' values (the specs
say which), and the faults that strike its attempts follow `garcon_sim.faults`' documented
rules (the activity by either name or None, `match` held by the input, the first `times`
attempts, the first fault that applies wins). The observations are read from the events.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from garcon_sim import faults
from garcon_sim.events import attributes_key
from garcon_sim.strategies import GeneratedFlow

CLOSE_TYPES = ("ActivityTaskCompleted", "ActivityTaskFailed", "ActivityTaskTimedOut",
               "ActivityTaskCanceled")
OUTCOMES = {"ActivityTaskCompleted": "completed", "ActivityTaskFailed": "failed",
            "ActivityTaskTimedOut": "timed out", "ActivityTaskCanceled": "canceled"}
_MISSING = object()


def key_of(activity: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """How an instance is known on both sides: its activity's short name and its values."""
    return activity, json.dumps(values, sort_keys=True)


# -- Expected -------------------------------------------------------------------------------

def strikes(fault: faults.Fault, names: tuple[str, str], values: Mapping[str, Any],
            attempt: int) -> bool:
    """Whether an attempt fault strikes attempt `attempt` (from 1) of the instance with these
    input values of the activity known by `names`."""
    if not isinstance(fault, faults.Fail | faults.TimeOut | faults.Crash):
        return False
    return ((fault.activity is None or fault.activity in names)
            and (fault.times is None or attempt <= fault.times)
            and all(values.get(key, _MISSING) == value
                    for key, value in (fault.match or {}).items()))


def first_fault(plan: Iterable[faults.Fault], names: tuple[str, str],
                values: Mapping[str, Any], attempt: int) -> faults.Fault | None:
    return next((f for f in plan if strikes(f, names, values, attempt)), None)


@dataclass(frozen=True)
class ExpectedInstance:
    activity: str
    retry: int
    values: dict
    faults: tuple[faults.Fault, ...]
    """The fault striking each attempt that does not complete, in order: at most retry + 1."""

    @property
    def exhausts_retries(self) -> bool:
        return len(self.faults) > self.retry

    @property
    def attempts(self) -> int:
        """How many times it is scheduled if the run goes on long enough."""
        return min(len(self.faults) + 1, self.retry + 1)


def expected_instances(flow: GeneratedFlow, plan: Iterable[faults.Fault]
                       ) -> dict[tuple[str, str], ExpectedInstance]:
    """Every instance of every activity of the flow, and the faults its attempts meet."""
    plan = list(plan)
    expected = {}
    for spec in flow.specs:
        names = (spec.name, f"{flow.name}_{spec.name}")
        for values in spec.instance_values():
            struck = []
            for attempt in range(1, spec.retry + 2):
                fault = first_fault(plan, names, values, attempt)
                if fault is None:
                    break
                struck.append(fault)
            expected[key_of(spec.name, values)] = ExpectedInstance(
                spec.name, spec.retry, values, tuple(struck))
    return expected


def expected_outcome(fault: faults.Fault) -> str:
    return "failed" if isinstance(fault, faults.Fail) else "timed out"


# -- Observed -------------------------------------------------------------------------------

@dataclass
class ObservedAttempt:
    scheduled: int
    closed: int = 0
    outcome: str = "open"
    timeout_type: str | None = None


@dataclass
class ObservedInstance:
    activity_id: str
    activity: str
    values: dict
    attempts: list[ObservedAttempt] = field(default_factory=list)

    @property
    def completed_at(self) -> int | None:
        """The event id of its completion, if it completed."""
        last = self.attempts[-1] if self.attempts else None
        return last.closed if last and last.outcome == "completed" else None


def observe(events: list[dict], flow_name: str) -> dict[tuple[str, str], ObservedInstance]:
    """The instances the history scheduled, keyed like the expected ones. Their values are
    their input but for the execution keys (a generated task reads its generator keys)."""
    by_id: dict[str, ObservedInstance] = {}
    attempts: dict[int, ObservedAttempt] = {}
    for event in events:
        kind = event["eventType"]
        if kind == "ActivityTaskScheduled":
            attributes = event["activityTaskScheduledEventAttributes"]
            payload = json.loads(attributes["input"])
            values = {k: v for k, v in payload.items() if not k.startswith("execution.")}
            instance = by_id.setdefault(attributes["activityId"], ObservedInstance(
                attributes["activityId"],
                attributes["activityType"]["name"].removeprefix(f"{flow_name}_"), values))
            attempt = attempts[event["eventId"]] = ObservedAttempt(event["eventId"])
            instance.attempts.append(attempt)
        elif kind in CLOSE_TYPES:
            attributes = event[attributes_key(kind)]
            attempt = attempts[attributes["scheduledEventId"]]
            attempt.closed = event["eventId"]
            attempt.outcome = OUTCOMES[kind]
            attempt.timeout_type = attributes.get("timeoutType")
    return {key_of(i.activity, i.values): i for i in by_id.values()}


def open_activity_peaks(events: list[dict]) -> tuple[int, dict[str, int]]:
    """The most activity tasks open at once, all together and per activity type."""
    open_now: dict[str, int] = {}
    type_of: dict[int, str] = {}
    peak, peaks = 0, {}
    for event in events:
        kind = event["eventType"]
        if kind == "ActivityTaskScheduled":
            name = event["activityTaskScheduledEventAttributes"]["activityType"]["name"]
            type_of[event["eventId"]] = name
            open_now[name] = open_now.get(name, 0) + 1
            peaks[name] = max(peaks.get(name, 0), open_now[name])
            peak = max(peak, sum(open_now.values()))
        elif kind in CLOSE_TYPES:
            attributes = event[attributes_key(kind)]
            open_now[type_of[attributes["scheduledEventId"]]] -= 1
    return peak, peaks
