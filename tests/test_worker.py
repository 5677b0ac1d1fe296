"""The worker shells, against the simulator's genuine boto3 client (an in-process SWF)."""
import json
import logging
import threading
import types
from collections import Counter

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from garcon import activity, runner, task
from garcon.limits import SWFLimits
from garcon.worker import ActivityWorker, DeciderWorker, register_flow
from garcon.worker.deciding import EndlessPaging
from garcon_sim import Simulator, run_flow
from tests.flows import fan_out, with_external
from tests.histories import scheduled_ids


@pytest.fixture
def sim():
    return Simulator(seed=1)


@pytest.fixture
def swf(sim):
    return sim.client()


def start(swf, flow, workflow_id="wf-1", input=None):
    return swf.start_workflow_execution(
        domain=flow.domain, workflowId=workflow_id, input=json.dumps(input or {}),
        workflowType={"name": flow.name, "version": "1.0"})["runId"]


def history(swf, flow, run_id, workflow_id="wf-1"):
    pages, token = [], None
    while True:
        page = swf.get_workflow_execution_history(
            domain=flow.domain, execution={"workflowId": workflow_id, "runId": run_id},
            **({"nextPageToken": token} if token else {}))
        pages += page["events"]
        token = page.get("nextPageToken")
        if not token:
            return pages


def types_of(events):
    return [e["eventType"] for e in events]


def test_registration_tolerates_what_exists_and_lets_a_bare_start_work(swf):
    flow = fan_out(2)
    register_flow(swf, flow)
    register_flow(swf, flow)
    run_id = start(swf, flow)
    assert run_id
    names = {t["activityType"]["name"] for t in swf.list_activity_types(
        domain="dev", registrationStatus="REGISTERED")["typeInfos"]}
    assert names == {"flow_setup", "flow_work", "flow_report"}


def test_a_flow_runs_to_completion_through_the_workers(swf):
    flow = fan_out(3)
    decider = DeciderWorker(flow, client=swf)
    worker = ActivityWorker(flow, client=swf)
    run_id = start(swf, flow)
    for _ in range(50):
        task = decider.poll("decider-1")
        if task:
            decider.answer(task)
        for current in worker.activities:
            got = worker.poll(current, "worker-1")
            if got:
                assert worker.execute(current, got) == "completed"
    events = history(swf, flow, run_id)
    assert types_of(events)[-1] == "WorkflowExecutionCompleted"
    started = [e for e in events if e["eventType"] == "ActivityTaskStarted"]
    assert {e["activityTaskStartedEventAttributes"]["identity"] for e in started} == {"worker-1"}


def drive_to_report(swf, flow, decider):
    """Run setup and the 12 work instances; the next decision task should schedule report."""
    worker = ActivityWorker(flow, client=swf)
    decider.answer(decider.poll())
    worker.execute(flow.setup, worker.poll(flow.setup))
    decider.answer(decider.poll())
    for _ in range(12):
        worker.execute(flow.work, worker.poll(flow.work))


def test_the_decider_pages_through_the_history_since_its_last_decision(swf):
    flow = fan_out(12)
    decider = DeciderWorker(flow, client=swf, limits=SWFLimits(page_size=5))
    run_id = start(swf, flow)
    drive_to_report(swf, flow, decider)
    task = decider.poll()
    whole = history(swf, flow, run_id)
    assert 5 < len(task["events"]) < len(whole)  # several pages, not the whole history
    assert [e["eventId"] for e in task["events"]] == list(
        range(task["previousStartedEventId"], task["startedEventId"] + 1))
    assert scheduled_ids(decider.answer(task).decisions) == ["flow_report-1"]


def test_a_decider_that_did_not_follow_the_run_reads_the_whole_history(swf):
    flow = fan_out(12)
    first = DeciderWorker(flow, client=swf)
    run_id = start(swf, flow)
    drive_to_report(swf, flow, first)
    newcomer = DeciderWorker(flow, client=swf, limits=SWFLimits(page_size=5))
    task = newcomer.poll()
    assert task["events"][0]["eventId"] > 1
    assert scheduled_ids(newcomer.answer(task).decisions) == ["flow_report-1"]
    assert len(history(swf, flow, run_id)) > 40


def test_an_empty_poll_is_none_and_the_loop_polls_again(swf):
    flow = fan_out(1)
    decider = DeciderWorker(flow, client=swf)
    assert decider.poll() is None
    assert decider.poller()() == 0.0


