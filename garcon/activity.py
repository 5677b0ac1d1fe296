"""Activities: what a flow is made of.

`create = activity.create(client, domain, workflow_name)` (or, in garcon's older form,
`activity.create(domain, workflow_name)`, the client then coming from whoever runs the flow)
returns a factory; `create(name=..., run=runner.Sync(...), requires=[...], retry=3,
generators=[...])` returns an `Activity`. An activity with generators has one instance per
combination of the values its generators yield (their cartesian product), each scheduled and
retried on its own; an activity without generators has a single instance.
"""
from __future__ import annotations

import itertools
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping
from hashlib import sha1
from typing import Any

from garcon import runner as runner_module
from garcon.limits import SWF_LIMITS, invalid_identifier

DEFAULT_SCHEDULE_TO_START = 600

EXECUTION_KEYS = ("execution.domain", "execution.workflow_id", "execution.run_id")
"""Context keys naming the execution; every activity input carries them."""

Generator = Callable[[dict], Iterable[Mapping[str, Any]]]


class ActivityInstanceNotReadyException(Exception):
    """Raised by a custom decider's `.wait()` and `.result` while an instance is not complete;
    it ends that decision pass quietly."""


class Activity:
    """One step of a flow: an SWF activity type and how to run and schedule it.

    `name` is the SWF activity type name and task list, `<workflow name>_<activity name>`.
    Beyond garcon: `max_open` caps how many instances are open at once; `retry_delay`
    (seconds, multiplied by `retry_backoff` at each further retry) waits before a retry;
    `schedule_to_close` (seconds) bounds an attempt from its scheduling to its end, below the
    schedule-to-start plus start-to-close that garcon sets.
    """

    def __init__(self, *, name: str, domain: str, version: str, runner: runner_module.BaseRunner,
                 requires: Iterable[Activity] = (), retry: int = 0,
                 generators: Iterable[Generator] = (),
                 schedule_to_start: int = DEFAULT_SCHEDULE_TO_START,
                 on_exception: Callable | None = None, client: Any = None,
                 external: bool = False, max_open: int | None = None,
                 retry_delay: float = 0, retry_backoff: float = 1.0,
                 schedule_to_close: int | None = None):
        self.name = self.task_list = name
        self.domain = domain
        self.version = version
        self.runner = runner
        self.requires = [*requires]
        self.retry = retry
        self.generators = [*generators]
        self.schedule_to_start_timeout = schedule_to_start
        self.on_exception = on_exception
        self.client = client
        self.external = external
        self.max_open = max_open
        self.retry_delay = retry_delay
        self.retry_backoff = retry_backoff
        self.schedule_to_close = schedule_to_close

    def __repr__(self) -> str:
        return f"<Activity {self.name}>"

    def instances(self, context: dict, suffix: str | None = None) -> list[ActivityInstance]:
        """Every instance of the activity for this context, in generator order; a custom
        decider's schedule id is the `suffix` of their ids."""
        return [ActivityInstance(self, local_context, activity_id)
                for local_context, activity_id in zip(*self.expand(context, suffix), strict=True)]

    def expand(self, context: dict, suffix: str | None = None) -> tuple[list[dict], list[str]]:
        """The generator values and the id of each instance. Values that give an id already
        given (yielded twice, or 1 and '1', which the id writes alike) are that same instance:
        the first one stands."""
        values = self.instance_values(context)
        ids = instance_ids(self.name, values, suffix)
        if len(set(ids)) == len(ids):
            return values, ids
        first = {activity_id: i for i, activity_id in reversed([*enumerate(ids)])}
        keep = sorted(first.values())
        return [values[i] for i in keep], [ids[i] for i in keep]

    def instance_values(self, context: dict) -> list[dict]:
        """The generator values of each instance: one dict per combination of the values the
        generators yield (their cartesian product), merged in generator order."""
        if not self.generators:
            return [{}]
        if len(self.generators) == 1:
            return [dict(values) for values in self.generators[0](context)]
        combinations = itertools.product(*(generator(context) for generator in self.generators))
        return [_merged(values) for values in combinations]

    def retry_wait(self, failures: int) -> int:
        """Seconds to wait before the attempt that follows `failures` failed ones."""
        if not self.retry_delay:
            return 0
        return round(self.retry_delay * self.retry_backoff ** (failures - 1))


