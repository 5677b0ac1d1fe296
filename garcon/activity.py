"""Activities: what a flow is made of.

`create = activity.create(client, domain, workflow_name)` (or, in garcon's older form,
`activity.create(domain, workflow_name)`, the client then coming from whoever runs the flow)
returns a factory; `create(name=..., run=runner.Sync(...), requires=[...], retry=3,
generators=[...])` returns an `Activity`. An activity with generators has one instance per
combination of the values its generators yield (their cartesian product), each scheduled and
retried on its own; an activity without generators has a single instance.

garcon 1.1.1's worker side is here too, as it was: `Activity(client)` with `hydrate()`,
`run()`, `poll_for_activity()` and `execute_activity()`, `ActivityExecution`, `ActivityState`
and its `ACTIVITY_*` states, `worker_runner`. They hand the work to the one activity worker
(`garcon.worker.activities`) and the one decider (`garcon.decider`), imported when first
used: this module stays free of I/O.
"""
from __future__ import annotations

import difflib
import itertools
import threading
import warnings
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from garcon import GarconWarning, utils
from garcon import runner as runner_module
from garcon.limits import SWF_LIMITS, invalid_identifier
from garcon.log import EXECUTION_KEYS, GarconLogger

_OWN_WORKER_LOCK = threading.Lock()
"""Makes an activity's own worker once, whichever of its polling threads asks first."""

DEFAULT_SCHEDULE_TO_START = 600

ACTIVITY_STANDBY = 0
ACTIVITY_SCHEDULED = 1
ACTIVITY_COMPLETED = 2
ACTIVITY_FAILED = 3
"""garcon's states of an attempt, in `ActivityState.states`. Timeouts and cancellations count
as failed attempts here (garcon did not see them)."""

Generator = Callable[[dict], Iterable[Mapping[str, Any]]]


class ActivityInstanceNotReadyException(Exception):
    """Raised by a custom decider's `.wait()` and `.result` while an instance is not complete;
    it ends that decision pass quietly."""


