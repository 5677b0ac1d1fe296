"""Hypothesis strategies for property tests of garcon flows, shipped for users' own tests.

    from hypothesis import given, strategies as st
    from garcon_sim import strategies as gs

    @given(gs.histories(my_flow, inputs=gs.inputs(day=st.integers(1, 31))))
    def test_my_flow_completes_or_fails_with_a_reason(run):
        assert run.status in ("COMPLETED", "FAILED")

- `flows()`: flows built with garcon's own API (`activity.create`, `runner.Sync`, decorated
  tasks): activities whose `requires` form a DAG, retry counts, 0 to 2 generators per activity
  of small sizes and key sets, optional `max_open` caps. Each is a `GeneratedFlow`, whose repr
  is the `build_flow(...)` call that makes it again.
- `fault_plans(flow)`: which instances of which activities fail or time out, on which attempts
  (`garcon_sim.faults`, matched on generator values), and which SWF calls are throttled. Works
  on any flow, generated or not.
- `inputs()`: workflow start inputs, JSON objects, with the keys a flow needs if asked.
- `fleets(flow)`: the workers, attempt durations and decision latency of a run
  (`garcon_sim.fleet`), as a `FleetSpec` whose `options()` are `run_flow`'s keyword arguments.
- `histories()`: runs of a flow (generated, or yours) under generated inputs, faults, fleets and
  seeds, as `GeneratedRun`s: a `RunResult` whose repr is the `run_flow(...)` call that
  reproduces it.

Everything shrinks towards few activities, few instances, no generator, no retry and no fault,
one worker per activity, attempts of a second and instant decisions, so a failing example reads
as the smallest flow, plan and fleet that still fail.
"""
from __future__ import annotations

import itertools
import json
import types
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from garcon import activity as activity_module
from garcon import runner, task
from garcon.activity import (
    Activity,
    find_workflow_activities,
    resolve_activity_names,
    short_name,
)
from garcon.limits import SWFLimits

from . import faults as faults_module
from .fleet import (
    DEFAULT_DECISION_SECONDS,
    DEFAULT_DURATIONS,
    DEFAULT_WORKERS,
    Durations,
    Workers,
    uniform,
)
from .harness import RunResult, run_flow
from .simulator import Simulator

ACTIVITY_NAMES = ("a", "b", "c", "d", "e", "f")
"""The names of generated activities, at most six."""
GENERATOR_KEYS = ("generator.n", "generator.day", "generator.country")
"""Context keys that generated generators yield; two generators of an activity never share
one (their values would overwrite each other's)."""
LABEL_SUFFIX = ".name"
"""A generator with two keys yields `key` (an int) and `key + LABEL_SUFFIX` (a string)."""
TASK_TIMEOUT = 60
TASK_HEARTBEAT = 10
"""The generated tasks' declared timeout and heartbeat (seconds): short and distinct, so that
a START_TO_CLOSE timeout and a HEARTBEAT timeout can each come first."""
QUEUED_MARGIN = 60
"""Seconds an attempt may wait in its task list before a worker takes it, in the harness:
timeout kinds are chosen to come first whatever the wait up to this."""
THROTTLED_OPERATIONS = ("PollForActivityTask", "PollForDecisionTask",
                        "RespondActivityTaskCompleted", "RespondDecisionTaskCompleted")
"""The SWF calls `fault_plans` may throttle by default."""


# -- Flows ----------------------------------------------------------------------------------

class GeneratorSpec:
    """A generated generator: it yields `size` dicts, the i-th holding `i` under its first key
    and the string `f"{key}-{i}"` under each further key. `GeneratorSpec(3, 'generator.day')`
    yields `{'generator.day': 0}`, `{'generator.day': 1}`, `{'generator.day': 2}`."""

    __slots__ = ("keys", "size")

    def __init__(self, size: int, *keys: str):
        if not keys:
            raise ValueError("a generator yields at least one key")
        self.size = size
        self.keys = keys

    def values(self) -> list[dict[str, Any]]:
        """The dicts the generator yields, in order."""
        first, *others = self.keys
        return [{first: i, **{key: f"{key}-{i}" for key in others}} for i in range(self.size)]

    def __call__(self, context: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
        yield from self.values()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GeneratorSpec) and (self.size, self.keys) == (
            other.size, other.keys)

    def __hash__(self) -> int:
        return hash((self.size, self.keys))

    def __repr__(self) -> str:
        return f"GeneratorSpec({', '.join(map(repr, (self.size, *self.keys)))})"


