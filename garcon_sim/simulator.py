"""The simulator as its users hold it: a virtual clock, clients, and two test-harness hooks."""
from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from botocore.client import BaseClient

from garcon.limits import SWF_LIMITS, SWFLimits

from .clients import DirectClient, RequestIds, wire_client
from .clock import DEFAULT_START, VirtualClock, from_millis
from .model import ActivityTask
from .service import SWFService
from .validation import swf_model

TIMEOUT_KEYS = ("scheduleToStartTimeout", "scheduleToCloseTimeout", "startToCloseTimeout",
                "heartbeatTimeout")


@dataclass(frozen=True)
class ActivityTaskView(Mapping[str, Any]):
    """A read-only look at a scheduled activity task, for `hold_activity_tasks` predicates.

    Read it as attributes (`view.activityId`) or as a mapping (`view["activityId"]`).
    """

    domain: str
    taskList: str
    activityId: str
    activityType: Mapping[str, str]
    input: str | None
    workflowId: str
    runId: str
    scheduledEventId: int
    timeouts: Mapping[str, str]
    """The four timeouts it was scheduled with (`scheduleToStartTimeout`,
    `scheduleToCloseTimeout`, `startToCloseTimeout`, `heartbeatTimeout`), as SWF writes them
    ("NONE" for none)."""
    scheduledAt: datetime
    """When it was scheduled: its ActivityTaskScheduled event's timestamp."""

    @classmethod
    def of(cls, task: ActivityTask) -> ActivityTaskView:
        attributes, run = task.attributes, task.run
        return cls(run.domain, attributes["taskList"]["name"], task.activity_id,
                   dict(attributes["activityType"]), attributes.get("input"), run.workflow_id,
                   run.run_id, task.scheduled_event_id,
                   {key: attributes[key] for key in TIMEOUT_KEYS if key in attributes},
                   run.events[task.scheduled_event_id - 1]["eventTimestamp"])

    def __getitem__(self, key: str) -> Any:
        if key not in _VIEW_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(_VIEW_KEYS)

    def __len__(self) -> int:
        return len(_VIEW_KEYS)


_VIEW_KEYS = tuple(f.name for f in fields(ActivityTaskView))


class Simulator:
    """A deterministic Amazon SWF service on a virtual clock.

    Same seed, same start time, same calls: byte-identical histories. Nothing reads the wall
    clock; time moves only through `clock.advance` / `clock.advance_to`, and every timeout or
    timer falling due on the way is applied at its own instant, in due order.
    """

    def __init__(self, seed: int = 0, start_time: datetime = DEFAULT_START,
                 limits: SWFLimits = SWF_LIMITS, *, estimate_request_size: bool = True) -> None:
        """`estimate_request_size=False` is for a shell that measures the bytes of each
        request itself (`garcon-sim serve`): the service then leaves SWF's 1 MB to it."""
        self.limits = limits
        self.clock = VirtualClock(start_time)
        self.service = SWFService(self.clock, limits, random.Random(seed),
                                  estimate_request_size=estimate_request_size)
        self.clock.drive_with(self.service.world.run_until)
        self._request_ids = RequestIds()
        self._one_call_at_a_time = threading.Lock()
        """Held while the service answers a call of any of this simulator's clients."""

    def client(self) -> BaseClient:
        """A genuine boto3 swf client answered in-process (no network, no credentials)."""
        return wire_client(self.service, self._request_ids, self._one_call_at_a_time)

    def direct_client(self) -> DirectClient:
        """The same API without serialisation: same answers and errors, much faster."""
        return DirectClient(self.service, self._request_ids, self._one_call_at_a_time)

    def next_deadline(self) -> datetime | None:
        """When the earliest pending timeout or timer falls due, across all executions."""
        due = self.service.world.deadlines.next_due()
        return None if due is None else from_millis(due)

    def is_open(self, domain: str, workflow_id: str, run_id: str) -> bool:
        """Whether that execution is open: DescribeWorkflowExecution's status, without a call."""
        run = self.service.world.runs.get((domain, workflow_id, run_id))
        return run is not None and run.open

    def throttle(self, operation: str, times: int = 1) -> None:
        """Make the next `times` calls of an operation (e.g. "PollForActivityTask") fail with
        ThrottlingException, through either client."""
        if operation not in swf_model().operation_names:
            raise ValueError(f"{operation!r} is not an SWF operation")
        throttles = self.service.throttles
        throttles[operation] = throttles.get(operation, 0) + times

    def hold_activity_tasks(self,
                            predicate: Callable[[ActivityTaskView], bool] | None) -> None:
        """Keep scheduled activity tasks for which `predicate(view)` is true from pollers, as
        if no worker for them were running (their timeouts still run); None lets all go."""
        world = self.service.world
        world.hold = None if predicate is None else (
            lambda task: bool(predicate(ActivityTaskView.of(task))))