class Activity(GarconLogger):
    """One step of a flow: an SWF activity type and how to run and schedule it.

    `name` is the SWF activity type name and task list, `<workflow name>_<activity name>`.
    Beyond garcon: `max_open` caps how many instances are open at once; `retry_delay`
    (seconds, multiplied by `retry_backoff` at each further retry) waits before a retry;
    `schedule_to_close` (seconds) bounds an attempt from its scheduling to its end, below the
    schedule-to-start plus start-to-close that garcon sets; `shard` runs the instances in child
    workflow executions of at most that many each (`garcon.shards`). `Activity(client)`
    alone, then `hydrate()`, is garcon's way to make one.
    """

    external = False
    _worker: Any = None
    """The worker of `run()` and `poll_for_activity()` without one: made on first use."""

    def __init__(self, client: Any = None, *, name: str | None = None,
                 domain: str | None = None, version: str = "1.0",
                 runner: runner_module.BaseRunner | None = None,
                 requires: Iterable[Activity] = (), retry: int = 0,
                 generators: Iterable[Generator] = (),
                 schedule_to_start: int = DEFAULT_SCHEDULE_TO_START,
                 on_exception: Callable | None = None, max_open: int | None = None,
                 retry_delay: float = 0, retry_backoff: float = 1.0,
                 schedule_to_close: int | None = None, shard: int | str | None = None):
        self.client = client
        self.name = self.task_list = name
        self.domain = domain
        self.version = version
        """The version given to `create`; the wire carries the flow's (see GARCON_COMPAT)."""
        self.runner = runner
        self.requires = [*requires]
        self.retry = retry
        self.generators = [*generators]
        self.schedule_to_start_timeout = schedule_to_start
        self.on_exception = on_exception
        self.max_open = max_open
        self.retry_delay = retry_delay
        self.retry_backoff = retry_backoff
        self.schedule_to_close = schedule_to_close
        self.shard = shard
        """Instances per child workflow execution ('auto': from the history budget), or None
        to run them all in the workflow's own history (see `garcon.shards`)."""
        self.pool_size = 0
        """How many instances the last `instances()` gave: garcon's record, read by nothing
        here (each instance carries the pool size of whoever made it)."""

    def __repr__(self) -> str:
        return f"<Activity {self.name}>"

    def hydrate(self, data: Mapping[str, Any]) -> None:
        """garcon's way to set an activity up: what is not set yet comes from `data` (`name`,
        `domain`, `requires`, `retry`, `task_list`, `on_exception`, `run` or `tasks`,
        `generators`); `version` and `schedule_to_start` there win."""
        self.name = self.name or data.get("name")
        self.task_list = self.task_list or data.get("task_list") or self.name
        self.domain = self.domain or data.get("domain")
        self.version = data.get("version") or self.version
        self.requires = self.requires or [*(data.get("requires") or ())]
        self.retry = self.retry or data.get("retry") or 0
        self.generators = self.generators or [*(data.get("generators") or ())]
        self.on_exception = self.on_exception or data.get("on_exception")
        self.schedule_to_start_timeout = (data.get("schedule_to_start")
                                          or self.schedule_to_start_timeout)
        self.runner = self.runner or data.get("run") or data.get("tasks")

    def instances(self, context: dict, suffix: str | None = None) -> list[ActivityInstance]:
        """Every instance of the activity for this context, in generator order; a custom
        decider's schedule id is the `suffix` of their ids."""
        values, ids = self.expand(context, suffix)
        self.pool_size = len(ids)
        return [ActivityInstance(self, local_context, context, id=activity_id,
                                 pool_size=len(ids))
                for local_context, activity_id in zip(values, ids, strict=True)]

    def expand(self, context: dict, suffix: str | None = None) -> tuple[list[dict], list[str]]:
        """The generator values and the id of each instance. Values that give an id already
        given (yielded twice, or 1 and '1', which the id writes alike) are that same instance:
        the first one stands."""
        return self.expand_counted(context, suffix)[:2]

    def expand_counted(self, context: dict, suffix: str | None = None
                       ) -> tuple[list[dict], list[str], bool]:
        """`expand`, and whether the generators gave no instance twice (then the ids of some
        of the values are those of `instance_ids` on them alone)."""
        values = self.instance_values(context)
        ids = instance_ids(self.name, values, suffix)
        if len(set(ids)) == len(ids):
            return values, ids, True
        first = {activity_id: i for i, activity_id in reversed([*enumerate(ids)])}
        keep = sorted(first.values())
        return [values[i] for i in keep], [ids[i] for i in keep], False

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

    # garcon's worker side: one activity polled on its own (see garcon.worker.activities).

    def run(self, identity: str | None = None, worker: Any = None) -> bool:
        """Poll the task list once, run the task that came and answer it. Errors are logged,
        handed to `on_exception` and waited out. Always True (see `worker_runner`).
        `worker`: the ActivityWorker whose client to poll with, else one of the activity's
        own on its client."""
        return (worker or self._own_worker()).run_once(self, identity)

    def poll_for_activity(self, identity: str | None = None) -> Any:
        """One poll of the task list (tried again while SWF throttles), as an
        ActivityExecution whose `activity_id` is None when no task came."""
        return self._own_worker().poll_execution(self, identity)

    def execute_activity(self, activity: Any) -> dict:
        """Run the tasks for an ActivityExecution; their merged result."""
        if self.runner is None:
            raise runner_module.RunnerMissing(_no_runner(self.name))
        return self.runner.execute(activity, activity.context)

    @contextmanager
    def polled_by(self, worker: Any) -> Iterator[None]:
        """Within it, `run()` and `poll_for_activity()` poll with `worker` (the ActivityWorker
        that calls this activity's own `run()`, see `ActivityWorker.run`)."""
        previous, self._worker = self._worker, worker
        try:
            yield
        finally:
            self._worker = previous

    def _own_worker(self) -> Any:
        with _OWN_WORKER_LOCK:
            return self._worker_made()

    def _worker_made(self) -> Any:
        if self._worker is None:
            from garcon.worker.activities import ActivityWorker

            self._worker = ActivityWorker.serving(self)
        return self._worker


