"""`garcon-sim serve` against moto's server: the same worker processes, and API calls per second.

(a) The 400-item flow (tests/items_flow.py with ITEMS_FLOW_COUNT=400, no failures: moto refuses
    to reuse an activity id, so retries cannot run on it), run by the same four worker processes
    (`python -m garcon.worker`: one --decider, three --activities) against `garcon-sim serve`
    (in memory), `garcon-sim serve --db` and moto's server (`python -m moto.server`), each a
    process of its own on 127.0.0.1. A figure is the wall time from StartWorkflowExecution to
    the close (the workers are started and have registered the flow before). Target: serve at
    least 10 times faster than moto.
(b) API calls per second: 8 keep-alive HTTP connections (2 processes of 4 threads, raw
    http.client: boto3 would be the bottleneck) each sending 1,000 calls:
    RecordActivityTaskHeartbeat on an activity task of its own (a call that changes the state:
    journaled with --db) and DescribeWorkflowExecution (read-only), against the same three
    servers. Targets: at least 2,000 calls/s on 2 cores; --db costing less than 2x.

Setups are interleaved round after round; each keeps its median and best. moto runs once by
default (--moto-runs): its figure is far from the others. Also printed: the machine's load
average at the start and the end, the CPU seconds the server, the decider and the activity
workers used during a run (on serve, the workers' boto3 calls, 0.6 to 0.9 ms of CPU each, take
about five times the server's CPU), and how long a restart on the journal takes.

    PYTHONPATH=. python benchmarks/bench_serve.py [--rounds 3] [--moto-runs 1] [--items 400]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
       "AWS_DEFAULT_REGION": "us-east-1"}
AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/swf/aws4_request, "
                 "SignedHeaders=host;x-amz-target, Signature=0")
"""What moto's server routes requests by (garcon-sim serve accepts anything)."""
CONNECTIONS = (2, 4)  # processes, threads each
CALLS = 1_000  # per connection
DOMAIN, WORKFLOW = "bench", {"name": "load", "version": "1"}


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)
    return value