@dataclass(frozen=True, repr=False)
class ActivitySpec:
    """A generated activity: what `build_flow` passes to garcon's `create(...)`."""

    name: str
    requires: tuple[str, ...] = ()
    retry: int = 0
    generators: tuple[GeneratorSpec, ...] = ()
    max_open: int | None = None
    shard: int | str | None = None
    """Instances per child workflow execution (or 'auto'), for an activity with generators."""

    def instance_values(self) -> list[dict[str, Any]]:
        """The generator values of each instance, worked out from the spec alone: one merged
        dict per combination of the generators' values (their cartesian product)."""
        combinations = itertools.product(*(g.values() for g in self.generators))
        return [{key: value for part in parts for key, value in part.items()}
                for parts in combinations]

    def __repr__(self) -> str:
        options = [repr(self.name)] + [
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)[1:]
            if getattr(self, f.name) != f.default]
        return f"ActivitySpec({', '.join(options)})"


class GeneratedFlow(types.SimpleNamespace):
    """A flow as garcon reads one (a module-like object: `domain`, `name`, optional `max_open`,
    and its activities as attributes), with the specs it was built from in `specs`. Its repr is
    the `build_flow(...)` call that makes it."""

    def spec(self, name: str) -> ActivitySpec:
        """The spec of the activity created as `name`."""
        return next(spec for spec in self.specs if spec.name == name)

    def __repr__(self) -> str:
        parts = [repr(spec) for spec in self.specs]
        parts += [f"max_open={self.max_open!r}"] if self.max_open is not None else []
        parts += [f"{key}={getattr(self, key)!r}" for key, default in _FLOW_DEFAULTS.items()
                  if getattr(self, key) != default]
        return f"build_flow({', '.join(parts)})"


_FLOW_DEFAULTS = {"domain": "dev", "name": "generated"}


def build_flow(*activities: ActivitySpec, max_open: int | None = None, domain: str = "dev",
               name: str = "generated") -> GeneratedFlow:
    """The flow the specs describe, made with garcon's own API. Each activity runs one
    decorated task (timeout 60 s, heartbeat 10 s) that reads its generator values, so they are
    in the activity's input, where faults can `match` them, and returns `{'<name>.done': True}`.
    An activity's `requires` name activities given before it."""
    create = activity_module.create(domain, name)
    made: dict[str, Activity] = {}
    for spec in activities:
        if spec.name in made or spec.name in (*_FLOW_DEFAULTS, "max_open", "spec", "specs"):
            raise ValueError(f"activity name {spec.name!r} is taken")
        missing = [required for required in spec.requires if required not in made]
        if missing:
            raise ValueError(f"{spec.name} requires {missing}, not given before it")
        keys = [key for generator in spec.generators for key in generator.keys]
        made[spec.name] = create(
            name=spec.name, requires=[made[required] for required in spec.requires],
            retry=spec.retry, generators=list(spec.generators), max_open=spec.max_open,
            shard=spec.shard, run=runner.Sync(_task(spec.name, keys)))
    return GeneratedFlow(domain=domain, name=name, max_open=max_open, specs=activities,
                         **made)


def _task(name: str, keys: list[str]) -> Callable:
    if len(keys) > 4:
        raise ValueError(f"{name}: a generated task reads at most 4 generator keys")

    @task.decorate(timeout=TASK_TIMEOUT, heartbeat=TASK_HEARTBEAT)
    def work(activity: Any, v0: Any = None, v1: Any = None, v2: Any = None,
             v3: Any = None) -> dict:
        return {f"{name}.done": True}

    return work.fill(**{f"v{i}": key for i, key in enumerate(keys)})


