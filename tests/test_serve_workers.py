"""`python -m garcon.worker` processes against `garcon-sim serve`: a 1,000-item generator flow
with failures through a server killed (kill -9) and restarted on its journal; an activity worker
killed while it holds an attempt; a worker stopped while the server is down.

Every process is real and talks HTTP on 127.0.0.1; waits are conditions polled with a deadline.
"""
import re
import signal
import sys
from collections import Counter

from garcon_sim import dump_history, reenact
from tests import swf_helpers
from tests.items_flow import planned_failures
from tests.serve_processes import Server
from tests.swf_helpers import closed, history, registered, wait_until

DOMAIN = "serve"
WORKFLOW = {"name": "items", "version": "1.0"}
ATTEMPT_LINE = re.compile(r": (items_item-[0-9a-f]+|items_\w+-1): (completed|failed|canceled) in ")
CLOSES = {"ActivityTaskCompleted": "completed", "ActivityTaskFailed": "failed",
          "ActivityTaskCanceled": "canceled"}


def start(swf, workflow_id):
    wait_until(lambda: registered(swf, DOMAIN, WORKFLOW), what="the workers to register the flow")
    return swf_helpers.start(swf, DOMAIN, workflow_id, WORKFLOW, input="{}")


def answered(logs):
    """(activityId, outcome) of every attempt a worker logged as answered, which it does only
    once the server said 200 to its answer."""
    return Counter(match.groups() for log in logs
                   for match in ATTEMPT_LINE.finditer(log.read_text()))


def closes(events):
    """(activityId, outcome) of every attempt's close in a history, and the closes per
    scheduled attempt."""
    scheduled = {event["eventId"]: event["activityTaskScheduledEventAttributes"]["activityId"]
                 for event in events if event["eventType"] == "ActivityTaskScheduled"}
    found, per_attempt = Counter(), Counter()
    for event in events:
        kind = event["eventType"]
        if kind.startswith("ActivityTask") and kind not in ("ActivityTaskScheduled",
                                                            "ActivityTaskStarted"):
            details = next(value for key, value in event.items() if key.endswith("Attributes"))
            per_attempt[details["scheduledEventId"]] += 1
            found[(scheduled[details["scheduledEventId"]],
                   CLOSES.get(kind, kind.removeprefix("ActivityTask").lower()))] += 1
    return found, per_attempt, scheduled