def test_throttling_backs_off_with_a_warning_and_reaches_on_exception(sim, swf, caplog):
    flow = fan_out(1)
    seen = []
    flow.on_exception = lambda actor, error: seen.append((actor, error))
    decider = DeciderWorker(flow, client=swf)
    run_id = start(swf, flow)
    sim.throttle("PollForDecisionTask", 2)
    poller = decider.poller()
    with caplog.at_level(logging.WARNING, logger="garcon.worker"):
        first, second, third = poller(), poller(), poller()
    assert 0 <= first <= 1 and 0 <= second <= 2 and third == 0.0
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]
    assert "ThrottlingException" in caplog.records[0].getMessage()
    assert [actor for actor, _ in seen] == [decider, decider]
    assert types_of(history(swf, flow, run_id))[-1] == "ActivityTaskScheduled"


class EndlessPages:
    """A peer no real SWF is: every page of a history has a next-page token (those of
    GetWorkflowExecutionHistory, and those of PollForDecisionTask unless `poll_ends`)."""

    def __init__(self, poll_ends=False):
        self.poll_ends = poll_ends
        self.calls = Counter()

    def page(self, operation, first_event_id=1):
        self.calls[operation] += 1
        return {"events": [{"eventId": first_event_id, "eventType": "DecisionTaskStarted",
                            "decisionTaskStartedEventAttributes": {}}],
                "nextPageToken": "more"}

    def poll_for_decision_task(self, **request):
        task = {**self.page("poll", 5 if self.poll_ends else 1), "taskToken": "token",
                "startedEventId": 9,
                "workflowExecution": {"workflowId": "wf-1", "runId": "run-1"}}
        if self.poll_ends:
            del task["nextPageToken"]  # events since the previous decision: read them all
        return task

    def get_workflow_execution_history(self, **request):
        return self.page("history")


def test_paging_that_never_ends_is_dropped_with_the_reason_and_the_worker_goes_on(caplog):
    endless = EndlessPages()
    decider = DeciderWorker(fan_out(1), register=False, client=endless, sleep=lambda s: None)
    with pytest.raises(EndlessPaging, match="the decision task had a next page after 100 "
                                            "pages: no history is that long"):
        decider.poll()
    assert endless.calls["poll"] == 100  # 25,000 events at 1,000 a page, 4 times over
    with caplog.at_level(logging.ERROR, logger="garcon.worker"):
        assert decider.run() is True
    assert "(at most 25,000 events, 1,000 a page), so this answer is dropped" in (
        caplog.records[0].getMessage())

    whole = EndlessPages(poll_ends=True)
    decider = DeciderWorker(fan_out(1), register=False, client=whole,
                            limits=SWFLimits(history_events=2_000))
    with pytest.raises(EndlessPaging, match="the history had a next page after 8 pages"):
        decider.answer(decider.poll())


def test_connection_errors_back_off_without_killing_the_worker(caplog):
    unreachable = boto3.client("swf", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                               aws_access_key_id="x", aws_secret_access_key="x",
                               config=Config(retries={"total_max_attempts": 1},
                                             connect_timeout=1))
    decider = DeciderWorker(fan_out(1), register=False, client=unreachable)
    poller = decider.poller()
    with caplog.at_level(logging.WARNING, logger="garcon.worker"):
        delays = [poller() for _ in range(3)]
    assert all(delay >= 0 for delay in delays) and len(caplog.records) == 3
    assert poller.backoff.failures == 3
    assert all(r.levelname == "WARNING" for r in caplog.records)


def test_an_answer_to_a_task_gone_is_logged_and_the_worker_goes_on(sim, swf, caplog):
    flow = fan_out(1)
    decider = DeciderWorker(flow, client=swf)
    start(swf, flow)
    task = decider.poll()
    sim.clock.advance(seconds=301)  # past the decision task's start-to-close timeout
    with caplog.at_level(logging.WARNING, logger="garcon.worker"):
        decider.answer(task)
    assert "gone" in caplog.text
    assert decider.poll() is not None  # SWF scheduled a new decision task


@task.decorate()
def explode(activity, n):
    raise ValueError(f"bad value {n} " + "x" * 300)


