"""The swf_sim fixture, as a user's own project gets it: installed, no conftest. (The README's
example of it runs in tests/test_readme.py, as written.)"""
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

USER_TESTS = '''
import pytest
import country_flow
from garcon_sim import faults


@pytest.mark.swf_sim(seed=5, start_time="2030-01-02T03:04:05+00:00")
def test_the_marker_sets_seed_and_start_time(swf_sim):
    run = swf_sim.run(country_flow)
    assert run.seed == 5
    assert run.events[0]["eventTimestamp"].isoformat().startswith("2030-01-02T03:04:05")


def country_starts(run):
    return sorted(e["eventTimestamp"] for e in run.events
                  if e["eventType"] == "ActivityTaskStarted")[1:6]


@pytest.mark.swf_sim(workers=1, durations=2, decision_seconds=0)
def test_the_marker_sets_the_fleet_and_a_run_may_change_it(swf_sim):
    one_at_a_time = country_starts(swf_sim.run(country_flow))
    assert [(b - a).total_seconds() for a, b in zip(one_at_a_time, one_at_a_time[1:])] == [
        2, 2, 2, 2]
    side_by_side = country_starts(swf_sim.run(country_flow, workers=5))
    assert len(set(side_by_side)) == 1


def test_a_failing_test_says_where_its_history_is(swf_sim):
    swf_sim.faults.add(faults.fail("activity_1"))
    run = swf_sim.run(country_flow)
    assert run.status == "COMPLETED"


def test_a_fault_that_never_struck_fails_the_test_and_its_run_is_saved(swf_sim):
    swf_sim.faults.add(faults.fail("activity_2", match={"generator.country_id": 99}))
    swf_sim.run(country_flow)
'''


def test_a_users_project_gets_the_fixture_without_a_conftest(tmp_path):
    (tmp_path / "country_flow.py").write_text((EXAMPLES / "country_flow.py").read_text())
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), "test_user.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert not (tmp_path / "conftest.py").exists()
    assert "2 failed, 2 passed" in done.stdout, done.stdout + done.stderr
    failed, never_struck = (saved_history(done.stdout, test) for test in (
        "test_a_failing_test_says_where_its_history_is",
        "test_a_fault_that_never_struck_fails_the_test_and_its_run_is_saved"))
    assert '"WorkflowExecutionFailed"' in failed.read_text()
    assert '"WorkflowExecutionCompleted"' in never_struck.read_text()
    assert "FaultError: fail('activity_2', match=...): match {'generator.country_id': 99} " \
           "selects none of activity_2's instances" in done.stdout


def saved_history(output: str, test: str) -> Path:
    """The history the report of `test` says it saved, checking the command that draws it."""
    report = output[output.index(f"_ {test} _"):].split("\n__", 1)[0]  # to the next test's
    saved = Path(report.split("history saved to ", 1)[1].split()[0])
    assert saved.is_file()
    assert f"garcon-sim timeline {saved} -o {saved.with_suffix('.html')}" in report
    return saved
