"""Wire compatibility with garcon 1.1.1.

Two oracles: the histories in tests/data/garcon-histories, whose decisions garcon 1.1.1's own
decider made, and the formulas of GARCON_COMPAT.md, written out again here independently of the
implementation.
"""
import hashlib
import importlib.util
import json
import types

import pytest

from conftest import DATA
from garcon import activity, param, runner, task
from garcon.decider import decide
from garcon_sim import Simulator, run_flow
from tests.flows import fan_out
from tests.histories import History, drive

GARCON_HISTORIES = DATA / "garcon-histories"
RECORDED_DECISION = {"ActivityTaskScheduled": "ScheduleActivityTask",
                     "WorkflowExecutionCompleted": "CompleteWorkflowExecution",
                     "WorkflowExecutionFailed": "FailWorkflowExecution"}


def load_garcon_flows():
    spec = importlib.util.spec_from_file_location("garcon_history_flows",
                                                  GARCON_HISTORIES / "flows.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def attributes_of(item, suffix):
    kind = item["decisionType"] if "decisionType" in item else item["eventType"]
    return kind, dict(item[f"{kind[0].lower()}{kind[1:]}{suffix}"])


def comparable(kind, attributes):
    attributes.pop("decisionTaskCompletedEventId", None)
    if "input" in attributes:
        attributes["input"] = json.loads(attributes["input"])
    if kind == "FailWorkflowExecution":
        # Deliberately beyond garcon: our reason names the instance, its attempts and outcome.
        attributes = {}
    return kind, attributes


@pytest.mark.parametrize("name", ["country_flow-0", "country_flow-1", "days_by_countries-2",
                                  "coffee_shop-3"])
def test_every_decision_of_garcon_1_1_1_is_ours_too(name):
    recorded = json.loads((GARCON_HISTORIES / f"{name}.json").read_text())
    flow = load_garcon_flows().build(recorded["flow"])
    events = recorded["events"]
    decision_points = [e for e in events if e["eventType"] == "DecisionTaskCompleted"]
    assert decision_points
    for completed in decision_points:
        started = completed["decisionTaskCompletedEventAttributes"]["startedEventId"]
        ours = [comparable(*attributes_of(d, "DecisionAttributes"))
                for d in decide(flow, events[:started], recorded["execution"])]
        theirs = [comparable(RECORDED_DECISION[kind], attributes) for kind, attributes in (
            attributes_of(e, "EventAttributes") for e in events)
            if attributes.get("decisionTaskCompletedEventId") == completed["eventId"]]
        assert ours == theirs, f"decision task completed at event {completed['eventId']}"


# The formulas of GARCON_COMPAT.md.

def expected_id(type_name, values):
    if not values:
        return f"{type_name}-1"
    text = "".join(f"'{key}':'{values[key]}';" for key in sorted(values))
    return f"{type_name}-{hashlib.sha1(text.encode('utf-8')).hexdigest()}"


@task.decorate(timeout=45, heartbeat=15)
def measure(activity, day, country, unit):
    return {f"m.{day}.{country}": 1}


@task.timeout(30)
def plain(context, activity):
    return None


def formula_flows(**version):
    # create's version never reaches the wire: the flow's does (garcon's DeciderWorker).
    create = activity.create(None, "dev", "wire", version="3.1")
    days = lambda context: ({"generator.day": d} for d in context["days"])  # noqa: E731
    countries = lambda context: ({"generator.country": c} for c in ("fr", "jp"))  # noqa: E731
    first = create(name="first", run=runner.Sync(plain, lambda context, activity: None),
                   schedule_to_start=120)
    grid = create(name="grid", requires=[first], generators=[days, countries], retry=1,
                  run=runner.Sync(measure.fill(day="generator.day", country="generator.country",
                                               unit=param.StaticParam("ms")),
                                  measure.fill(day="generator.day", country="generator.country",
                                               unit="missing.key")))
    external = create(name="java", requires=[grid], external=True, timeout=900)
    return types.SimpleNamespace(domain="dev", name="wire", first=first, grid=grid,
                                 external=external, **version), {
        # name: (declared task timeouts, heartbeats, schedule_to_start, declared keys or None)
        "wire_first": ([30, 600], [600, 600], 120, None),
        "wire_grid": ([45, 45], [15, 15], 600, ["generator.day", "generator.country",
                                                "missing.key"]),
        "wire_java": ([900], [900], 600, None)}


@pytest.mark.parametrize("version", [{}, {"version": "2.0"}], ids=["unversioned", "versioned"])
def test_schedule_decisions_follow_the_compat_formulas_field_by_field(version):
    flow, declared = formula_flows(**version)
    history = History({"days": ["d1", "d2", "d3"]})
    drive(flow, history)
    scheduled = [e["activityTaskScheduledEventAttributes"] for e in history.events
                 if e["eventType"] == "ActivityTaskScheduled"]
    assert len(scheduled) == 1 + 3 * 2 + 1
    context = {"days": ["d1", "d2", "d3"]}
    pools = {"wire_first": 1, "wire_grid": 6, "wire_java": 1}
    grid_values = [{"generator.day": d, "generator.country": c}
                   for d in ("d1", "d2", "d3") for c in ("fr", "jp")]
    for attributes in scheduled:
        type_name = attributes["activityType"]["name"]
        timeouts, heartbeats, schedule_to_start, keys = declared[type_name]
        values = next((v for v in grid_values if expected_id(type_name, v)
                       == attributes["activityId"]), {}) if type_name == "wire_grid" else {}
        assert attributes["activityId"] == expected_id(type_name, values)
        assert attributes["activityType"] == {"name": type_name,
                                              "version": version.get("version", "1.0")}
        assert attributes["taskList"] == {"name": type_name}
        start_to_close = sum(timeouts)
        to_start = pools[type_name] * schedule_to_start
        assert attributes["startToCloseTimeout"] == str(start_to_close)
        assert attributes["heartbeatTimeout"] == str(max(heartbeats))
        assert attributes["scheduleToStartTimeout"] == str(to_start)
        assert attributes["scheduleToCloseTimeout"] == str(to_start + start_to_close)
        execution_keys = {"execution.domain": "dev", "execution.workflow_id": "wf-1",
                          "execution.run_id": "run-1"}
        instance_context = {**context, **execution_keys, **values}
        if keys is None:
            expected_input = instance_context
        else:
            expected_input = {k: instance_context[k] for k in keys
                              if instance_context.get(k) is not None} | execution_keys
        assert json.loads(attributes["input"]) == expected_input


def test_a_versioned_flow_registers_and_schedules_its_activity_types_at_its_version():
    flow = fan_out(2)
    flow.version = "2.0"  # create's version stays "1.0": garcon never sent it
    sim = Simulator()
    run = run_flow(flow, sim=sim)
    assert run.status == "COMPLETED"
    scheduled = {(a["activityType"]["name"], a["activityType"]["version"]) for a in (
        e["activityTaskScheduledEventAttributes"] for e in run.events
        if e["eventType"] == "ActivityTaskScheduled")}
    assert scheduled == {("flow_setup", "2.0"), ("flow_work", "2.0"), ("flow_report", "2.0")}
    registered = sim.direct_client().list_activity_types(
        domain="dev", registrationStatus="REGISTERED")["typeInfos"]
    assert {(t["activityType"]["name"], t["activityType"]["version"])
            for t in registered} == scheduled
