"""The activity worker: poll an activity's task list, run its runner, respond."""
from __future__ import annotations

import json
import logging
import random
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from garcon.activity import Activity, find_workflow_activities
from garcon.decisions import shorten
from garcon.limits import SWF_LIMITS, SWFLimits
from garcon.log import execution_logger, worker_logger
from garcon.worker.client import flow_client
from garcon.worker.polling import Backoff, Poller, is_gone, report, respond, serve


class ActivityCanceled(Exception):
    """The workflow asked for the activity to be canceled (seen on a heartbeat)."""


class ActivityTaskGone(Exception):
    """The task timed out or its execution closed (seen on a heartbeat): nobody waits for it."""


class ActivityExecution:
    """What a task receives as `activity`: the attempt it runs in, and its heartbeat."""

    def __init__(self, client: Any, task: dict, activity: Activity, domain: str,
                 parallel: bool = True):
        self.client = client
        self.task_token = task["taskToken"]
        self.activity_id = task["activityId"]
        self.workflow_id = task["workflowExecution"]["workflowId"]
        self.run_id = task["workflowExecution"]["runId"]
        self.domain = domain
        self.activity = activity
        self.context = json.loads(task.get("input") or "{}")
        self.parallel = parallel
        """False in the simulator: Async runners then run their tasks in order, in one thread."""
        self.logger = execution_logger(domain, self.workflow_id, self.run_id)

    def heartbeat(self, details: str | None = None) -> None:
        """Tell SWF the attempt is alive. Raises ActivityCanceled when the workflow asked for
        a cancel, ActivityTaskGone when the attempt is over for SWF (timed out, closed)."""
        request = {"taskToken": self.task_token}
        if details is not None:
            request["details"] = details
        try:
            answer = self.client.record_activity_task_heartbeat(**request)
        except Exception as error:
            if is_gone(error):
                raise ActivityTaskGone(str(error)) from error
            raise
        if answer.get("cancelRequested"):
            raise ActivityCanceled(self.activity_id)


class Answer(NamedTuple):
    """What an attempt answers SWF: `call` (a Respond* method, None when nobody waits for the
    answer) with `request`."""

    execution: ActivityExecution
    began: float
    outcome: str
    call: Callable[..., Any] | None
    request: dict[str, Any]