def test_a_task_that_raises_fails_the_attempt_with_reason_and_traceback(swf):
    create = activity.create("dev", "flow")
    flow = types.SimpleNamespace(domain="dev", name="flow", boom=create(
        name="boom", run=runner.Sync(explode.fill(n="n"))))
    errors = []
    flow.boom.on_exception = lambda actor, error: errors.append(error)
    decider, worker = DeciderWorker(flow, client=swf), ActivityWorker(flow, client=swf)
    run_id = start(swf, flow, input={"n": 7})
    decider.answer(decider.poll())
    assert worker.execute(flow.boom, worker.poll(flow.boom)) == "failed"
    failed = [e for e in history(swf, flow, run_id) if e["eventType"] == "ActivityTaskFailed"]
    attributes = failed[0]["activityTaskFailedEventAttributes"]
    assert attributes["reason"].startswith("ValueError: bad value 7 ")
    assert len(attributes["reason"]) == 256
    assert "Traceback (most recent call last)" in attributes["details"]
    assert "in explode" in attributes["details"]
    assert isinstance(errors[0], ValueError)


def test_a_result_over_the_limit_fails_the_attempt_with_a_clear_reason(swf):
    create = activity.create("dev", "flow")
    flow = types.SimpleNamespace(domain="dev", name="flow", big=create(
        name="big", run=runner.Sync(lambda context, activity: {"blob": "x" * 40_000})))
    decider, worker = DeciderWorker(flow, client=swf), ActivityWorker(flow, client=swf)
    run_id = start(swf, flow)
    decider.answer(decider.poll())
    assert worker.execute(flow.big, worker.poll(flow.big)) == "failed"
    failed = [e for e in history(swf, flow, run_id) if e["eventType"] == "ActivityTaskFailed"]
    reason = failed[0]["activityTaskFailedEventAttributes"]["reason"]
    assert reason == "the result of flow_big-1 is 40,012 characters, over SWF's 32,768"


def test_heartbeats_run_between_tasks_and_a_cancel_request_cancels(swf):
    """The first task has the workflow cancel the attempt; the heartbeat before the second
    task sees it, and the worker answers canceled without running the second."""
    ran = []
    create = activity.create("dev", "flow")

    def ask_cancel(context, activity):
        ran.append("first")
        swf.signal_workflow_execution(domain="dev", workflowId="wf-1", signalName="stop")
        got = swf.poll_for_decision_task(domain="dev", taskList={"name": "flow"})
        swf.respond_decision_task_completed(taskToken=got["taskToken"], decisions=[{
            "decisionType": "RequestCancelActivityTask",
            "requestCancelActivityTaskDecisionAttributes": {"activityId": "flow_slow-1"}}])

    flow = types.SimpleNamespace(domain="dev", name="flow", slow=create(
        name="slow", run=runner.Sync(ask_cancel, lambda context, activity: ran.append("2nd"))))
    decider, worker = DeciderWorker(flow, client=swf), ActivityWorker(flow, client=swf)
    run_id = start(swf, flow)
    decider.answer(decider.poll())
    assert worker.execute(flow.slow, worker.poll(flow.slow)) == "canceled"
    assert ran == ["first"]
    assert "ActivityTaskCanceled" in types_of(history(swf, flow, run_id))


def test_a_task_gone_mid_attempt_is_dropped_without_an_answer(sim, swf):
    create = activity.create("dev", "flow")
    flow = types.SimpleNamespace(domain="dev", name="flow", slow=create(
        name="slow", run=runner.Sync(lambda context, activity: sim.clock.advance(seconds=700),
                                     lambda context, activity: None)))
    decider, worker = DeciderWorker(flow, client=swf), ActivityWorker(flow, client=swf)
    run_id = start(swf, flow)
    decider.answer(decider.poll())
    assert worker.execute(flow.slow, worker.poll(flow.slow)) == "gone"
    assert "ActivityTaskTimedOut" in types_of(history(swf, flow, run_id))


def test_an_activity_logs_under_its_execution_name(swf, caplog):
    create = activity.create("dev", "flow")
    flow = types.SimpleNamespace(domain="dev", name="flow", talk=create(
        name="talk", run=runner.Sync(lambda context, activity: activity.logger.info("hello"))))
    decider, worker = DeciderWorker(flow, client=swf), ActivityWorker(flow, client=swf)
    run_id = start(swf, flow)
    decider.answer(decider.poll())
    with caplog.at_level(logging.INFO):
        worker.execute(flow.talk, worker.poll(flow.talk))
    names = {r.name for r in caplog.records if r.getMessage() == "hello"}
    assert names == {f"garcon.dev.wf-1.{run_id}"}
    attempt_lines = [r for r in caplog.records if "completed in" in r.getMessage()]
    assert attempt_lines and attempt_lines[0].name == f"garcon.dev.wf-1.{run_id}"


