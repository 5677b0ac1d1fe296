"""Wall time of whole flow runs: `run_flow` on the simulator, and the same workers on moto's SWF.

The flow has the seed's shape (examples/country_flow.py): activity_1, then activity_2 with one
instance per country (retry=3), then activity_3. Its tasks do nothing, so what is timed is the
runtime (garcon's DeciderWorker and ActivityWorker) and the service it talks to.

(a) 1,000 countries, 10% of activity_2's attempts failing at random
    (`garcon_sim.faults.random_failures(0.1, "activity_2")`, seed 0: the run completes, every
    failed instance succeeding within its retries), with run_flow's default fleet (10 workers
    per task list). `run_flow(..., client="direct")` against `client="boto3"` (a genuine boto3
    client served in-process). Target: under 1 s direct.
(b) 400 countries, no failures: the same worker code (DeciderWorker.poll/answer,
    ActivityWorker.poll/execute) driven in one thread against moto's SWF (`mock_aws`, in
    process), in the harness's order: a decision task whenever one is open, else one activity
    task (activities in the flow's order). The driver tracks what is pending from the
    decisions it sent (moto sleeps a real second on an empty poll; the figures say how many
    polls came back empty: none should). Against `run_flow(..., client="direct")` on the same
    flow with the fleet that runs in that same order (`workers=1, durations=1,
    decision_seconds=0`). Target: the simulator at least 50 times faster. No failures here:
    moto refuses to reuse an activity id after a failure, so retries cannot run on it.

A figure is the wall time of one whole run: registering the flow, starting the execution, and
driving it to its close. Each setup's best run is kept, the runs of the setups being
interleaved round after round (the machines this runs on are shared and noisy); a
gc.collect() comes before each run. moto runs once by default: one run takes about a minute,
and the gap to the simulator (two orders of magnitude) is far wider than the noise.

    python benchmarks/bench_harness.py [--rounds 3] [--moto-runs 1] [--seed 0]
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from garcon import activity, runner, task
from garcon.worker import ActivityWorker, DeciderWorker, register_flow
from garcon_sim.faults import random_failures
from garcon_sim.harness import run_flow

DOMAIN, FLOW_NAME = "dev", "country_flow"
IDENTITY = "bench"
QUIET = logging.getLogger("bench.quiet")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


@task.decorate()
def country_task(activity, country_id):
    """activity_2's task: nothing to do, so the runtime is what is timed."""


def country_flow(countries: int) -> types.SimpleNamespace:
    """The seed flow's shape with `countries` instances of activity_2."""
    create = activity.create(DOMAIN, FLOW_NAME)
    first = create(name="activity_1", run=runner.Sync(lambda context, activity: None))
    per_country = create(
        name="activity_2", requires=[first], retry=3,
        generators=[lambda context: ({"generator.country_id": country}
                                     for country in range(1, countries + 1))],
        run=runner.Sync(country_task.fill(country_id="generator.country_id")))
    last = create(name="activity_3", requires=[per_country],
                  run=runner.Sync(lambda context, activity: None))
    return types.SimpleNamespace(domain=DOMAIN, name=FLOW_NAME, test_activity_1=first,
                                 test_activity_2=per_country, test_activity_3=last)


@dataclass
class Figure:
    """One run: its wall time, its history length and how it ended."""

    seconds: float
    events: int
    status: str
    empty_polls: int = 0

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def timed(run: Callable[[], tuple[int, str, int]]) -> Figure:
    gc.collect()  # no run pays for the garbage of the previous one
    started = time.perf_counter()
    events, status, empty_polls = run()
    return Figure(time.perf_counter() - started, events, status, empty_polls)


def best(figures: list[Figure]) -> Figure:
    return min(figures, key=lambda figure: figure.seconds)


# The simulator: garcon_sim.harness.run_flow.

IN_ORDER = {"workers": 1, "durations": 1, "decision_seconds": 0}
"""The fleet that runs a flow in the moto driver's order: one attempt at a time, each close
with a decision task of its own."""


def simulated(flow: Any, client: str, seed: int, faults: list,
              **fleet: Any) -> Callable[[], tuple]:
    def run() -> tuple[int, str, int]:
        result = run_flow(flow, seed=seed, faults=faults, client=client, **fleet)
        return result.events_used, result.status, 0
    return run


# moto: the same workers, driven in the harness's order.

@contextmanager
def moto_swf() -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("swf", region_name="us-east-1", aws_access_key_id="bench",
                           aws_secret_access_key="bench")


def on_moto(flow: Any) -> Callable[[], tuple]:
    def run() -> tuple[int, str, int]:
        with moto_swf() as swf:
            register_flow(swf, flow, QUIET)
            execution = {"workflowId": f"{FLOW_NAME}-moto", "runId": swf.start_workflow_execution(
                domain=DOMAIN, workflowId=f"{FLOW_NAME}-moto",
                workflowType={"name": FLOW_NAME, "version": "1.0"}, input="{}")["runId"]}
            empty_polls = drive(swf, flow)
            info = swf.describe_workflow_execution(domain=DOMAIN, execution=execution)
            events = swf.get_workflow_execution_history(domain=DOMAIN, execution=execution)
            return (len(events["events"]), info["executionInfo"].get("closeStatus", "OPEN"),
                    empty_polls)
    return run


