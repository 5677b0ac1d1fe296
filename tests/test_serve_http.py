"""`garcon-sim serve` over HTTP, as a process on 127.0.0.1: any boto3 client works against it;
bad input and abuse get SWF-shaped errors and lose nothing; 200 long polls are held at once and
a task wakes one of them; the page lists executions, escaping what users wrote."""
import asyncio
import http.client
import json
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import botocore.exceptions
import httpx
import pytest

from garcon_sim import dump_history
from tests import swf_helpers
from tests.serve_processes import ROOT, Server

DOMAIN = "http"
WORKFLOW = {"name": "page", "version": "1"}


JOB = {"name": "job", "version": "1"}


def register(swf):
    swf_helpers.register(swf, DOMAIN, WORKFLOW, activity_types=(JOB,), activities="jobs")


def decide(swf, *decisions):
    return swf_helpers.decide(swf, DOMAIN, *decisions)


def post(server, body, headers, chunked=False):
    """One raw request; the status and the parsed JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", "/", body=body, headers=headers, encode_chunked=chunked)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def target(operation):
    return {"X-Amz-Target": f"SimpleWorkflowService.{operation}",
            "Content-Type": "application/x-amz-json-1.0"}


def test_bad_requests_get_swf_shaped_errors_and_the_server_serves_on_losing_nothing(
        processes, tmp_path):
    server = Server(processes, db=tmp_path / "state.sqlite").start()
    swf = server.client()
    register(swf)
    refused = {
        "malformed JSON": post(server, b'{"name": ', target("DescribeDomain")),
        "not an object": post(server, b'["name"]', target("DescribeDomain")),
        "a wrong type": post(server, json.dumps({"name": DOMAIN, "registrationStatus": 1}),
                             target("ListDomains")),
        "an unknown operation": post(server, b"{}", target("LaunchRockets")),
        "another service": post(server, b"{}", {"X-Amz-Target": "DynamoDB_20120810.ListTables"}),
        "no target": post(server, b"{}", {"Content-Type": "application/x-amz-json-1.0"}),
        "over 1 MB": post(server, b" " * (1 << 20), target("ListDomains")),
        "nested too deep": post(server, b"[" * 100_000, target("ListDomains")),
    }
    shapes = {name: (status, body["__type"].split("#")[1]) for name, (status, body)
              in refused.items()}
    assert shapes == {
        "malformed JSON": (400, "SerializationException"),
        "not an object": (400, "SerializationException"),
        "a wrong type": (400, "SerializationException"),
        "an unknown operation": (400, "UnknownOperationException"),
        "another service": (400, "UnknownOperationException"),
        "no target": (400, "UnknownOperationException"),
        "over 1 MB": (413, "RequestEntityTooLargeException"),
        "nested too deep": (400, "SerializationException"),
    }
    assert refused["a wrong type"][1]["message"] == (
        "Wrong JSON type: registrationStatus is an integer, not a string")

    # Over 1 MB without a Content-Length (chunked): cut off as it streams in.
    chunks = (b" " * 65_536 for _ in range(20))
    status, body = post(server, chunks, {**target("ListDomains"),
                                         "Transfer-Encoding": "chunked"}, chunked=True)
    assert (status, body["__type"]) == (413, "com.amazon.coral.service#"
                                             "RequestEntityTooLargeException")
    # botocore parses every one of these into a ClientError; a 1.3 MB decision answer too.
    run_id = swf.start_workflow_execution(domain=DOMAIN, workflowId="big",
                                          workflowType=WORKFLOW)["runId"]
    task = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "deciders"})
    markers = [{"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {
        "markerName": f"m{n}", "details": "x" * 30_000}} for n in range(45)]
    with pytest.raises(botocore.exceptions.ClientError,
                       match="RequestEntityTooLargeException") as refused_answer:
        swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=markers)
    assert refused_answer.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413

    # A connection dropped in the middle of a request, and one dropped mid-headers.
    for partial in (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: SimpleWorkflowService."
                    b"RegisterDomain\r\nContent-Length: 500\r\n\r\n{\"name\": \"half",
                    b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Tar"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(partial)

    # The server serves on, and nothing was lost or half-done: not even across a kill -9.
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[
        {"decisionType": "CompleteWorkflowExecution",
         "completeWorkflowExecutionDecisionAttributes": {"result": "fine"}}])
    server.kill()
    swf = server.start().client()
    domains = swf.list_domains(registrationStatus="REGISTERED")["domainInfos"]
    assert [domain["name"] for domain in domains] == [DOMAIN]
    events = swf.get_workflow_execution_history(
        domain=DOMAIN, execution={"workflowId": "big", "runId": run_id})["events"]
    assert [event["eventType"] for event in events] == [
        "WorkflowExecutionStarted", "DecisionTaskScheduled", "DecisionTaskStarted",
        "DecisionTaskCompleted", "WorkflowExecutionCompleted"]


def test_200_long_polls_are_held_at_once_and_a_task_wakes_exactly_one(processes):
    """The polls wait far longer than the test takes (however loaded the machine): one gets
    the task, the 199 others wait on until the server stops, which answers them empty."""
    server = Server(processes, poll_timeout=600).start()
    swf = server.client()
    register(swf)

    async def polls():
        limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=None) as client:
            async def poll(number):
                answer = await client.post("/", headers=target("PollForActivityTask"),
                                           json={"domain": DOMAIN, "taskList": {"name": "jobs"},
                                                 "identity": f"poller-{number}"})
                return answer.status_code, answer.json()

            async def waiting():
                status = (await client.get("/status.json")).json()
                return [entry["polls"] for entry in status["pollsWaiting"]]

            held = [asyncio.ensure_future(poll(number)) for number in range(200)]
            while await waiting() != [200]:  # until the server holds all 200 (a condition)
                await asyncio.sleep(0.05)
            threads = server_threads(server)
            run_id = await asyncio.to_thread(start_and_schedule, swf)
            done, _ = await asyncio.wait(held, return_when=asyncio.FIRST_COMPLETED)
            first = [task.result() for task in done]
            events = await asyncio.to_thread(swf_helpers.history, swf, DOMAIN,
                                             {"workflowId": "jobs", "runId": run_id})
            still = await waiting()
            stopped = await asyncio.to_thread(server.stop)
            return first, await asyncio.gather(*held), threads, events, still, stopped

    first, answers, threads, events, still, stopped = asyncio.run(asyncio.wait_for(polls(), 120))
    assert threads < 20, "a thread per poll"
    assert [status for status, _ in answers] == [200] * 200
    handed = [body for _, body in answers if "taskToken" in body]
    assert len(handed) == 1 and first == [(200, handed[0])]
    assert still == [199]
    assert [body for _, body in answers if "taskToken" not in body] == [
        {"startedEventId": 0}] * 199
    assert stopped == 0
    started = [event for event in events if event["eventType"] == "ActivityTaskStarted"]
    assert len(started) == 1
    assert started[0]["eventId"] == handed[0]["startedEventId"]


def server_threads(server):
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(re.search(r"Threads:\s+(\d+)", status)[1])


def start_and_schedule(swf):
    run_id = swf_helpers.start(swf, DOMAIN, "jobs", WORKFLOW)["runId"]
    decide(swf, swf_helpers.schedule(JOB, "job-1"))
    return run_id


def test_the_page_lists_executions_filters_them_and_escapes_what_users_wrote(processes):
    server = Server(processes).start()
    swf = server.client()
    register(swf)
    done = swf.start_workflow_execution(domain=DOMAIN, workflowId="done-<b>1",
                                        workflowType=WORKFLOW,
                                        input='{"note": "<script>alert(1)</script>"}')["runId"]
    decide(swf, {"decisionType": "CompleteWorkflowExecution",
                 "completeWorkflowExecutionDecisionAttributes": {
                     "result": '<script>alert("result")</script>'}})
    still = swf.start_workflow_execution(domain=DOMAIN, workflowId="still-open",
                                         workflowType=WORKFLOW, input="{}")["runId"]

    page = fetch(server, "/").text
    assert "done-&lt;b&gt;1" in page and "still-open" in page
    assert "&lt;script&gt;alert(&quot;result&quot;)&lt;/script&gt;" in page
    assert "{&quot;note&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;}" in page
    assert "<script" not in page and "<b>" not in page
    assert "No authentication" in page
    assert re.search(r'class="COMPLETED">COMPLETED<', page)
    assert re.search(r'class="OPEN">OPEN<', page)
    assert "still-open" not in fetch(server, "/?status=closed").text
    assert "done-&lt;b&gt;" not in fetch(server, "/?status=open").text
    assert "still-open" not in fetch(server, "/?id=done").text
    assert "No execution matches" in fetch(server, "/?type=other").text

    links = dict(re.findall(r'<a href="(/(?:timeline|history)\?[^"]+)">(timeline|history)</a>',
                            page)[i][::-1] for i in range(2))  # the first row: the newest run
    assert "still-open" in links["timeline"]
    live = fetch(server, links["timeline"].replace("&amp;", "&"))
    assert live.headers["refresh"] == "5"  # an open run's timeline reloads itself
    closed_links = re.findall(r'<a href="(/timeline\?[^"]+)">', page)[1].replace("&amp;", "&")
    timeline = fetch(server, closed_links)
    assert "refresh" not in timeline.headers
    assert "\\u003cscript\\u003ealert(\\\"result\\\")" in timeline.text
    assert '<script>alert("result")' not in timeline.text

    history = fetch(server, closed_links.replace("/timeline", "/history"))
    events = swf.get_workflow_execution_history(
        domain=DOMAIN, execution={"workflowId": "done-<b>1", "runId": done})["events"]
    assert history.text == dump_history(events)
    assert history.headers["content-type"] == "application/json"
    assert fetch(server, f"/history?domain={DOMAIN}&workflowId=x&runId={still}",
                 expect=404).text.startswith("Unknown execution")


def fetch(server, path, expect=200):
    answer = httpx.get(server.url + path, timeout=30)
    assert answer.status_code == expect, answer.text
    return answer


@pytest.mark.parametrize(("arguments", "message"), [
    (["--speed", "0"], "--speed must be a number above 0, not 0"),
    (["--speed", "inf"], "--speed must be a number above 0, not inf"),
    (["--poll-timeout", "-1"], "--poll-timeout must be a number of seconds above 0"),
    (["--port", "70000"], "--port must be from 0 to 65535, not 70000"),
    (["--host", "no.such.host.invalid"], "cannot listen on no.such.host.invalid:0: "),
    (["--db", "README.md"], "README.md: cannot be opened as a journal"),
])
def test_bad_options_are_one_line_and_exit_2(arguments, message):
    process = subprocess.run([sys.executable, "-m", "garcon_sim", "serve", "--port", "0",
                              *arguments], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert process.returncode == 2
    assert process.stderr.startswith(f"garcon-sim: error: {message}")
    assert process.stderr.count("\n") == 1 and "Traceback" not in process.stderr


@pytest.mark.parametrize("missing", ["uvicorn", "starlette"])
def test_serve_without_its_extra_says_how_to_install_it_in_one_line_and_exit_2(missing):
    """The server's dependencies are the `serve` extra's (the production worker needs none of
    them): here made unimportable, as in an environment installed without the extra."""
    blocked = (f"import sys; sys.modules[{missing!r}] = None; from garcon_sim.cli import main; "
               f"sys.exit(main(['serve', '--port', '0']))")
    process = subprocess.run([sys.executable, "-c", blocked], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    assert (process.returncode, process.stdout) == (2, "")
    assert process.stderr == (
        f"garcon-sim: error: serving needs {missing}, which is not installed: pip install "
        f"'garcon-sim[serve]' (in a checkout: pip install -e '.[serve]')\n")


def test_a_port_in_use_or_another_seed_are_one_line_and_exit_2(processes, tmp_path):
    db = tmp_path / "state.sqlite"
    server = Server(processes, "--seed", "5", db=db).start()
    taken = subprocess.run([sys.executable, "-m", "garcon_sim", "serve", "--port",
                            str(server.port)], cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
    assert taken.returncode == 2
    assert taken.stderr == (f"garcon-sim: error: cannot listen on 127.0.0.1:{server.port}: "
                            f"Address already in use\n")
    assert server.stop() == 0
    other = subprocess.run([sys.executable, "-m", "garcon_sim", "serve", "--port", "0",
                            "--db", str(db), "--seed", "6"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert other.returncode == 2
    assert other.stderr == (f"garcon-sim: error: {db} holds the state of seed 5, not 6: "
                            f"leave --seed out to go on with it\n")
    again = Server(processes, db=db).start()
    assert "seed 5" in again.log.read_text()


def test_the_banner_says_there_is_no_authentication(processes):
    server = Server(processes).start()
    banner = server.log.read_text()
    assert "No authentication: any credentials and any signature are accepted" in banner
    assert f"AWS_ENDPOINT_URL_SWF={server.url}" in banner
    with urllib.request.urlopen(server.url + "/status.json", timeout=10) as answer:
        assert json.load(answer)["journal"] is None