@st.composite
def _generator_specs(draw: st.DrawFn, key: str, max_size: int) -> GeneratorSpec:
    """A generator yielding `key`, and maybe a second, string-valued key, 0 to `max_size`
    times."""
    labelled = draw(st.booleans())
    size = draw(st.integers(0, max_size))
    return GeneratorSpec(size, key, *([key + LABEL_SUFFIX] if labelled else []))


@st.composite
def flows(draw: st.DrawFn, *, max_activities: int = 4, max_generators: int = 2,
          max_size: int = 3, max_retry: int = 3, caps: bool = True) -> GeneratedFlow:
    """Flows of 1 to `max_activities` (at most 6) activities. Activity i may require any of
    the activities before it (a DAG); names are shuffled, so garcon's alphabetical walk does
    not follow the requirements. Each activity has a retry count up to `max_retry`, 0 to
    `max_generators` (at most 2) generators of 0 to `max_size` values, and, with `caps`, an
    optional `max_open` (as the flow has)."""
    count = draw(st.integers(1, min(max_activities, len(ACTIVITY_NAMES))))
    names = draw(st.permutations(ACTIVITY_NAMES[:count]))
    specs = []
    for i, name in enumerate(names):
        requires = draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else []
        retry = draw(st.integers(0, max_retry))
        keys = draw(st.lists(st.sampled_from(GENERATOR_KEYS), unique=True,
                             max_size=min(max_generators, 2)))
        generators = tuple(draw(_generator_specs(key, max_size)) for key in keys)
        cap = draw(st.none() | st.integers(1, 3)) if caps else None
        specs.append(ActivitySpec(name, tuple(sorted(requires, key=names.index)), retry,
                                  generators, cap))
    flow_cap = draw(st.none() | st.integers(1, 4)) if caps else None
    return build_flow(*specs, max_open=flow_cap)


# -- Fault plans ----------------------------------------------------------------------------

class FaultList(list):
    """The faults of a run (a list `run_flow` takes), shown as the calls that make them."""

    def __repr__(self) -> str:
        return f"[{', '.join(describe_fault(fault) for fault in self)}]"


def describe_fault(fault: faults_module.Fault) -> str:
    """A fault as the `garcon_sim.faults` call that makes it."""
    if isinstance(fault, faults_module.Throttle):
        return f"faults.throttle({fault.operation!r}, {fault.times!r})"
    if isinstance(fault, faults_module.RandomFailures):
        return f"faults.random_failures({fault.rate!r}, {fault.activity!r})"
    kind = {faults_module.Fail: "fail", faults_module.TimeOut: "timeout",
            faults_module.Crash: "crash"}[type(fault)]
    arguments = [repr(fault.activity)]
    arguments += [f"match={fault.match!r}"] if fault.match else []
    arguments += [f"kind={fault.kind!r}"] if isinstance(fault, faults_module.TimeOut) else []
    arguments += [f"times={fault.times!r}"] if fault.times is not None else []
    return f"faults.{kind}({', '.join(arguments)})"


@dataclass(frozen=True)
class _Target:
    """What a fault may strike in one activity."""

    names: tuple[str, ...]
    """The activity as a fault may name it: its short name, its type name."""
    retry: int
    matches: tuple[dict, ...]
    """Instances' values (as the activity input holds them) a fault may match."""
    timeouts: tuple[str, ...]
    """The timeout kinds that can come first for its attempts."""


