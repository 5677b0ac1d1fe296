"""Events a run uses, by fleet: `run_flow` with 1, 10 and 100 workers per task list on 1,000
and 4,500 instances, side by side with the budget's range and its likely figure.

The flow has the seed's shape (examples/country_flow.py, as in bench_harness.py): activity_1,
then activity_2 with one instance per country, then activity_3; no failures. Each instance
count runs with:

- the queue run_flow used to be (`workers=1, durations=1, decision_seconds=0`): one attempt
  at a time, a decision task for every close; the baseline;
- the default fleet's attempts (0.5 to 1.5 s, drawn from the seed) and decider (0.1 s a
  decision task) with 1, 10, 50 and 100 workers.

For each: the events used, the status, the decision tasks, the virtual time the run took, and
`garcon.budget.estimate(flow).likely(workers)` beside the range (fewest: closes batched as much
as they can be; most: a decision task per close). The wall time of each run is printed too
(one run each: the figures that matter here are counts, which do not vary from run to run).

    python benchmarks/bench_fleet.py [--seed 0]
"""
from __future__ import annotations

import argparse
import logging
import time

from bench_harness import country_flow

from garcon import budget
from garcon_sim.harness import run_flow

FLEETS = (("queue (old run_flow)", {"workers": 1, "durations": 1, "decision_seconds": 0}),
          ("1 worker", {"workers": 1}), ("10 workers", {"workers": 10}),
          ("50 workers", {"workers": 50}), ("100 workers", {"workers": 100}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    logging.getLogger("garcon.worker").setLevel(logging.ERROR)  # the worst-case warning
    print(f"{'instances':>9}  {'fleet':22} {'events':>7} {'likely':>7} {'fewest':>7} "
          f"{'most':>7} {'decisions':>9} {'virtual':>9} {'wall s':>7}  status")
    for countries in (1_000, 4_500):
        flow = country_flow(countries)
        plan = budget.estimate(flow)
        for label, fleet in FLEETS:
            started = time.perf_counter()
            run = run_flow(flow, seed=options.seed, **fleet)
            wall = time.perf_counter() - started
            likely = plan.likely(fleet["workers"], fleet.get("durations", 1.0),
                                 fleet.get("decision_seconds", budget.DECISION_SECONDS),
                                 steady="durations" in fleet)
            decisions = sum(e["eventType"] == "DecisionTaskCompleted" for e in run.events)
            virtual = f"{run.duration.total_seconds():,.0f} s"
            print(f"{countries:9,}  {label:22} {run.events_used:7,} {likely:7,} "
                  f"{plan.fewest:7,} {plan.most:7,} {decisions:9,} {virtual:>9} "
                  f"{wall:7.2f}  {run.status}")


if __name__ == "__main__":
    main()
