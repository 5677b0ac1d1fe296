"""A generator flow for the tests and the benchmark of `garcon-sim serve`, run by real worker
processes: `prepare`, then one `item` instance per generated item (retry=3), then `report`.

Set by environment variables (every worker process of a run gets the same):

- ITEMS_FLOW_COUNT: how many items (default 1,000).
- ITEMS_FLOW_MARKERS: a folder; when set, items fail on their first attempts, chosen by a hash
  of their activity id (one in ten fails once, one in twenty twice), whichever worker runs them.
  An attempt is counted by a marker file made there (O_EXCL: every process sees the same count).
- ITEMS_FLOW_HOLD: a file; when set, every attempt waits until that file exists (at most 120 s),
  so that a test can kill or stop the worker while it holds an attempt.
- ITEMS_FLOW_SHARD: when set, `item` runs in child workflow executions of that many items.
"""
import hashlib
import os
import time
from pathlib import Path

from garcon import activity, runner, task

domain = "serve"
name = "items"
create = activity.create(domain, name)


def items(context):
    for item in range(1, int(os.environ.get("ITEMS_FLOW_COUNT", "1000")) + 1):
        yield {"generator.item": item}


def planned_failures(activity_id):
    """How many first attempts of this instance fail (when ITEMS_FLOW_MARKERS is set)."""
    digest = int(hashlib.sha1(activity_id.encode()).hexdigest(), 16)
    return 2 if digest % 20 == 0 else 1 if digest % 10 == 0 else 0


def attempt_number(markers, activity_id):
    number = 1
    while True:
        try:
            os.close(os.open(Path(markers, f"{activity_id}.{number}"),
                             os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return number
        except FileExistsError:
            number += 1


@task.decorate(timeout=60, heartbeat=60)
def work_on_item(activity, item):
    hold = os.environ.get("ITEMS_FLOW_HOLD")
    if hold:
        deadline = time.monotonic() + 120
        while not Path(hold).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    markers = os.environ.get("ITEMS_FLOW_MARKERS")
    if markers:
        attempt = attempt_number(markers, activity.activity_id)
        if attempt <= planned_failures(activity.activity_id):
            raise RuntimeError(f"item {item} fails on attempt {attempt}")


prepare = create(name="prepare", run=runner.Sync(lambda context, activity: None))
item = create(name="item", requires=[prepare], generators=[items], retry=3,
              shard=int(os.environ["ITEMS_FLOW_SHARD"]) if "ITEMS_FLOW_SHARD" in os.environ
              else None, run=runner.Sync(work_on_item.fill(item="generator.item")))
report = create(name="report", requires=[item],
                run=runner.Sync(lambda context, activity: None))
