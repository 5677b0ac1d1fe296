"""Time of one decision on large histories: our `decide()` against garcon 1.1.1's decider logic.

The flow: activity a1, then a2 with one instance per item of a generator (requires a1), then a3
with one instance per part of another generator (requires a2). Scenarios:

(a) a2 with 7,500 instances, all completed, a3 with 400 still to schedule: a history of about
    22,500 events. The run fits under SWF's 25,000 events (a3 needs 1,200 more), so the decider
    must schedule a3's 400 instances, not fail the workflow.
(b) The same shape with a2 at 330 instances: about 1,000 events, to show that the cost grows
    linearly with the history.
(c) For reference, the history of (a) with a3 at 8,000 instances: it cannot fit (24,000 more
    events), so ours fails the workflow with the history budget; garcon 1.1.1 schedules all
    8,000, checking a3's requirements once per instance against every a2 instance.
(w) A warm decision: a2 with 7,220 instances, a3's 400 scheduled and started, 2 of them
    completed and decided on; then 7 more complete. The next decision task brings 10 events
    (the previous DecisionTaskCompleted, the 7 closes, DecisionTaskScheduled and Started) on a
    history of about 22,500. Timed: `DeciderWorker.answer(task)` of a worker that answered the
    previous decision task (its fold of the history and its expansions kept), its answer
    recorded instead of sent (the service's part is not the decider's). Beside it: the cold
    decision, `decide(flow, events, execution)` on the whole history, and garcon 1.1.1 on it.

The histories are real SWF histories from the simulator: `garcon_sim.Simulator` (direct client)
driven by our DeciderWorker and ActivityWorker, every open activity (a wave of up to 1,000)
completed before the next decision task, so that a wave's completions share one decision task
and 7,500 instances fit in about 22,500 events. A scenario's history is the one the decision task
that schedules a3 sees (up to its DecisionTaskStarted). (c) uses (a)'s history: a3's generator
is not read before a2 completes, so the history up to that decision task is the same.

What is timed: `decide(flow, events, execution)` from the events as loaded from the history's
JSON file, so each call folds the whole history afresh. The baseline: garcon 1.1.1, installed
in a venv of its own (its package is also named `garcon`) under
$XDG_CACHE_HOME/garcon-sim-bench (~/.cache by default), made on the first run with `python -m
venv` and `pip install garcon==1.1.1 boto3 backoff`. A process in that venv rebuilds the flow
with garcon 1.1.1's API, loads the same JSON file and times what its `DeciderWorker.run` does
once the history is paged in: drop the Decision* events (as its `get_history` does),
`get_activity_states` (event.activity_states_from_events), `event.get_current_context`,
`set_workflow_execution_info`, and `create_decisions_from_flow`
(activity.find_available_activities, then find_uncomplete_activities) into a list. Both sides
run gc.collect() before each timed call. Rounds interleave the two, scenario by scenario; the
table gives the median and the best of all calls, and checks that both scheduled the same
activities.

Targets: a warm decision at most 2 ms; the cold one a median of at most 50 ms and at least 10
times faster than garcon 1.1.1 in the same run (medians).

    python benchmarks/bench_decider.py [--rounds 3] [--repeat 5]
"""
from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from garcon import activity, runner, task
from garcon.decider import decide
from garcon.worker import ActivityWorker, DeciderWorker, register_flow
from garcon_sim import Simulator, dump_history

DOMAIN, FLOW_NAME, IDENTITY = "bench", "decider_bench", "bench"
QUIET = logging.getLogger("bench.quiet")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


@dataclass(frozen=True)
class Scenario:
    label: str
    items: int
    """a2's instances (all completed in the history)."""
    parts: int
    """a3's instances (to schedule)."""
    history_of: str | None = None
    """The scenario whose history this one reuses."""
    baseline_calls: int | None = None
    """garcon 1.1.1's calls per round (None: --repeat, as ours)."""
    warm: bool = False
    """The warm scenario: its history is `simulate_warm`'s, and a warm decision is timed too."""


WARM = "(w) a2 7,220, a3 400 running"
SCENARIOS = (
    Scenario("(b) a2 330, a3 400", 330, 400),
    Scenario("(a) a2 7,500, a3 400", 7_500, 400),
    Scenario("(c) a2 7,500, a3 8,000", 7_500, 8_000, history_of="(a) a2 7,500, a3 400",
             baseline_calls=1),
    Scenario(WARM, 7_220, 400, warm=True),
)


