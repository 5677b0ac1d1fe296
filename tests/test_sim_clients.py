"""The two clients of a simulator answer alike, and the same calls give the same history."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError, ParamValidationError

from garcon_sim import Simulator, dump_history
from tests import swf_helpers

START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
DOMAIN = "d"
FLOW = {"name": "flow", "version": "1"}
JOB = {"name": "job", "version": "1"}


def schedule(activity_id: str, **extra: Any) -> dict[str, Any]:
    return swf_helpers.schedule(JOB, activity_id, **extra)


def script(sim: Simulator, swf: Any) -> str:
    """A run through most of the API, with time passing; its histories, dumped."""
    swf_helpers.register(swf, DOMAIN, FLOW, activity_types=(JOB,), retention="3",
                         workflow_defaults={"defaultTaskStartToCloseTimeout": "30"},
                         activity_defaults={"defaultTaskScheduleToStartTimeout": "60",
                                            "defaultTaskScheduleToCloseTimeout": "120",
                                            "defaultTaskStartToCloseTimeout": "50",
                                            "defaultTaskHeartbeatTimeout": "10"})
    run_id = swf.start_workflow_execution(domain=DOMAIN, workflowId="main", workflowType=FLOW,
                                          input="go", tagList=["t"])["runId"]
    sim.clock.advance(seconds=0.25)

    def decide(*decisions: dict[str, Any], **options: Any) -> None:
        task = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "deciders"},
                                          identity="decider")
        sim.clock.advance(seconds=0.125)
        swf.respond_decision_task_completed(taskToken=task["taskToken"],
                                            decisions=list(decisions), **options)

    decide(schedule("ok", input="1"), schedule("slow"), schedule("lost"),
           {"decisionType": "StartTimer", "startTimerDecisionAttributes": {
               "timerId": "wake", "startToFireTimeout": "0"}},
           {"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {
               "markerName": "m", "details": "é"}},
           executionContext="ctx")
    ok = swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "workers"}, identity="w")
    slow = swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "workers"})
    sim.clock.advance(seconds=3.001)
    swf.record_activity_task_heartbeat(taskToken=slow["taskToken"], details="half")
    swf.respond_activity_task_completed(taskToken=ok["taskToken"], result="one")
    swf.signal_workflow_execution(domain=DOMAIN, workflowId="main", signalName="s", input="x")
    decide({"decisionType": "StartChildWorkflowExecution",
            "startChildWorkflowExecutionDecisionAttributes": {
                "workflowId": "kid", "workflowType": FLOW, "taskList": {"name": "kids"}}})
    sim.clock.advance(seconds=100)  # heartbeat and schedule-to-start timeouts, on the way
    decide()
    kid = swf.poll_for_decision_task(domain=DOMAIN, taskList={"name": "kids"})
    swf.respond_decision_task_completed(taskToken=kid["taskToken"], decisions=[{
        "decisionType": "FailWorkflowExecution",
        "failWorkflowExecutionDecisionAttributes": {"reason": "no", "details": "why"}}])
    decide({"decisionType": "CompleteWorkflowExecution",
            "completeWorkflowExecutionDecisionAttributes": {"result": "done"}})
    infos = swf.list_closed_workflow_executions(
        domain=DOMAIN, startTimeFilter={"oldestDate": START}, reverseOrder=True)["executionInfos"]
    assert [info["execution"]["workflowId"] for info in infos] == ["main", "kid"]
    assert infos[0]["execution"]["runId"] == run_id
    pages = [dump_history(swf.get_workflow_execution_history(
        domain=DOMAIN, execution=info["execution"])["events"]) for info in infos]
    return "".join(pages)


def test_the_boto3_client_is_a_real_botocore_client() -> None:
    swf = Simulator().client()
    assert isinstance(swf, BaseClient)
    assert swf.meta.service_model.service_name == "swf"
    assert swf.list_domains(registrationStatus="REGISTERED")["domainInfos"] == []


def test_both_clients_write_byte_identical_histories() -> None:
    direct_sim, wire_sim = Simulator(seed=3, start_time=START), Simulator(seed=3, start_time=START)
    assert script(direct_sim, direct_sim.direct_client()) == script(wire_sim, wire_sim.client())


def test_the_same_seed_and_calls_give_the_same_bytes_and_another_seed_other_ids() -> None:
    runs = [script(sim, sim.direct_client()) for sim in (
        Simulator(seed=5, start_time=START), Simulator(seed=5, start_time=START),
        Simulator(seed=6, start_time=START))]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert len(runs[0]) == len(runs[2])  # only the runIds differ, and they are all 45 long


def both_clients() -> list[tuple[Simulator, Any]]:
    clients = []
    for make in (Simulator.direct_client, Simulator.client):
        sim = Simulator(start_time=START)
        swf = make(sim)
        swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1")
        clients.append((sim, swf))
    return clients


@pytest.mark.parametrize(("call", "code"), [
    (lambda swf: swf.describe_domain(name="missing"), "UnknownResourceFault"),
    (lambda swf: swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1"),
     "DomainAlreadyExistsFault"),
    (lambda swf: swf.respond_activity_task_completed(taskToken="t", result="x" * 40_000),
     "ValidationException"),
    (lambda swf: swf.start_workflow_execution(domain=DOMAIN, workflowId="w",
                                              workflowType=FLOW), "UnknownResourceFault"),
])
def test_both_clients_raise_the_same_error(call: Any, code: str) -> None:
    answers = []
    for _, swf in both_clients():
        with pytest.raises(ClientError) as info:
            call(swf)
        assert isinstance(info.value, getattr(swf.exceptions, code, ClientError))
        answers.append((type(info.value).__name__, info.value.response["Error"], str(info.value)))
    assert answers[0] == answers[1]
    assert answers[0][1]["Code"] == code


@pytest.mark.parametrize("params", [
    {},  # registrationStatus is required
    {"registrationStatus": 7},
    {"registrationStatus": "REGISTERED", "bogus": 1},
])
def test_both_clients_refuse_what_botocore_refuses_before_sending(params: dict[str, Any]) -> None:
    messages = []
    for _, swf in both_clients():
        with pytest.raises(ParamValidationError) as info:
            swf.list_domains(**params)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_empty_strings_are_refused_client_side() -> None:
    for _, swf in both_clients():
        with pytest.raises(ParamValidationError, match="valid min length: 1"):
            swf.describe_domain(name="")


def test_throttling_reaches_the_caller_at_once_through_either_client() -> None:
    for sim, swf in both_clients():
        sim.throttle("PollForActivityTask")
        with pytest.raises(ClientError) as info:
            swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "l"})
        assert info.value.response["Error"]["Code"] == "ThrottlingException"
        assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 0
        assert swf.poll_for_activity_task(domain=DOMAIN, taskList={"name": "l"})[
            "startedEventId"] == 0


def test_timestamps_are_aware_datetimes_equal_across_clients() -> None:
    stamps = []
    for sim, swf in both_clients():
        sim.clock.advance(seconds=1.234)
        swf.register_workflow_type(domain=DOMAIN, **FLOW)
        created = swf.describe_workflow_type(domain=DOMAIN, workflowType=FLOW)["typeInfo"][
            "creationDate"]
        assert created.tzinfo is not None
        stamps.append(created)
    assert stamps[0] == stamps[1] == START + timedelta(milliseconds=1234)


def test_the_direct_client_takes_keywords_only_and_copies_its_answers() -> None:
    sim = Simulator(start_time=START)
    swf = sim.direct_client()
    with pytest.raises(TypeError, match="only accepts keyword arguments"):
        swf.list_domains("REGISTERED")
    swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1")
    swf.describe_domain(name=DOMAIN)["domainInfo"]["name"] = "changed"
    assert swf.describe_domain(name=DOMAIN)["domainInfo"]["name"] == DOMAIN


def test_the_direct_client_paginates_like_boto3() -> None:
    sim = Simulator(start_time=START)
    swf = sim.direct_client()
    for number in range(5):
        swf.register_domain(name=f"d{number}", workflowExecutionRetentionPeriodInDays="1")
    pages = swf.get_paginator("list_domains").paginate(registrationStatus="REGISTERED",
                                                       maximumPageSize=2)
    assert [len(page["domainInfos"]) for page in pages] == [2, 2, 1]
