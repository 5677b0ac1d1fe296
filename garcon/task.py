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

import copy
import inspect
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from garcon import GarconWarning, param

Task = Callable[..., Any]


def decorate(timeout: int | None = None, heartbeat: int | None = None,
             enable_contextify: bool = True) -> Callable[[Task], Task]:
    """Declare a task's timeout and heartbeat (the heartbeat defaults to the timeout) and give
    it `.fill()`."""

    def wrapper(fn: Task) -> Task:
        if timeout:
            _decorate(fn, "timeout", timeout)
        if heartbeat or timeout:
            _decorate(fn, "heartbeat", heartbeat or timeout)
        if enable_contextify:
            contextify(fn)
        return fn

    return wrapper


def timeout(seconds: int, heartbeat: int | None = None) -> Callable[[Task], Task]:
    """Declare a task's timeout, and its heartbeat when given."""

    def wrapper(fn: Task) -> Task:
        _decorate(fn, "timeout", seconds)
        if heartbeat:
            _decorate(fn, "heartbeat", heartbeat)
        return fn

    return wrapper


def list(fn: Callable[[dict], Iterable[Task]]) -> Callable[[dict], Iterable[Task]]:
    """Mark `fn(context)` as a task list: a generator of tasks chosen from the context."""
    _decorate(fn, "list", True)
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
    """A task that calls `fn` with arguments taken from the context (see `fill_function_call`).

    Each keyword names a parameter of `fn`; its value is a context key or a param object. With
    `namespace`, the keys `fn` returns are prefixed with `namespace + '.'`. A keyword that
    names no parameter, or a parameter named `context`, is a GarconWarning here (garcon let
    both through) and, for `context`, a TypeError when the task runs.
    """
    sources = {key: param.parametrize(value) for key, value in requirements.items()}
    plan = name, parameters = _plan(fn)
    taken = {key for key, _ in parameters}
    if "context" in taken:
        warnings.warn(_reads_the_context(name), GarconWarning, stacklevel=3)
    unknown = [key for key in sources if key not in taken]
    if unknown:
        warnings.warn(f"task {name} has no parameter {', '.join(map(repr, unknown))} to "
                      "fill: the value is read into the activity's input, and not passed",
                      GarconWarning, stacklevel=3)

    def filled(context: dict, activity: Any = None) -> Any:
        return namespace_result(fn(**_arguments(plan, sources, activity, context)), namespace)

    filled.__name__ = getattr(fn, "__name__", "task")
    filled.__qualname__ = name
    filled.__doc__ = fn.__doc__
    filled.__wrapped__ = fn
    _link_decorator(fn, filled)
    _decorate(filled, "requirements", param.get_all_requirements(sources.values()))
    return filled


def fill_function_call(fn: Task, requirements: dict[str, param.BaseParam], activity: Any,
                       context: dict) -> dict[str, Any]:
    """The keyword arguments to call `fn` with: each parameter in `requirements` gets its
    param's value from the context, a parameter named `activity` the activity execution, and
    any other parameter without a default None (those with one keep it). A parameter named
    `context` is a TypeError: a task may not read the whole context."""
    return _arguments(_plan(fn), requirements, activity, context)


def _plan(fn: Task) -> tuple[str, list[tuple[str, bool]]]:
    """The task's name, and the parameters it takes by name, each with whether it has a
    default."""
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return getattr(fn, "__qualname__", repr(fn)), [
        (key, spec.default is not inspect.Parameter.empty)
        for key, spec in inspect.signature(fn).parameters.items() if spec.kind in named]


def _arguments(plan: tuple[str, list[tuple[str, bool]]],
               requirements: dict[str, param.BaseParam], activity: Any,
               context: dict) -> dict[str, Any]:
    name, parameters = plan
    arguments = {}
    for key, has_default in parameters:
        if key == "context":
            raise TypeError(_reads_the_context(name))
        if key in requirements:
            arguments[key] = requirements[key].get_data(context)
        elif key == "activity":
            arguments[key] = activity
        elif not has_default:
            arguments[key] = None
    return arguments


def namespace_result(result: Any, namespace: str | None) -> Any:
    """`result` with its keys prefixed with `namespace + '.'` (as it is, without a namespace
    or when it is empty)."""
    if not result or not namespace:
        return result
    return {f"{namespace}.{key}": value for key, value in result.items()}


def _reads_the_context(name: str) -> str:
    return (f"task {name} takes a parameter named 'context': a task must declare the context "
            "keys it reads, as parameters filled with .fill()")


def _decorate(fn: Task, key: str | None = None, value: Any = None) -> None:
    """Give `fn` a `__garcon__` dict if it has none, and set `key` in it to `value`."""
    if info(fn) is None:
        fn.__garcon__ = {}
    if key:
        fn.__garcon__[key] = value


def _link_decorator(source: Task, destination: Task) -> None:
    """Give `destination` a copy of what `source` declared, under what it declared itself."""
    destination.__garcon__ = {**copy.deepcopy(info(source) or {}), **(info(destination) or {})}


__all__ = ["contextify", "decorate", "fill", "fill_function_call", "flatten", "info",
           "is_task_list", "list", "namespace_result", "timeout"]
