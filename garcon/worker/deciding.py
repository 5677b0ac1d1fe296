"""The decider worker: poll a decision task, page through its history, decide, respond.

A history only grows, so the worker keeps, for the executions it decided last, the fold of
their history and their activities' expansions: the next decision task of one of them asks SWF
for the events since the previous decision (`startAtPreviousStartedEvent`) and folds only
those. When the events do not follow on what it kept (another decider took the tasks in
between, or the service sent the whole history), it starts again from the whole history.

Paging is bounded: no history is longer than SWF's 25,000 events, so an answer that keeps
handing out next-page tokens (PAGE_MARGIN times as many pages as that takes) is dropped with an
error that says so, rather than followed forever.

garcon 1.1.1's DeciderWorker methods (`register`, `get_history`, `get_activity_states`,
`create_decisions_from_flow`, `delegate_decisions`) are the steps of `answer`, each over the
same fold and the one decider.
"""
from __future__ import annotations

import logging
import math
import random
import time
import traceback
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from garcon.activity import find_workflow_activities, flow_version
from garcon.context import ExecutionContext
from garcon.decider import DecisionReport, decide_with_report, describe_error
from garcon.decisions import fail_workflow
from garcon.event import ActivityStates, activity_states_from_events, fold_of
from garcon.expansion import Expansions
from garcon.history import HistoryError, HistoryState
from garcon.limits import SWF_LIMITS, SWFLimits
from garcon.log import worker_logger
from garcon.worker.activities import is_client_then_flow
from garcon.worker.client import register_flow
from garcon.worker.lazy_client import ClientSetupError, FlowClient, client_ready
from garcon.worker.polling import Backoff, Poller, report, respond

PAGE_MARGIN = 4
"""How many times more pages than the longest history needs a worker follows: SWF may send
fewer events a page than asked for."""


class EndlessPaging(RuntimeError):
    """An answer that kept handing out next-page tokens past any real history's length."""


