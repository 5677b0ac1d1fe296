"""The activity worker: poll an activity's task list, run its runner, respond."""
from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from garcon import payload, utils
from garcon.activity import (
    Activity,
    find_workflow_activities,
    resolve_activity_names,
    worker_runner,
)
from garcon.decider import describe_error
from garcon.decisions import shorten
from garcon.limits import SWF_LIMITS, SWFLimits
from garcon.log import LOGGER_PREFIX, execution_logger, worker_logger
from garcon.worker.lazy_client import FlowClient, client_ready
from garcon.worker.polling import Backoff, Poller, is_gone, report, respond, start_serving

POLL_ATTEMPTS = 5
"""How often garcon's `Activity.poll_for_activity()` polls while SWF throttles."""


class ActivityCanceled(Exception):
    """The workflow asked for the activity to be canceled (seen on a heartbeat)."""


class ActivityTaskGone(Exception):
    """The task timed out or its execution closed (seen on a heartbeat): nobody waits for it."""


class ActivityExecution:
    """What a task receives as `activity`: the attempt it runs in, and its heartbeat.

    `ActivityExecution(client, activity_id, task_token, input)` is garcon's form (`input` as
    SWF gives it, JSON); the worker makes one from an activity task with `of_task`. Input that
    cannot be read (not JSON, nested too deep, not an object) leaves `context` empty and says
    why in `unreadable`: the attempt then fails with that reason instead of running.
    """

    def __init__(self, client: Any, activity_id: str | None, task_token: str | None,
                 input: str | None = None, *, workflow_id: str | None = None,
                 run_id: str | None = None, domain: str | None = None,
                 activity: Activity | None = None, parallel: bool = True):
        self.client = client
        self.activity_id = activity_id
        self.task_token = task_token
        self.workflow_id = workflow_id
        self.run_id = run_id
        self.domain = domain
        self.activity = activity
        self.context, self.unreadable = _read_input(input)
        self.parallel = parallel
        """False in the simulator: Async runners then run their tasks in order, in one thread."""
        self.logger = (execution_logger(domain, workflow_id, run_id) if run_id
                       else logging.getLogger(LOGGER_PREFIX))

    @classmethod
    def of_task(cls, client: Any, task: dict, activity: Activity, domain: str,
                parallel: bool = True) -> ActivityExecution:
        """The execution of an activity task (a PollForActivityTask answer)."""
        execution = task.get("workflowExecution") or {}
        return cls(client, task.get("activityId"), task.get("taskToken"), task.get("input"),
                   workflow_id=execution.get("workflowId"), run_id=execution.get("runId"),
                   domain=domain, activity=activity, parallel=parallel)

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


def _read_input(text: str | None) -> tuple[dict, ValueError | None]:
    """An activity input's context, or an empty one and why the input cannot be read."""
    if not text:
        return {}, None
    try:
        context = payload.parse(text)
    except ValueError as error:  # PayloadError, json.JSONDecodeError
        return {}, error
    if not isinstance(context, dict):
        return {}, ValueError(f"it is JSON but not an object ({type(context).__name__})")
    return context, None


class AttemptAnswer(NamedTuple):
    """What an attempt answers SWF: `call` (a Respond* method, None when nobody waits for the
    answer) with `request`."""

    execution: ActivityExecution
    began: float
    outcome: str
    call: Callable[..., Any] | None
    request: dict[str, Any]