class ActivityWorker:
    """Runs a flow's activities (all, or those named): `run()` polls each task list in
    `concurrency` threads of their own (garcon's API, which had one); the command loop and the
    simulator harness call `poll`, `attempt` and `answer`."""

    def __init__(self, flow: Any, activities: Iterable[str] | None = None, *, client: Any = None,
                 concurrency: int = 1, limits: SWFLimits = SWF_LIMITS,
                 logger: logging.Logger | None = None,
                 sleep: Callable[[float], Any] = time.sleep, rng: random.Random | None = None):
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency is a number of attempts at once (1 or more), not "
                             f"{concurrency!r}")
        self.flow = flow
        self.concurrency = concurrency
        """How many attempts of each activity run at once, each polled for and answered by a
        thread of its own."""
        self.sleep = sleep
        """How to wait between two tries of a respond call (the simulator's is virtual)."""
        self.rng = rng or random.Random()
        """The jitter of backoffs (the simulator's is seeded)."""
        self.domain = flow.domain
        self.client = client if client is not None else flow_client(
            flow, connections=self.connections_needed(flow, concurrency))
        self.limits = limits
        self.logger = logger or worker_logger()
        wanted = None if activities is None else set(activities)
        self.activities = [a for a in find_workflow_activities(flow) if not a.external and (
            wanted is None or a.name in wanted or a.name.removeprefix(f"{flow.name}_") in wanted)]

    @staticmethod
    def connections_needed(flow: Any, concurrency: int = 1) -> int:
        """HTTP connections for every polling thread of the flow's activities, plus two."""
        return len(find_workflow_activities(flow)) * concurrency + 2

    def run(self, stop: threading.Event | None = None, identity: str | None = None) -> None:
        """Poll every activity's task list, each in `concurrency` threads, until `stop` is set
        (never, by default, as in garcon); once it is, each thread finishes and answers the
        attempt in hand."""
        stop = stop or threading.Event()
        threads = [threading.Thread(target=serve, args=(poller, stop), name=poller.name,
                                    daemon=True) for poller in self.pollers(identity)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def pollers(self, identity: str | None = None) -> list[Poller]:
        """`concurrency` pollers per activity, each working one attempt at a time."""
        return [self.poller(activity, identity, number)
                for activity in self.activities for number in range(1, self.concurrency + 1)]

    def poller(self, activity: Activity, identity: str | None = None,
               number: int = 1) -> Poller:
        """Polls the activity's task list once and runs the task it gets, when called."""
        def step() -> bool:
            task = self.poll(activity, identity)
            if task is not None:
                self.execute(activity, task)
            return task is not None

        name = f"activity worker of {activity.name}"
        return Poller(step, name=name if self.concurrency == 1 else f"{name} #{number}",
                      logger=self.logger, on_exception=activity.on_exception, actor=activity,
                      backoff=Backoff(rng=self.rng))

    def poll(self, activity: Activity, identity: str | None = None) -> dict | None:
        request: dict[str, Any] = {"domain": self.domain, "taskList": {"name": activity.task_list}}
        if identity:
            request["identity"] = identity
        task = self.client.poll_for_activity_task(**request)
        return task if task.get("taskToken") else None

    def execute(self, activity: Activity, task: dict, *, parallel: bool = True) -> str:
        """Run one attempt and respond: completed, failed (the exception), canceled (asked on a
        heartbeat), or nothing when the task is gone. Returns that outcome."""
        return self.answer(self.attempt(activity, task, parallel=parallel))

    def attempt(self, activity: Activity, task: dict, *, parallel: bool = True) -> Answer:
        """Run one attempt's tasks; what to answer SWF (`answer` sends it). The simulator's
        harness sends it later, once the attempt's virtual duration has passed."""
        execution = ActivityExecution(self.client, task, activity, self.domain, parallel)
        began = time.monotonic()
        return Answer(execution, began, *self._run(activity, execution))

    def answer(self, answer: Answer) -> str:
        """Send an attempt's answer, if it has one; the attempt's outcome ("gone" when the
        task timed out or its execution closed before the answer)."""
        execution, outcome = answer.execution, answer.outcome
        if answer.call is not None and not self.respond(
                answer.call, taskToken=execution.task_token, **answer.request):
            outcome = "gone"
        execution.logger.info("%s: %s in %.2f s", execution.activity_id, outcome,
                              time.monotonic() - answer.began)
        return outcome

    def _run(self, activity: Activity, execution: ActivityExecution):
        client, limits = self.client, self.limits
        try:
            result = activity.runner.execute(execution, execution.context)
            payload = json.dumps(result or {})
        except ActivityCanceled:
            return "canceled", client.respond_activity_task_canceled, {}
        except ActivityTaskGone as gone:
            execution.logger.warning("%s: %s", execution.activity_id, gone)
            return "gone", None, {}
        except Exception as error:
            report(activity.on_exception, activity, error, execution.logger)
            text = str(error)
            reason = f"{type(error).__name__}: {text}" if text else type(error).__name__
            return "failed", client.respond_activity_task_failed, {
                "reason": shorten(reason, limits.reason),
                "details": shorten(traceback.format_exc(), limits.data)}
        if len(payload) > limits.data:
            return "failed", client.respond_activity_task_failed, {
                "reason": shorten(f"the result of {execution.activity_id} is {len(payload):,} "
                                  f"characters, over SWF's {limits.data:,}", limits.reason)}
        return "completed", client.respond_activity_task_completed, {"result": payload}

    def respond(self, call: Callable[..., Any], **request: Any) -> bool:
        """Send an attempt's answer (see `polling.respond`); False when the task is gone."""
        return respond(call, request, what="activity task", sleep=self.sleep, rng=self.rng,
                       logger=self.logger)