def test_decisions_are_logged_one_line_each(swf, caplog):
    flow = fan_out(2)
    decider = DeciderWorker(flow, client=swf)
    run_id = start(swf, flow)
    with caplog.at_level(logging.INFO, logger="garcon.worker"):
        decider.answer(decider.poll())
    assert [r.getMessage() for r in caplog.records] == [
        f"wf-1 {run_id}: 1 x ScheduleActivityTask"]


def test_activity_worker_selects_activities_by_name(swf):
    flow = fan_out(1)
    assert [a.name for a in ActivityWorker(flow, ["work", "flow_report"], client=swf)
            .activities] == ["flow_report", "flow_work"]


@pytest.mark.parametrize(("names", "message"), [
    (["wrok", "setup"], "activities: the flow flow has no activity 'wrok' (its activities: "
                        "report, setup, work)"),
    ([], "activities: no activity named: give one or more of flow's activities (report, "
         "setup, work)"),
])
def test_a_worker_of_names_the_flow_lacks_or_of_none_is_refused_naming_what_it_has(
        swf, names, message):
    with pytest.raises(activity.UnknownActivityError) as refused:
        ActivityWorker(fan_out(1), names, client=swf)
    assert str(refused.value) == message


def test_a_worker_of_one_name_given_alone_runs_that_activity(swf):
    assert [a.name for a in ActivityWorker(fan_out(1), "work", client=swf).activities] == [
        "flow_work"]


def test_a_worker_of_an_external_activity_is_refused_as_no_worker_of_garcon_runs_it(swf):
    with pytest.raises(activity.UnknownActivityError) as refused:
        ActivityWorker(with_external(), ["work", "java"], client=swf)
    assert str(refused.value) == (
        "activities: 'java' is an external activity of the flow flow: garcon's workers do not "
        "run it (its activities: java (external), report, setup, work)")


def one_activity(name="job"):
    """A flow of one activity whose task records the contexts it ran with."""
    ran = []
    create = activity.create("dev", "flow")
    job = create(name=name, run=runner.Sync(lambda context, activity: ran.append(context)))
    return types.SimpleNamespace(domain="dev", name="flow", job=job), ran


@pytest.mark.parametrize(("given", "reason"), [
    ("not json", "its input cannot be read: Expecting value: line 1 column 1 (char 0)"),
    ("[" * 150 + "]" * 150, "its input cannot be read: it is JSON nested more than 100 levels "
                            "deep"),
    ('["a", "list"]', "its input cannot be read: it is JSON but not an object (list)"),
])
def test_an_input_that_cannot_be_read_fails_its_attempt_with_the_reason(swf, given, reason):
    """A decider of another making may schedule any text as an input: the attempt is answered
    (failed, naming why), instead of being taken and left to time out, every retry."""
    flow, ran = one_activity()
    register_flow(swf, flow)
    run_id = start(swf, flow)
    task = swf.poll_for_decision_task(domain="dev", taskList={"name": "flow"})
    swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=[{
        "decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
            "activityId": "job-1", "activityType": {"name": "flow_job", "version": "1.0"},
            "input": given, **flow.job.instances({})[0].timeouts()}}])
    [poller] = ActivityWorker(flow, client=swf).pollers()
    assert poller() == 0.0 and poller.worked
    events = history(swf, flow, run_id)
    assert types_of(events)[-3:] == ["ActivityTaskStarted", "ActivityTaskFailed",
                                     "DecisionTaskScheduled"]
    assert events[-2]["activityTaskFailedEventAttributes"]["reason"] == reason
    assert ran == []


def test_run_serves_each_poller_waiting_out_backoffs_on_stop_as_the_command_does(sim, swf):
    """`run()` is the command's loop: a throttled poll is one error of the poller, backed off
    on the stop event (which cuts the wait short), never a sleep of its own."""
    flow, _ = one_activity()
    errors, waits = [], []

    class Stop(threading.Event):
        def wait(self, timeout=None):
            waits.append(timeout)
            return self.is_set()

    stop = Stop()

    def on_exception(actor, error):
        errors.append(error)
        if len(errors) == 3:
            stop.set()

    flow.job.on_exception = on_exception
    sim.throttle("PollForActivityTask", 3)
    worker = ActivityWorker(flow, client=swf, sleep=lambda seconds: pytest.fail("slept"))
    worker.run(stop=stop)
    assert [error.response["Error"]["Code"] for error in errors] == ["ThrottlingException"] * 3
    assert len(waits) == 3 and all(0 <= wait <= 4 for wait in waits)


