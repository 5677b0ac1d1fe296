"""The served service and its journal, in process, on clocks the test moves: what is journaled,
that a replay rebuilds the state byte for byte (tokens included), where the clock resumes after
a restart, that deadlines fire alike however finely the clock was moved, and what a journal
that cannot be written does."""
import asyncio
import collections
import itertools
import json
import random
import re
import sqlite3
from datetime import datetime

import httpx
import pytest

from garcon_sim import Simulator, dump_history
from garcon_sim.server.app import ServerApp
from garcon_sim.server.driver import ClockDriver
from garcon_sim.server.journal import ROWS_PER_INSERT, Entry, Journal, JournalError
from garcon_sim.server.polls import LongPolls
from garcon_sim.server.served import ServedService
from tests import swf_helpers
from tests.swf_helpers import Clocks, ServedClient, call, open_served

DOMAIN = "journal"
WORKFLOW = {"name": "flow", "version": "1"}
ACTIVITY = {"name": "act", "version": "1"}


def histories(served):
    return {key: dump_history(run.events) for key, run in served.world.runs.items()}


def register(served):
    swf_helpers.register(ServedClient(served), DOMAIN, WORKFLOW, activity_types=(ACTIVITY,),
                         decisions="decisions", activities="work",
                         workflow_defaults={"defaultTaskStartToCloseTimeout": "60"},
                         activity_defaults={"defaultTaskHeartbeatTimeout": "10",
                                            "defaultTaskStartToCloseTimeout": "30"})


def schedule(activity_id):
    return swf_helpers.schedule(ACTIVITY, activity_id, input=f"<{activity_id}>")


def drive(served, clocks):
    """Two executions, activities answered, one held past its heartbeat timeout, a timer, a
    history read in pages; the clock moved between calls as the clock driver moves it."""
    register(served)
    for workflow_id in ("one", "two"):
        call(served, "StartWorkflowExecution", domain=DOMAIN, workflowId=workflow_id,
             workflowType=WORKFLOW, input="{}")
    for _ in range(2):
        task = call(served, "PollForDecisionTask", domain=DOMAIN,
                    taskList={"name": "decisions"}, identity="decider")
        call(served, "RespondDecisionTaskCompleted", taskToken=task["taskToken"], decisions=[
            schedule("a"), schedule("b"),
            {"decisionType": "StartTimer", "startTimerDecisionAttributes": {
                "timerId": "t", "startToFireTimeout": "15"}}])
    clocks.pass_(2.25)
    first = call(served, "PollForActivityTask", domain=DOMAIN, taskList={"name": "work"},
                 identity="w1")
    call(served, "RecordActivityTaskHeartbeat", taskToken=first["taskToken"], details="half")
    clocks.pass_(0.5)
    call(served, "RespondActivityTaskCompleted", taskToken=first["taskToken"], result="ok")
    held = call(served, "PollForActivityTask", domain=DOMAIN, taskList={"name": "work"},
                identity="w2")
    for _ in range(7):  # the driver wakes at its own moments; timeouts and the timer fire
        clocks.pass_(3.1)
        served.catch_up()
    call(served, "DescribeWorkflowExecution", domain=DOMAIN, execution=first[
        "workflowExecution"])
    call(served, "PollForActivityTask", domain="journal", taskList={"name": "nothing here"})
    page = call(served, "GetWorkflowExecutionHistory", domain=DOMAIN,
                execution=first["workflowExecution"], maximumPageSize=3)
    assert "nextPageToken" in page
    kept = call(served, "PollForActivityTask", domain=DOMAIN, taskList={"name": "work"},
                identity="w3")
    return held, kept, page


