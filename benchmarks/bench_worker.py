"""Throughput of the production activity worker: `python -m garcon.worker --concurrency N`
against one attempt at a time, on the same moto SWF server.

moto's server (`ThreadedMotoServer`, on 127.0.0.1) stands in for SWF. The flow: one activity
with `--instances` instances (40 by default), each waiting `--seconds` (0.2 s by default) as a
download or a query would; the attempts cannot go faster than that wait, so what a worker
gains is running them side by side. For each concurrency (1, then 10 and 20 by default), one
worker process runs the decider and the activity (`python -m garcon.worker FLOW --concurrency
N`); an execution is started and timed from its start to its close (as `describe` sees it,
asked every 0.05 s), then the worker is stopped with SIGTERM. The figures: seconds, attempts a
second, and the speed-up over one at a time. Every attempt waits the same time, so one run per
setup says it; `--rounds` runs more (interleaved), keeping each setup's best.

moto sleeps a real second on an empty poll, so a worker waiting for its next task (or the
decider for its next decision) may lose up to a second: both setups pay it, once per decision
task more or less.

    python benchmarks/bench_worker.py [--instances 40] [--seconds 0.2] [--concurrency 1 10 20]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[1]
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
               "AWS_DEFAULT_REGION": "us-east-1"}
FLOW = '''
import os
import time

from garcon import activity, runner

domain, name = "bench", "waits"
create = activity.create(domain, name)


def wait(context, activity):
    time.sleep(float(os.environ["BENCH_SECONDS"]))


fetch = create(name="fetch", run=runner.Sync(wait), generators=[lambda context: (
    {"generator.n": n} for n in range(int(os.environ["BENCH_INSTANCES"])))])
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_once(endpoint: str, flow: Path, concurrency: int, number: int, env: dict) -> float:
    swf = boto3.client("swf", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench")
    worker = subprocess.Popen(
        [sys.executable, "-m", "garcon.worker", str(flow), "--endpoint-url", endpoint,
         "--concurrency", str(concurrency), "--log-level", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while not registered(swf):
            time.sleep(0.05)
        workflow_id = f"waits-{concurrency}-{number}"
        started = time.perf_counter()
        run_id = swf.start_workflow_execution(
            domain="bench", workflowId=workflow_id, input=json.dumps({}),
            workflowType={"name": "waits", "version": "1.0"})["runId"]
        execution = {"workflowId": workflow_id, "runId": run_id}
        while swf.describe_workflow_execution(domain="bench", execution=execution)[
                "executionInfo"]["executionStatus"] == "OPEN":
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        status = swf.describe_workflow_execution(domain="bench", execution=execution)[
            "executionInfo"]["closeStatus"]
        if status != "COMPLETED":
            raise RuntimeError(f"the run ended {status}")
        return seconds
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=120)
        if worker.returncode != 0:
            print(errors, file=sys.stderr)


def registered(swf) -> bool:
    try:
        swf.describe_workflow_type(domain="bench",
                                   workflowType={"name": "waits", "version": "1.0"})
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {**os.environ, **CREDENTIALS, "BENCH_SECONDS": str(options.seconds),
           "BENCH_INSTANCES": str(options.instances)}
    best: dict[int, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-worker-") as folder:
            flow = Path(folder) / "waits.py"
            flow.write_text(FLOW)
            for number in range(options.rounds):
                for concurrency in options.concurrency:
                    seconds = run_once(f"http://127.0.0.1:{port}", flow, concurrency, number,
                                       env)
                    best[concurrency] = min(seconds, best.get(concurrency, seconds))
    finally:
        server.stop()
    print(f"{os.cpu_count()} cores; {options.instances} attempts of {options.seconds:g} s each "
          f"on moto's server; best of {options.rounds} run(s) per setup")
    print(f"{'concurrency':>11} {'seconds':>8} {'attempts/s':>10} {'speed-up':>9}")
    baseline = best[options.concurrency[0]]
    for concurrency, seconds in best.items():
        print(f"{concurrency:11} {seconds:8.2f} {options.instances / seconds:10.1f} "
              f"{baseline / seconds:8.1f}x")


if __name__ == "__main__":
    main()