class ActivityInstance:
    """One instance of an activity: the activity and the values its generators gave it."""

    __slots__ = ("activity", "id", "local_context")

    def __init__(self, activity: Activity, local_context: dict, activity_id: str):
        self.activity = activity
        self.local_context = local_context
        self.id = activity_id

    def __repr__(self) -> str:
        return f"<ActivityInstance {self.id}>"

    def context(self, execution_context: Mapping[str, Any]) -> ChainMap:
        """What the instance's tasks see: the generator values over the execution context."""
        return ChainMap(self.local_context, execution_context)

    def input(self, execution_context: Mapping[str, Any]) -> dict:
        """The activity input: only the keys the tasks read (when they all say which) and the
        execution keys; otherwise the whole context of the instance."""
        local = self.local_context
        keys = self._sizing(execution_context).requirements
        if keys is None:
            return {**execution_context, **local}
        selected = {}
        for key in keys:
            value = local[key] if key in local else execution_context.get(key)
            if value is not None:
                selected[key] = value
        for key in EXECUTION_KEYS:
            if key in local:
                selected[key] = local[key]
            elif key in execution_context:
                selected[key] = execution_context[key]
        return selected

    def _sizing(self, execution_context: Mapping[str, Any]) -> Any:
        runner = self.activity.runner
        return runner.fixed_sizing or runner.sizing(self.context(execution_context))

    def timeouts(self, execution_context: Mapping[str, Any], pool_size: int) -> dict[str, str]:
        """The four activity timeouts, as SWF strings.

        Schedule-to-start assumes one worker takes the instances one after the other, so it
        grows with the number of instances (`pool_size`), as garcon's does; it is capped at
        SWF's one-year ceiling. Schedule-to-close is their sum, or the activity's own
        `schedule_to_close` when that is shorter.
        """
        sizing = self._sizing(execution_context)
        start_to_close = sizing.timeout
        schedule_to_start = min(pool_size * self.activity.schedule_to_start_timeout,
                                SWF_LIMITS.longest_timeout_seconds)
        return {
            "heartbeatTimeout": str(sizing.heartbeat),
            "scheduleToStartTimeout": str(schedule_to_start),
            "startToCloseTimeout": str(start_to_close),
            "scheduleToCloseTimeout": str(min(
                schedule_to_start + start_to_close,
                self.activity.schedule_to_close or schedule_to_start + start_to_close)),
        }


class ActivityState:
    """What a custom decider's `schedule()` returns: whether the instances completed, and their
    merged result."""

    def __init__(self, activity_name: str, ready: bool, result: dict | None = None):
        self.activity_name = activity_name
        self._ready = ready
        self._result = result

    @property
    def ready(self) -> bool:
        return self._ready

    @property
    def result(self) -> dict:
        self.wait()
        return self._result

    def wait(self) -> None:
        if not self._ready:
            raise ActivityInstanceNotReadyException(self.activity_name)


def instance_ids(activity_name: str, instances: Iterable[Mapping[str, Any]],
                 suffix: str | None = None) -> list[str]:
    """garcon's activity ids: the name and `1` for an instance without generator values, else
    the name and the SHA-1 of its values, sorted by key and written `'key':'value';` (so the id
    depends only on the values, not on their order); a custom decider's schedule id follows."""
    head, tail = f"{activity_name}-", "" if suffix is None else f"-{suffix}"
    ids = []
    add = ids.append
    for values in instances:
        if len(values) == 1:  # one generator, the common case: nothing to sort
            for key, value in values.items():
                add(head + sha1(f"'{key}':'{value}';".encode()).hexdigest() + tail)
        elif values:
            text = "".join([f"'{key}':'{value}';" for key, value in sorted(values.items())])
            add(head + sha1(text.encode()).hexdigest() + tail)
        else:
            add(f"{head}1{tail}")
    return ids