# The flow, with our API (garcon 1.1.1's is in BASELINE below, with the same names).

@task.decorate()
def item_task(activity, item):
    """Every instance's task: nothing to do."""


def make_flow(items: int, parts: int) -> types.SimpleNamespace:
    create = activity.create(DOMAIN, FLOW_NAME)
    a1 = create(name="a1", run=runner.Sync(item_task.fill(item="execution.run_id")))
    a2 = create(name="a2", requires=[a1],
                generators=[lambda context: ({"generator.item": i} for i in range(items))],
                run=runner.Sync(item_task.fill(item="generator.item")))
    a3 = create(name="a3", requires=[a2],
                generators=[lambda context: ({"generator.part": i} for i in range(parts))],
                run=runner.Sync(item_task.fill(item="generator.part")))
    return types.SimpleNamespace(domain=DOMAIN, name=FLOW_NAME, a1=a1, a2=a2, a3=a3)


# The histories, from the simulator.

@dataclass
class Started:
    """An execution of the flow on a simulator, and the workers that drive it."""

    sim: Simulator
    swf: Any
    execution: dict
    decider: DeciderWorker
    worker: ActivityWorker


def start(flow: Any, workflow_id: str) -> Started:
    sim = Simulator(seed=0)
    swf = sim.direct_client()
    register_flow(swf, flow, QUIET)
    execution = {"domain": DOMAIN, "workflowId": workflow_id, "runId": swf.start_workflow_execution(
        domain=DOMAIN, workflowId=workflow_id, workflowType={"name": FLOW_NAME, "version": "1.0"},
        input="{}")["runId"]}
    return Started(sim, swf, execution,
                   DeciderWorker(flow, register=False, client=swf, limits=sim.limits,
                                 logger=QUIET),
                   ActivityWorker(flow, client=swf, limits=sim.limits, logger=QUIET))


def simulate(flow: Any) -> tuple[list[dict], dict]:
    """Run the flow on the simulator, a wave of activities between two decision tasks, until
    a decision schedules a3; return the history that decision task saw, and its execution."""
    run = start(flow, f"{FLOW_NAME}-1")
    sim, swf, execution, decider, worker = (run.sim, run.swf, run.execution, run.decider,
                                            run.worker)
    while True:
        decision_task = decider.poll(IDENTITY)
        if decision_task is None:
            raise RuntimeError("no decision task, and a3 was never scheduled")
        if scheduled(decider.answer(decision_task).decisions, flow.a3.name):
            return whole_history(swf, execution, decision_task["startedEventId"]), execution
        complete_wave(worker, sim)


def complete_wave(worker: ActivityWorker, sim: Simulator) -> None:
    """Run every open activity task (a second of virtual time each) before the next decision."""
    for current in worker.activities:
        while (activity_task := worker.poll(current, IDENTITY)) is not None:
            sim.clock.advance(seconds=1)
            worker.execute(current, activity_task, parallel=False)


def scheduled(decisions: list[dict], activity_name: str | None = None) -> list[str]:
    """The ids the decisions schedule (of one activity type, if named)."""
    return [d["scheduleActivityTaskDecisionAttributes"]["activityId"] for d in decisions
            if d["decisionType"] == "ScheduleActivityTask" and activity_name in (
                None, d["scheduleActivityTaskDecisionAttributes"]["activityType"]["name"])]


def whole_history(swf: Any, execution: dict, last_event_id: int) -> list[dict]:
    request = {"domain": DOMAIN, "execution": {key: execution[key]
                                               for key in ("workflowId", "runId")}}
    events: list[dict] = []
    token = None
    while True:
        page = swf.get_workflow_execution_history(
            **request, **({"nextPageToken": token} if token else {}))
        events.extend(page["events"])
        token = page.get("nextPageToken")
        if not token:
            return [event for event in events if event["eventId"] <= last_event_id]


# The warm decision: two decision tasks 10 events apart, from the simulator.

WARM_CLOSES = 7


@dataclass
class Warm:
    path: Path
    """The whole history up to the second task, as JSON (what garcon 1.1.1 and `decide` get)."""
    events: list[dict]
    first: dict
    """The decision task a worker answers first: its events are the whole history."""
    second: dict
    """The next one: the events since the first's DecisionTaskStarted."""
    execution: dict