def test_the_calls_that_changed_the_state_are_journaled_and_no_others(tmp_path):
    clocks = Clocks()
    served = open_served(tmp_path / "state.sqlite", clocks)
    drive(served, clocks)
    journaled = [entry.operation for entry in served.journal.entries()]
    assert journaled == [
        "RegisterDomain", "RegisterWorkflowType", "RegisterActivityType",
        "StartWorkflowExecution", "StartWorkflowExecution",
        "PollForDecisionTask", "RespondDecisionTaskCompleted",
        "PollForDecisionTask", "RespondDecisionTaskCompleted",
        "PollForActivityTask", "RecordActivityTaskHeartbeat", "RespondActivityTaskCompleted",
        "PollForActivityTask",
        # DescribeWorkflowExecution and the empty poll changed nothing: not journaled
        "GetWorkflowExecutionHistory",  # it issued a page token
        "PollForActivityTask"]
    instants = [entry.millis for entry in served.journal.entries()]
    assert instants == sorted(instants)
    assert instants[-1] == served.simulator.clock.millis


def test_a_restart_on_the_journal_rebuilds_the_state_byte_for_byte(tmp_path):
    clocks = Clocks()
    path = tmp_path / "state.sqlite"
    served = open_served(path, clocks, seed=7)
    held, kept, page = drive(served, clocks)
    before = histories(served)
    tokens = sorted(served.world.tokens)
    due = served.next_due()
    served.close()

    again = open_served(path, clocks)  # no downtime: the clock stands where it stood
    assert again.replayed == 15 and again.seed == 7
    assert histories(again) == before
    assert sorted(again.world.tokens) == tokens
    assert again.next_due() == due
    # The page token and the task token handed out before the restart still work.
    rest = call(again, "GetWorkflowExecutionHistory", domain=DOMAIN,
                execution=held["workflowExecution"], nextPageToken=page["nextPageToken"],
                maximumPageSize=3)
    assert rest["events"][0]["eventId"] == 4
    call(again, "RespondActivityTaskFailed", taskToken=kept["taskToken"], reason="late")
    with pytest.raises(AssertionError, match="Unknown activity"):
        call(again, "RespondActivityTaskCompleted", taskToken=held["taskToken"])


def test_the_same_calls_at_the_same_instants_give_the_same_bytes_with_or_without_a_journal(
        tmp_path):
    journaled, memory = Clocks(), Clocks()
    with_journal = open_served(tmp_path / "state.sqlite", journaled)
    in_memory = ServedService.open(wall=memory.wall, monotonic=memory.monotonic)
    drive(with_journal, journaled)
    drive(in_memory, memory)
    assert histories(with_journal) == histories(in_memory)


def test_after_a_restart_the_clock_resumes_as_if_the_server_had_run_on_at_its_speed(tmp_path):
    clocks = Clocks()
    path = tmp_path / "state.sqlite"
    served = open_served(path, clocks, speed=2)
    start = served.simulator.clock.millis
    _, kept, _ = drive(served, clocks)  # 24.45 real seconds, 48.9 virtual
    stopped = served.simulator.clock.now()
    served.close()
    clocks.pass_(30)  # the server is down for 30 s: 60 virtual seconds at speed 2
    again = open_served(path, clocks, speed=10)
    assert again.simulator.clock.millis == start + round((24.45 + 30) * 2 * 1000)
    # The attempt w3 held (a worker that died with the server, say) timed out meanwhile, at
    # its own instant: its heartbeat timeout, 10 s after it started.
    run = again.world.runs[(DOMAIN, "two", kept["workflowExecution"]["runId"])]
    started = run.events[kept["startedEventId"] - 1]
    timed_out = [event for event in run.events if event["eventType"] == "ActivityTaskTimedOut"
                 and event["activityTaskTimedOutEventAttributes"]["startedEventId"]
                 == kept["startedEventId"]]
    assert [e["activityTaskTimedOutEventAttributes"]["timeoutType"] for e in timed_out] == [
        "HEARTBEAT"]
    assert timed_out[0]["eventTimestamp"] > stopped
    assert (timed_out[0]["eventTimestamp"] - started["eventTimestamp"]).total_seconds() == 10
    # From now on the clock runs at the new speed.
    clocks.pass_(1)
    assert again.now_millis() == again.anchor.virtual_millis + 10_000


