"""The README's example: a property test of one's own flow with garcon_sim.strategies."""
import types

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garcon import activity, runner, task
from garcon_sim import strategies as gs

create = activity.create("dev", "countries")


def countries(context):
    for country_id in range(1, context["countries"] + 1):
        yield {"generator.country_id": country_id}


@task.decorate(timeout=60)
def fetch(activity, country_id, day):
    return {f"fetched.{country_id}": day}


fetch_all = create(name="fetch_all", generators=[countries], retry=2,
                   run=runner.Sync(fetch.fill(country_id="generator.country_id", day="day")))
report = create(name="report", requires=[fetch_all],
                run=runner.Sync(lambda context, activity: {"reported": True}))
flow = types.SimpleNamespace(domain="dev", name="countries", fetch_all=fetch_all, report=report)


@settings(suppress_health_check=[HealthCheck.too_slow])  # each example runs the flow
@given(gs.histories(flow, inputs=gs.inputs(day=st.integers(1, 31),
                                           countries=st.integers(0, 5))))
def test_the_report_comes_once_every_country_is_fetched(run):
    """Whatever fails or times out: each country is tried at most 3 times (retry=2); the run
    completes with every country fetched and one report, or fails naming what gave up."""
    tries = run.outcomes("fetch_all")
    assert all(len(outcomes) <= 3 for outcomes in tries.values())
    if run.status == "COMPLETED":
        assert len(tries) == run.input["countries"]
        assert all(run.context[f"fetched.{n}"] == run.input["day"]
                   for n in range(1, run.input["countries"] + 1))
        assert [o.count("completed") for o in run.outcomes("report").values()] == [1]
    else:
        assert run.status == "FAILED", run
        assert any(instance in run.reason
                   for instance in [*tries, *run.instances("report")]), run.reason
