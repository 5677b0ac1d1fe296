"""The served simulator's edge in process: its ASGI app over httpx, and its long polls on an
event loop whose clock the test drives. What a request may be (JSON types, NaN, 1 MB by the
bytes received), and a long poll whose time runs out in the very turn a task comes."""
import asyncio
import json
import re
import selectors

import httpx
import pytest

from garcon_sim.server.app import ServerApp
from garcon_sim.server.driver import ClockDriver
from garcon_sim.server.polls import LongPolls
from tests.swf_helpers import (
    Clocks,
    ServedClient,
    call,
    history,
    open_served,
    register,
    schedule,
    start,
)

DOMAIN = "edge"
WORKFLOW = {"name": "flow", "version": "1"}
JOB = {"name": "job", "version": "1"}
POLL = {"domain": DOMAIN, "taskList": {"name": "workers"}, "identity": "poller"}


def served_run(journal=None):
    """A served service (journaled at `journal`, or in memory) with a run waiting for its
    first decision."""
    served = open_served(journal, Clocks())
    swf = ServedClient(served)
    register(swf, DOMAIN, WORKFLOW, activity_types=(JOB,))
    execution = start(swf, DOMAIN, "run", WORKFLOW)
    return served, swf, execution


def serve_requests(served, requests):
    """Run `requests(post)` against the server's ASGI app; `post(operation, body)` sends one
    request (body: bytes, or parameters as JSON) and returns the response."""
    async def scenario():
        polls = LongPolls(served, timeout=60)
        app = ServerApp(served, polls, ClockDriver(served, polls, on_fatal=pytest.fail),
                        on_fatal=pytest.fail)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://serve") as client:
            async def post(operation, body):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                return await client.post("/", content=data, headers={
                    "X-Amz-Target": f"SimpleWorkflowService.{operation}",
                    "Content-Type": "application/x-amz-json-1.0"})

            return await requests(post)

    return asyncio.run(scenario())