def test_deadlines_fire_alike_whether_the_clock_moves_in_one_step_or_in_many():
    """What makes replay exact: a replay moves the clock once per call, the live server moved
    it whenever its driver woke."""
    def scenario(steps):
        sim = Simulator(seed=3)
        swf = sim.direct_client()
        swf_helpers.register(swf, DOMAIN, WORKFLOW, activity_types=(ACTIVITY,),
                             decisions="decisions", activities="work",
                             workflow_defaults={"defaultTaskStartToCloseTimeout": "5",
                                                "defaultExecutionStartToCloseTimeout": "100"},
                             activity_defaults={"defaultTaskHeartbeatTimeout": "3",
                                                "defaultTaskScheduleToStartTimeout": "7",
                                                "defaultTaskStartToCloseTimeout": "9",
                                                "defaultTaskScheduleToCloseTimeout": "12"})
        run_id = swf_helpers.start(swf, DOMAIN, "w", WORKFLOW)["runId"]
        swf_helpers.decide(swf, DOMAIN, *[schedule(f"a{n}") for n in range(4)], *[
            {"decisionType": "StartTimer", "startTimerDecisionAttributes": {
                "timerId": f"t{n}", "startToFireTimeout": str(n)}} for n in range(0, 9, 2)],
                           task_list="decisions")
        for _ in range(2):
            swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "work"})
        for step in steps:  # 60 virtual seconds: every kind of timeout, the decision's too
            sim.clock.advance(milliseconds=step)
        swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "decisions"})
        return dump_history(sim.service.world.runs[(DOMAIN, "w", run_id)].events)

    once = scenario([60_000])
    assert scenario([1] * 60_000) == once
    assert scenario([1_234, 17, 5_000, 3, 40_000, 13_746]) == once
    assert "SCHEDULE_TO_START" in once and "HEARTBEAT" in once and "TimerFired" in once


def test_a_journal_that_replays_differently_is_refused(tmp_path):
    clocks = Clocks()
    path = tmp_path / "state.sqlite"
    served = open_served(path, clocks)
    drive(served, clocks)
    served.close()
    with sqlite3.connect(path) as db:  # as if another version had answered the 7th call
        db.execute("UPDATE calls SET digest = digest + 1 WHERE seq = 7")
    with pytest.raises(JournalError, match=re.escape("call 7 (RespondDecisionTaskCompleted) "
                                                     "answers differently on replay")):
        open_served(path, clocks)


def test_a_batch_longer_than_one_insert_is_written_whole_and_in_order(tmp_path):
    """A busy server's group commit can hand the journal more calls than one INSERT writes."""
    journal = Journal(tmp_path / "state.sqlite")
    journal.create(seed=0, start_millis=0)
    count = 2 * ROWS_PER_INSERT + 3
    batch = [Entry(millis, "RecordActivityTaskHeartbeat", f'{{"n": {millis}}}'.encode(), 200,
                   millis) for millis in range(count)]
    journal.append(Entry(0, "RegisterDomain", b"{}", 200, 7))
    journal.append_all(batch)
    journal.close()
    assert [*Journal(tmp_path / "state.sqlite").entries()] == [
        Entry(0, "RegisterDomain", b"{}", 200, 7), *batch]


def test_a_journal_of_another_seed_or_a_file_of_something_else_is_refused(tmp_path):
    clocks = Clocks()
    path = tmp_path / "state.sqlite"
    open_served(path, clocks, seed=1).close()
    with pytest.raises(JournalError, match="holds the state of seed 1, not 2"):
        open_served(path, clocks, seed=2)
    open_served(path, clocks, seed=1).close()  # the same seed, or none, goes on

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(JournalError, match="not a garcon-sim journal"):
        Journal(other)
    text = tmp_path / "notes.txt"
    text.write_text("these are not the calls you are looking for\n" * 100)
    with pytest.raises(JournalError, match="cannot be opened as a journal"):
        Journal(text)


