"""The decider worker: poll a decision task, page through its history, decide, respond."""
from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from garcon.decider import DecisionReport, decide_with_report
from garcon.limits import SWF_LIMITS, SWFLimits
from garcon.log import worker_logger
from garcon.worker.client import flow_client, register_flow
from garcon.worker.polling import Poller, is_gone, report


class DeciderWorker:
    """Decides the flow's executions: `run()` answers one decision task (garcon's API); the
    `python -m garcon.worker` loop and the simulator harness call `poll` and `answer`."""

    def __init__(self, flow: Any, register: bool = True, *, client: Any = None,
                 limits: SWFLimits = SWF_LIMITS, logger: logging.Logger | None = None):
        self.flow = flow
        self.client = client if client is not None else flow_client(flow)
        self.domain = flow.domain
        self.task_list = flow.name
        self.limits = limits
        self.on_exception = getattr(flow, "on_exception", None)
        self.logger = logger or worker_logger()
        self._own_poller: Poller | None = None
        if register:
            register_flow(self.client, flow, self.logger)

    def run(self, identity: str | None = None) -> bool:
        """Poll once and answer the task if one came; errors are logged and reported to the
        flow's `on_exception`. Always True, so that `while worker.run(): pass` runs forever."""
        delay = self._poller(identity)()
        if delay:
            time.sleep(delay)
        return True

    def _poller(self, identity: str | None) -> Poller:
        if self._own_poller is None:
            self._own_poller = self.poller(identity)
        return self._own_poller

    def poller(self, identity: str | None = None) -> Poller:
        """Polls for a decision task once and answers it, when called."""
        def step() -> None:
            task = self.poll(identity)
            if task is not None:
                self.answer(task)

        return Poller(step, name=f"decider of {self.flow.name}", logger=self.logger,
                      on_exception=self.on_exception, actor=self)

    def poll(self, identity: str | None = None) -> dict | None:
        """A decision task with its whole history (every page), or None when the poll came back
        empty."""
        request: dict[str, Any] = {"domain": self.domain, "taskList": {"name": self.task_list},
                                   "maximumPageSize": self.limits.page_size}
        if identity:
            request["identity"] = identity
        task = self.client.poll_for_decision_task(**request)
        if not task.get("taskToken"):
            return None
        events = list(task.get("events", ()))
        page = task
        while page.get("nextPageToken"):
            page = self.client.poll_for_decision_task(**request,
                                                      nextPageToken=page["nextPageToken"])
            events.extend(page.get("events", ()))
        return {**task, "events": events}

    def answer(self, task: dict) -> DecisionReport:
        """Decide on the task's history and respond; a task that is gone meanwhile (timed out,
        execution closed) is logged and dropped."""
        execution = {"domain": self.domain, **task["workflowExecution"]}
        decision = decide_with_report(self.flow, task["events"], execution, limits=self.limits)
        for warning in decision.warnings:
            self.logger.warning("%s %s: %s", execution["workflowId"], execution["runId"],
                                warning)
        if decision.error is not None:
            report(self.on_exception, self, decision.error, self.logger)
        try:
            self.client.respond_decision_task_completed(taskToken=task["taskToken"],
                                                        decisions=decision.decisions)
        except Exception as error:
            if not is_gone(error):
                raise
            self.logger.warning("%s %s: decision task gone before its answer (%s)",
                                execution["workflowId"], execution["runId"], error)
            return decision
        self.logger.info("%s %s: %s", execution["workflowId"], execution["runId"],
                         summarize(decision.decisions))
        return decision


def summarize(decisions: list[dict]) -> str:
    """One line for a decision: what it scheduled, started, or how it closed the workflow."""
    if not decisions:
        return "waiting"
    counts = Counter(d["decisionType"] for d in decisions)
    parts = [f"{count} x {kind}" for kind, count in counts.items()]
    failed = next((d["failWorkflowExecutionDecisionAttributes"].get("reason")
                   for d in decisions if d["decisionType"] == "FailWorkflowExecution"), None)
    return ", ".join(parts) + (f" ({failed})" if failed else "")