def fault_plans(flow: Any, *, input: Mapping[str, Any] | None = None, max_faults: int = 3,
                timeouts: Collection[str] = faults_module.TIMEOUT_KINDS,
                throttles: Collection[str] = THROTTLED_OPERATIONS) -> SearchStrategy[FaultList]:
    """Fault plans for `flow` run with `input`: up to `max_faults` attempt faults, then up to
    two throttles of the `throttles` operations.

    An attempt fault names an activity (by its short or its type name, or None for every
    activity), and strikes all its instances, those whose input holds one generator value, or
    one instance (`match` on all its generator values, which the input holds when the tasks
    read them); it is a failure, a crash, or a timeout of one of the `timeouts` kinds that can
    come first for the activity's timeouts; on the first 1 to retry + 2 attempts of each
    instance, or on every attempt. Generators are run on `input` once, here: ones that need
    results of earlier activities get faults without `match`.
    """
    targets = [_target(flow, current, dict(input or {}), timeouts)
               for current in find_workflow_activities(flow)]
    if not targets:
        raise ValueError(f"{flow!r} has no activity to put faults on")
    return _fault_lists(targets, max_faults, tuple(throttles))


@st.composite
def _fault_lists(draw: st.DrawFn, targets: list[_Target], max_faults: int,
                 throttles: tuple[str, ...]) -> FaultList:
    plan = FaultList(draw(st.lists(_attempt_faults(targets), max_size=max_faults)))
    if throttles:
        for _ in range(draw(st.integers(0, 2))):
            plan.append(faults_module.throttle(draw(st.sampled_from(throttles)),
                                               draw(st.integers(1, 3))))
    return plan


def _target(flow: Any, current: Activity, context: dict, timeouts: Collection[str]
            ) -> _Target:
    short = short_name(flow, current)
    try:
        instances = current.instances(context)
    except Exception:
        instances = []
    matches = tuple(_as_json(instance.local_context) for instance in instances
                    if instance.local_context)
    kinds = tuple(kind for kind in _first_timeouts(instances, context) if kind in timeouts)
    return _Target((short, current.name), current.retry, matches, kinds)


def _first_timeouts(instances: list, context: dict) -> tuple[str, ...]:
    """The timeout kinds that come first for an attempt of the activity, as the harness times
    one out (see `garcon_sim.faults.timeout`), whatever it waited for, up to QUEUED_MARGIN."""
    if not instances:
        return ("SCHEDULE_TO_START",)
    found = instances[0].timeouts(context, len(instances))
    start = int(found["scheduleToStartTimeout"])
    close = int(found["scheduleToCloseTimeout"])
    run = int(found["startToCloseTimeout"])
    beat = int(found["heartbeatTimeout"])
    queued = QUEUED_MARGIN
    kinds = ["SCHEDULE_TO_START"] if start < close else []
    if run + queued < close:
        kinds.append("START_TO_CLOSE")
    if beat < run and beat + queued < close:
        kinds.append("HEARTBEAT")
    if close < run:
        kinds.append("SCHEDULE_TO_CLOSE")
    return tuple(kinds)


@st.composite
def _attempt_faults(draw: st.DrawFn, targets: list[_Target]) -> faults_module.Fault:
    target = draw(st.sampled_from(targets))
    activity = draw(st.sampled_from([*target.names, None]))
    match = None
    if target.matches:
        how = draw(st.sampled_from(("every instance", "one value", "one instance")))
        if how != "every instance":
            values = draw(st.sampled_from(target.matches))
            if how == "one value":
                key = draw(st.sampled_from(sorted(values)))
                values = {key: values[key]}
            match = values
    times = draw(st.integers(1, target.retry + 2) | st.none())
    kind = draw(st.sampled_from(("fail", "crash", *(["timeout"] if target.timeouts else []))))
    if kind == "fail":
        return faults_module.fail(activity, match=match, times=times)
    if kind == "crash":
        return faults_module.crash(activity, match=match, times=times)
    return faults_module.timeout(activity, match=match, times=times,
                                 kind=draw(st.sampled_from(target.timeouts)))


def _as_json(values: Mapping[str, Any]) -> dict:
    """Values as an activity input carries them (through JSON), so that `match` finds them."""
    try:
        return json.loads(json.dumps(dict(values)))
    except (TypeError, ValueError):
        return {}