def test_a_journal_that_cannot_be_written_answers_500_and_stops_the_server(tmp_path):
    """The state would run ahead of its journal: the call is not acknowledged, and the server
    is told to stop (an in-process app over a real journal whose connection is gone)."""
    clocks = Clocks()
    served = open_served(tmp_path / "state.sqlite", clocks)
    stops = []

    async def scenario():
        served.commit_in_groups(asyncio.get_running_loop())
        polls = LongPolls(served, timeout=1)
        app = ServerApp(served, polls, ClockDriver(served, polls, on_fatal=stops.append),
                        on_fatal=stops.append)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://serve") as client:
            async def register(name):
                return await client.post("/", headers={
                    "X-Amz-Target": "SimpleWorkflowService.RegisterDomain"}, json={
                    "name": name, "workflowExecutionRetentionPeriodInDays": "1"})

            first = await register("kept")
            served.journal._db.close()  # the disk is gone, say
            second = await register("lost")
            return first, second

    first, second = asyncio.run(scenario())
    assert first.status_code == 200
    assert second.status_code == 500
    assert second.json()["__type"] == "com.amazon.coral.service#InternalFailure"
    assert "cannot write the journal" in second.json()["message"]
    assert len(stops) == 1 and "cannot write the journal" in stops[0]
    served.close()
    reopened = Journal(tmp_path / "state.sqlite")
    assert [entry.operation for entry in reopened.entries()] == ["RegisterDomain"]


# The invariant replay rests on: every change of the world moves `World.revision`, so that the
# read-only calls that changed something are journaled (served.py). A replay after a session
# heavy in what read-only calls may change (page tokens, polls that start tasks) must rebuild
# the whole state, not just the histories.

CACHES = frozenset({"_now"})
"""Attributes that memoise what the state gives (World._now: the clock's instant as a
datetime), and may differ however equal the states are."""


def state_lines(value, path="world", seen=None):
    """Every value reachable from `value`, as `path = value` lines in a deterministic order;
    an object met again is a reference to where it was met first (ids differ, paths do not);
    functions are their names, a random generator its state."""
    seen = {} if seen is None else seen
    if value is None or isinstance(value, (bool, int, float, str)):
        return [f"{path} = {value!r}"]
    if isinstance(value, datetime):
        return [f"{path} = {value.isoformat()}"]
    if callable(value) and not isinstance(value, type) and hasattr(value, "__qualname__"):
        owner = getattr(value, "__self__", None)
        target = f" of {seen.get(id(owner), '?')}" if owner is not None else ""
        return [f"{path} = <function {value.__qualname__}{target}>"]
    if isinstance(value, random.Random):
        return [f"{path} = <random {hash(value.getstate())}>"]
    if isinstance(value, itertools.count):
        return [f"{path} = {value!r}"]
    if isinstance(value, (dict, list, tuple, collections.deque)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        lines = [f"{path} = <{type(value).__name__} of {len(value)}>"]
        for key, item in items:
            lines += state_lines(item, f"{path}[{key!r}]", seen)
        return lines
    if id(value) in seen:
        return [f"{path} = <the {seen[id(value)]}>"]
    seen[id(value)] = path
    slots = [name for cls in type(value).__mro__ for name in getattr(cls, "__slots__", ())]
    names = [*getattr(value, "__dict__", {}), *slots]
    lines = [f"{path} = <{type(value).__name__}>"]
    for name in names:
        if name not in CACHES and hasattr(value, name):
            lines += state_lines(getattr(value, name), f"{path}.{name}", seen)
    return lines


def whole_state(served):
    service = served.simulator.service
    return state_lines(service.world) + state_lines(service.throttles, "throttles")


def paging_and_polling(served, clocks):
    """Pages of histories, of decision tasks and of listings; polls empty and not; runs that
    close and are forgotten (a domain without retention), page tokens that expire; then the
    same again on new runs. The forgotten brief run's execution."""
    swf = ServedClient(served)
    register(served)
    swf_helpers.register(swf, "brief", WORKFLOW, retention="0", decisions="brief")
    brief = swf_helpers.start(swf, "brief", "brief-1", WORKFLOW)
    swf_helpers.decide(swf, "brief", {"decisionType": "CompleteWorkflowExecution"},
                       task_list="brief")
    for session in range(2):
        runs = [swf_helpers.start(swf, DOMAIN, f"run-{session}-{n}", WORKFLOW, input="{}")
                for n in range(3)]
        for _ in runs:
            task = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "decisions"},
                                              maximumPageSize=1)
            while "nextPageToken" in task:
                task = {**swf.poll_for_decision_task(
                    domain=DOMAIN, taskList={"name": "decisions"}, maximumPageSize=1,
                    nextPageToken=task["nextPageToken"]), "taskToken": task["taskToken"]}
            swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[
                schedule("a"), schedule("b"), {"decisionType": "StartTimer",
                                               "startTimerDecisionAttributes": {
                                                   "timerId": "t", "startToFireTimeout": "20"}}])
        work_and_read(served, swf, clocks, runs)
        if session == 0:
            clocks.pass_(25 * 3600)  # every page token expires; the first runs are forgotten
            served.catch_up()
    return brief