class ExternalActivity(Activity):
    """An activity implemented outside Python: garcon schedules it, something else runs it."""

    external = True

    def __init__(self, timeout: int | None = None, heartbeat: int | None = None,
                 **options: Any):
        super().__init__(runner=runner_module.External(timeout, heartbeat), **options)

    def run(self, identity: str | None = None, worker: Any = None) -> bool:
        """Nothing to poll here: False, which ends `worker_runner`."""
        return False


class ActivityInstance:
    """One instance of an activity: the activity, the values its generators gave it, and the
    execution context it is scheduled in.

    `ActivityInstance(activity, local_context=None, execution_context=None)` is garcon's form;
    the id then follows from the local context. `pool_size` is how many instances the activity
    has, given by whoever made the instance (`Activity.instances`, the decider), 1 when not
    given: its schedule-to-start timeout grows with it. (garcon read the activity's
    `pool_size` instead, whatever last expanded it, and 0 before anything had.)
    """

    __slots__ = ("activity", "execution_context", "id", "local_context", "pool_size")

    def __init__(self, activity_worker: Activity, local_context: dict | None = None,
                 execution_context: Mapping[str, Any] | None = None, *,
                 id: str | None = None, pool_size: int = 1):
        self.activity = activity_worker
        self.local_context = local_context or {}
        self.execution_context = execution_context if execution_context is not None else {}
        self.id = id if id is not None else (
            f"{activity_worker.name}-{utils.create_dictionary_key(self.local_context)}"
            if self.local_context else f"{activity_worker.name}-1")
        self.pool_size = pool_size

    def __repr__(self) -> str:
        return f"<ActivityInstance {self.id}>"

    @property
    def activity_worker(self) -> Activity:
        return self.activity

    @property
    def activity_name(self) -> str:
        return self.activity.name

    @property
    def retry(self) -> int:
        return self.activity.retry

    @property
    def runner(self) -> runner_module.BaseRunner:
        """The activity's runner; RunnerMissing when it has none."""
        current = getattr(self.activity, "runner", None)
        if not current:
            raise runner_module.RunnerMissing(_no_runner(self.activity.name))
        return current

    @property
    def global_context(self) -> dict:
        return dict(self.context())

    def context(self, execution_context: Mapping[str, Any] | None = None) -> ChainMap:
        """What the instance's tasks see: the generator values over the execution context."""
        return ChainMap(self.local_context, self.execution_context
                        if execution_context is None else execution_context)

    def input(self, execution_context: Mapping[str, Any] | None = None) -> dict:
        """The activity input: only the keys the tasks read (when they all say which) and the
        execution keys; otherwise the whole context of the instance."""
        shared = self.execution_context if execution_context is None else execution_context
        local = self.local_context
        keys = self._sizing(shared).requirements
        if keys is None:
            return {**shared, **local}
        selected = {}
        for key in keys:
            value = local[key] if key in local else shared.get(key)
            if value is not None:
                selected[key] = value
        for key in EXECUTION_KEYS:
            selected[key] = local[key] if key in local else shared.get(key)
        return selected

    def _sizing(self, execution_context: Mapping[str, Any]) -> runner_module.Sizing:
        runner = self.runner
        return runner.fixed_sizing or runner.sizing(self.context(execution_context))

    def create_execution_input(self) -> dict:
        """garcon's name for `input()`."""
        return self.input()

    def timeouts(self, execution_context: Mapping[str, Any] | None = None,
                 pool_size: int | None = None) -> dict[str, str]:
        """The four activity timeouts, as SWF strings.

        Schedule-to-start assumes one worker takes the instances one after the other, so it
        grows with the number of instances (`pool_size`), as garcon's does; it is capped at
        SWF's one-year ceiling. Schedule-to-close is their sum (within that ceiling too), or
        the activity's own `schedule_to_close` when that is shorter.
        """
        heartbeat, schedule_to_start, start_to_close, schedule_to_close = self._seconds(
            execution_context, pool_size)
        return {"heartbeatTimeout": str(heartbeat),
                "scheduleToStartTimeout": str(schedule_to_start),
                "startToCloseTimeout": str(start_to_close),
                "scheduleToCloseTimeout": str(schedule_to_close)}

    @property
    def heartbeat_timeout(self) -> int:
        return self._seconds()[0]

    @property
    def schedule_to_start(self) -> int:
        return self._seconds()[1]

    @property
    def timeout(self) -> int:
        """Start-to-close."""
        return self._seconds()[2]

    @property
    def schedule_to_close(self) -> int:
        return self._seconds()[3]

    def _seconds(self, execution_context: Mapping[str, Any] | None = None,
                 pool_size: int | None = None) -> tuple[int, int, int, int]:
        sizing = self._sizing(self.execution_context if execution_context is None
                              else execution_context)
        pool = pool_size or self.pool_size
        schedule_to_start = min(pool * self.activity.schedule_to_start_timeout,
                                SWF_LIMITS.longest_timeout_seconds)
        longest = min(schedule_to_start + sizing.timeout, SWF_LIMITS.longest_timeout_seconds)
        return (sizing.heartbeat, schedule_to_start, sizing.timeout,
                min(longest, self.activity.schedule_to_close or longest))


