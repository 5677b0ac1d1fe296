"""Seconds to draw a history as a timeline page, beside writing the same history as JSON.

The history: a fan-out that reaches SWF's 25,000-event limit (tests/histories.py,
`fan_out_to_the_limit`: batches of 50 activities, one in 10 failing, one in 17 timing out),
and its first 2,500 and 12,500 events. `render_timeline(events)` (what `garcon-sim timeline`
and the server's page write) beside `dump_history(events)` (the JSON of the same events, which
the page carries too): the baseline says what a page costs over its data alone, and the three
sizes whether the cost grows with the events, not their square. Rounds interleave the two;
medians and bests are printed.

    PYTHONPATH=. python benchmarks/bench_timeline.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from garcon_sim import dump_history, load_history
from garcon_sim.timeline import render_timeline
from tests.histories import fan_out_to_the_limit

SIZES = (2_500, 12_500, 25_000)


def seconds(work: Callable[[list[dict]], Any], events: list[dict]) -> float:
    gc.collect()  # no run pays for the garbage of the previous one
    began = time.perf_counter()
    work(events)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    histories = {size: load_history(fan_out_to_the_limit(size)) for size in SIZES}
    sides = {"render_timeline": render_timeline, "dump_history": dump_history}
    times: dict[tuple[str, int], list[float]] = {}
    for _ in range(options.rounds):
        for size, events in histories.items():
            for name, side in sides.items():
                times.setdefault((name, size), []).append(seconds(side, events))
    print(f"{os.cpu_count()} cores, {options.rounds} interleaved rounds; seconds, median "
          f"(best)")
    print(f"{'events':>8}  {'render_timeline':>17}  {'dump_history':>17}  {'ratio':>6}  "
          f"{'page bytes':>11}  {'us/event':>8}")
    for size, events in histories.items():
        render, dump = times[("render_timeline", size)], times[("dump_history", size)]
        page = len(render_timeline(events).encode())
        print(f"{size:8,}  {statistics.median(render):8.3f} ({min(render):6.3f})  "
              f"{statistics.median(dump):8.3f} ({min(dump):6.3f})  "
              f"{min(render) / min(dump):5.1f}x  {page:11,}  "
              f"{min(render) / size * 1e6:8.1f}")


if __name__ == "__main__":
    main()
