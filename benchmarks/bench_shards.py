"""A fan-out past one history: 100,000 instances in shards, against the largest that fit one.

The flow: one activity, `work`, with one instance per item of a generator (retry=3), 1% of its
attempts failing at random (`garcon_sim.faults.random_failures(0.01)`, seed 0), run by
`run_flow` with its default fleet (10 workers, attempts of 0.5 to 1.5 s, decision tasks of
0.1 s, all on the virtual clock).

(a) 100,000 items with `shard='auto'`: children of as many instances as keep a child's history
    under the advised 10,000 events with every retry used (416 here: 241 children). Target:
    completed in at most 120 s on the two-core machine.
(b) The same flow without shards, at the largest size whose worst case (every retry used, a
    decision task per close) fits SWF's 25,000 events: what one history can be trusted with
    (1,041 instances). At the largest size whose best case fits (8,322), the first failures
    make the run fail early on its budget.

Printed per setup: instances, child executions, the largest history, events in all (every
execution's), wall time (best of the rounds, a gc.collect() before each) and events per
second. The setups run interleaved, round after round.

    python benchmarks/bench_shards.py [--rounds 1] [--instances 100000]
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import time
import types
from dataclasses import dataclass

from garcon import activity, budget, runner, task
from garcon_sim import faults, run_flow

TARGET_SECONDS = 120


@task.decorate()
def work_on(activity, n):
    """The task: nothing to do, so that the runtime and the simulator are what is timed."""


def flow_of(instances: int, shard: str | None) -> types.SimpleNamespace:
    create = activity.create("dev", "bench")
    work = create(name="work", retry=3, shard=shard,
                  generators=[lambda context: ({"generator.n": n} for n in range(instances))],
                  run=runner.Sync(work_on.fill(n="generator.n")))
    return types.SimpleNamespace(domain="dev", name="bench", work=work)


def largest_unsharded() -> int:
    """The most instances whose history fits SWF's limit even with every retry used."""
    low, high = 1, 30_000
    while low < high:
        middle = (low + high + 1) // 2
        plan = budget.estimate(flow_of(middle, None))
        if plan.most <= plan.limit:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass
class Figures:
    label: str
    instances: int
    status: str = ""
    children: int = 0
    largest: int = 0
    events: int = 0
    seconds: float = float("inf")


def time_run(figures: Figures, shard: str | None) -> None:
    flow = flow_of(figures.instances, shard)
    gc.collect()
    began = time.perf_counter()
    run = run_flow(flow, faults=[faults.random_failures(0.01)])
    seconds = time.perf_counter() - began
    executions = run.executions()
    figures.status = run.status if run.status == "COMPLETED" else f"{run.status}: {run.reason}"
    figures.children = len(executions) - 1
    figures.largest = max(execution.events_used for execution in executions)
    figures.events = sum(execution.events_used for execution in executions)
    figures.seconds = min(figures.seconds, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--instances", type=int, default=100_000)
    args = parser.parse_args()
    logging.getLogger("garcon").setLevel(logging.ERROR)  # the injected failures' lines
    setups = [(Figures("(a) shard='auto'", args.instances), "auto"),
              (Figures("(b) unsharded, the most that fit", largest_unsharded()), None)]
    for _ in range(args.rounds):
        for figures, shard in setups:
            time_run(figures, shard)
    print(f"{os.cpu_count()} cores; best of {args.rounds} round(s); 1% of attempts failing at "
          "random, retry=3, run_flow's default fleet\n")
    header = ("setup", "instances", "children", "largest history", "events", "seconds",
              "events/s")
    rows = [(f.label, f"{f.instances:,}", f"{f.children:,}", f"{f.largest:,}",
             f"{f.events:,}", f"{f.seconds:.1f}", f"{f.events / f.seconds:,.0f}")
            for f, _ in setups]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    print()
    for figures, _ in setups:
        print(f"{figures.label}: {figures.status}")
    sharded = setups[0][0]
    met = sharded.status == "COMPLETED" and sharded.seconds <= TARGET_SECONDS
    print(f"target: {args.instances:,} instances in shards completed in at most "
          f"{TARGET_SECONDS} s: {'met' if met else 'MISSED'} ({sharded.seconds:.1f} s)")


if __name__ == "__main__":
    main()