class ActivityState:
    """Where an activity instance stands, garcon's way: the states of its attempts, in order
    (ACTIVITY_SCHEDULED, then ACTIVITY_COMPLETED or ACTIVITY_FAILED), and its result once it
    completed. A custom decider's `schedule()` returns one for all of an activity's instances:
    `.result` and `.wait()` raise ActivityInstanceNotReadyException until they completed."""

    def __init__(self, activity_id: str, states: Iterable[int] = (), result: Any = None):
        self.activity_id = activity_id
        self.states = [*states]
        self._result = result

    def __repr__(self) -> str:
        return f"ActivityState({self.activity_id!r}, states={self.states!r})"

    @property
    def ready(self) -> bool:
        return self.get_last_state() == ACTIVITY_COMPLETED

    @property
    def result(self) -> Any:
        self.wait()
        return self._result

    def wait(self) -> None:
        if not self.ready:
            raise ActivityInstanceNotReadyException(self.activity_id)

    def get_last_state(self) -> int | None:
        return self.states[-1] if self.states else None

    def get_last_result(self) -> Any:
        """The result if the instance completed, else None (never raises)."""
        return self._result if self.ready else None

    def add_state(self, state: int) -> None:
        self.states.append(state)

    def set_result(self, result: Any) -> None:
        """Set the result, once: an instance that completed has one result."""
        if self._result:
            raise ValueError(f"{self.activity_id} has a result already: it does not change")
        self._result = result


def instance_ids(activity_name: str, instances: Iterable[Mapping[str, Any]],
                 suffix: str | None = None) -> list[str]:
    """garcon's activity ids: the name and `1` for an instance without generator values, else
    the name and `utils.create_dictionary_key` of its values (so the id depends only on the
    values, not on their order); a custom decider's schedule id follows."""
    head, tail = f"{activity_name}-", "" if suffix is None else f"-{suffix}"
    return [head + (key or "1") + tail for key in utils.dictionary_keys(instances)]


_OPTIONS = frozenset({
    "name", "requires", "retry", "generators", "run", "tasks", "schedule_to_start",
    "on_exception", "external", "timeout", "heartbeat", "max_open", "retry_delay",
    "retry_backoff", "schedule_to_close", "shard"})


def create(*args: Any, **kwargs: Any) -> Callable[..., Activity]:
    """`create(client, domain, workflow_name, version='1.0', on_exception=None)`, or garcon's
    older `create(domain, workflow_name, ...)` without a client: a factory of activities.

    What garcon let through but is likely a mistake is a GarconWarning: an unknown option
    (ignored, as garcon did), no name, no runner (the activity cannot run or be scheduled).
    """
    if args and isinstance(args[0], str) and "client" not in kwargs:
        args = (None, *args)
    return _factory(*args, **kwargs)


