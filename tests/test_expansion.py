"""Remembered expansions: the same decisions as expanding afresh, with fewer generator runs."""
import types

from garcon import activity, runner
from garcon.decider import decide, decide_with_report
from garcon.expansion import Expansions
from garcon.history import HistoryState
from tests.flows import fan_out
from tests.histories import EXECUTION, History, scheduled_ids


def test_remembered_expansions_decide_exactly_as_fresh_ones_over_a_run():
    flow, history = fan_out(30, retry=2, max_open=7), History()
    state, expansions = HistoryState(), Expansions()
    outcomes = {}
    for _ in range(300):
        events = history.decision_task()
        state.apply_all(events[state.events_used:])
        remembered = decide_with_report(flow, state, EXECUTION, expansions=expansions)
        assert remembered.decisions == decide(flow, events, EXECUTION)
        history.respond(remembered.decisions)
        if any(d["decisionType"].endswith("WorkflowExecution") for d in remembered.decisions):
            break
        for activity_id in scheduled_ids(remembered.decisions)[:3]:
            outcomes[activity_id] = outcomes.get(activity_id, 0) + 1
            kind = int(activity_id[-1], 16) % 3 if activity_id.startswith("flow_work") else 2
            if kind == 0 and outcomes[activity_id] == 1:
                history.fail(activity_id)
            elif kind == 1 and outcomes[activity_id] == 1:
                history.time_out(activity_id, "SCHEDULE_TO_START")
            else:
                history.complete(activity_id)
        for activity_id in scheduled_ids(remembered.decisions)[3:]:
            history.complete(activity_id)
    assert history.events[-1]["eventType"] == "WorkflowExecutionCompleted", history.events[-1]


def counting_flow(read):
    calls = []

    def generator(context):
        calls.append(1)
        return [{"generator.n": n} for n in read(context)]

    create = activity.create("dev", "flow")
    act = create(name="a", generators=[generator],
                 run=runner.Sync(lambda context, activity: None))
    return types.SimpleNamespace(domain="dev", name="flow", a=act), calls


def expand_with(expansions, flow, context):
    return expansions.expand(flow.a, context, HistoryState())


def test_a_generator_runs_again_only_when_a_key_it_read_changes():
    flow, calls = counting_flow(lambda context: range(context["size"]))
    expansions = Expansions()
    assert expand_with(expansions, flow, {"size": 2, "other": 1}).count == 2
    assert expand_with(expansions, flow, {"size": 2, "other": 2}).count == 2
    assert len(calls) == 1
    assert expand_with(expansions, flow, {"size": 3, "other": 2}).count == 3
    assert len(calls) == 2


def test_a_generator_reading_the_whole_context_runs_again_on_any_change():
    flow, calls = counting_flow(lambda context: range(len([k for k in context if k])))
    expansions = Expansions()
    expand_with(expansions, flow, {"a": 1})
    expand_with(expansions, flow, {"a": 1})
    assert len(calls) == 1
    assert expand_with(expansions, flow, {"a": 1, "b": 2}).count == 2
    assert len(calls) == 2


def test_without_memory_every_expansion_runs_the_generators():
    flow, calls = counting_flow(lambda context: range(2))
    expansions = Expansions(remember=False)
    expand_with(expansions, flow, {})
    expand_with(expansions, flow, {})
    assert len(calls) == 2
