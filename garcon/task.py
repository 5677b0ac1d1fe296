"""Tasks: the callables an activity runs, and what they declare about themselves.

A task is called as `task(context, activity=execution)` and returns a dict (or None) that is
merged into the activity's result. Decorated tasks carry their timeout, heartbeat and the
context keys they read in a `__garcon__` dict, as garcon's do, so the runtime can size the
activity's timeouts and send only the keys a task reads:

    @task.decorate(timeout=120)
    def metrics(activity, day, country): ...

    runner.Sync(metrics.fill(day='generator.day', country='generator.country'))
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from garcon import param

Task = Callable[..., Any]


def decorate(timeout: int | None = None, heartbeat: int | None = None,
             enable_contextify: bool = True) -> Callable[[Task], Task]:
    """Declare a task's timeout and heartbeat (the heartbeat defaults to the timeout) and give
    it `.fill()`."""

    def wrapper(fn: Task) -> Task:
        if timeout:
            _declare(fn, timeout=timeout)
        if heartbeat or timeout:
            _declare(fn, heartbeat=heartbeat or timeout)
        if enable_contextify:
            contextify(fn)
        return fn

    return wrapper


def timeout(seconds: int, heartbeat: int | None = None) -> Callable[[Task], Task]:
    """Declare a task's timeout, and its heartbeat when given."""

    def wrapper(fn: Task) -> Task:
        _declare(fn, timeout=seconds)
        if heartbeat:
            _declare(fn, heartbeat=heartbeat)
        return fn

    return wrapper


def list(fn: Callable[[dict], Iterable[Task]]) -> Callable[[dict], Iterable[Task]]:
    """Mark `fn(context)` as a task list: a generator of tasks chosen from the context."""
    _declare(fn, list=True)
    contextify(fn)
    return fn


def info(fn: Task) -> dict | None:
    """What a task declared (timeout, heartbeat, requirements, list), or None."""
    return getattr(fn, "__garcon__", None)


def is_task_list(fn: Task) -> bool:
    return bool((info(fn) or {}).get("list"))


def flatten(tasks: Iterable[Task], context: dict | None = None) -> Iterator[Task]:
    """The tasks to run, with task lists expanded against the context."""
    for current in tasks:
        if is_task_list(current):
            yield from current(context)
        else:
            yield current


def contextify(fn: Task) -> Task:
    """Give `fn` a `.fill(namespace=None, **requirements)` method (see `fill`)."""
    fn.fill = lambda namespace=None, **requirements: fill(fn, namespace, **requirements)
    return fn


def fill(fn: Task, namespace: str | None = None, **requirements: str | param.BaseParam) -> Task:
    """A task that calls `fn` with arguments taken from the context.

    Each keyword names a parameter of `fn`; its value is a context key or a param object. A
    parameter named `activity` receives the activity execution; other parameters that are not
    filled get their default, or None. With `namespace`, the keys `fn` returns are prefixed
    with `namespace + '.'`.
    """
    sources = {name: param.parametrize(value) for name, value in requirements.items()}
    parameters = inspect.signature(fn).parameters
    name = getattr(fn, "__qualname__", repr(fn))
    if "context" in parameters:
        raise TypeError(
            f"task {name} takes a parameter named 'context': a task must declare the context "
            "keys it reads, as parameters filled with .fill()")
    unknown = [key for key in sources if key not in parameters]
    if unknown:
        raise TypeError(f"task {name} has no parameter {', '.join(map(repr, unknown))} to fill")

    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    plan = [(key, sources.get(key)) for key, spec in parameters.items()
            if spec.kind in named and (key in sources or key == "activity"
                                       or spec.default is inspect.Parameter.empty)]

    def filled(context: dict, activity: Any = None) -> Any:
        kwargs = {key: (activity if key == "activity" and source is None
                        else source.get_data(context) if source is not None else None)
                  for key, source in plan}
        result = fn(**kwargs)
        if result and namespace:
            return {f"{namespace}.{key}": value for key, value in result.items()}
        return result

    filled.__name__ = getattr(fn, "__name__", "task")
    filled.__qualname__ = name
    filled.__doc__ = fn.__doc__
    filled.__wrapped__ = fn
    filled.__garcon__ = {**(info(fn) or {}),
                         "requirements": param.get_all_requirements(sources.values())}
    return filled


def _declare(fn: Task, **values: Any) -> None:
    if info(fn) is None:
        fn.__garcon__ = {}
    fn.__garcon__.update(values)


__all__ = ["contextify", "decorate", "fill", "flatten", "info", "is_task_list", "list",
           "timeout"]
