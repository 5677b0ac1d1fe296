"""`python -m garcon.worker` as a process, against moto's SWF server on 127.0.0.1.

moto is a real peer here, not a faithful SWF: it refuses an activity id used before even after
that activity closed (SWF only refuses ids still open), so retries cannot run on it. Retry
behaviour is tested on the simulator (tests/test_worker.py and the harness tests); these flows
do not fail.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture
def swf(moto_endpoint, monkeypatch):
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    return boto3.client("swf", endpoint_url=moto_endpoint)


def worker(moto_endpoint, flow, *extra, env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "garcon.worker", flow, "--endpoint-url", moto_endpoint,
         "--region", "us-east-1", "--identity", "it-worker", *extra],
        cwd=ROOT, env={**os.environ, **CREDENTIALS, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_until(condition, timeout=60.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def registered(swf, domain, name):
    try:
        swf.describe_workflow_type(domain=domain, workflowType={"name": name, "version": "1.0"})
        return True
    except swf.exceptions.UnknownResourceFault:
        return False


def history(swf, domain, workflow_id, run_id):
    return swf.get_workflow_execution_history(
        domain=domain, execution={"workflowId": workflow_id, "runId": run_id})["events"]


def stop(process, signum=signal.SIGTERM, timeout=30):
    process.send_signal(signum)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, output


def test_the_worker_runs_a_custom_decider_flow_to_completion_and_stops_on_sigterm(
        moto_endpoint, swf):
    process = worker(moto_endpoint, "examples/coffee_shop.py:flow")
    try:
        wait_until(lambda: registered(swf, "dev", "coffee_shop"), what="registration")
        run_id = swf.start_workflow_execution(
            domain="dev", workflowId="coffee-1", input=json.dumps({}),
            workflowType={"name": "coffee_shop", "version": "1.0"})["runId"]
        wait_until(lambda: swf.describe_workflow_execution(
            domain="dev", execution={"workflowId": "coffee-1", "runId": run_id})[
            "executionInfo"]["executionStatus"] == "CLOSED", what="the execution to close")
    finally:
        code, output = stop(process)
    events = history(swf, "dev", "coffee-1", run_id)
    assert events[-1]["eventType"] == "WorkflowExecutionCompleted", output
    scheduled = [e["activityTaskScheduledEventAttributes"]["activityId"] for e in events
                 if e["eventType"] == "ActivityTaskScheduled"]
    assert scheduled == ["coffee_shop_enter-1-enter",
                         "coffee_shop_order-1-order_coffee",
                         "coffee_shop_order-1-order_chocolate_chip_cookie",
                         "coffee_shop_pay-1-pay", "coffee_shop_get_order-1-get_order",
                         "coffee_shop_leave-1-leave"]
    pay = next(e for e in events if e["eventType"] == "ActivityTaskScheduled"
               and e["activityTaskScheduledEventAttributes"]["activityId"].endswith("-pay"))
    assert json.loads(pay["activityTaskScheduledEventAttributes"]["input"])["total"] == 6.98
    identities = {e["activityTaskStartedEventAttributes"]["identity"] for e in events
                  if e["eventType"] == "ActivityTaskStarted"}
    assert identities == {"it-worker"}
    assert code == 0, output
    assert "SIGTERM received" in output
    assert f"coffee-1 {run_id}: 1 x CompleteWorkflowExecution" in output


def test_a_bad_flow_is_one_line_and_exit_2(moto_endpoint):
    process = worker(moto_endpoint, "examples/no_such_flow.py")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert output.strip() == (
        "python -m garcon.worker: error: no such flow file: examples/no_such_flow.py")


def busy_worker(moto_endpoint, swf, tmp_path, workflow_id):
    """A worker process busy with the blocking flow's task, which waits for `release`."""
    release = tmp_path / "release"
    process = worker(moto_endpoint, "tests/blocking_flow.py",
                     env={"BLOCKING_FLOW_RELEASE": str(release)})
    try:
        wait_until(lambda: registered(swf, "it", "blocking"), what="registration")
        run_id = swf.start_workflow_execution(
            domain="it", workflowId=workflow_id,
            workflowType={"name": "blocking", "version": "1.0"})["runId"]
        wait_until(lambda: "ActivityTaskStarted" in [
            e["eventType"] for e in history(swf, "it", workflow_id, run_id)],
            what="the activity to start")
    except BaseException:
        process.kill()
        raise
    return process, release, run_id


def lines_until(process, text, timeout=30.0):
    """The process's output lines up to the first holding `text` (read by a thread, so that a
    worker that never writes it fails the test instead of hanging it)."""
    lines: queue.Queue = queue.Queue()

    def forward():
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=forward, daemon=True).start()
    seen = []
    while not seen or text not in seen[-1]:
        try:
            seen.append(lines.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError(f"no {text!r} in {''.join(seen)!r}") from None
    return seen


def test_sigterm_finishes_the_task_in_hand_and_a_second_signal_exits_at_once(
        moto_endpoint, swf, tmp_path):
    process, _, run_id = busy_worker(moto_endpoint, swf, tmp_path, "block-1")  # never released
    try:
        process.send_signal(signal.SIGTERM)
        lines_until(process, "SIGTERM received, finishing the tasks in hand")
        # The task in hand never ends: only the second signal can stop the worker.
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 128 + signal.SIGTERM
    assert "ActivityTaskCompleted" not in [
        e["eventType"] for e in history(swf, "it", "block-1", run_id)]


def test_sigterm_while_busy_lets_the_attempt_finish_answer_and_exit_0(
        moto_endpoint, swf, tmp_path):
    process, release, run_id = busy_worker(moto_endpoint, swf, tmp_path, "block-2")
    try:
        process.send_signal(signal.SIGTERM)
        release.touch()
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    completed = [e for e in history(swf, "it", "block-2", run_id)
                 if e["eventType"] == "ActivityTaskCompleted"]
    assert json.loads(completed[0]["activityTaskCompletedEventAttributes"]["result"]) == {
        "released": True}


def test_an_unknown_activity_is_one_line_and_exit_2(moto_endpoint):
    process = worker(moto_endpoint, "examples/country_flow.py", "--activities", "activity_9")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert output.strip() == (
        "python -m garcon.worker: error: examples/country_flow.py has no activity activity_9 "
        "(it has country_flow_activity_1, country_flow_activity_2, country_flow_activity_3)")