@pytest.mark.parametrize(("operation", "body", "message"), [
    ("ListDomains", {"registrationStatus": "REGISTERED", "maximumPageSize": 1.5},
     "Wrong JSON type: maximumPageSize is a number, not an integer"),
    ("ListDomains", {"registrationStatus": "REGISTERED", "reverseOrder": 1},
     "Wrong JSON type: reverseOrder is an integer, not true or false"),
    ("ListDomains", {"registrationStatus": "REGISTERED", "maximumPageSize": True},
     "Wrong JSON type: maximumPageSize is true or false, not an integer"),
    ("RespondDecisionTaskCompleted", {"taskToken": "t", "decisions": [
        {"decisionType": "RecordMarker"},
        {"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {"markerName": 7}}]},
     "Wrong JSON type: decisions.1.recordMarkerDecisionAttributes.markerName is an integer, "
     "not a string"),
    ("ListDomains", b'{"registrationStatus": "REGISTERED", "maximumPageSize": NaN}',
     "The request body is not JSON: NaN is not a JSON number"),
    ("StartWorkflowExecution", b'{"domain": "edge", "taskPriority": -Infinity}',
     "The request body is not JSON: -Infinity is not a JSON number"),
    ("ListDomains", b"[1, 2]", "The request body must be a JSON object, not a list"),
])
def test_what_is_not_json_of_the_models_types_is_refused_naming_where(tmp_path, operation,
                                                                        body, message):
    served = served_run(tmp_path / "state.sqlite")[0]
    journaled = [*served.journal.entries()]
    answer = serve_requests(served, lambda post: post(operation, body))
    assert (answer.status_code, answer.json()) == (400, {
        "__type": "com.amazon.coral.service#SerializationException", "message": message})
    assert [*served.journal.entries()] == journaled  # the service never saw it


def markers(pad):
    return [{"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {
        "markerName": f"m{n}", "details": "x" * (30_000 if n < 34 else pad)}}
        for n in range(35)]


def test_a_request_is_held_to_1_mb_by_the_bytes_received_alone():
    """One rule: the edge's measure of what came (headers and body). A compact body a few
    hundred bytes under the limit is taken, though `json.dumps` of its parameters plus the
    in-process clients' estimate of headers would be over; a byte more is refused at the
    edge (413), never by the service (400)."""
    served, swf, execution = served_run()
    token = swf.poll_for_decision_task(domain=DOMAIN,
                                       taskList={"name": "deciders"})["taskToken"]

    def body(pad):
        return json.dumps({"taskToken": token, "decisions": markers(pad)},
                          separators=(",", ":")).encode()

    async def requests(post):
        probe = await post("RespondDecisionTaskCompleted", body(30_000))
        measured = int(re.search(r"Request of ([\d,]+) bytes", probe.json()["message"])[1]
                       .replace(",", ""))
        headers = measured - len(body(30_000))
        pad = 30_000 - (len(body(30_000)) + headers - (1 << 20))
        assert len(body(pad)) + headers == 1 << 20
        over = await post("RespondDecisionTaskCompleted", body(pad + 1))
        exact = await post("RespondDecisionTaskCompleted", body(pad))
        return probe, over, exact, json.loads(body(pad))

    probe, over, exact, params = serve_requests(served, requests)
    assert probe.status_code == 413
    assert (over.status_code, over.json()["message"]) == (413, (
        "Request of 1,048,577 bytes (headers included) is over SWF's limit of 1,048,576 bytes"))
    assert len(json.dumps(params)) + 1_024 > 1 << 20  # what the estimate would refuse
    assert exact.status_code == 200, exact.text
    kinds = [event["eventType"] for event in history(swf, DOMAIN, execution)]
    assert kinds.count("MarkerRecorded") == 35


class InstantSelector(selectors.DefaultSelector):
    """Never waits: asked to wait for the loop's next timer, it moves the loop's clock there."""

    def __init__(self):
        super().__init__()
        self.now = 0.0

    def select(self, timeout=None):
        if timeout is None:
            raise RuntimeError("the event loop would wait forever")
        self.now += timeout
        return super().select(0)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on a clock of its own, which jumps from timer to timer."""

    def __init__(self):
        self.selector = InstantSelector()
        super().__init__(self.selector)

    def time(self):
        return self.selector.now


@pytest.mark.parametrize("first", ["the timeout", "the task"])
def test_a_poll_whose_time_runs_out_in_the_turn_a_task_comes_loses_no_task(first):
    """The poll's timeout and a call that queues a task, in one turn of the loop, in either
    order: the poll gets the task, or it gets nothing and the task stays queued for the next
    poll. Never a task started for a poll that already gave up (it would wait, lost, until its
    own timeout)."""
    served, swf, execution = served_run()
    decision = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "deciders"})
    loop = VirtualTimeLoop()

    async def scenario():
        polls = LongPolls(served, timeout=60)

        def task_comes():  # a call answered, then its tasks handed out, as ServerApp does
            call(served, "RespondDecisionTaskCompleted", taskToken=decision["taskToken"],
                 decisions=[schedule(JOB, "job-1")])
            polls.dispatch()

        same_turn = loop.time() + 60
        if first == "the task":
            loop.call_at(same_turn, task_comes)
        raw = json.dumps(POLL).encode()
        assert "taskToken" not in served.call("PollForActivityTask", POLL, raw).body
        waiter = polls.hold("PollForActivityTask", POLL, raw)
        waiting = asyncio.ensure_future(polls.wait(waiter))
        await asyncio.sleep(0)  # the wait has begun: its timeout is set, for the same instant
        if first == "the timeout":
            loop.call_at(same_turn, task_comes)
        handed = await waiting
        return handed, loop.time()

    try:
        handed, ended = loop.run_until_complete(scenario())
    finally:
        loop.close()
    assert ended == 60
    started = [event for event in history(swf, DOMAIN, execution)
               if event["eventType"] == "ActivityTaskStarted"]
    if first == "the task":
        assert handed.body["activityId"] == "job-1"
        assert [event["eventId"] for event in started] == [handed.body["startedEventId"]]
    else:
        assert handed is None and started == []
        again = swf.poll_for_activity_task(**POLL)  # what the server answers the poll with
        assert again["activityId"] == "job-1"