def test_respond_is_tried_again_while_throttled(sim, swf):
    flow = fan_out(1)
    waits = []
    decider = DeciderWorker(flow, client=swf)
    worker = ActivityWorker(flow, client=swf, sleep=waits.append)
    run_id = start(swf, flow)
    decider.answer(decider.poll())
    sim.throttle("RespondActivityTaskCompleted", 2)
    assert worker.execute(flow.setup, worker.poll(flow.setup)) == "completed"
    assert len(waits) == 2
    assert "ActivityTaskCompleted" in types_of(history(swf, flow, run_id))
    with pytest.raises(ClientError):
        sim.throttle("RespondActivityTaskCompleted", 10)
        decider.answer(decider.poll())
        worker.execute(flow.work, worker.poll(flow.work))


def test_garcons_names_for_the_workers_still_work():
    from garcon.activity import ActivityWorker as FromActivity
    from garcon.decider import DeciderWorker as FromDecider

    assert (FromActivity, FromDecider) == (ActivityWorker, DeciderWorker)


def test_a_flow_whose_worst_case_exceeds_the_limit_is_warned_about_once(caplog):
    limits = SWFLimits(history_events=1_000)
    sim = Simulator(limits=limits)
    swf = sim.client()
    flow = fan_out(100, retry=5)  # 320 events at best, 3,617 with every retry used
    decider = DeciderWorker(flow, client=swf, limits=limits)
    run_id = start(swf, flow)
    worker = ActivityWorker(flow, client=swf, limits=limits)
    with caplog.at_level(logging.WARNING, logger="garcon.worker"):
        decider.answer(decider.poll())
        worker.execute(flow.setup, worker.poll(flow.setup))
        decider.answer(decider.poll())
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [f"wf-1 {run_id}: history budget: fits at best (320 events) but not at "
                        "worst (every retry used, a decision task per close: 3,617 events, over "
                        "1,000); shard='auto' on flow_work would let it run (4 child executions "
                        "of at most 977 events each)"]


def test_a_concurrent_worker_runs_attempts_side_by_side_each_with_its_own_heartbeat(swf):
    """Three attempts of one activity in one worker (`concurrency=3`): they can only pass the
    barrier together. The workflow then cancels one of them; each attempt's next heartbeat
    (its own task token) tells that one alone, which answers canceled while the others
    complete. Stopping the worker lets every thread answer its attempt first."""
    together = threading.Barrier(4, timeout=10)  # three attempts and the test
    cancel_sent, stop = threading.Event(), threading.Event()
    create = activity.create("dev", "flow")

    @task.decorate(timeout=60, heartbeat=30)
    def meet(activity, n):
        together.wait()
        assert cancel_sent.wait(timeout=10)
        stop.set()
        activity.heartbeat()
        return {f"met.{n}": True}

    flow = types.SimpleNamespace(domain="dev", name="flow", meet=create(
        name="meet", generators=[lambda context: ({"generator.n": n} for n in range(3))],
        run=runner.Sync(meet.fill(n="generator.n"))))
    decider = DeciderWorker(flow, client=swf)
    run_id = start(swf, flow)
    ids = scheduled_ids(decider.answer(decider.poll()).decisions)
    worker = ActivityWorker(flow, client=swf, concurrency=3)
    running = threading.Thread(target=worker.run, kwargs={"stop": stop})
    running.start()
    together.wait()
    swf.signal_workflow_execution(domain="dev", workflowId="wf-1", signalName="cancel one")
    got = swf.poll_for_decision_task(domain="dev", taskList={"name": "flow"})
    swf.respond_decision_task_completed(taskToken=got["taskToken"], decisions=[{
        "decisionType": "RequestCancelActivityTask",
        "requestCancelActivityTaskDecisionAttributes": {"activityId": ids[1]}}])
    cancel_sent.set()
    running.join(timeout=30)
    assert not running.is_alive()
    closes = {}
    events = history(swf, flow, run_id)
    by_scheduled = {e["eventId"]: e["activityTaskScheduledEventAttributes"]["activityId"]
                    for e in events if e["eventType"] == "ActivityTaskScheduled"}
    for event in events:
        if event["eventType"] in ("ActivityTaskCompleted", "ActivityTaskCanceled"):
            attributes = event[f"{event['eventType'][0].lower()}"
                               f"{event['eventType'][1:]}EventAttributes"]
            closes[by_scheduled[attributes["scheduledEventId"]]] = event["eventType"]
    assert closes == {ids[0]: "ActivityTaskCompleted", ids[1]: "ActivityTaskCanceled",
                      ids[2]: "ActivityTaskCompleted"}