def work_and_read(served, swf, clocks, runs):
    since = {"oldestDate": clocks.wall_seconds - 3600}
    held = []
    for step in range(12):
        clocks.pass_(1.75)  # seconds a float holds exactly: the clock resumes where it was
        swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "nothing"})
        task = swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "work"},
                                          identity=f"w{step}")
        if "taskToken" in task:
            held.append(task)
        if step % 3 == 0 and held:  # answered, or timed out on its heartbeat meanwhile
            done = {"taskToken": held.pop(0)["taskToken"]}
            served.call("RespondActivityTaskCompleted", done, json.dumps(done).encode())
        page = swf.list_open_workflow_executions(domain=DOMAIN, startTimeFilter=since,
                                                 maximumPageSize=1)
        swf.list_open_workflow_executions(domain=DOMAIN, startTimeFilter=since,
                                          maximumPageSize=1, nextPageToken=page["nextPageToken"])
        history = swf.get_workflow_execution_history(domain=DOMAIN, execution=runs[step % 3],
                                                     maximumPageSize=2)
        swf.get_workflow_execution_history(domain=DOMAIN, execution=runs[step % 3],
                                           maximumPageSize=2,
                                           nextPageToken=history["nextPageToken"])
        swf.count_open_workflow_executions(domain=DOMAIN, startTimeFilter=since)
        swf.describe_workflow_execution(domain=DOMAIN, execution=runs[0])
        served.catch_up()  # the clock driver, between calls


def test_a_replay_after_paging_and_polling_rebuilds_the_whole_state(tmp_path):
    clocks = Clocks()
    path = tmp_path / "state.sqlite"
    served = open_served(path, clocks, seed=3)
    brief = paging_and_polling(served, clocks)
    world = served.world
    assert ("brief", brief["workflowId"], brief["runId"]) not in world.runs  # forgotten
    assert not any(key[1].startswith("run-0-") for key in world.runs)  # forgotten too
    oldest = next(iter(world.cursors.values())).issued
    assert world.clock.millis - oldest < 3_600_000  # the second session's: the first's went
    before = whole_state(served)
    assert len(before) > 1_000  # the walk reaches every run, task, token and cursor
    served.close()

    again = open_served(path, clocks)
    after = whole_state(again)
    first = next((n for n, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                 None)
    assert first is None and len(before) == len(after), (
        f"line {first}: {before[first]!r} != {after[first]!r}" if first is not None
        else f"{len(before)} lines, then {len(after)}")
