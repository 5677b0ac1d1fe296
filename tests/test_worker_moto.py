"""`python -m garcon.worker` as a process, against moto's SWF server on 127.0.0.1.

moto is a real peer here, not a faithful SWF: it refuses an activity id used before even after
that activity closed (SWF only refuses ids still open), so retries cannot run on it. Retry
behaviour is tested on the simulator (tests/test_worker.py and the harness tests); these flows
do not fail.
"""
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import types
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest

from garcon import activity, runner
from garcon.worker import ActivityWorker, DeciderWorker, register_flow
from tests.swf_helpers import closed, history, registered, wait_until

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


def wait_closed(swf, domain, workflow_id, run_id):
    wait_until(lambda: closed(swf, domain, {"workflowId": workflow_id, "runId": run_id}),
               what="the execution to close")


def type_of(name):
    return {"name": name, "version": "1.0"}


def events_of(swf, domain, workflow_id, run_id):
    return history(swf, domain, {"workflowId": workflow_id, "runId": run_id})


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
        wait_until(lambda: registered(swf, "dev", type_of("coffee_shop")), what="registration")
        run_id = swf.start_workflow_execution(
            domain="dev", workflowId="coffee-1", input=json.dumps({}),
            workflowType={"name": "coffee_shop", "version": "1.0"})["runId"]
        wait_closed(swf, "dev", "coffee-1", run_id)
    finally:
        code, output = stop(process)
    events = events_of(swf, "dev", "coffee-1", run_id)
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


def busy_worker(moto_endpoint, swf, tmp_path, workflow_id, instances=1, *extra):
    """A worker process busy with the blocking flow's tasks, which wait for `release`."""
    release = tmp_path / "release"
    process = worker(moto_endpoint, "tests/blocking_flow.py", *extra,
                     env={"BLOCKING_FLOW_RELEASE": str(release)})
    try:
        wait_until(lambda: registered(swf, "it", type_of("blocking")), what="registration")
        run_id = swf.start_workflow_execution(
            domain="it", workflowId=workflow_id, input=json.dumps({"instances": instances}),
            workflowType={"name": "blocking", "version": "1.0"})["runId"]
        wait_until(lambda: [e["eventType"] for e in events_of(swf, "it", workflow_id, run_id)
                            ].count("ActivityTaskStarted") == instances,
                   what=f"{instances} attempt(s) to start")
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
        e["eventType"] for e in events_of(swf, "it", "block-1", run_id)]


@pytest.mark.parametrize("instances", [1, 3])
def test_sigterm_while_busy_lets_every_attempt_finish_answer_and_exit_0(
        moto_endpoint, swf, tmp_path, instances):
    """With --concurrency N all N instances start, though none can end before the release;
    SIGTERM then lets each of them finish and answer before the process exits 0."""
    workflow_id = f"busy-{instances}"
    process, release, run_id = busy_worker(moto_endpoint, swf, tmp_path, workflow_id, instances,
                                           "--concurrency", str(instances))
    try:
        assert "ActivityTaskCompleted" not in [
            e["eventType"] for e in events_of(swf, "it", workflow_id, run_id)]
        process.send_signal(signal.SIGTERM)
        release.touch()
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    completed = [json.loads(e["activityTaskCompletedEventAttributes"]["result"])
                 for e in events_of(swf, "it", workflow_id, run_id)
                 if e["eventType"] == "ActivityTaskCompleted"]
    assert completed == [{"released": True}] * instances, output


def test_a_bad_concurrency_is_one_line_and_exit_2(moto_endpoint):
    process = worker(moto_endpoint, "tests/blocking_flow.py", "--concurrency", "0")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert output.strip().splitlines()[-1] == (
        "python -m garcon.worker: error: argument --concurrency: a number of attempts (1 or "
        "more), not '0'")


