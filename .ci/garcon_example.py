"""Run one of garcon 1.1.1's example projects the way its run.py does, in the simulator.

    python .ci/garcon_example.py ../shared/garcon-1.1.1-tests/example/simple

run.py makes boto3 SWF clients, starts an execution, starts an ActivityWorker in a thread and
calls `DeciderWorker.run()` in a loop with `time.sleep(1)`, forever. Here `boto3.client('swf')`
is the simulator's genuine boto3 client (one at a time: the threads share it behind a lock),
`time.sleep(s)` moves the simulator's clock on by s seconds, and Python's `random` is seeded.
Once the execution has closed, the process prints how and exits: 0 if it completed, 1 if not
(or if it is still open after a day of virtual time).
"""
from __future__ import annotations

import os
import random
import runpy
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import boto3

from garcon_sim import Simulator

SEED = 1
VIRTUAL_DAY = 86_400
EMPTY_POLL_WAIT = 0.05
"""Real seconds an empty poll waits for another call to change something (SWF holds a poll
for a minute): it keeps the worker threads from spinning."""


class SharedClient:
    """The simulator's boto3 client for several threads: one call at a time. An empty poll
    waits for another call, as SWF's long poll waits for a task."""

    def __init__(self, client):
        self._client = client
        self._changed = threading.Condition()
        self.executions: list[tuple[str, dict]] = []

    def __getattr__(self, name):
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def call(*args, **kwargs):
            with self._changed:
                answer = method(*args, **kwargs)
                if name.startswith("poll_for_") and not answer.get("taskToken"):
                    self._changed.wait(EMPTY_POLL_WAIT)
                else:
                    self._changed.notify_all()
                if name == "start_workflow_execution":
                    self.executions.append((kwargs["domain"], {
                        "workflowId": kwargs["workflowId"], "runId": answer["runId"]}))
                return answer

        return call

    def advance(self, sim: Simulator, seconds: float) -> None:
        with self._changed:
            sim.clock.advance(seconds)
            self._changed.notify_all()


def main(project: str) -> int:
    folder = Path(project).resolve()
    sim = Simulator(seed=SEED)
    client = SharedClient(sim.client())
    real_client = boto3.client
    boto3.client = lambda service, *args, **kwargs: (
        client if service == "swf" else real_client(service, *args, **kwargs))

    def sleep(seconds: float) -> None:
        client.advance(sim, seconds)
        if not client.executions:
            return
        domain, execution = client.executions[0]
        info = client.describe_workflow_execution(domain=domain, execution=execution)
        info = info["executionInfo"]
        elapsed = (sim.clock.now() - info["startTimestamp"]).total_seconds()
        if info["executionStatus"] == "CLOSED" or elapsed > VIRTUAL_DAY:
            sys.exit(report(client, folder, domain, execution, info))

    time.sleep = sleep
    random.seed(SEED)
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    try:
        runpy.run_path(str(folder / "run.py"), run_name="__main__")
    except SystemExit as done:
        sys.stdout.flush()
        os._exit(done.code)  # the ActivityWorker threads of run.py never end on their own
    return 1


def report(client: SharedClient, folder: Path, domain: str, execution: dict, info: dict) -> int:
    events = client.get_workflow_execution_history(
        domain=domain, execution=execution, maximumPageSize=1000)["events"]
    counts = Counter(e["eventType"] for e in events)
    status = info.get("closeStatus", "still OPEN")
    print(f"{folder.parent.name}/{folder.name}: {status} after {len(events)} events, "
          f"{counts['ActivityTaskCompleted']} activity tasks completed, "
          f"{counts['ActivityTaskFailed']} failed, {counts['DecisionTaskCompleted']} decisions")
    return 0 if status == "COMPLETED" else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: python {sys.argv[0]} EXAMPLE_FOLDER")
    sys.exit(main(sys.argv[1]))