class Recorder:
    """A decider's client that keeps its answers instead of sending them."""

    def __init__(self) -> None:
        self.decisions: list[dict] = []

    def respond_decision_task_completed(self, **request: Any) -> dict:
        self.decisions = request["decisions"]
        return {}


def simulate_warm(flow: Any, folder: Path) -> Warm:
    run = start(flow, f"{FLOW_NAME}-warm")
    sim, swf, execution, decider, worker = (run.sim, run.swf, run.execution, run.decider,
                                            run.worker)
    while not scheduled(decider.answer(decider.poll(IDENTITY)).decisions, flow.a3.name):
        complete_wave(worker, sim)
    running = [worker.poll(flow.a3, IDENTITY) for _ in flow.a3.instance_values({})]
    for attempt in running[:2]:
        worker.execute(flow.a3, attempt, parallel=False)
    first = decider.poll(IDENTITY)
    decider.answer(first)
    for attempt in running[2:2 + WARM_CLOSES]:
        worker.execute(flow.a3, attempt, parallel=False)
    second = decider.poll(IDENTITY)
    events = whole_history(swf, execution, second["startedEventId"])
    path = folder / "history-warm.json"
    path.write_text(dump_history(events))
    loaded = json.loads(path.read_text())["events"]
    first = {**first, "events": loaded[:first["startedEventId"]]}
    return Warm(path, loaded, first, second, execution)


def time_warm(flow: Any, warm: Warm, calls: int) -> tuple[list[float], list[dict]]:
    times, decisions = [], []
    for _ in range(calls):
        recorder = Recorder()
        worker = DeciderWorker(flow, register=False, client=recorder, logger=QUIET)
        worker.answer(warm.first)
        gc.collect()
        started = time.perf_counter()
        decisions = worker.answer(warm.second).decisions
        times.append(time.perf_counter() - started)
    return times, decisions


@dataclass
class History:
    path: Path
    events: list[dict]
    """As loaded from `path`: what both deciders get."""
    execution: dict


def write_histories(folder: Path) -> tuple[dict[str, History], Warm]:
    histories: dict[str, History] = {}
    for scenario in SCENARIOS:
        if scenario.history_of is not None:
            histories[scenario.label] = histories[scenario.history_of]
            continue
        if scenario.warm:
            warm = simulate_warm(make_flow(scenario.items, scenario.parts), folder)
            histories[scenario.label] = History(warm.path, warm.events, warm.execution)
            continue
        events, execution = simulate(make_flow(scenario.items, scenario.parts))
        path = folder / f"history-{scenario.items}.json"
        path.write_text(dump_history(events))
        histories[scenario.label] = History(path, json.loads(path.read_text())["events"],
                                            execution)
    return histories, warm


# Ours.

def time_ours(flow: Any, history: History, calls: int) -> tuple[list[float], list[dict]]:
    times, decisions = [], []
    for _ in range(calls):
        gc.collect()
        started = time.perf_counter()
        decisions = decide(flow, history.events, history.execution)
        times.append(time.perf_counter() - started)
    return times, decisions


# garcon 1.1.1, in a venv and a process of its own.

BASELINE = r'''
import gc, json, sys, time, types
from collections import Counter

import garcon
from garcon import activity, event, runner, task
from garcon.decider import DeciderWorker


@task.decorate()
def item_task(activity, item):
    """Every instance's task: nothing to do."""


def make_flow(items, parts):
    create = activity.create(None, "bench", "decider_bench")
    a1 = create(name="a1", run=runner.Sync(item_task.fill(item="execution.run_id")))
    a2 = create(name="a2", requires=[a1],
                generators=[lambda context: ({"generator.item": i} for i in range(items))],
                run=runner.Sync(item_task.fill(item="generator.item")))
    a3 = create(name="a3", requires=[a2],
                generators=[lambda context: ({"generator.part": i} for i in range(parts))],
                run=runner.Sync(item_task.fill(item="generator.part")))
    return types.SimpleNamespace(client=None, domain="bench", name="decider_bench",
                                 a1=a1, a2=a2, a3=a3)


def decide(worker, events, execution):
    """DeciderWorker.run once its poll has paged the history in, less the respond call."""
    history = [e for e in events if not e["eventType"].startswith("Decision")]
    activity_states = worker.get_activity_states(history)
    current_context = event.get_current_context(history)
    current_context.set_workflow_execution_info({"workflowExecution": execution}, worker.domain)
    decisions = []
    worker.create_decisions_from_flow(decisions, activity_states, current_context)
    return decisions


histories, workers = {}, {}
print(json.dumps({"garcon": garcon.__path__[0]}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if request["history"] not in histories:
        with open(request["history"]) as file:
            histories[request["history"]] = json.load(file)["events"]
    key = (request["items"], request["parts"])
    if key not in workers:
        workers[key] = DeciderWorker(make_flow(*key), register=False)
    times = []
    for _ in range(request["calls"]):
        gc.collect()
        started = time.perf_counter()
        decisions = decide(workers[key], histories[request["history"]], request["execution"])
        times.append(time.perf_counter() - started)
    print(json.dumps({"times": times, "decisions": decisions}), flush=True)
'''