@pytest.mark.parametrize(("selection", "message"), [
    ("activity_9", "--activities activity_9: the flow country_flow has no activity "
                   "'activity_9' (its activities: activity_1, activity_2, activity_3)"),
    (",", "--activities ,: no activity named: give one or more of country_flow's activities "
          "(activity_1, activity_2, activity_3)"),
])
def test_an_unknown_or_empty_activity_selection_is_one_line_and_exit_2(moto_endpoint, selection,
                                                                       message):
    process = worker(moto_endpoint, "examples/country_flow.py", "--activities", selection)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert output.strip() == f"python -m garcon.worker: error: {message}"


# Registration refused: an IAM user without swf:Register*, on moto's IAM checks.

WITHOUT_REGISTER = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Resource": "*",
    "Action": ["swf:Poll*", "swf:Respond*", "swf:RecordActivityTaskHeartbeat",
               "swf:GetWorkflowExecutionHistory", "swf:StartWorkflowExecution",
               "swf:Describe*", "swf:List*"]}]}


@contextmanager
def iam_enforced(moto_endpoint, user):
    """moto's IAM checks on while inside; the credentials of a new user allowed every SWF call
    a worker makes but swf:Register*."""
    iam = boto3.client("iam", endpoint_url=moto_endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="no-register",
                        PolicyDocument=json.dumps(WITHOUT_REGISTER))
    key = iam.create_access_key(UserName=user)["AccessKey"]

    def checks_after(requests):
        urllib.request.urlopen(urllib.request.Request(
            f"{moto_endpoint}/moto-api/reset-auth", data=str(requests).encode(), method="POST",
            headers={"Content-Type": "text/plain"}))

    checks_after(0)
    try:
        yield {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    finally:
        checks_after("inf")


def refused_flow(domain):
    create = activity.create(domain, "refused")
    return types.SimpleNamespace(domain=domain, name="refused", version="2.0", a=create(
        name="a", run=runner.Sync(lambda context, activity: {"ran": True})))


def client_of(moto_endpoint, credentials):
    return boto3.client("swf", endpoint_url=moto_endpoint, region_name="us-east-1",
                        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"])


def drive_to_the_close(swf, flow, run_id, workflow_id):
    decider, worker = DeciderWorker(flow, register=False, client=swf), ActivityWorker(
        flow, client=swf)
    for _ in range(10):
        decider.answer(decider.poll())
        events = events_of(swf, flow.domain, workflow_id, run_id)
        if events[-1]["eventType"].startswith("WorkflowExecution") and len(events) > 1:
            return events
        task = worker.poll(flow.a)
        if task is not None:
            worker.execute(flow.a, task)
    raise AssertionError("the execution did not close")


def test_a_decider_refused_registration_warns_and_runs_on_what_an_admin_registered(
        moto_endpoint, swf, caplog):
    flow = refused_flow("iam-registered")
    register_flow(swf, flow)  # an admin did, at the flow's version
    with iam_enforced(moto_endpoint, "decider") as credentials:
        restricted = client_of(moto_endpoint, credentials)
        with caplog.at_level(logging.WARNING, logger="garcon.worker"):
            DeciderWorker(flow, client=restricted)
        run_id = restricted.start_workflow_execution(
            domain=flow.domain, workflowId="refused-1",
            workflowType={"name": "refused", "version": "2.0"})["runId"]
        events = drive_to_the_close(restricted, flow, run_id, "refused-1")
    warnings = [record.getMessage() for record in caplog.records
                if record.name == "garcon.worker"]
    assert [message.split(" refused, going on without it: ")[0] for message in warnings] == [
        "RegisterDomain iam-registered", "RegisterWorkflowType refused 2.0",
        "RegisterActivityType refused_a 2.0"]
    assert all("is not authorized to perform: swf:Register" in message for message in warnings)
    assert events[-1]["eventType"] == "WorkflowExecutionCompleted"


def test_types_really_missing_fail_the_workflow_when_scheduled_naming_them(moto_endpoint, swf):
    flow = refused_flow("iam-missing")
    swf.register_domain(name=flow.domain, workflowExecutionRetentionPeriodInDays="1")
    swf.register_workflow_type(
        domain=flow.domain, name="refused", version="2.0", defaultTaskList={"name": "refused"},
        defaultChildPolicy="TERMINATE", defaultTaskStartToCloseTimeout="300",
        defaultExecutionStartToCloseTimeout="3600")  # and no activity type
    with iam_enforced(moto_endpoint, "decider-missing") as credentials:
        restricted = client_of(moto_endpoint, credentials)
        DeciderWorker(flow, client=restricted)
        run_id = restricted.start_workflow_execution(
            domain=flow.domain, workflowId="missing-1",
            workflowType={"name": "refused", "version": "2.0"})["runId"]
        events = drive_to_the_close(restricted, flow, run_id, "missing-1")
    assert "ScheduleActivityTaskFailed" in [e["eventType"] for e in events]
    assert events[-1]["workflowExecutionFailedEventAttributes"]["reason"] == (
        "SWF refused to schedule refused_a-1: ACTIVITY_TYPE_DOES_NOT_EXIST")


def test_the_worker_command_starts_without_register_permission(moto_endpoint, swf, tmp_path):
    flow_file = tmp_path / "refused_flow.py"
    flow_file.write_text(
        "from garcon import activity, runner\n"
        "domain, name, version = 'iam-command', 'refused', '2.0'\n"
        "a = activity.create(domain, name)(name='a', run=runner.Sync(\n"
        "    lambda context, activity: {'ran': True}))\n")
    register_flow(swf, refused_flow("iam-command"))  # an admin did
    with iam_enforced(moto_endpoint, "command") as credentials:
        process = worker(moto_endpoint, str(flow_file), env=credentials)
        try:
            restricted = client_of(moto_endpoint, credentials)
            run_id = restricted.start_workflow_execution(
                domain="iam-command", workflowId="command-1",
                workflowType={"name": "refused", "version": "2.0"})["runId"]
            wait_closed(restricted, "iam-command", "command-1", run_id)
        finally:
            code, output = stop(process)
        events = events_of(restricted, "iam-command", "command-1", run_id)
    assert code == 0, output
    assert "WARNING garcon.worker: RegisterDomain iam-command refused, going on" in output
    assert events[-1]["eventType"] == "WorkflowExecutionCompleted", output


def test_a_result_nested_too_deep_fails_the_workflow_instead_of_looping(moto_endpoint, swf):
    """2,000 characters nested 1,000 deep: SWF takes it, and a decider that cannot read it
    used to raise at every decision task, leaving the run to time out decision after
    decision. Now the attempt fails with the reason, and so does the workflow (retry=0)."""
    process = worker(moto_endpoint, "examples/country_flow.py", "--decider")
    try:
        wait_until(lambda: registered(swf, "dev", type_of("country_flow")), what="registration")
        run_id = swf.start_workflow_execution(
            domain="dev", workflowId="deep-1", input=json.dumps({}),
            workflowType={"name": "country_flow", "version": "1.0"})["runId"]
        task = wait_until(lambda: swf.poll_for_activity_task(
            domain="dev", taskList={"name": "country_flow_activity_1"}).get("taskToken"),
            what="the first activity task")
        swf.respond_activity_task_completed(taskToken=task, result="[" * 1000 + "]" * 1000)
        wait_closed(swf, "dev", "deep-1", run_id)
    finally:
        code, output = stop(process)
    closed = events_of(swf, "dev", "deep-1", run_id)[-1]
    assert closed["eventType"] == "WorkflowExecutionFailed", output
    assert closed["workflowExecutionFailedEventAttributes"]["reason"] == (
        "country_flow_activity_1-1 did not complete in 1 attempt (retry=0); last: failed (its "
        "result cannot be read: it is JSON nested more than 100 levels deep)")
    assert code == 0 and "RecursionError" not in output, output
