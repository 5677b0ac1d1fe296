"""garcon 1.1.1's execution context: a view of the one fold of a history (`garcon.history`)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from garcon.history import HistoryState
from garcon.log import EXECUTION_KEYS


class ExecutionContext:
    """What a history tells the activities: `current`, the workflow input then every
    completed activity's result merged in event order, with the execution keys once
    `set_workflow_execution_info` gave them; `workflow_input`, the input alone."""

    def __init__(self, events: Iterable[dict] | None = None, *,
                 fold: HistoryState | None = None):
        """The context of `events` (in any order), or of `fold`, read as it grows."""
        self._fold = fold if fold is not None else HistoryState.fold(
            in_order(events or ()), whole=False)
        self._execution: dict[str, Any] = {}

    @property
    def current(self) -> dict:
        return {**self._fold.context, **self._execution}

    @property
    def workflow_input(self) -> Any:
        return self._fold.input if self._fold.input is not None else {}

    @property
    def execution(self) -> dict | None:
        """The execution, as the decider takes it (`{"domain", "workflowId", "runId"}`), once
        `set_workflow_execution_info` gave it."""
        if not self._execution:
            return None
        domain, workflow_id, run_id = (self._execution[key] for key in EXECUTION_KEYS)
        return {"domain": domain, "workflowId": workflow_id, "runId": run_id}

    def add(self, event: dict) -> None:
        """Fold one more event (events come in eventId order)."""
        self._fold.apply(event)

    def set_workflow_execution_info(self, execution_info: dict, domain: str) -> None:
        """Add the execution keys from a decision task (its `workflowExecution`)."""
        execution = execution_info.get("workflowExecution") or {}
        if "workflowId" in execution and "runId" in execution:
            self._execution = dict(zip(EXECUTION_KEYS, (
                domain, execution["workflowId"], execution["runId"]), strict=True))


def in_order(events: Iterable[dict]) -> list[dict]:
    """The events by eventId: garcon's views take them in any order."""
    return sorted(events, key=lambda event: event["eventId"])