class ActivityWorker:
    """Runs a flow's activities (all, or those named): `run()` serves each task list in
    `concurrency` threads of their own (garcon's API, which had one), as `python -m
    garcon.worker` does; the simulator harness calls `poll`, `attempt` and `send`.
    `ActivityWorker(client, flow)`, as garcon's example projects write it, works too.

    `activities` names activities as given to `create` or by their full type names; a name the
    flow does not have, or an empty list, raises UnknownActivityError naming those it has.
    """

    def __init__(self, flow: Any, activities: Iterable[str] | None = None, *, client: Any = None,
                 concurrency: int = 1, limits: SWFLimits = SWF_LIMITS,
                 logger: logging.Logger | None = None,
                 sleep: Callable[[float], Any] = time.sleep, rng: random.Random | None = None):
        if is_client_then_flow(flow, activities):
            flow, activities, client = activities, None, client or flow
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency is a number of attempts at once (1 or more), not "
                             f"{concurrency!r}")
        self.activities = resolve_activity_names(flow, activities, where="activities")
        self.concurrency = concurrency
        """How many attempts of each activity run at once, each polled for and answered by a
        thread of its own."""
        self.flow = flow
        self.worker_activities = activities
        """The names asked for (garcon's), or None for all."""
        self.sleep = sleep
        """How to wait out a backoff (the simulator's is virtual)."""
        self.rng = rng or random.Random()
        """The jitter of backoffs (the simulator's is seeded)."""
        self.domain = flow.domain
        self.client = client
        self.limits = limits
        self.logger = logger or worker_logger()
        self._own_pollers: dict[tuple[str, str | None, int], Poller] = {}

    client = FlowClient(lambda worker: worker.connections_needed(worker.flow,
                                                                worker.concurrency))
    """The client given, else the flow's own or one made the usual boto3 way when first
    needed (ClientSetupError, one line, when none can be made)."""

    @classmethod
    def serving(cls, activity: Activity, **options: Any) -> ActivityWorker:
        """A worker of one activity alone, on the activity's client (garcon's
        `Activity.run()`)."""
        alone = types.SimpleNamespace(domain=activity.domain, name=activity.name,
                                      client=activity.client, activity=activity)
        return cls(alone, **options)

    @staticmethod
    def connections_needed(flow: Any, concurrency: int = 1) -> int:
        """HTTP connections for every polling thread of the flow's activities, plus two."""
        return len(find_workflow_activities(flow)) * concurrency + 2

    def run(self, stop: threading.Event | None = None, identity: str | None = None) -> None:
        """Serve each of `pollers()` in a thread of its own until `stop` is set (never, by
        default, as in garcon); once it is, each thread finishes and answers the attempt in
        hand (a backoff being waited out is cut short). ClientSetupError when the worker has
        no client and none can be made.

        An activity whose `run()` is its own (a subclass's, or one set on it) gets garcon's
        loop instead: its `run()` called until it returns False (or `stop` is set), in
        `concurrency` threads; its `super().run()` polls with this worker. (`python -m
        garcon.worker` and `run_flow` poll every activity's task list themselves.)"""
        client_ready(self)
        stop = stop or threading.Event()
        own = [activity for activity in self.activities if _runs_itself(activity)]
        threads = start_serving([poller for poller in self.pollers(identity)
                                 if poller.actor not in own], stop)
        with contextlib.ExitStack() as polled:
            for activity in own:
                polled.enter_context(activity.polled_by(self))  # its super().run(): ours
                for number in range(1, self.concurrency + 1):
                    thread = threading.Thread(target=worker_runner, args=(activity, stop),
                                              name=f"activity worker of "
                                                   f"{self._thread_name(activity, number)}",
                                              daemon=True)
                    thread.start()
                    threads.append(thread)
            for thread in threads:
                thread.join()

    def run_once(self, activity: Activity, identity: str | None = None) -> bool:
        """garcon's `Activity.run()`: one call of the activity's poller (poll the task list
        once, run the task that came and answer it); an error is logged, handed to
        `on_exception` and waited out, a backoff that grows while the errors go on. True.
        ClientSetupError when the worker has no client and none can be made."""
        client_ready(self)
        key = (activity.name, identity, threading.get_ident())  # a backoff per thread
        if key not in self._own_pollers:
            self._own_pollers[key] = self.poller(activity, identity)
        delay = self._own_pollers[key]()
        if delay:
            self.sleep(delay)
        return True

    def poll_execution(self, activity: Activity, identity: str | None = None
                       ) -> ActivityExecution:
        """garcon's `Activity.poll_for_activity()`: a poll, tried again after a backoff while
        SWF throttles (POLL_ATTEMPTS in all), as an execution (`activity_id` None when no task
        came)."""
        backoff = Backoff(rng=self.rng)
        for attempt in range(1, POLL_ATTEMPTS + 1):
            try:
                task = self.poll(activity, identity)
                break
            except ClientError as error:
                if utils.non_throttle_error(error) or attempt == POLL_ATTEMPTS:
                    raise
                wait = backoff.next_delay()
                utils.throttle_backoff_handler({"args": (activity,), "tries": attempt,
                                                "wait": wait})
                self.sleep(wait)
        return ActivityExecution.of_task(self.client, task or {}, activity, self.domain)

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

        return Poller(step, name=f"activity worker of {self._thread_name(activity, number)}",
                      logger=self.logger, on_exception=activity.on_exception, actor=activity,
                      backoff=Backoff(rng=self.rng))

    def _thread_name(self, activity: Activity, number: int) -> str:
        return activity.name if self.concurrency == 1 else f"{activity.name} #{number}"

    def poll(self, activity: Activity, identity: str | None = None) -> dict | None:
        request: dict[str, Any] = {"domain": self.domain, "taskList": {"name": activity.task_list}}
        if identity:
            request["identity"] = identity
        task = self.client.poll_for_activity_task(**request)
        return task if task.get("taskToken") else None

    def execute(self, activity: Activity, task: dict, *, parallel: bool = True) -> str:
        """Run one attempt and respond: completed, failed (the exception), canceled (asked on a
        heartbeat), or nothing when the task is gone. Returns that outcome."""
        return self.answer(activity, ActivityExecution.of_task(
            self.client, task, activity, self.domain, parallel))

    def answer(self, activity: Activity, execution: ActivityExecution) -> str:
        """`execute`, for an execution in hand."""
        return self.send(self.attempt(activity, execution))

    def attempt(self, activity: Activity, execution: ActivityExecution) -> AttemptAnswer:
        """Run an attempt's tasks; what to answer SWF (`send` sends it). The simulator's
        harness sends it later, once the attempt's virtual duration is over."""
        began = time.monotonic()
        return AttemptAnswer(execution, began, *self._run(activity, execution))

    def send(self, answer: AttemptAnswer) -> str:
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
        if execution.unreadable is not None:
            execution.logger.error("%s: its input cannot be read: %s", execution.activity_id,
                                   execution.unreadable)
            report(activity.on_exception, activity, execution.unreadable, execution.logger)
            return "failed", client.respond_activity_task_failed, {"reason": shorten(
                f"its input cannot be read: {execution.unreadable}", limits.reason)}
        activity.set_log_context(execution.context)
        try:
            result = activity.execute_activity(execution)
            answer = json.dumps(result or {})
        except ActivityCanceled:
            return "canceled", client.respond_activity_task_canceled, {}
        except ActivityTaskGone as gone:
            execution.logger.warning("%s: %s", execution.activity_id, gone)
            return "gone", None, {}
        except Exception as error:
            report(activity.on_exception, activity, error, execution.logger)
            return "failed", client.respond_activity_task_failed, {
                "reason": shorten(describe_error(error), limits.reason),
                "details": shorten(traceback.format_exc(), limits.data)}
        finally:
            activity.unset_log_context()
        if len(answer) > limits.data:
            return "failed", client.respond_activity_task_failed, {
                "reason": shorten(f"the result of {execution.activity_id} is {len(answer):,} "
                                  f"characters, over SWF's {limits.data:,}", limits.reason)}
        return "completed", client.respond_activity_task_completed, {"result": answer}

    def respond(self, call: Callable[..., Any], **request: Any) -> bool:
        """Send an attempt's answer (see `polling.respond`); False when the task is gone."""
        return respond(call, request, what="activity task", sleep=self.sleep, rng=self.rng,
                       logger=self.logger)


def is_client_then_flow(first: Any, second: Any) -> bool:
    """Whether a worker was given `(client, flow)`, as garcon's example projects call them,
    rather than `(flow, ...)`: only the second has a domain."""
    return (not isinstance(getattr(first, "domain", None), str)
            and isinstance(getattr(second, "domain", None), str))


def _runs_itself(activity: Activity) -> bool:
    """Whether the activity's `run()` is not garcon's poll-and-answer (an override, or a
    function set on the activity), so that a worker must call it rather than poll for it."""
    return "run" in vars(activity) or type(activity).run is not Activity.run