# -- Inputs ---------------------------------------------------------------------------------

JSON_SCALARS = (st.none() | st.booleans() | st.integers(-(2 ** 53), 2 ** 53)
                | st.floats(allow_nan=False, allow_infinity=False)
                | st.text(st.characters(codec="utf-8"), max_size=12))
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=8), inner, max_size=3),
    max_leaves=6)
"""Any JSON value: scalars, and small lists and objects of them."""
INPUT_KEYS = st.text(st.characters(codec="utf-8", exclude_characters="."), min_size=1,
                     max_size=10)
"""Keys of generated start inputs: without a dot, so they stay clear of namespaced keys such
as `generator.day` or `execution.run_id`."""


def inputs(**required: SearchStrategy) -> SearchStrategy[dict]:
    """Workflow start inputs: JSON objects of up to 4 keys with any JSON values, plus the keys
    given here, each drawn from its strategy (`inputs(day=st.integers(1, 31))`)."""
    return _inputs(required)


@st.composite
def _inputs(draw: st.DrawFn, required: dict[str, SearchStrategy]) -> dict:
    return {**draw(st.dictionaries(INPUT_KEYS, JSON_VALUES, max_size=4)),
            **draw(st.fixed_dictionaries(required))}


_any_inputs = inputs  # `histories` has a parameter of that name


# -- Fleets ---------------------------------------------------------------------------------

SECONDS = (1.0, 0.5, 2.0, 0.0, 3.0)
"""Attempt durations `fleets` draws, simplest first."""
DECISION_SECONDS = (0.0, 0.1, 0.5, 1.0)
"""Decision latencies `fleets` draws."""


@dataclass(frozen=True, repr=False)
class FleetSpec:
    """A fleet for `run_flow`: its `workers`, `durations` and `decision_seconds`."""

    workers: Workers = DEFAULT_WORKERS
    durations: Durations = DEFAULT_DURATIONS
    decision_seconds: float = DEFAULT_DECISION_SECONDS

    def options(self) -> dict[str, Any]:
        """`run_flow`'s keyword arguments for this fleet."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def changed(self) -> list[str]:
        """The keyword arguments that differ from `run_flow`'s defaults, as code."""
        return [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                if getattr(self, f.name) != f.default]

    def __repr__(self) -> str:
        return f"FleetSpec({', '.join(self.changed())})"


def fleets(flow: Any = None, *, max_workers: int = 4, seconds: Collection[float] = SECONDS,
           decision_seconds: Collection[float] = DECISION_SECONDS
           ) -> SearchStrategy[FleetSpec]:
    """Fleets: 1 to `max_workers` workers per task list, or a number per activity of `flow`;
    attempts of one of `seconds`, drawn between two of them (`uniform`), or per activity;
    decision tasks of one of `decision_seconds`. Shrinks towards one worker, one-second
    attempts and the first decision latency."""
    names = [short_name(flow, current) for current in resolve_activity_names(flow, None)
             ] if flow is not None else []
    counts = st.integers(1, max_workers)
    one_duration = st.sampled_from(tuple(seconds)) | st.builds(
        lambda pair: uniform(*sorted(pair)),
        st.tuples(st.sampled_from(tuple(seconds)), st.sampled_from(tuple(seconds))))
    return st.builds(
        FleetSpec, counts | _per_activity(names, counts), one_duration | _per_activity(
            names, one_duration), st.sampled_from(tuple(decision_seconds)))


def _per_activity(names: list[str], values: SearchStrategy) -> SearchStrategy[dict]:
    if not names:
        return st.nothing()
    return st.fixed_dictionaries({}, optional={name: values for name in names})


# -- Histories ------------------------------------------------------------------------------

