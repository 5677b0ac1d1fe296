"""Per-instance retry: each activity instance is retried on its own, up to its activity's
retry count, and an activity starts once everything it requires has completed.

Expectations come from the flow's specs and the fault plan (`property_tests.model`): an
instance's attempts fail while a fault strikes them; it exhausts its retries when more than
`retry` of them do.
"""
from __future__ import annotations

import itertools
import re

from hypothesis import example, given

from garcon_sim import faults
from garcon_sim.harness import run_flow
from garcon_sim.strategies import (
    ActivitySpec,
    FaultList,
    GeneratorSpec,
    build_flow,
)

from .model import expected_instances, expected_outcome, observe
from .scenarios import NEUTRAL_THROTTLES, Case, cases


def named_in(reason: str, activity_id: str) -> bool:
    return re.search(re.escape(activity_id) + r"(?![0-9a-f])", reason) is not None


def check_retry_rule(flow, plan, fleet) -> None:
    """The run completes iff no instance's failed and timed-out attempts exceed its retry;
    otherwise it fails, naming an instance that exceeded it (after retry + 1 attempts, all
    struck by faults)."""
    run = run_flow(flow, faults=plan, **fleet.options())
    expected = expected_instances(flow, plan)
    exhausting = {key for key, instance in expected.items() if instance.exhausts_retries}
    if not exhausting:
        assert run.status == "COMPLETED", run.reason
        return
    assert run.status == "FAILED", run.reason
    assert run.reason and len(run.reason) <= 256
    observed = observe(run.events, flow.name)
    named = [key for key, seen in observed.items() if named_in(run.reason, seen.activity_id)]
    assert len(named) == 1, (run.reason, named)
    assert named[0] in exhausting, run.reason
    culprit, seen = expected[named[0]], observed[named[0]]
    assert [a.outcome for a in seen.attempts] == [
        expected_outcome(fault) for fault in culprit.faults]
    tries = culprit.retry + 1
    assert f" in {tries} attempt{'s' if tries > 1 else ''} (retry={culprit.retry})" in run.reason


def check_attempts(flow, plan, fleet) -> None:
    """Each instance is scheduled 1 + its failed or timed-out attempts, up to 1 + retry;
    each attempt ends as the fault striking it says (failed, or timed out of the kind asked);
    a completed instance is never scheduled again; an instance is scheduled again only
    after its own previous attempt ended without completing."""
    run = run_flow(flow, faults=plan, **fleet.options())
    expected = expected_instances(flow, plan)
    observed = observe(run.events, flow.name)
    assert set(observed) <= set(expected), "an instance the generators do not give"
    if run.status == "COMPLETED":
        assert set(observed) == set(expected)
    for key, seen in observed.items():
        instance = expected[key]
        attempts = seen.attempts
        assert len(attempts) <= instance.attempts
        if run.status == "COMPLETED":
            assert len(attempts) == instance.attempts
            assert attempts[-1].outcome == "completed"
        for number, attempt in enumerate(attempts):
            if number < len(instance.faults):
                fault = instance.faults[number]
                assert attempt.outcome in (expected_outcome(fault), "open"), (key, number)
                if isinstance(fault, faults.TimeOut) and attempt.outcome == "timed out":
                    assert attempt.timeout_type == fault.kind
            else:
                assert attempt.outcome in ("completed", "open"), (key, number)
        for previous, following in itertools.pairwise(attempts):
            assert previous.outcome not in ("completed", "open")
            assert previous.closed < following.scheduled


@given(cases(throttles=NEUTRAL_THROTTLES))
def test_a_run_completes_iff_no_instance_exceeds_its_retry(case):
    check_retry_rule(*case)


@given(cases())
def test_a_run_fails_iff_an_instance_used_up_its_attempts(case):
    """As the history tells it, whatever is throttled: the run completes iff no instance has
    more failed and timed-out attempts than its retry, and fails otherwise, naming one that
    has. (A throttled RespondActivityTaskCompleted can time an attempt out: the worker waits
    out the throttling without heartbeating; so this reads the attempts from the history.)"""
    flow, plan, fleet = case
    run = run_flow(flow, faults=plan, **fleet.options())
    exhausted = [seen.activity_id for seen in observe(run.events, flow.name).values()
                 if sum(a.outcome in ("failed", "timed out") for a in seen.attempts)
                 > flow.spec(seen.activity).retry]
    assert run.status == ("FAILED" if exhausted else "COMPLETED"), run.reason
    if exhausted:
        assert any(named_in(run.reason, activity_id) for activity_id in exhausted)


@example(Case(  # a busy worker heartbeats while the other attempts run
    build_flow(ActivitySpec("a"), ActivitySpec("b", requires=("a",)), ActivitySpec(
        "c", retry=1, generators=(GeneratorSpec(2, "generator.n"),
                                  GeneratorSpec(3, "generator.day")))),
    FaultList([faults.timeout("a", kind="START_TO_CLOSE"), faults.fail(None, times=1)])))
@given(cases(throttles=NEUTRAL_THROTTLES))
def test_each_instance_is_scheduled_once_more_per_failed_attempt_up_to_its_retry(case):
    check_attempts(*case)


@given(cases(throttles=NEUTRAL_THROTTLES))
def test_an_activity_starts_only_after_every_instance_it_requires_completed(case):
    """No instance of an activity is scheduled before every instance of every activity it
    requires has completed."""
    flow, plan, fleet = case
    run = run_flow(flow, faults=plan, **fleet.options())
    observed = observe(run.events, flow.name).values()
    completed_at = {}
    for seen in observed:
        if seen.completed_at is not None:
            completed_at.setdefault(seen.activity, []).append(seen.completed_at)
    for seen in observed:
        first = seen.attempts[0].scheduled
        for required in flow.spec(seen.activity).requires:
            done = [at for at in completed_at.get(required, []) if at < first]
            assert len(done) == len(flow.spec(required).instance_values()), (
                f"{seen.activity} started at event {first} before {required} completed")

