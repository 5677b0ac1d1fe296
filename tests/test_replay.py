"""Replay: a flow's decider against recorded histories."""
import importlib.util
import json
import random
import types
from datetime import datetime, timezone

import pytest

from conftest import DATA
from garcon import activity, runner
from garcon.history import HistoryError
from garcon_sim import replay, run_flow
from garcon_sim.replay import WrongFlowError, recorded_execution
from tests.flows import fan_out

GARCON_HISTORIES = DATA / "garcon-histories"


def garcon_flows():
    spec = importlib.util.spec_from_file_location("replay_flows", GARCON_HISTORIES / "flows.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["country_flow-0", "country_flow-1", "days_by_countries-2",
                                  "coffee_shop-3"])
def test_histories_decided_by_garcon_1_1_1_replay_without_difference(name):
    path = GARCON_HISTORIES / f"{name}.json"
    recorded = json.loads(path.read_text())
    result = replay(path, garcon_flows().build(recorded["flow"]))
    assert result.ok, result.report()
    assert result.decision_tasks == sum(e["eventType"] == "DecisionTaskCompleted"
                                        for e in recorded["events"])


def test_a_different_failure_reason_is_a_note_not_a_difference():
    result = replay(GARCON_HISTORIES / "country_flow-1.json",
                    garcon_flows().build("country_flow"))
    assert result.ok
    assert len(result.notes) == 1 and "explanations only" in result.notes[0]


def test_a_history_of_another_workflow_type_is_refused_in_one_sentence(seed_flow):
    with pytest.raises(WrongFlowError) as refused:
        replay(GARCON_HISTORIES / "days_by_countries-2.json", seed_flow)
    assert str(refused.value) == (
        "the history is of workflow type 'days_by_countries' (version 1.0), not the flow's "
        "'country_flow' (version 1.0): replay it against the flow that made it")


def test_another_version_of_the_flow_replays_with_a_note():
    newer = garcon_flows().build("country_flow")
    newer.version = "2.0"
    result = replay(GARCON_HISTORIES / "country_flow-0.json", newer)
    assert "the history is of version 1.0 of country_flow, the flow is version 2.0" in (
        result.notes)


def test_the_execution_comes_from_the_recorded_inputs():
    recorded = json.loads((GARCON_HISTORIES / "coffee_shop-3.json").read_text())
    assert recorded_execution(recorded["events"]) == recorded["execution"]


def test_a_history_replays_against_the_flow_that_made_it(seed_flow):
    run = run_flow(seed_flow, seed=4)
    result = replay(run.to_json(), seed_flow)
    assert result.ok, result.report()
    assert result.decision_tasks > 5


def test_a_changed_flow_shows_each_difference_first_one_first():
    run = run_flow(fan_out(3, retry=1))
    changed = fan_out(4, retry=1)
    result = replay(run.events, changed)
    assert not result.ok
    first = result.differences[0]
    second_decision = [e for e in run.events if e["eventType"] == "DecisionTaskCompleted"][1]
    assert first.event_id == second_decision["eventId"]
    # Four instances instead of three: a longer schedule-to-start, and one more instance.
    assert first.explanation == ("ScheduleActivityTask differs in scheduleToCloseTimeout, "
                                 "scheduleToStartTimeout")
    extra = result.differences[3]
    assert (extra.event_id, extra.recorded) == (second_decision["eventId"], None)
    assert extra.explanation == "the flow now also decides ScheduleActivityTask"
    assert "recorded: (none)" in result.report()


def test_changed_timeouts_are_named():
    run = run_flow(fan_out(1))
    result = replay(run.events, fan_out(1, schedule_to_start=60))
    assert any("scheduleToStartTimeout" in d.explanation for d in result.differences)


def flow_with(generator):
    create = activity.create("dev", "unstable")
    return types.SimpleNamespace(domain="dev", name="unstable", pick=create(
        name="pick", generators=[generator], run=runner.Sync(lambda context, activity: None)))


def test_a_random_generator_is_called_out_in_plain_words():
    flow = flow_with(lambda context: ({"generator.n": random.randrange(10**9)} for _ in "ab"))
    result = replay(run_flow(flow).events, flow)
    assert not result.ok
    assert any("give different instances each time" in text for text in result.unstable)


def test_a_generator_reading_the_clock_is_called_out_even_when_decisions_match():
    def this_second(context):
        yield {"generator.second": datetime.now(timezone.utc).second}

    flow = flow_with(this_second)
    run = run_flow(flow, durations=3)
    result = replay(run.events, flow)
    assert not result.differences  # replay freezes the clock at each recorded decision
    assert result.unstable and "such as the clock" in result.unstable[0]


def test_an_explicit_execution_is_used_for_activity_inputs():
    run = run_flow(fan_out(1))
    result = replay(run.events, fan_out(1), execution={
        "domain": "dev", "workflowId": "other", "runId": "r"})
    assert any("input" in d.explanation for d in result.differences)


def test_a_replay_that_compared_nothing_is_not_a_pass():
    flow = fan_out(1)
    events = run_flow(flow, input={}).events
    result = replay(events[:3], flow)  # started, a decision task scheduled and started
    assert (result.decision_tasks, result.differences, result.ok) == (0, [], False)
    assert result.report() == (
        "replayed 0 decision tasks: nothing compared (no DecisionTaskCompleted)")
    assert replay(events, flow).ok


def test_a_history_that_contradicts_itself_is_refused_even_after_its_last_decision():
    flow = fan_out(1)
    events = run_flow(flow, input={}).events
    closed = next(e for e in events if e["eventType"] == "ActivityTaskCompleted")
    with pytest.raises(HistoryError, match=f"events {closed['eventId']} and "
                                           f"{len(events) + 1} disagree"):
        replay([*events, {**closed, "eventId": len(events) + 1}], flow)
