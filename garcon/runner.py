"""Runners: how an activity runs its tasks, and the timeouts that follows from them.

`Sync` runs the tasks one after the other, `Async` in a thread pool, `External` not at all (the
activity is implemented outside Python). The runner also sizes the activity for SWF: its
start-to-close timeout is the sum of its tasks' timeouts and its heartbeat timeout the largest of
their heartbeats, both read from what the tasks declared (see `garcon.task`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, NamedTuple

from garcon import task as task_module

DEFAULT_TASK_TIMEOUT = 600
DEFAULT_TASK_HEARTBEAT = 600


class NoRunnerRequirementsFound(Exception):
    """Some task does not declare the context keys it reads, so it gets the whole context."""


class RunnerMissing(Exception):
    """An activity with nothing to run."""


class Sizing(NamedTuple):
    """What SWF needs to know of an activity's tasks."""

    timeout: int
    """Start-to-close: every task in turn, as if one ran at a time."""
    heartbeat: int
    """The largest heartbeat of the tasks."""
    requirements: tuple[str, ...] | None
    """The context keys the tasks read; None when some task does not say, and so gets the
    whole context."""


class BaseRunner:
    """Tasks to run in an activity. Subclasses define how (`execute`)."""

    def __init__(self, *tasks: task_module.Task):
        self.tasks = tasks
        self._fixed_sizing: Sizing | None = None

    def sizing(self, context: Mapping[str, Any] | None = None) -> Sizing:
        """The tasks' timeouts and requirements. Task lists choose their tasks from the
        context; without them the answer never changes, and is worked out once."""
        if self._fixed_sizing is not None:
            return self._fixed_sizing
        timeout = heartbeat = 0
        keys: dict[str, None] | None = {}
        for current in task_module.flatten(self.tasks, context):
            declared = task_module.info(current) or {}
            timeout += declared.get("timeout", DEFAULT_TASK_TIMEOUT)
            heartbeat = max(heartbeat, declared.get("heartbeat", DEFAULT_TASK_HEARTBEAT))
        for current in (*self.tasks, *task_module.flatten(self.tasks, context)):
            declared = task_module.info(current)
            if declared is None:
                keys = None
                break
            keys.update(dict.fromkeys(declared.get("requirements", ())))
        sizing = Sizing(timeout, heartbeat, None if keys is None else tuple(keys))
        if not any(task_module.is_task_list(current) for current in self.tasks):
            self._fixed_sizing = sizing
        return sizing

    @property
    def fixed_sizing(self) -> Sizing | None:
        """The sizing, when it does not depend on the context (no task lists) and was worked
        out already."""
        return self._fixed_sizing

    def timeout(self, context: Mapping[str, Any] | None = None) -> int:
        return self.sizing(context).timeout

    def heartbeat(self, context: Mapping[str, Any] | None = None) -> int:
        return self.sizing(context).heartbeat

    def requirements(self, context: Mapping[str, Any] | None = None) -> list[str]:
        """The context keys the tasks read, or NoRunnerRequirementsFound if a task does not say."""
        keys = self.sizing(context).requirements
        if keys is None:
            raise NoRunnerRequirementsFound()
        return [*keys]

    def execute(self, activity: Any, context: dict) -> dict:
        raise NotImplementedError


class Sync(BaseRunner):
    """Run the tasks in order, heartbeating before each; each task sees the results of the
    earlier ones (the activity's input wins where both have a key, as in garcon)."""

    def execute(self, activity: Any, context: dict) -> dict:
        result: dict = {}
        for current in task_module.flatten(self.tasks, context):
            activity.heartbeat()
            result.update(current({**result, **context}, activity=activity) or {})
        return result


class Async(BaseRunner):
    """Run the tasks in a pool of `max_workers` threads, heartbeating as each one finishes.

    Results merge in task order, whatever order the threads finish in, so the activity's result
    does not depend on scheduling. An activity execution whose `parallel` is False (the
    simulator's) runs the tasks one at a time, in order, so that runs are reproducible.
    """

    def __init__(self, *tasks: task_module.Task, max_workers: int = 3):
        super().__init__(*tasks)
        self.max_workers = max_workers

    def execute(self, activity: Any, context: dict) -> dict:
        tasks = [*task_module.flatten(self.tasks, context)]
        if not getattr(activity, "parallel", True):
            return _merge(_run_in_order(tasks, activity, context))
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            futures = [pool.submit(t, context, activity=activity) for t in tasks]
            for _ in as_completed(futures):
                activity.heartbeat()
            return _merge(future.result() for future in futures)


class External(BaseRunner):
    """An activity implemented outside Python: garcon schedules it, something else runs it."""

    def __init__(self, timeout: int | None = None, heartbeat: int | None = None):
        if not timeout:
            raise ValueError("an external activity needs a timeout (seconds)")
        super().__init__()
        self._fixed_sizing = Sizing(timeout, heartbeat or timeout, None)

    def execute(self, activity: Any, context: dict) -> dict:
        raise RunnerMissing("an external activity is run by a worker outside garcon")


def _run_in_order(tasks: Iterable[task_module.Task], activity: Any, context: dict):
    for current in tasks:
        result = current(context, activity=activity)
        activity.heartbeat()
        yield result


def _merge(results: Iterable[dict | None]) -> dict:
    merged: dict = {}
    for result in results:
        merged.update(result or {})
    return merged