class Service:
    """One server process: garcon-sim serve (in memory or --db) or moto's."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.folder = folder
        log = folder / f"{kind}.log"
        if kind == "moto":
            self.port = free_port()
            args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        else:
            args = [sys.executable, "-m", "garcon_sim", "serve", "--port", "0"]
            if kind == "serve --db":
                args += ["--db", str(folder / "state.sqlite")]
        with log.open("w") as output:
            self.process = subprocess.Popen(args, cwd=ROOT, stdout=output,
                                            stderr=subprocess.STDOUT, env={**os.environ, **ENV})
        if kind == "moto":
            wait_for(lambda: answers(self.port), 60, "moto's server")
        else:
            found = wait_for(lambda: re.search(r"on http://127.0.0.1:(\d+)", log.read_text()),
                             60, "garcon-sim serve")
            self.port = int(found[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        return boto3.client("swf", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="bench", aws_secret_access_key="bench",
                            config=Config(retries={"total_max_attempts": 3}))

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(30)


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    try:
        http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
        return True
    except OSError:
        return False


# (a) The flow, run by worker processes.

RESTARTS: list[tuple[int, float]] = []
"""(calls replayed, seconds from the start of the process to its banner) of each restart."""
CPU: dict[str, list[tuple[float, float, float]]] = {}
"""Per server, (the server's, the decider's, the three activity workers') CPU seconds during
each run of the flow."""


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux's /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def flow_run(kind: str, items: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        service = Service(kind, Path(folder))
        workers = []
        try:
            env = {**os.environ, **ENV, "ITEMS_FLOW_COUNT": str(items)}
            for name, extra in [("decider", ["--decider"])] + [
                    (f"worker-{n}", ["--activities", "prepare,item,report"]) for n in range(3)]:
                with (Path(folder) / f"{name}.log").open("w") as output:
                    workers.append(subprocess.Popen(
                        [sys.executable, "-m", "garcon.worker", "tests/items_flow.py",
                         "--endpoint-url", service.url, "--log-level", "WARNING", *extra],
                        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT))
            swf = service.client()
            flow_type = {"name": "items", "version": "1.0"}
            wait_for(lambda: registered(swf, flow_type), 60, "the workers to register")
            processes = [service.process, *workers]
            cpu_before = [cpu_seconds(process.pid) for process in processes]
            started = time.perf_counter()
            execution = {"workflowId": "bench", "runId": swf.start_workflow_execution(
                domain="serve", workflowId="bench", workflowType=flow_type)["runId"]}
            status = wait_for(lambda: swf.describe_workflow_execution(
                domain="serve", execution=execution)["executionInfo"].get("closeStatus"),
                1800, f"the run on {kind}")
            seconds = time.perf_counter() - started
            used = [cpu_seconds(process.pid) - before
                    for process, before in zip(processes, cpu_before, strict=True)]
            CPU.setdefault(kind, []).append((used[0], used[1], sum(used[2:])))
            if status != "COMPLETED":
                raise RuntimeError(f"the run on {kind} ended {status}")
            if kind == "serve --db":
                service = restarted(service)
            return seconds
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGKILL)
                worker.wait(30)
            service.stop()


def restarted(service: Service) -> Service:
    """Kill the server and start it again on its journal, timing the restart."""
    service.stop()
    began = time.perf_counter()
    again = Service(service.kind, service.folder)
    seconds = time.perf_counter() - began
    calls = re.search(r"\(([\d,]+) calls replayed\)", (service.folder / "serve --db.log")
                      .read_text())
    RESTARTS.append((int(calls[1].replace(",", "")), seconds))
    return again


def registered(swf: Any, flow_type: dict) -> bool:
    try:
        swf.describe_workflow_type(domain="serve", workflowType=flow_type)
        return True
    except Exception:
        return False


# (b) API calls per second.

def prepared_tokens(swf: Any, count: int) -> tuple[dict, list[str]]:
    """An execution with `count` started activity tasks: their tokens."""
    swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1")
    swf.register_workflow_type(domain=DOMAIN, **WORKFLOW, defaultTaskList={"name": "d"},
                               defaultChildPolicy="TERMINATE",
                               defaultTaskStartToCloseTimeout="3600",
                               defaultExecutionStartToCloseTimeout="86400")
    swf.register_activity_type(domain=DOMAIN, name="beat", version="1",
                               defaultTaskList={"name": "beats"},
                               defaultTaskHeartbeatTimeout="NONE",
                               defaultTaskScheduleToStartTimeout="NONE",
                               defaultTaskStartToCloseTimeout="86400",
                               defaultTaskScheduleToCloseTimeout="NONE")
    run_id = swf.start_workflow_execution(domain=DOMAIN, workflowId="load",
                                          workflowType=WORKFLOW)["runId"]
    task = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "d"})
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[
        {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
            "activityType": {"name": "beat", "version": "1"}, "activityId": f"beat-{n}"}}
        for n in range(count)])
    tokens = [swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "beats"})["taskToken"]
              for _ in range(count)]
    return {"workflowId": "load", "runId": run_id}, tokens


def _connection_calls(port: int, target: str, bodies: list[bytes], failures: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"X-Amz-Target": f"SimpleWorkflowService.{target}", "Authorization": AUTHORIZATION,
               "Content-Type": "application/x-amz-json-1.0"}
    for body in bodies:
        connection.request("POST", "/", body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            failures.append(answer.status)
            return


def _load_process(port: int, target: str, bodies: list[list[bytes]], results: Any) -> None:
    failures: list = []
    threads = [threading.Thread(target=_connection_calls, args=(port, target, own, failures))
               for own in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(failures)


def calls_per_second(kind: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        service = Service(kind, Path(folder))
        try:
            processes, threads = CONNECTIONS
            execution, tokens = prepared_tokens(service.client(), processes * threads)
            heartbeat = [[json.dumps({"taskToken": token}).encode()] * CALLS for token in tokens]
            describe = [[json.dumps({"domain": DOMAIN, "execution": execution}).encode()] * CALLS
                        for _ in tokens]
            rates = {}
            for target, bodies in (("RecordActivityTaskHeartbeat", heartbeat),
                                   ("DescribeWorkflowExecution", describe)):
                results = multiprocessing.get_context("fork").Queue()
                workers = [multiprocessing.get_context("fork").Process(
                    target=_load_process,
                    args=(service.port, target, bodies[n * threads:(n + 1) * threads], results))
                    for n in range(processes)]
                started = time.perf_counter()
                for worker in workers:
                    worker.start()
                failures = [status for _ in workers for status in results.get()]
                seconds = time.perf_counter() - started
                for worker in workers:
                    worker.join()
                if failures:
                    raise RuntimeError(f"{kind} answered {failures[0]} to {target}")
                rates[target] = len(tokens) * CALLS / seconds
            return rates
        finally:
            service.stop()


# The report.

def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), min(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--moto-runs", type=int, default=1)
    parser.add_argument("--items", type=int, default=400)
    options = parser.parse_args()
    kinds = ("serve", "serve --db", "moto")
    runs: dict[str, list[float]] = {kind: [] for kind in kinds}
    rates: dict[str, dict[str, list[float]]] = {kind: {} for kind in kinds}
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start; "
          f"{options.rounds} interleaved rounds ({options.moto_runs} of the flow on moto)",
          flush=True)
    for round_number in range(options.rounds):
        for kind in kinds:
            if kind != "moto" or round_number < options.moto_runs:
                runs[kind].append(flow_run(kind, options.items))
            for target, rate in calls_per_second(kind).items():
                rates[kind].setdefault(target, []).append(rate)
        print(f"  round {round_number + 1} done", flush=True)

    print(f"\n(a) {options.items}-item flow, 4 worker processes (1 decider, 3 activity workers): "
          f"seconds from start to close")
    print(f"  {'server':14} {'median':>8} {'best':>8} {'runs':>5} {'moto / this (best)':>20}")
    moto_best = min(runs["moto"])
    for kind in kinds:
        median, best = summary(runs[kind])
        print(f"  {kind:14} {median:8.2f} {best:8.2f} {len(runs[kind]):5} "
              f"{moto_best / best:19.1f}x")
    ratio = moto_best / min(runs["serve"])
    print(f"  target: serve at least 10x faster than moto: {'met' if ratio >= 10 else 'MISSED'} "
          f"({ratio:.1f}x)")
    for kind in kinds:
        server, decider, workers = (statistics.median(run[n] for run in CPU[kind])
                                    for n in range(3))
        print(f"  CPU seconds during a run on {kind} (median): the server {server:.2f}, the "
              f"decider {decider:.2f}, the three activity workers {workers:.2f}")
    calls, seconds = RESTARTS[0][0], statistics.median(s for _, s in RESTARTS)
    print(f"  restart of serve --db after the run (kill -9): {calls:,} journaled calls replayed, "
          f"{seconds:.2f} s from starting the process to listening (median)")

    print(f"\n(b) API calls per second, {CONNECTIONS[0] * CONNECTIONS[1]} keep-alive connections "
          f"x {CALLS:,} calls (median / best)")
    targets = ("RecordActivityTaskHeartbeat", "DescribeWorkflowExecution")
    print(f"  {'server':14} " + " ".join(f"{target:>36}" for target in targets))
    for kind in kinds:
        cells = []
        for target in targets:
            median, _ = summary(rates[kind][target])
            cells.append(f"{median:>16,.0f} / {max(rates[kind][target]):>16,.0f}")
        print(f"  {kind:14} " + " ".join(f"{cell:>36}" for cell in cells))
    slowest = min(statistics.median(rates["serve"][t]) for t in targets)
    print(f"  target: at least 2,000 calls/s: {'met' if slowest >= 2000 else 'MISSED'} "
          f"({slowest:,.0f}/s, the slower of the two in memory)")
    beat = "RecordActivityTaskHeartbeat"
    cost = statistics.median(rates["serve"][beat]) / statistics.median(rates["serve --db"][beat])
    flow_cost = statistics.median(runs["serve --db"]) / statistics.median(runs["serve"])
    print(f"  cost of --db: {cost:.2f}x on journaled calls (heartbeats), {flow_cost:.2f}x on "
          f"the flow (a); target under 2x: {'met' if max(cost, flow_cost) < 2 else 'MISSED'}")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