def test_four_workers_run_1000_items_with_failures_through_a_server_killed_and_restarted(
        processes, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    env = {"ITEMS_FLOW_COUNT": "1000", "ITEMS_FLOW_MARKERS": str(markers)}
    server = Server(processes, db=tmp_path / "state.sqlite", speed=10).start()
    swf = server.client()
    _, decider_log = processes.worker(server, "decider", "--decider", env=env)
    logs = [processes.worker(server, f"worker-{n}", "--activities", "prepare,item,report",
                             env=env)[1] for n in range(3)]
    execution = start(swf, "thousand")

    wait_until(lambda: sum(answered(logs).values()) >= 400, timeout=120,
               what="400 attempts answered")
    server.kill()
    acknowledged_before = answered(logs)
    swf = server.start().client()
    status = wait_until(lambda: closed(swf, DOMAIN, execution), timeout=180,
                        what="the execution to close")
    assert status == "COMPLETED"

    events = history(swf, DOMAIN, execution)
    assert [event["eventId"] for event in events] == list(range(1, len(events) + 1))
    found, per_attempt, scheduled = closes(events)
    assert set(per_attempt.values()) == {1} and len(per_attempt) == len(scheduled)
    # Every answer a worker got a 200 for is in the history, before the kill and after.
    for acknowledged in (acknowledged_before, answered(logs)):
        assert not acknowledged - found, acknowledged - found
    items = {activity_id for activity_id in scheduled.values() if "_item-" in activity_id}
    assert len(items) == 1000
    for item in items:  # one completion each; the planned failures came first
        assert found[(item, "completed")] == 1
        lost = found[(item, "failed")] + found[(item, "timedout")]
        assert lost >= planned_failures(item), item
    assert sum(planned_failures(item) for item in items) > 100
    decided = len(re.findall(r"thousand \S+: ", decider_log.read_text()))
    assert 0 < decided <= sum(1 for e in events if e["eventType"] == "DecisionTaskCompleted")
    assert "calls replayed" in server.log.read_text()

    result = reenact(events)
    assert result.ok, result.report()
    # Stopped and started again on its journal, the server holds the same history, byte for
    # byte.
    assert server.stop() == 0
    again = history(server.start().client(), DOMAIN, execution)
    assert dump_history(again) == dump_history(events)


def test_worker_processes_run_a_sharded_flow_with_nothing_new_to_configure(processes, tmp_path):
    """The same `python -m garcon.worker` processes, the same flow with `shard=100`: the decider
    decides the parent and its children (they share its task list), the activity workers run
    the children's instances; a replay of the histories SWF's API gives agrees."""
    markers = tmp_path / "markers"
    markers.mkdir()
    env = {"ITEMS_FLOW_COUNT": "300", "ITEMS_FLOW_MARKERS": str(markers),
           "ITEMS_FLOW_SHARD": "100"}
    server = Server(processes, speed=20).start()
    swf = server.client()
    processes.worker(server, "decider", "--decider", env=env)
    for n in range(2):
        processes.worker(server, f"worker-{n}", "--activities", "prepare,item,report", env=env)
    execution = start(swf, "sharded")
    assert wait_until(lambda: closed(swf, DOMAIN, execution), timeout=180,
                      what="the execution to close") == "COMPLETED"

    events = history(swf, DOMAIN, execution)
    children = [event["childWorkflowExecutionStartedEventAttributes"]["workflowExecution"]
                for event in events if event["eventType"] == "ChildWorkflowExecutionStarted"]
    assert [child["workflowId"] for child in children] == [
        f"sharded-item-shard-{n}" for n in (1, 2, 3)]
    files, items = [tmp_path / "parent.json"], Counter()
    files[0].write_text(dump_history(events))
    for number, child in enumerate(children, 1):
        assert closed(swf, DOMAIN, child) == "COMPLETED"
        child_events = history(swf, DOMAIN, child)
        found, _, _ = closes(child_events)
        items.update(activity_id for activity_id, outcome in found if outcome == "completed")
        files.append(tmp_path / f"child-{number}.json")
        files[-1].write_text(dump_history(child_events))
    assert len(items) == 300 and set(items.values()) == {1}
    assert not any(e["eventType"] == "ActivityTaskScheduled"
                   and "_item-" in e["activityTaskScheduledEventAttributes"]["activityId"]
                   for e in events)  # the parent itself ran none
    replayed = processes.start("replay", [sys.executable, "-m", "garcon_sim", "replay",
                                          *map(str, files), "--flow", "tests/items_flow.py"],
                               env=env)
    assert replayed[0].wait(120) == 0, replayed[1].read_text()
    assert replayed[1].read_text().count(": no difference") == 4


def test_an_attempt_held_by_a_killed_worker_times_out_and_another_worker_retries_it(
        processes, tmp_path):
    env = {"ITEMS_FLOW_COUNT": "1"}
    server = Server(processes, speed=20).start()  # an attempt has 3 s to answer: enough, loaded
    swf = server.client()
    processes.worker(server, "decider", "--decider", "--activities", "prepare,report", env=env)
    holder, _ = processes.worker(server, "holder", "--activities", "item",
                                 env={**env, "ITEMS_FLOW_HOLD": str(tmp_path / "never")})
    execution = start(swf, "held")
    started = wait_until(lambda: [e for e in history(swf, DOMAIN, execution)
                                  if e["eventType"] == "ActivityTaskStarted"
                                  and e["activityTaskStartedEventAttributes"]["identity"]
                                  == "holder"], what="the holder to start the attempt")
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    processes.worker(server, "rescuer", "--activities", "item", env=env)
    assert wait_until(lambda: closed(swf, DOMAIN, execution), timeout=60,
                      what="the execution to close") == "COMPLETED"

    events = history(swf, DOMAIN, execution)
    by_id = {event["eventId"]: event for event in events}
    # The holder's attempt, and only it, is what this test is about: under load another
    # attempt may time out too (60 virtual seconds are 3 real ones) and be retried.
    timed_out = [event for event in events if event["eventType"] == "ActivityTaskTimedOut"
                 and event["activityTaskTimedOutEventAttributes"]["startedEventId"]
                 == started[0]["eventId"]]
    assert len(timed_out) == 1
    details = timed_out[0]["activityTaskTimedOutEventAttributes"]
    # The item's task declares timeout=60: the attempt times out 60 virtual seconds after
    # it started (3 s of real time at --speed 20), as SWF would.
    assert details["timeoutType"] == "START_TO_CLOSE"
    elapsed = timed_out[0]["eventTimestamp"] - by_id[details["startedEventId"]]["eventTimestamp"]
    assert elapsed.total_seconds() == 60
    item = by_id[details["scheduledEventId"]]["activityTaskScheduledEventAttributes"][
        "activityId"]
    attempts = {event["eventId"] for event in events
                if event["eventType"] == "ActivityTaskScheduled"
                and event["activityTaskScheduledEventAttributes"]["activityId"] == item}
    completed = [event for event in events if event["eventType"] == "ActivityTaskCompleted"
                 and event["activityTaskCompletedEventAttributes"]["scheduledEventId"]
                 in attempts]
    assert len(completed) == 1  # retried after the timeout, by the rescuer
    answered_by = by_id[completed[0]["activityTaskCompletedEventAttributes"]["startedEventId"]]
    assert answered_by["activityTaskStartedEventAttributes"]["identity"] == "rescuer"
    assert answered_by["eventId"] > timed_out[0]["eventId"]


def test_a_worker_stopped_mid_attempt_while_the_server_is_down_answers_once_it_is_back(
        processes, tmp_path):
    env = {"ITEMS_FLOW_COUNT": "1"}
    release = tmp_path / "release"
    server = Server(processes, db=tmp_path / "state.sqlite", speed=1).start()
    swf = server.client()
    processes.worker(server, "decider", "--decider", "--activities", "prepare,report", env=env)
    worker, log = processes.worker(server, "worker", "--activities", "item",
                                   env={**env, "ITEMS_FLOW_HOLD": str(release)})
    execution = start(swf, "outage")
    wait_until(lambda: any(e["eventType"] == "ActivityTaskStarted"
                           and e["activityTaskStartedEventAttributes"]["identity"] == "worker"
                           for e in history(swf, DOMAIN, execution)),
               what="the worker to start the attempt")
    server.kill()
    worker.send_signal(signal.SIGTERM)
    wait_until(lambda: "SIGTERM received" in log.read_text(), what="the worker to hear SIGTERM")
    release.touch()  # the task ends; its answer meets a server that is down
    server.start()
    assert worker.wait(120) == 0
    swf = server.client()
    assert wait_until(lambda: closed(swf, DOMAIN, execution), timeout=60,
                      what="the execution to close") == "COMPLETED"
    found, _, scheduled = closes(history(swf, DOMAIN, execution))
    assert set(found.values()) == {1} and {outcome for _, outcome in found} == {"completed"}
    item = next(activity_id for activity_id in scheduled.values() if "_item-" in activity_id)
    assert answered([log]) == Counter({(item, "completed"): 1})
