"""The decider worker: poll a decision task, page through its history, decide, respond.

A history only grows, so the worker keeps, for the executions it decided last, the fold of
their history and their activities' expansions: the next decision task of one of them asks SWF
for the events since the previous decision (`startAtPreviousStartedEvent`) and folds only
those. When the events do not follow on what it kept (another decider took the tasks in
between, or the service sent the whole history), it starts again from the whole history.
"""
from __future__ import annotations

import logging
import random
import time
import traceback
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

from garcon.decider import DecisionReport, decide_with_report, describe_error
from garcon.decisions import fail_workflow
from garcon.expansion import Expansions
from garcon.history import HistoryError, HistoryState
from garcon.limits import SWF_LIMITS, SWFLimits
from garcon.log import worker_logger
from garcon.worker.client import flow_client, register_flow
from garcon.worker.polling import Backoff, Poller, report, respond


class DeciderWorker:
    """Decides the flow's executions: `run()` answers one decision task (garcon's API); the
    `python -m garcon.worker` loop and the simulator harness call `poll` and `answer`."""

    def __init__(self, flow: Any, register: bool = True, *, client: Any = None,
                 limits: SWFLimits = SWF_LIMITS, logger: logging.Logger | None = None,
                 remembered_runs: int = 256, sleep: Callable[[float], Any] = time.sleep,
                 rng: random.Random | None = None):
        self.flow = flow
        self.client = client if client is not None else flow_client(flow)
        self.domain = flow.domain
        self.task_list = flow.name
        self.limits = limits
        self.on_exception = getattr(flow, "on_exception", None)
        self.logger = logger or worker_logger()
        self.sleep = sleep
        """How to wait between two tries of an answer (the simulator's is virtual)."""
        self.rng = rng or random.Random()
        """The jitter of backoffs (the simulator's is seeded)."""
        self._own_poller: Poller | None = None
        self._runs: OrderedDict[str, RunMemory] = OrderedDict()
        self._remembered_runs = remembered_runs
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
        def step() -> bool:
            task = self.poll(identity)
            if task is not None:
                self.answer(task)
            return task is not None

        return Poller(step, name=f"decider of {self.flow.name}", logger=self.logger,
                      on_exception=self.on_exception, actor=self,
                      backoff=Backoff(rng=self.rng))

    def poll(self, identity: str | None = None) -> dict | None:
        """A decision task with the history since its execution's previous decision task
        (every page), or None when the poll came back empty."""
        request: dict[str, Any] = {"domain": self.domain, "taskList": {"name": self.task_list},
                                   "maximumPageSize": self.limits.page_size,
                                   "startAtPreviousStartedEvent": True}
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
        decision = self._decide(task, execution)
        for warning in decision.warnings:
            self.logger.warning("%s %s: %s", execution["workflowId"], execution["runId"],
                                warning)
        if decision.error is not None:
            report(self.on_exception, self, decision.error, self.logger)
        if not respond(self.client.respond_decision_task_completed,
                       {"taskToken": task["taskToken"], "decisions": decision.decisions},
                       what=f"{execution['workflowId']} {execution['runId']}: decision task",
                       sleep=self.sleep, rng=self.rng, logger=self.logger):
            return decision
        self.logger.info("%s %s: %s", execution["workflowId"], execution["runId"],
                         summarize(decision.decisions))
        return decision

    def _decide(self, task: dict, execution: dict) -> DecisionReport:
        """The decision on the task's history. A history that contradicts itself is paged in
        full from SWF once more (what was kept or sent may be what is wrong); when even that
        cannot be decided on, or the decider itself fails, the workflow fails with the reason:
        a decider that never answers leaves its execution looping on decision timeouts."""
        try:
            memory = self._remember(task)
        except HistoryError:
            try:
                memory = self._remember({**task, "events": []})
            except HistoryError as error:
                return self._cannot_decide(execution, "its history cannot be read", error)
        try:
            return decide_with_report(self.flow, memory.state, execution, limits=self.limits,
                                      expansions=memory.expansions)
        except Exception as error:
            self._runs.pop(execution["runId"], None)
            return self._cannot_decide(execution, "the decider raised", error)

    def _cannot_decide(self, execution: dict, what: str, error: Exception) -> DecisionReport:
        self.logger.error("%s %s: cannot decide: %s", execution["workflowId"],
                          execution["runId"], error, exc_info=True)
        return DecisionReport([fail_workflow(f"garcon cannot decide: {what}: "
                                             f"{describe_error(error)}", traceback.format_exc())],
                              error=error)

    def memory(self, run_id: str) -> RunMemory | None:
        """What the worker keeps of an execution it decided lately: the fold of its history
        and its activities' expansions."""
        return self._runs.get(run_id)

    def _remember(self, task: dict) -> RunMemory:
        """The fold of the task's history, from what was kept of its execution if the task's
        events follow on it, else from the whole history."""
        run_id = task["workflowExecution"]["runId"]
        memory = self._runs.pop(run_id, None) or RunMemory()
        events = task["events"]
        if not events or events[0]["eventId"] > memory.state.events_used + 1:
            memory = RunMemory()
            if not events or events[0]["eventId"] != 1:
                events = self._whole_history(task["workflowExecution"], task["startedEventId"])
        memory.state.apply_all(
            event for event in events if event["eventId"] > memory.state.events_used)
        self._runs[run_id] = memory
        while len(self._runs) > self._remembered_runs:
            self._runs.popitem(last=False)
        return memory

    def _whole_history(self, execution: dict, started_event_id: int) -> list[dict]:
        events: list[dict] = []
        request = {"domain": self.domain, "execution": execution,
                   "maximumPageSize": self.limits.page_size}
        page: dict = {}
        while True:
            page = self.client.get_workflow_execution_history(**request, **(
                {"nextPageToken": page["nextPageToken"]} if page.get("nextPageToken") else {}))
            events.extend(e for e in page["events"] if e["eventId"] <= started_event_id)
            if not page.get("nextPageToken") or events[-1]["eventId"] >= started_event_id:
                return events


class RunMemory:
    """What a decider keeps of an execution between its decision tasks (read only)."""

    __slots__ = ("expansions", "state")

    def __init__(self) -> None:
        self.state = HistoryState()
        self.expansions = Expansions()


def summarize(decisions: list[dict]) -> str:
    """One line for a decision: what it scheduled, started, or how it closed the workflow."""
    if not decisions:
        return "waiting"
    counts = Counter(d["decisionType"] for d in decisions)
    parts = [f"{count} x {kind}" for kind, count in counts.items()]
    failed = next((d["failWorkflowExecutionDecisionAttributes"].get("reason")
                   for d in decisions if d["decisionType"] == "FailWorkflowExecution"), None)
    return ", ".join(parts) + (f" ({failed})" if failed else "")