_OPTIONS = frozenset({
    "name", "requires", "retry", "generators", "run", "tasks", "schedule_to_start",
    "on_exception", "external", "timeout", "heartbeat", "max_open", "retry_delay",
    "retry_backoff", "schedule_to_close"})


def create(*args: Any, **kwargs: Any) -> Callable[..., Activity]:
    """`create(client, domain, workflow_name, version='1.0', on_exception=None)`, or garcon's
    older `create(domain, workflow_name, ...)` without a client: a factory of activities."""
    if args and isinstance(args[0], str) and "client" not in kwargs:
        args = (None, *args)
    return _factory(*args, **kwargs)


def _factory(client: Any = None, domain: str | None = None, workflow_name: str | None = None,
             version: str = "1.0", on_exception: Callable | None = None
             ) -> Callable[..., Activity]:
    if not domain or not workflow_name:
        raise TypeError("activity.create needs a domain and a workflow name")

    def create_activity(**options: Any) -> Activity:
        unknown = sorted(set(options) - _OPTIONS)
        if unknown:
            raise TypeError(f"unknown activity option(s): {', '.join(unknown)}")
        if not options.get("name"):
            raise TypeError("an activity needs a name")
        name = f"{workflow_name}_{options['name']}"
        problem = invalid_identifier(name)
        if problem or len(name) > SWF_LIMITS.identifier:
            raise ValueError(f"activity type name {name!r} "
                             f"{problem or f'is over {SWF_LIMITS.identifier} characters'}")
        external = bool(options.get("external"))
        if external:
            runner = runner_module.External(options.get("timeout"), options.get("heartbeat"))
        else:
            runner = options.get("run") or options.get("tasks")
            if runner is None:
                raise runner_module.RunnerMissing(f"activity {name} needs run= (a runner)")
        return Activity(
            name=name, domain=domain, version=version, runner=runner,
            requires=options.get("requires") or (), retry=_at_least(options, "retry", 0, 0),
            generators=options.get("generators") or (),
            schedule_to_start=options.get("schedule_to_start") or DEFAULT_SCHEDULE_TO_START,
            on_exception=options.get("on_exception") or on_exception, client=client,
            external=external, max_open=_at_least(options, "max_open", None, 1),
            retry_delay=_at_least(options, "retry_delay", 0, 0),
            retry_backoff=_at_least(options, "retry_backoff", 1.0, 1),
            schedule_to_close=_at_least(options, "schedule_to_close", None, 1))

    return create_activity


def _at_least(options: dict, key: str, default: Any, minimum: float) -> Any:
    value = options.get(key)
    if value is None:
        return default
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"activity option {key} must be a number >= {minimum}, not {value!r}")
    return value


def _merged(values: Iterable[Mapping[str, Any]]) -> dict:
    merged: dict = {}
    for value in values:
        merged.update(value)
    return merged


def find_workflow_activities(flow: Any) -> list[Activity]:
    """The activities of a flow (its attributes that are activities), in attribute-name order
    as garcon takes them, each type once (a property may make a new object at each access)."""
    found: dict[str, Activity] = {}
    for attribute in dir(flow):
        value = getattr(flow, attribute, None)
        if isinstance(value, Activity):
            found.setdefault(value.name, value)
    return [*found.values()]


def __getattr__(name: str) -> Any:
    # garcon's ActivityWorker lives with the other worker shells; importing it lazily keeps this
    # module free of I/O.
    if name == "ActivityWorker":
        from garcon.worker import ActivityWorker
        return ActivityWorker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