def drive(swf: Any, flow: Any) -> int:
    """Run the execution to its close: a decision task when one is open, else one activity
    task. What is pending follows from the decisions sent, so that no poll comes back empty
    (each empty one costs a second on moto); returns how many did all the same."""
    decider = DeciderWorker(flow, register=False, client=swf, logger=QUIET)
    worker = ActivityWorker(flow, client=swf, logger=QUIET)
    decision_pending, queued, empty_polls = True, Counter(), 0
    while True:
        if decision_pending:
            decision_pending = False
            task = decider.poll(IDENTITY)
            if task is None:
                empty_polls += 1
                continue
            for decision in decider.answer(task).decisions:
                kind = decision["decisionType"]
                if kind == "ScheduleActivityTask":
                    attributes = decision["scheduleActivityTaskDecisionAttributes"]
                    queued[attributes["taskList"]["name"]] += 1
                elif kind.endswith("WorkflowExecution"):
                    return empty_polls
            continue
        current = next((a for a in worker.activities if queued[a.task_list]), None)
        if current is None:
            raise RuntimeError("nothing is pending, yet the execution is still open")
        queued[current.task_list] -= 1
        task = worker.poll(current, IDENTITY)
        if task is None:
            empty_polls += 1
            continue
        worker.execute(current, task, parallel=False)
        decision_pending = True


# The report.

def row(label: str, figure: Figure, reference: Figure) -> str:
    return (f"  {label:40} {figure.seconds:8.3f} {figure.events:7,} {figure.rate:10,.0f} "
            f"{reference.seconds / figure.seconds:8.1f}x  {figure.status}")


def header(title: str, reference: str) -> None:
    print(f"\n{title}")
    print(f"  {'setup':40} {'seconds':>8} {'events':>7} {'events/s':>10} "
          f"{'vs ' + reference:>9}  status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (3 direct, 1 boto3) runs of (a), then 3 direct runs of "
                             "(b) and, in the first --moto-runs rounds, one moto run")
    parser.add_argument("--moto-runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help="the seed of (a)'s failures")
    options = parser.parse_args()
    faulty, clean = country_flow(1000), country_flow(400)
    faults = [random_failures(0.1, "activity_2")]
    runs: dict[str, list[Figure]] = {key: [] for key in ("direct", "boto3", "direct400", "moto")}
    print(f"{os.cpu_count()} cores; best run of each setup over {options.rounds} interleaved "
          f"rounds ({options.moto_runs} moto run(s))")
    for round_number in range(max(options.rounds, options.moto_runs)):
        for _ in range(3):
            runs["direct"].append(timed(simulated(faulty, "direct", options.seed, faults)))
        runs["boto3"].append(timed(simulated(faulty, "boto3", options.seed, faults)))
        for _ in range(3):
            runs["direct400"].append(timed(simulated(clean, "direct", options.seed, [],
                                                     **IN_ORDER)))
        if round_number < options.moto_runs:
            runs["moto"].append(timed(on_moto(clean)))
    fastest = {key: best(figures) for key, figures in runs.items() if figures}

    header(f"(a) 1,000 countries, retry=3, 10% random failures of activity_2 (seed "
           f"{options.seed})", "boto3")
    print(row("run_flow, client='direct'", fastest["direct"], fastest["boto3"]))
    print(row("run_flow, client='boto3'", fastest["boto3"], fastest["boto3"]))
    verdict = "met" if fastest["direct"].seconds < 1 else "MISSED"
    print(f"  target: direct under 1 s: {verdict} ({fastest['direct'].seconds:.3f} s); "
          f"direct runs: {', '.join(f'{f.seconds:.3f}' for f in runs['direct'])} s")

    if "moto" not in fastest:  # --moto-runs 0: the simulator's side alone
        header("(b) 400 countries, no failures (moto not run: --moto-runs 0)", "itself")
        print(row("run_flow, client='direct', in that order", fastest["direct400"],
                  fastest["direct400"]))
        return
    header("(b) 400 countries, no failures: the same DeciderWorker/ActivityWorker code",
           "moto")
    print(row("run_flow, client='direct', in that order", fastest["direct400"],
              fastest["moto"]))
    print(row("moto mock_aws (boto3), same workers", fastest["moto"], fastest["moto"]))
    ratio = fastest["moto"].seconds / fastest["direct400"].seconds
    print(f"  target: simulator at least 50x faster than moto: "
          f"{'met' if ratio >= 50 else 'MISSED'} ({ratio:.0f}x); empty polls on moto: "
          f"{sum(f.empty_polls for f in runs['moto'])}")


if __name__ == "__main__":
    main()
