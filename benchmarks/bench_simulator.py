"""Events per second of a scripted SWF fan-out: garcon_sim's two clients against moto's SWF.

The script: start a workflow, schedule N activities in one decision, poll, start and complete
each of them, take the next decision task (paging through its whole history), complete the
workflow. The same script drives `Simulator.direct_client()`, `Simulator.client()` (a real
boto3 client served in-process) and a boto3 client under moto's `mock_aws`, in one run. Every
poll in the script finds a task (moto sleeps a real second on an empty one). A figure is the
number of events in the finished history over the wall time of the script; each client's best
run is kept, the runs of the three being interleaved (the machines this runs on are shared,
and a single run can be twice as slow as the next).

    python benchmarks/bench_simulator.py [--activities 1000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from garcon_sim import Simulator

DOMAIN, WORKFLOW_ID = "bench", "fan-out"
WORKFLOW = {"name": "fan-out", "version": "1"}
ACTIVITY = {"name": "work", "version": "1"}


def register(swf: Any) -> None:
    swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1")
    swf.register_workflow_type(
        domain=DOMAIN, name=WORKFLOW["name"], version=WORKFLOW["version"],
        defaultTaskList={"name": "deciders"}, defaultChildPolicy="TERMINATE",
        defaultExecutionStartToCloseTimeout="3600", defaultTaskStartToCloseTimeout="300")
    swf.register_activity_type(
        domain=DOMAIN, name=ACTIVITY["name"], version=ACTIVITY["version"],
        defaultTaskList={"name": "workers"}, defaultTaskScheduleToStartTimeout="600",
        defaultTaskScheduleToCloseTimeout="900", defaultTaskStartToCloseTimeout="300",
        defaultTaskHeartbeatTimeout="NONE")


def fan_out(swf: Any, activities: int) -> str:
    """The scripted run; returns its runId."""
    run_id = swf.start_workflow_execution(domain=DOMAIN, workflowId=WORKFLOW_ID,
                                          workflowType=WORKFLOW)["runId"]
    task = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "deciders"},
                                      identity="decider")
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[
        {"decisionType": "ScheduleActivityTask",
         "scheduleActivityTaskDecisionAttributes": {
             "activityType": ACTIVITY, "activityId": f"work-{index}", "input": str(index)}}
        for index in range(activities)])
    for _ in range(activities):
        work = swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "workers"},
                                          identity="worker")
        swf.respond_activity_task_completed(taskToken=work["taskToken"], result=work["input"])
    task = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "deciders"},
                                      identity="decider")
    while "nextPageToken" in task:
        task = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "deciders"},
                                          identity="decider", nextPageToken=task["nextPageToken"])
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[
        {"decisionType": "CompleteWorkflowExecution",
         "completeWorkflowExecutionDecisionAttributes": {"result": "done"}}])
    return run_id


def history_length(swf: Any, run_id: str) -> int:
    count, token = 0, None
    while True:
        page = swf.get_workflow_execution_history(
            domain=DOMAIN, execution={"workflowId": WORKFLOW_ID, "runId": run_id},
            **({"nextPageToken": token} if token else {}))
        count += len(page["events"])
        token = page.get("nextPageToken")
        if not token:
            return count


def events_per_second(make_client: Callable[[], Any], activities: int) -> float:
    """One fresh run of the script: events in its history over its wall time."""
    swf = make_client()
    register(swf)
    gc.collect()  # no run pays for the garbage of the previous one
    started = time.perf_counter()
    run_id = fan_out(swf, activities)
    elapsed = time.perf_counter() - started
    return history_length(swf, run_id) / elapsed


@contextmanager
def moto_swf() -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("swf", region_name="us-east-1", aws_access_key_id="bench",
                           aws_secret_access_key="bench")


def moto_events_per_second(activities: int) -> float:
    with moto_swf() as swf:
        return events_per_second(lambda: swf, activities)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (5 direct, 2 boto3, 1 moto) runs, interleaved")
    options = parser.parse_args()
    n = options.activities
    print(f"fan-out of {n} activities, {os.cpu_count()} cores, best run of each client over "
          f"{options.rounds} interleaved rounds")
    best = {"direct": 0.0, "boto3": 0.0, "moto": 0.0}
    for _ in range(options.rounds):
        for _ in range(5):
            best["direct"] = max(best["direct"],
                                 events_per_second(lambda: Simulator().direct_client(), n))
        for _ in range(2):
            best["boto3"] = max(best["boto3"], events_per_second(lambda: Simulator().client(), n))
        best["moto"] = max(best["moto"], moto_events_per_second(n))
    labels = {"direct": "garcon_sim direct_client()", "boto3": "garcon_sim client() (boto3)",
              "moto": "moto mock_aws (boto3)"}
    for key, rate in best.items():
        print(f"  {labels[key]:30} {rate:10,.0f} events/s   {rate / best['moto']:7.1f}x moto")


if __name__ == "__main__":
    main()
