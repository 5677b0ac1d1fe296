"""Names given about a run (activities, `match` keys) are checked: a fault or a question aimed
at nothing is an error that says what there is, never a fault that silently never strikes or a
count of 0. A value no instance had is data, not a name: a question about it counts 0."""
import pytest

from garcon_sim import UnknownNameError, faults, run_flow
from garcon_sim.faults import FaultError
from tests.flows import fan_out, with_external


def n(value):
    return {"generator.n": value}


def test_a_fault_on_an_activity_the_flow_lacks_is_refused_naming_its_activities():
    with pytest.raises(FaultError) as refused:
        run_flow(fan_out(3), faults=[faults.fail("wrok", times=1)])
    assert str(refused.value) == ("fail('wrok'): the flow flow has no activity 'wrok' (its "
                                  "activities: report, setup, work)")
    for fault in (faults.timeout("wrok"), faults.crash("wrok"),
                  faults.random_failures(0.5, activity="wrok")):
        with pytest.raises(FaultError, match="no activity 'wrok'"):
            run_flow(fan_out(3), faults=[fault])


def test_a_fault_on_an_external_activity_is_refused_as_it_could_never_strike():
    with pytest.raises(FaultError) as refused:
        run_flow(with_external(), faults=[faults.timeout("java", kind="SCHEDULE_TO_START")])
    assert str(refused.value) == (
        "timeout('java'): 'java' is an external activity of the flow flow: garcon's workers do "
        "not run it (its activities: java (external), report, setup, work)")
    with pytest.raises(FaultError, match="external"):
        run_flow(with_external(), faults=[faults.random_failures(0.5, activity="flow_java")])


def test_a_fault_may_name_the_full_type_name_or_any_activity():
    full = run_flow(fan_out(3, retry=1), faults=[faults.fail("flow_work", match=n(1),
                                                             times=1)])
    anywhere = run_flow(fan_out(3, retry=1), faults=[faults.fail(None, match=n(1), times=1)])
    for run in (full, anywhere):
        assert run.status == "COMPLETED"
        assert run.outcomes("work", n(1)) == {run.instances("work", n(1))[0]:
                                              ["failed", "completed"]}


def test_a_match_key_no_input_has_is_refused_naming_the_keys_there_were():
    with pytest.raises(FaultError) as refused:
        run_flow(fan_out(3), faults=[faults.fail("work", match={"item_id": 7})])
    message = str(refused.value)
    assert message.startswith("fail('work', match=...): match {'item_id': 7} selects no "
                              "instance: no input of work's instances has item_id")
    assert "generator.n" in message and "\n" not in message


def test_a_match_value_no_instance_had_is_refused_once_the_run_completed():
    with pytest.raises(FaultError) as refused:
        run_flow(fan_out(3), faults=[faults.fail("work", match={"generator.n": "1"})])
    assert str(refused.value).endswith(
        "selects none of work's instances (their values: generator.n: 0, 1, 2)")


def test_a_fault_whose_activity_was_never_reached_is_no_error():
    run = run_flow(fan_out(3), faults=[faults.fail("setup"),
                                       faults.fail("report", match={"anything": 1})])
    assert run.status == "FAILED"
    assert run.attempts("report") == 0


def test_questions_about_an_activity_the_flow_lacks_raise_naming_its_activities():
    run = run_flow(fan_out(3))
    with pytest.raises(UnknownNameError) as unknown:
        run.attempts("nope")
    assert str(unknown.value) == ("the flow flow has no activity 'nope' (its activities: "
                                  "report, setup, work)")
    with pytest.raises(UnknownNameError):
        run.outcomes("nope")
    with pytest.raises(UnknownNameError, match="no input of work's instances has n "):
        run.instances("work", {"n": 1})
    assert run.attempts("work", n(7)) == 0  # a value no instance had: none of them


def test_a_run_result_prints_on_one_line():
    run = run_flow(fan_out(50), faults=[faults.fail("report")])
    text = repr(run)
    assert text == (f"<RunResult FAILED flow flow-0 seed 0, {len(run.events):,} events: "
                    f"{run.reason}>")
    assert "\n" not in text and len(text) < 400
