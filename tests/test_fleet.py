"""The fleet of a simulated run: workers per task list, attempt durations, decision latency."""
import json

import pytest

from garcon.budget import WORKERS_EXPECTED
from garcon_sim import faults
from garcon_sim.fleet import AttemptInfo, FleetError, uniform
from garcon_sim.harness import run_flow
from garcon_sim.strategies import ActivitySpec, GeneratorSpec, build_flow
from tests.flows import fan_out
from tests.test_harness import timing_flow


def starts_and_closes(run, activity="flow_work"):
    """Per instance of the activity (by its n), the seconds after the run's start at which
    each attempt started and closed."""
    begin = run.events[0]["eventTimestamp"]
    scheduled, found = {}, {}
    for event in run.events:
        kind, at = event["eventType"], (event["eventTimestamp"] - begin).total_seconds()
        attributes = event.get(f"{kind[0].lower()}{kind[1:]}EventAttributes", {})
        if kind == "ActivityTaskScheduled" and attributes["activityType"]["name"] == activity:
            n = json.loads(attributes["input"]).get("generator.n")
            scheduled[event["eventId"]] = n
            found.setdefault(n, []).append([None, None])
        elif attributes.get("scheduledEventId") in scheduled:
            attempt = found[scheduled[attributes["scheduledEventId"]]][-1]
            attempt[0 if kind == "ActivityTaskStarted" else 1] = at
    return found


def decision_tasks(run):
    return sum(e["eventType"] == "DecisionTaskCompleted" for e in run.events)


def test_workers_run_attempts_side_by_side_up_to_their_number():
    run = run_flow(fan_out(5), workers=2, durations=1, decision_seconds=0)
    starts = sorted(attempt[0] for attempts in starts_and_closes(run).values()
                    for attempt in attempts)
    assert starts == [1, 1, 2, 2, 3]  # setup took the first second


def test_durations_per_activity_and_as_a_function_of_the_attempt():
    seen = []

    def by_instance(attempt: AttemptInfo) -> float:
        seen.append((attempt.activity, attempt.number, attempt.input["generator.n"]))
        return 1 + attempt.input["generator.n"]

    run = run_flow(fan_out(3), durations={"work": by_instance, "setup": 5}, decision_seconds=0)
    taken = {n: close - start for n, [[start, close]] in starts_and_closes(run).items()}
    assert taken == {0: 1, 1: 2, 2: 3}
    assert sorted(seen) == [("flow_work", 1, 0), ("flow_work", 1, 1), ("flow_work", 1, 2)]
    assert starts_and_closes(run, "flow_setup")[None] == [[0, 5]]


def test_a_drawn_duration_belongs_to_its_attempt_whatever_the_fleet():
    def taken(workers):
        run = run_flow(fan_out(6, retry=1), workers=workers, durations=uniform(0.5, 3),
                       faults=[faults.fail("work", match={"generator.n": 2}, times=1)])
        return {n: [round(close - start, 3) for start, close in attempts]
                for n, attempts in starts_and_closes(run).items()}

    one, many = taken(1), taken(6)
    assert one == many
    assert len({attempts[0] for attempts in one.values()}) == 6
    assert len(one[2]) == 2 and one[2][0] != one[2][1]


def test_closes_that_come_while_the_decider_works_share_its_next_decision_task():
    quick = run_flow(fan_out(10), workers=10, durations=uniform(1, 2), decision_seconds=0)
    slow = run_flow(fan_out(10), workers=10, durations=uniform(1, 2), decision_seconds=5)
    # The start, setup's close, then each close of work with a decision task of its own, or
    # work's first close and all the others in one; then report's close.
    assert decision_tasks(quick) == 1 + 1 + 10 + 1
    assert decision_tasks(slow) == 1 + 1 + 2 + 1
    assert slow.events_used < quick.events_used


def test_a_worker_made_to_time_out_stays_busy_and_a_crashed_one_is_replaced():
    flow = fan_out(2, retry=1)
    first = {"generator.n": 0}
    held = run_flow(flow, workers=1, durations=1, decision_seconds=0, faults=[
        faults.timeout("work", match=first, kind="START_TO_CLOSE", times=1)])
    attempts = starts_and_closes(held)
    timed_out = attempts[0][0][1]
    assert timed_out - attempts[0][0][0] == 600  # the task's default start-to-close
    assert attempts[1][0][0] == timed_out  # its worker was heartbeating until then
    crashed = run_flow(flow, workers=1, durations=1, decision_seconds=0,
                       faults=[faults.crash("work", match=first, times=1)])
    assert starts_and_closes(crashed)[1][0][0] == 1  # at once, on a new worker


def test_a_worker_backing_off_a_throttled_answer_holds_up_no_one_else():
    flow = build_flow(ActivitySpec("a", generators=(GeneratorSpec(3, "generator.n"),)))
    run = run_flow(flow, workers=3, durations=1, decision_seconds=0,
                   faults=[faults.throttle("RespondActivityTaskCompleted", 1)])
    closes = sorted(close for [[_, close]] in starts_and_closes(run, "generated_a").values())
    assert closes[:2] == [1, 1] and closes[2] > 1
    assert run.status == "COMPLETED"


def test_the_timing_flow_times_out_when_an_attempt_takes_longer_than_its_timeout():
    run = run_flow(timing_flow(), durations=90)  # START_TO_CLOSE is 60 s, heartbeat 10 s
    assert run.outcomes("only") == {"timing_only-1": ["timed out", "timed out"]}
    assert run.status == "FAILED"


@pytest.mark.parametrize("options, message", [
    ({"workers": 0}, f"workers is {WORKERS_EXPECTED}, not 0"),
    ({"workers": {"wrok": 3}}, "workers['wrok']: the flow flow has no activity 'wrok' (its "
                               "activities: report, setup, work)"),
    ({"durations": -1}, "durations is a number of seconds (0 or more) or a function of the "
                        "attempt, not -1"),
    ({"durations": {"work": "1s"}}, "durations['work'] is a number of seconds"),
    ({"decision_seconds": -0.5}, "decision_seconds is a number of seconds (0 or more), not "
                                 "-0.5"),
    ({"durations": lambda attempt: float("nan")}, "the duration of flow_setup-1 (attempt 1) "
                                                  "is nan, not a number of seconds"),
])
def test_a_fleet_that_cannot_be_is_refused_with_what_is_wrong(options, message):
    with pytest.raises(FleetError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        run_flow(fan_out(1), **options)


def test_uniform_durations_go_from_low_to_high():
    with pytest.raises(FleetError, match="from low to high seconds"):
        uniform(2, 1)
    assert repr(uniform(0.5, 1.5)) == "uniform(0.5, 1.5)"


def test_random_failures_and_the_flows_own_random_strike_the_same_attempts_whatever_the_fleet(
        seed_flow):
    """The seed flow fails one country in four with `random.random()`; random failures strike
    activity_2 one attempt in three: both draw from each attempt's own seed."""
    def outcomes(workers):
        run = run_flow(seed_flow, seed=7, workers=workers,
                       faults=[faults.random_failures(0.3, "activity_2")])
        return run.status, run.outcomes("activity_2")

    alone, fleet = outcomes(1), outcomes(5)
    assert alone == fleet
    assert any("failed" in attempts for attempts in alone[1].values())