def _factory(client: Any = None, domain: str | None = None, workflow_name: str | None = None,
             version: str = "1.0", on_exception: Callable | None = None
             ) -> Callable[..., Activity]:
    if not domain or not workflow_name:
        raise TypeError("activity.create needs a domain and a workflow name")

    def create_activity(**options: Any) -> Activity:
        name = f"{workflow_name}_{options.get('name')}"
        for unknown in sorted(set(options) - _OPTIONS):
            close = difflib.get_close_matches(unknown, _OPTIONS, n=1)
            _warn(f"activity {name}: unknown option {unknown!r}, ignored"
                  + (f" (did you mean {close[0]!r}?)" if close else ""))
        if not options.get("name"):
            _warn(f"an activity of {workflow_name} has no name: it is called {name}")
        problem = invalid_identifier(name)
        if problem or len(name) > SWF_LIMITS.identifier:
            raise ValueError(f"activity type name {name!r} "
                             f"{problem or f'is over {SWF_LIMITS.identifier} characters'}")
        settings = dict(
            client=client, name=name, domain=domain, version=version,
            requires=options.get("requires") or (), retry=_at_least(options, "retry", 0, 0),
            generators=options.get("generators") or (),
            schedule_to_start=options.get("schedule_to_start") or DEFAULT_SCHEDULE_TO_START,
            on_exception=options.get("on_exception") or on_exception,
            max_open=_at_least(options, "max_open", None, 1),
            retry_delay=_at_least(options, "retry_delay", 0, 0),
            retry_backoff=_at_least(options, "retry_backoff", 1.0, 1),
            schedule_to_close=_at_least(options, "schedule_to_close", None, 1),
            shard=_shard(name, options))
        if options.get("external"):
            return ExternalActivity(options.get("timeout"), options.get("heartbeat"), **settings)
        runner = options.get("run") or options.get("tasks")
        if runner is None:
            _warn(_no_runner(name))
        return Activity(runner=runner, **settings)

    return create_activity


def _warn(message: str) -> None:
    # Point at the flow's own line: create_activity, then this.
    warnings.warn(message, GarconWarning, stacklevel=3)


def _no_runner(name: str) -> str:
    return f"activity {name} has nothing to run: give it run=runner.Sync(...) (or external=True)"


def _at_least(options: dict, key: str, default: Any, minimum: float) -> Any:
    value = options.get(key)
    if value is None:
        return default
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"activity option {key} must be a number >= {minimum}, not {value!r}")
    return value


def _shard(name: str, options: dict) -> int | str | None:
    value = options.get("shard")
    if value is None:
        return None
    if not options.get("generators"):
        raise ValueError(f"activity {name}: shard= splits the instances of generators, and it "
                         "has none")
    return check_shard(value, "activity option shard")


def check_shard(value: Any, what: str) -> int | str:
    """`value` if it is a `shard`: a number of instances (1 or more) or 'auto'."""
    if value == "auto" or (isinstance(value, int) and not isinstance(value, bool)
                           and value >= 1):
        return value
    raise ValueError(f"{what} is a number of instances per child workflow (1 or more) or "
                     f"'auto', not {value!r}")


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


def flow_version(flow: Any) -> str:
    """The version the flow's workflow and activity types are registered and scheduled at:
    its `version` attribute, '1.0' without one (as garcon's DeciderWorker did)."""
    return getattr(flow, "version", "1.0")


class UnknownActivityError(ValueError):
    """A name that selects no activity of a flow (or none a worker runs); the message names
    the flow's activities."""


def short_name(flow: Any, activity: Activity) -> str:
    """The name the activity was given to `create` (`activity_2`): its type name
    (`country_flow_activity_2`) without the flow's name."""
    return activity.name.removeprefix(f"{getattr(flow, 'name', '')}_")