class DeciderWorker:
    """Decides the flow's executions: `run()` answers one decision task (garcon's API); the
    `python -m garcon.worker` loop and the simulator harness call `poll` and `answer`.
    `DeciderWorker(client, flow)`, as garcon's example projects write it, works too.

    Registering (`register=True`) does not stop the worker when SWF refuses it (no
    credentials, no swf:Register* permission): each refusal is a warning, and a type that is
    really missing fails the workflow when it is scheduled, naming the activity and the cause.
    """

    def __init__(self, flow: Any, register: Any = True, *, client: Any = None,
                 limits: SWFLimits = SWF_LIMITS, logger: logging.Logger | None = None,
                 remembered_runs: int = 256, sleep: Callable[[float], Any] = time.sleep,
                 rng: random.Random | None = None):
        if is_client_then_flow(flow, register):
            flow, register, client = register, True, client or flow
        self.flow = flow
        self.client = client
        self.domain = flow.domain
        self.task_list = flow.name
        self.version = flow_version(flow)
        self.activities = find_workflow_activities(flow)
        self.limits = limits
        self.on_exception = getattr(flow, "on_exception", None)
        self.logger = logger or worker_logger()
        self.sleep = sleep
        """How to wait out a backoff (the simulator's is virtual)."""
        self.rng = rng or random.Random()
        """The jitter of backoffs (the simulator's is seeded)."""
        self._own_poller: Poller | None = None
        self._runs: OrderedDict[str, RunMemory] = OrderedDict()
        self._remembered_runs = remembered_runs
        if register:
            self.register()

    client = FlowClient()
    """The client given, else the flow's own or one made the usual boto3 way when first
    needed (ClientSetupError, one line, when none can be made)."""

    def register(self) -> None:
        """Register the domain, the workflow type and the activity types (see
        `register_flow`): what exists already or is refused is logged, not raised; without a
        client (no region, say) registering is skipped with a warning saying what to set."""
        try:
            client = self.client
        except ClientSetupError as error:
            self.logger.warning("not registering %s: %s", self.flow.name, error)
            return
        register_flow(client, self.flow, self.logger)

    def run(self, identity: str | None = None) -> bool:
        """Poll once and answer the task if one came; errors are logged and reported to the
        flow's `on_exception`. Always True, so that `while worker.run(): pass` runs forever.
        ClientSetupError when the worker has no client and none can be made."""
        client_ready(self)
        delay = self._poller(identity)()
        if delay:
            self.sleep(delay)
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
        if not task.get("taskToken") and not task.get("events"):
            return None
        events = [event for page in self._pages(self.client.poll_for_decision_task, request,
                                                task, "decision task")
                  for event in page.get("events", ())]
        return {**task, "events": events}

    def answer(self, task: dict) -> DecisionReport:
        """Decide on the task's history and respond; a task that is gone meanwhile (timed out,
        execution closed) is logged and dropped. A history that contradicts itself is paged in
        full from SWF once more (what was kept or sent may be what is wrong); when even that
        cannot be decided on, or the decider itself raises, the decision fails the workflow
        with the reason: a decider that never answers leaves its execution looping on decision
        timeouts."""
        execution = task.get("workflowExecution") or {}
        what = f"{execution.get('workflowId')} {execution.get('runId')}"
        decisions: list[dict] = []
        try:
            memory = self._fold(task)
        except HistoryError as error:
            decision = self._cannot_decide(what, "its history cannot be read", error)
            report(self.on_exception, self, error, self.logger)
            decisions.extend(decision.decisions)
        else:
            states, context = ActivityStates(memory.state), ExecutionContext(fold=memory.state)
            context.set_workflow_execution_info(task, self.domain)
            custom = getattr(self.flow, "decider", None)
            if custom is None:
                decision = self.create_decisions_from_flow(decisions, states, context)
            else:
                decision = self.delegate_decisions(decisions, custom, states, context)
        if respond(self.client.respond_decision_task_completed,
                   {"taskToken": task.get("taskToken"), "decisions": decisions},
                   what=f"{what}: decision task", sleep=self.sleep, rng=self.rng,
                   logger=self.logger):
            self.logger.info("%s: %s", what, summarize(decisions))
        return decision

    # garcon's steps of a decision.

    def get_history(self, identity: str, poll: dict) -> list[dict]:
        """The events of a decision task and of its further pages (asked for as garcon did:
        domain, identity, task list), without the DecisionTask* events."""
        request = {"domain": self.domain, "identity": identity,
                   "taskList": {"name": self.task_list}}
        return [event for page in self._pages(self.client.poll_for_decision_task, request,
                                              poll, "decision task")
                for event in page.get("events", ())
                if not event["eventType"].startswith("Decision")]

    def get_activity_states(self, history: list[dict]) -> ActivityStates:
        """Per activity type and id, the ActivityState of each instance in the history."""
        return activity_states_from_events(history)

    def create_decisions_from_flow(self, decisions: list, activity_states: Mapping,
                                   context: ExecutionContext) -> DecisionReport:
        """Add to `decisions` what `decide` makes of the activity states (of a history) and
        the execution `context`; the flow's exception, if its code raised, goes to
        `on_exception`, the budget warnings to the log."""
        return self._decide(decisions, activity_states, context)

    def delegate_decisions(self, decisions: list, decider: Callable, history: Mapping,
                           context: ExecutionContext) -> DecisionReport:
        """`create_decisions_from_flow` for a flow with a custom decider (`decider`, the
        flow's), which `decide` calls with `schedule`."""
        return self._decide(decisions, history, context)

    def _decide(self, decisions: list, activity_states: Mapping,
                context: ExecutionContext) -> DecisionReport:
        fold = fold_of(activity_states)
        execution = context.execution
        memory = self._runs.get(execution["runId"]) if execution else None
        expansions = memory.expansions if memory is not None and memory.state is fold else None
        where = f"{execution['workflowId']} {execution['runId']}" if execution else "decision"
        try:
            decision = decide_with_report(self.flow, fold, execution, limits=self.limits,
                                          expansions=expansions)
        except Exception as error:
            if execution:
                self._runs.pop(execution["runId"], None)
            decision = self._cannot_decide(where, "the decider raised", error)
        for warning in decision.warnings:
            self.logger.warning("%s: %s", where, warning)
        if decision.error is not None:
            report(self.on_exception, self, decision.error, self.logger)
        decisions.extend(decision.decisions)
        return decision

    def _cannot_decide(self, where: str, what: str, error: Exception) -> DecisionReport:
        self.logger.error("%s: cannot decide: %s", where, error, exc_info=True)
        return DecisionReport([fail_workflow(f"garcon cannot decide: {what}: "
                                             f"{describe_error(error)}", traceback.format_exc())],
                              error=error)

    def memory(self, run_id: str) -> RunMemory | None:
        """What the worker keeps of an execution it decided lately: the fold of its history
        and its activities' expansions."""
        return self._runs.get(run_id)

    def memories(self) -> list[RunMemory]:
        """What the worker keeps of every execution it decided lately, oldest first."""
        return [*self._runs.values()]

    def _fold(self, task: dict) -> RunMemory:
        """`_remember`, or once more from the whole history when the events kept or sent do
        not hold together (HistoryError when the whole history does not either)."""
        try:
            return self._remember(task)
        except HistoryError:
            return self._remember({**task, "events": []})

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
        call = self.client.get_workflow_execution_history
        for page in self._pages(call, request, call(**request), "history"):
            events.extend(e for e in page["events"] if e["eventId"] <= started_event_id)
            if events and events[-1]["eventId"] >= started_event_id:
                break
        return events

    def _pages(self, call: Callable[..., dict], request: dict, first: dict,
               what: str) -> Iterator[dict]:
        """`first`, then the pages that follow it, each asked for with the token of the one
        before; EndlessPaging past PAGE_MARGIN times the pages of the longest history."""
        limit = PAGE_MARGIN * math.ceil(self.limits.history_events / self.limits.page_size)
        page = first
        yield page
        for _ in range(limit - 1):
            if not page.get("nextPageToken"):
                return
            page = call(**request, nextPageToken=page["nextPageToken"])
            yield page
        if page.get("nextPageToken"):
            raise EndlessPaging(
                f"the {what} had a next page after {limit} pages: no history is that long "
                f"(at most {self.limits.history_events:,} events, {self.limits.page_size:,} "
                "a page), so this answer is dropped")


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
