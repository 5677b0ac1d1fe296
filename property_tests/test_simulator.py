"""The simulator: well-formed histories, byte-for-byte determinism, replay identity, and the
same history through either client. Runs come from `garcon_sim.strategies.histories`, with
every kind of fault and, half the time, small SWF quotas."""
from __future__ import annotations

import dataclasses

from hypothesis import assume, given
from hypothesis import strategies as st

from garcon.limits import SWFLimits
from garcon_sim.events import attributes_key
from garcon_sim.replay import replay
from garcon_sim.strategies import GeneratorSpec, build_flow, histories

from .scenarios import DRAWS_RUN_FLOWS, FEWER, SMALL_LIMITS
from .wellformed import problems

RUNS = histories(limits=SMALL_LIMITS)


@DRAWS_RUN_FLOWS
@given(RUNS)
def test_histories_are_well_formed(run):
    """eventIds run from 1 without a gap; every reference points to an earlier event of the
    right type; at most one decision task in flight and one waiting; every activity task is
    started and closed at most once; the workflow closes once, with the last event."""
    assert problems(run.events) == []
    assert run.status != "STUCK", run.reason


@FEWER
@given(RUNS)
def test_the_same_seed_and_flow_give_byte_identical_histories(run):
    assert run.rerun().to_json() == run.to_json()


@FEWER
@given(RUNS)
def test_replaying_a_simulated_history_with_its_flow_finds_no_difference(run):
    result = replay(run.events, run.flow, limits=run.limits or SWFLimits())
    assert result.ok, result.report()


def changed_generators(flow, name: str, change: str):
    """The flow with one activity's generators changed: its values shifted by 100, or one
    more value of its first generator."""
    spec = flow.spec(name)
    if change == "one more value":
        first, *others = spec.generators
        grown = dataclasses.replace(spec, generators=(GeneratorSpec(
            first.size + 1, *first.keys), *others))
        return build_flow(*(grown if s is spec else s for s in flow.specs),
                          max_open=flow.max_open), grown.instance_values() != spec.instance_values()
    changed = build_flow(*flow.specs, max_open=flow.max_open)
    original = changed.__dict__[name].generators[0]
    changed.__dict__[name].generators[0] = lambda context: (
        {key: value + 100 if isinstance(value, int) else value for key, value in each.items()}
        for each in original(context))
    return changed, True


@FEWER
@given(RUNS, st.data())
def test_replay_detects_a_generator_changed_between_record_and_replay(run, data):
    """Shifting the values of a generator whose activity scheduled an instance, or giving a
    generator one more value in a run that completed, shows as a difference on replay."""
    scheduled = {e["activityTaskScheduledEventAttributes"]["activityType"]["name"]
                 for e in run.events if e["eventType"] == "ActivityTaskScheduled"}
    shiftable = [s.name for s in run.flow.specs
                 if s.generators and f"{run.flow.name}_{s.name}" in scheduled]
    growable = [s.name for s in run.flow.specs if s.generators] if (
        run.status == "COMPLETED") else []
    choices = [("shift values", n) for n in shiftable] + [("one more value", n) for n in growable]
    assume(choices)
    change, name = data.draw(st.sampled_from(choices), label="change")
    flow, changes_instances = changed_generators(run.flow, name, change)
    assume(changes_instances)
    result = replay(run.events, flow, limits=run.limits or SWFLimits())
    assert result.differences, result.report()


@FEWER
@given(histories(limits=SMALL_LIMITS, faults=True))
def test_the_direct_and_the_boto3_clients_give_identical_histories(run):
    assert run.rerun(client="boto3").to_json() == run.to_json()


BREAKAGES = ("drop an event", "repeat an activity close", "event after the close",
             "point a reference forward")


def broken(events: list[dict], breakage: str, position: int) -> list[dict]:
    events = [dict(e) for e in events]
    closes = [i for i, e in enumerate(events) if e["eventType"].startswith("ActivityTask")
              and e["eventType"] not in ("ActivityTaskScheduled", "ActivityTaskStarted")]
    if breakage == "drop an event":
        del events[position % (len(events) - 1)]
    elif breakage == "repeat an activity close" and closes:
        copy = dict(events[closes[position % len(closes)]])
        events.insert(len(events) - 1, copy)
        for number, event in enumerate(events, 1):
            event["eventId"] = number
    elif breakage == "event after the close":
        events.append({**events[1], "eventId": len(events) + 1})
    else:
        key = attributes_key(events[-1]['eventType'])
        events[-1] = {**events[-1], key: {**events[-1].get(key, {}),
                                          "decisionTaskCompletedEventId": len(events) + 5}}
    return events


@DRAWS_RUN_FLOWS
@given(histories(faults=False), st.sampled_from(BREAKAGES), st.integers(0, 10_000))
def test_the_well_formedness_check_finds_broken_histories(run, breakage, position):
    """The check the first property relies on finds each kind of breakage it looks for."""
    assume(breakage != "repeat an activity close" or any(
        e["eventType"] == "ActivityTaskCompleted" for e in run.events))
    assert problems(broken(run.events, breakage, position))