def resolve_activity(flow: Any, name: Any, *, where: str | None = None,
                     runnable: bool = False) -> Activity:
    """The activity of `flow` that `name` names: the name given to `create` (`activity_2`)
    or its full type name (`country_flow_activity_2`). With `runnable`, an external activity
    is refused too: no worker of garcon's (nor the simulator's) runs it. UnknownActivityError
    otherwise, in one sentence that begins with `where` (the option and value as the user
    wrote them) and names the flow's activities."""
    activities = find_workflow_activities(flow)
    found = next((a for a in activities if name in (a.name, short_name(flow, a))), None)
    if found is not None and not (runnable and found.external):
        return found
    flow_name = getattr(flow, "name", "")
    known = ", ".join(short_name(flow, a) + (" (external)" if a.external else "")
                      for a in activities) or "none"
    problem = (f"the flow {flow_name} has no activity {name!r}" if found is None else
               f"{name!r} is an external activity of the flow {flow_name}: garcon's workers "
               "do not run it")
    raise UnknownActivityError(f"{where + ': ' if where else ''}{problem} (its activities: "
                               f"{known})")


def resolve_activity_names(flow: Any, names: Iterable[str] | None, *,
                           where: str | None = None) -> list[Activity]:
    """The activities of the flow that a worker runs, given names as `resolve_activity`
    takes them (or one name alone), or None for all of them, in `find_workflow_activities`
    order. External activities are never among them. Raises UnknownActivityError when a name
    matches none of them, or when `names` is empty (a worker of nothing)."""
    runnable = [a for a in find_workflow_activities(flow) if not a.external]
    if names is None:
        return runnable
    wanted = [names] if isinstance(names, str) else [*names]
    if not wanted:
        has = ", ".join(short_name(flow, a) for a in runnable) or "none a worker runs"
        raise UnknownActivityError(f"{where + ': ' if where else ''}no activity named: give "
                                   f"one or more of {flow.name}'s activities ({has})")
    chosen = {resolve_activity(flow, name, where=where, runnable=True).name for name in wanted}
    return [a for a in runnable if a.name in chosen]


def resolve_activity_mapping(flow: Any, given: Mapping[Any, Any], default: Any, *,
                             where: str, runnable: bool = False) -> dict[str, Any]:
    """A value for each activity of the flow (those a worker runs, with `runnable`), by type
    name: its entry in `given` (keys as `resolve_activity` takes them), else `default`. A key
    that names no activity raises UnknownActivityError, which says `where[key]`."""
    found = {a.name: default for a in find_workflow_activities(flow)
             if not (runnable and a.external)}
    for name, value in given.items():
        found[resolve_activity(flow, name, where=f"{where}[{name!r}]", runnable=runnable).name
              ] = value
    return found


def find_activities(flow: Any, context: dict) -> list[ActivityInstance]:
    """Every instance of every activity of the flow for this context, requirements met or
    not (garcon's)."""
    return [instance for current in find_workflow_activities(flow)
            for instance in current.instances(context)]


def find_available_activities(flow: Any, history: Mapping, context: dict
                              ) -> Iterator[ActivityInstance]:
    """The instances the decider schedules next, given garcon's activity states (`history`,
    from `event.activity_states_from_events`) and the execution context: a view of
    `decider.decide`. Raises WorkflowFailure when it would fail the workflow instead."""
    from garcon.decider import scheduled_instances

    yield from scheduled_instances(flow, history, context)


def find_uncomplete_activities(flow: Any, history: Mapping, context: dict
                               ) -> Iterator[ActivityInstance]:
    """The instances of `find_activities` that have not completed (garcon's)."""
    for instance in find_activities(flow, context):
        state = history.get(instance.activity_name, {}).get(instance.id)
        if state is None or ACTIVITY_COMPLETED not in state.states:
            yield instance


def worker_runner(activity_worker: Any, stop: Any = None, **options: Any) -> None:
    """Call `activity_worker.run(**options)` until it returns False or `stop` (an Event) is
    set: garcon's loop of an activity's worker."""
    while not (stop is not None and stop.is_set()) and activity_worker.run(**options):
        pass


def __getattr__(name: str) -> Any:
    # garcon's ActivityWorker and ActivityExecution live with the other worker shells;
    # importing them lazily keeps this module free of I/O.
    if name in ("ActivityWorker", "ActivityExecution"):
        from garcon.worker import activities

        return getattr(activities, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