def test_concurrency_is_a_number_of_attempts(swf):
    with pytest.raises(ValueError, match="concurrency is a number of attempts at once"):
        ActivityWorker(fan_out(1), client=swf, concurrency=0)
    worker = ActivityWorker(fan_out(1), client=swf, concurrency=4)
    assert [poller.name for poller in worker.pollers()][3:6] == [
        "activity worker of flow_report #4", "activity worker of flow_setup #1",
        "activity worker of flow_setup #2"]
    assert len(worker.pollers()) == 3 * 4


def test_an_activitys_own_logger_names_each_threads_execution():
    """`activity.logger` follows the execution in hand, thread by thread, so that the attempts
    a concurrent worker runs at once each log under their own."""
    current = fan_out(1).work
    names, both_set = {}, threading.Barrier(2, timeout=10)

    def attempt(run_id):
        current.set_log_context({"execution.domain": "dev", "execution.workflow_id": "wf",
                                 "execution.run_id": run_id})
        both_set.wait()
        names[run_id] = current.logger.name
        current.unset_log_context()

    threads = [threading.Thread(target=attempt, args=(run_id,)) for run_id in ("r1", "r2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert names == {"r1": "garcon.dev.wf.r1", "r2": "garcon.dev.wf.r2"}
    assert current.logger.name == "garcon"



def test_a_page_that_contradicts_what_was_kept_is_read_again_in_full(swf):
    flow = fan_out(12)
    decider = DeciderWorker(flow, client=swf)
    start(swf, flow)
    drive_to_report(swf, flow, decider)
    task = decider.poll()
    completed = next(e for e in task["events"] if e["eventType"] == "ActivityTaskCompleted")
    task["events"].insert(task["events"].index(completed) + 1, completed)  # sent twice
    assert scheduled_ids(decider.answer(task).decisions) == ["flow_report-1"]


class CorruptedHistories:
    """The simulator's client, but every history it hands out has its first activity close
    pointing at no scheduled event: what no SWF sends, and no paging can mend."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def _corrupted(self, answer):
        for event in answer.get("events", ()):
            if event["eventType"] == "ActivityTaskCompleted":
                event["activityTaskCompletedEventAttributes"]["scheduledEventId"] = 99
                break
        return answer

    def poll_for_decision_task(self, **request):
        return self._corrupted(self.client.poll_for_decision_task(**request))

    def get_workflow_execution_history(self, **request):
        return self._corrupted(self.client.get_workflow_execution_history(**request))


def test_a_history_that_contradicts_itself_fails_the_workflow_with_the_reason(swf, caplog):
    flow = fan_out(2)
    seen = []
    flow.on_exception = lambda actor, error: seen.append(error)
    decider = DeciderWorker(flow, client=CorruptedHistories(swf))
    run_id = start(swf, flow)
    decider.answer(decider.poll())
    worker = ActivityWorker(flow, client=swf)
    worker.execute(flow.setup, worker.poll(flow.setup))
    with caplog.at_level(logging.ERROR, logger="garcon"):
        decider.answer(decider.poll())
    failed = history(swf, flow, run_id)[-1]
    assert failed["eventType"] == "WorkflowExecutionFailed"
    assert failed["workflowExecutionFailedEventAttributes"]["reason"] == (
        "garcon cannot decide: its history cannot be read: HistoryError: event 7 closes the "
        "activity scheduled at event 99 (completed), but that event schedules no activity")
    assert "cannot decide" in caplog.text
    assert [type(error).__name__ for error in seen] == ["HistoryError"]


def test_a_decider_that_raises_fails_the_workflow_instead_of_staying_silent():
    flow = fan_out(1)
    flow.max_open = "ten"  # a flow mistake that only the decider trips over
    run = run_flow(flow, input={})
    assert run.status == "FAILED"
    assert run.reason.startswith("garcon cannot decide: the decider raised: TypeError: ")
    assert len(run.events) == 5  # the first decision task fails it: no timeout loop