def baseline_python() -> Path:
    """The python of a venv holding garcon 1.1.1, made on first use."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    root = cache / "garcon-sim-bench" / "garcon-1.1.1"
    python, marker = root / "bin" / "python", root / "garcon-1.1.1-installed"
    if not marker.exists():
        print(f"installing garcon 1.1.1 into {root} ...", flush=True)
        # Without PYTHONPATH, which may name this repository (and so our garcon).
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        for command in ([sys.executable, "-m", "venv", "--clear", str(root)],
                        [str(python), "-m", "pip", "install", "--quiet", "garcon==1.1.1",
                         "boto3", "backoff"]):
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
        marker.write_text("garcon==1.1.1 boto3 backoff\n")
    return python


class Baseline:
    """The garcon 1.1.1 process: one request (a scenario, a number of calls) at a time."""

    def __init__(self, python: Path):
        # -I: no PYTHONPATH, no current directory, so the venv's garcon, not ours.
        self.process = subprocess.Popen([str(python), "-I", "-c", BASELINE],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.location = self._read()["garcon"]

    def time(self, scenario: Scenario, history: History, calls: int
             ) -> tuple[list[float], list[dict]]:
        request = {"history": str(history.path), "items": scenario.items,
                   "parts": scenario.parts, "calls": calls,
                   "execution": {key: history.execution[key] for key in ("workflowId", "runId")}}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self._read()
        return answer["times"], answer["decisions"]

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the garcon 1.1.1 process ended early (see its error above)")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


# The measurement and the report.

@dataclass
class Figures:
    ours: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    our_decisions: list[dict] = field(default_factory=list)
    baseline_decisions: list[dict] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    warm_decisions: list[dict] = field(default_factory=list)


def measure(histories: dict[str, History], warm: Warm, baseline: Baseline, rounds: int,
            repeat: int) -> dict[str, Figures]:
    figures = {scenario.label: Figures() for scenario in SCENARIOS}
    flows = {scenario.label: make_flow(scenario.items, scenario.parts) for scenario in SCENARIOS}
    for _ in range(rounds):
        for scenario in SCENARIOS:
            found, history = figures[scenario.label], histories[scenario.label]
            if scenario.warm:
                times, found.warm_decisions = time_warm(flows[scenario.label], warm, repeat)
                found.warm += times
            times, found.our_decisions = time_ours(flows[scenario.label], history, repeat)
            found.ours += times
            times, found.baseline_decisions = baseline.time(
                scenario, history, scenario.baseline_calls or repeat)
            found.baseline += times
    return figures


def describe(decisions: list[dict]) -> str:
    counts = Counter(d["decisionType"] for d in decisions)
    text = ", ".join(f"{count:,} {kind}" for kind, count in counts.items()) or "none"
    reason = next((d["failWorkflowExecutionDecisionAttributes"].get("reason")
                   for d in decisions if d["decisionType"] == "FailWorkflowExecution"), None)
    return f"{text} ({reason})" if reason else text


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def report(histories: dict[str, History], figures: dict[str, Figures]) -> None:
    print(f"\n{'scenario':24} {'events':>7} {'ours median':>12} {'ours best':>10} "
          f"{'1.1.1 median':>13} {'1.1.1 best':>11} {'1.1.1/ours':>10}")
    print(f"{'':24} {'':>7} {'(ms)':>12} {'(ms)':>10} {'(ms)':>13} {'(ms)':>11} "
          f"{'(best)':>10}")
    for scenario in SCENARIOS:
        found, events = figures[scenario.label], len(histories[scenario.label].events)
        print(f"{scenario.label:24} {events:7,} {ms(statistics.median(found.ours)):>12} "
              f"{ms(min(found.ours)):>10} {ms(statistics.median(found.baseline)):>13} "
              f"{ms(min(found.baseline)):>11} {min(found.baseline) / min(found.ours):9.1f}x")
    print("\ndecisions (ours | garcon 1.1.1):")
    for scenario in SCENARIOS:
        found = figures[scenario.label]
        same = sorted(scheduled(found.our_decisions)) == sorted(
            scheduled(found.baseline_decisions))
        print(f"  {scenario.label:24} {describe(found.our_decisions)} | "
              f"{describe(found.baseline_decisions)}; "
              + ("same activity ids" if same else "different"))
    growth(histories, figures)
    warm_report(histories, figures)


def warm_report(histories: dict[str, History], figures: dict[str, Figures]) -> None:
    found = figures[WARM]
    events = len(histories[WARM].events)
    cold, old = statistics.median(found.ours), statistics.median(found.baseline)
    warm = statistics.median(found.warm)
    print(f"\nwarm decision at {events:,} events, {WARM_CLOSES + 3} of them new (median, best; "
          "ms):")
    print(f"  ours, warm (DeciderWorker.answer, fold and expansions kept) "
          f"{ms(warm):>7} {ms(min(found.warm)):>7}")
    print(f"  ours, cold (decide on the whole history)                   "
          f"{ms(cold):>7} {ms(min(found.ours)):>7}")
    print(f"  garcon 1.1.1 (the whole history, always)                   "
          f"{ms(old):>7} {ms(min(found.baseline)):>7}")
    same = found.warm_decisions == found.our_decisions
    print(f"  decisions: warm {describe(found.warm_decisions)}, cold "
          f"{describe(found.our_decisions)}: {'the same' if same else 'DIFFERENT'}")
    large = figures[SCENARIOS[1].label]
    ratio = statistics.median(large.baseline) / statistics.median(large.ours)
    print("targets:")
    print(f"  warm decision at most 2 ms: {'met' if warm <= 0.002 else 'MISSED'} ({ms(warm)} ms)")
    for label in (SCENARIOS[1].label, WARM):
        median = statistics.median(figures[label].ours)
        print(f"  cold decision {label}: median at most 50 ms: "
              f"{'met' if median <= 0.05 else 'MISSED'} ({ms(median)} ms)")
    ratio_warm = old / cold
    for label, value in ((SCENARIOS[1].label, ratio), (WARM, ratio_warm)):
        print(f"  cold decision {label}: at least 10x garcon 1.1.1 (medians): "
              f"{'met' if value >= 10 else 'MISSED'} ({value:.1f}x)")


def growth(histories: dict[str, History], figures: dict[str, Figures]) -> None:
    """Cost per event at 1k and 22.5k events, and the cost of the events in between."""
    small, large = SCENARIOS[0].label, SCENARIOS[1].label
    n_small, n_large = len(histories[small].events), len(histories[large].events)
    print(f"\ncost per event, best call (events {n_small:,} -> {n_large:,}, "
          f"x{n_large / n_small:.1f}):")
    for name, side in (("ours", "ours"), ("garcon 1.1.1", "baseline")):
        t_small = min(getattr(figures[small], side))
        t_large = min(getattr(figures[large], side))
        marginal = (t_large - t_small) / (n_large - n_small)
        print(f"  {name:13} {t_small / n_small * 1e6:6.2f} us/event at {n_small:,}, "
              f"{t_large / n_large * 1e6:6.2f} us/event at {n_large:,} (time x"
              f"{t_large / t_small:.1f}); {marginal * 1e6:6.2f} us per added event")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--repeat", type=int, default=5,
                        help="calls per scenario and round for each side (garcon 1.1.1 makes "
                             "one call per round for (c): about 3 s each)")
    options = parser.parse_args()
    baseline = Baseline(baseline_python())
    with tempfile.TemporaryDirectory(prefix="bench-decider-") as folder:
        started = time.perf_counter()
        histories, warm = write_histories(Path(folder))
        print(f"{os.cpu_count()} cores; histories built on the simulator in "
              f"{time.perf_counter() - started:.1f} s; garcon 1.1.1 from {baseline.location}")
        print(f"median and best of {options.rounds} interleaved rounds x {options.repeat} "
              "calls per side (garcon 1.1.1: 1 call per round for (c)), gc.collect() before "
              "each call")
        try:
            figures = measure(histories, warm, baseline, options.rounds, options.repeat)
        finally:
            baseline.close()
    report(histories, figures)


if __name__ == "__main__":
    main()