@dataclass(repr=False)
class GeneratedRun(RunResult):
    """A `RunResult` (status, reason, events, flow, attempts(), ...) that also keeps what made
    it: `input`, `faults`, `limits` and `client`. Its repr is the `run_flow(...)` call that
    reproduces it, with how it ended as a comment."""

    input: dict | None = None
    faults: FaultList = field(default_factory=FaultList)
    limits: SWFLimits | None = None
    client: str = "direct"
    fleet: FleetSpec = field(default_factory=FleetSpec)

    def rerun(self, *, client: str | None = None, **fleet: Any) -> RunResult:
        """The same run again: same flow, input, faults, seed, limits and fleet, on the same
        client or the one given, with the fleet's `workers`, `durations` or
        `decision_seconds` changed if given."""
        return run_flow(self.flow, input=self.input, seed=self.seed, faults=self.faults,
                        client=client or self.client, sim=_simulator(self.seed, self.limits),
                        **{**self.fleet.options(), **fleet})

    def __repr__(self) -> str:
        options = [repr(self.flow), f"input={self.input!r}", f"seed={self.seed!r}",
                   f"faults={self.faults!r}", *self.fleet.changed()]
        if self.limits is not None:
            options.append(f"sim=Simulator(seed={self.seed!r}, "
                           f"limits={describe_limits(self.limits)})")
        if self.client != "direct":
            options.append(f"client={self.client!r}")
        ending = f"{self.status}, {len(self.events)} events" + (
            f": {self.reason}" if self.reason else "")
        return f"run_flow({', '.join(options)})  # {ending}"


def describe_limits(limits: SWFLimits) -> str:
    """`SWFLimits(...)` with only the values that differ from SWF's."""
    changed = [f"{f.name}={getattr(limits, f.name)!r}" for f in fields(limits)
               if getattr(limits, f.name) != f.default]
    return f"SWFLimits({', '.join(changed)})"


def _simulator(seed: int, limits: SWFLimits | None) -> Simulator | None:
    return None if limits is None else Simulator(seed=seed, limits=limits)


_any_fleets = fleets  # `histories` has a parameter of that name


@st.composite
def histories(draw: st.DrawFn, flow: Any = None, *, inputs: SearchStrategy[dict] | None = None,
              faults: bool | Mapping[str, Any] = True, seeds: SearchStrategy[int] | None = None,
              limits: SWFLimits | SearchStrategy[SWFLimits] | None = None,
              fleets: FleetSpec | SearchStrategy[FleetSpec] | None = None,
              client: str = "direct") -> GeneratedRun:
    """Runs of `flow` (a flow, or a strategy of flows; by default `flows()`) in the simulator.

    The input comes from `inputs` (by default `inputs()`: give your flow's keys with
    `inputs(key=strategy)`), the faults from `fault_plans(flow, input=...)` (with `faults` as
    its keyword arguments when a mapping; none when False), the fleet from `fleets` (a
    `FleetSpec` or a strategy of them; by default `fleets(flow)`), the seed from `seeds` (0 to
    1,000). `limits` (or a strategy of them) runs the simulator and the runtime under smaller
    SWF quotas; `client` is "direct" or "boto3". Each draw runs the flow, which takes a few
    milliseconds to a second: tests using it may want
    `@settings(suppress_health_check=[HealthCheck.too_slow])`.
    """
    current = draw(flow if isinstance(flow, SearchStrategy) else
                   flows() if flow is None else st.just(flow))
    start = draw(_any_inputs() if inputs is None else inputs)
    options = faults if isinstance(faults, Mapping) else {}
    plan = draw(fault_plans(current, input=start, **options)) if faults else FaultList()
    fleet = (draw(fleets) if isinstance(fleets, SearchStrategy) else fleets
             ) or draw(_any_fleets(current))
    seed = draw(st.integers(0, 1_000) if seeds is None else seeds)
    quotas = draw(limits) if isinstance(limits, SearchStrategy) else limits
    result = run_flow(current, input=start, seed=seed, faults=plan, client=client,
                      sim=_simulator(seed, quotas), **fleet.options())
    values = {f.name: getattr(result, f.name) for f in fields(result) if f.init}
    return GeneratedRun(**values, input=start, faults=plan, limits=quotas,
                        client=client, fleet=fleet)

