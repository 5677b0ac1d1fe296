"""Records: what the service remembers about domains, types and tasks.

Plain data with no behaviour; `execution.py` and `activities.py` change them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .deadlines import Deadline
    from .execution import Execution

REGISTERED = "REGISTERED"
DEPRECATED = "DEPRECATED"


@dataclass(slots=True)
class Domain:
    name: str
    retention_days: str
    description: str | None = None
    status: str = REGISTERED
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class TypeRecord:
    """A registered activity or workflow type; `defaults` holds its wire-named default fields."""

    kind: str
    domain: str
    name: str
    version: str
    created: datetime
    defaults: dict[str, Any]
    description: str | None = None
    status: str = REGISTERED
    deprecated: datetime | None = None

    def ref(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}


@dataclass(slots=True, eq=False)
class DecisionTask:
    run: Execution
    scheduled_event_id: int
    task_list: str
    start_to_close: str
    started_event_id: int = 0
    queued: bool = False
    token: str | None = None
    deadline: Deadline | None = None
    """Its start-to-close deadline once started; before that, its schedule-to-start one."""


SCHEDULED, STARTED, CLOSED = "SCHEDULED", "STARTED", "CLOSED"


@dataclass(slots=True, eq=False)
class ActivityTask:
    """One scheduled activity; `attributes` are the resolved ActivityTaskScheduled attributes."""

    run: Execution
    activity_id: str
    attributes: dict[str, Any]
    scheduled_event_id: int
    state: str = SCHEDULED
    started_event_id: int = 0
    token: str | None = None
    heartbeat_details: str | None = None
    cancel_requested_event_id: int = 0
    deadlines: dict[str, Deadline] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Timer:
    timer_id: str
    started_event_id: int
    deadline: Deadline


@dataclass(slots=True, eq=False)
class Child:
    """A child execution as its parent sees it."""

    workflow_id: str
    workflow_type: dict[str, str]
    initiated_event_id: int
    started_event_id: int = 0
    run: Execution | None = None
