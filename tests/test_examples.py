"""The examples are tests: the seed document's flow and the coffee shop, in the simulator."""
import importlib.util
import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from garcon_sim import faults, run_flow
from tests.conftest import seed_example_source

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def country_flow():
    return load("country_flow")


def quietly(flow, **options):
    with redirect_stdout(io.StringIO()):  # the seed's tasks print as they go
        return run_flow(flow, **options)


def country(n):
    return {"generator.country_id": n}


def test_the_example_is_the_seed_documents_flow_as_written():
    source = (EXAMPLES / "country_flow.py").read_text()
    assert source.split('"""', 2)[2].lstrip("\n") == seed_example_source().rstrip() + "\n"


@pytest.mark.parametrize("seed", range(6))
def test_the_seed_flow_completes_despite_its_random_failures(country_flow, seed):
    run = quietly(country_flow, seed=seed)
    assert run.status == "COMPLETED"
    assert len(run.instances("activity_2")) == 5
    for outcomes in run.outcomes("activity_2").values():
        assert outcomes[-1] == "completed" and len(outcomes) <= 4


def test_some_seed_makes_countries_fail_and_be_retried(country_flow):
    runs = [quietly(country_flow, seed=seed) for seed in range(6)]
    assert any(run.summary()["country_flow_activity_2"]["failures"] for run in runs)


def test_a_country_failing_past_its_retries_fails_the_workflow_naming_it(country_flow):
    run = quietly(country_flow, faults=[faults.fail("activity_2", match=country(3))])
    assert run.status == "FAILED"
    [instance] = run.instances("activity_2", country(3))
    assert run.reason.startswith(f"{instance} did not complete in 4 attempts (retry=3)")
    assert run.attempts("activity_2", country(3)) == 4


@pytest.mark.parametrize("seed", range(4))
def test_only_the_failing_country_is_retried(country_flow, seed):
    run = quietly(country_flow, seed=seed,
                  faults=[faults.fail("activity_2", match=country(3), times=2)])
    assert run.status == "COMPLETED"
    mine = run.outcomes("activity_2", country(3))
    assert [outcomes[:2] for outcomes in mine.values()] == [["failed", "failed"]]
    for n in (1, 2, 4, 5):
        [outcomes] = run.outcomes("activity_2", country(n)).values()
        # Each other country is scheduled once, plus once per failure of its own task.
        assert outcomes.count("completed") == 1
        assert len(outcomes) == 1 + outcomes.count("failed")
    assert run.attempts("activity_1") == run.attempts("activity_3") == 1


def test_the_coffee_shop_orders_pays_and_leaves():
    shop = load("coffee_shop").flow
    run = run_flow(shop)
    assert run.status == "COMPLETED"
    scheduled = [e["activityTaskScheduledEventAttributes"]["activityId"] for e in run.events
                 if e["eventType"] == "ActivityTaskScheduled"]
    assert scheduled == ["coffee_shop_enter-1-enter", "coffee_shop_order-1-order_coffee",
                         "coffee_shop_order-1-order_chocolate_chip_cookie",
                         "coffee_shop_pay-1-pay", "coffee_shop_get_order-1-get_order",
                         "coffee_shop_leave-1-leave"]
    assert run.context["paid"] == 6.98


def test_the_coffee_shop_pays_again_after_a_declined_card():
    shop = load("coffee_shop").flow
    run = run_flow(shop, faults=[faults.fail("pay", times=2, reason="card declined")])
    assert run.status == "COMPLETED"
    assert run.outcomes("pay") == {"coffee_shop_pay-1-pay": ["failed", "failed", "completed"]}
    declined = run_flow(shop, faults=[faults.fail("pay", reason="card declined")])
    assert declined.status == "FAILED"
    assert "coffee_shop_pay-1-pay" in declined.reason and "card declined" in declined.reason
    assert declined.attempts("leave") == 0


def test_ten_days_by_a_thousand_countries_run_in_shards_and_not_without():
    """examples/days_by_countries.py: 10,000 instances, more than one history holds, complete
    in 19 children each under the 10,000 events AWS advises; without shards, the same flow fails
    at its first decision, saying that shards would let it run."""
    flow = load("days_by_countries")
    run = run_flow(flow, faults=[faults.random_failures(0.02)])
    assert run.status == "COMPLETED", run.reason
    assert len(run.children) == 19
    assert all(child.events_used <= 10_000 for child in run.children)
    assert run.summary()["days_by_countries_fetch"]["instances"] == 10_000
    assert run.context["reported"] is True
    flow.fetch_all.shard = None
    alone = run_flow(flow)
    assert alone.status == "FAILED" and alone.events_used < 10
    assert alone.reason.endswith("shard='auto' on days_by_countries_fetch would let it run (19 "
                                 "child executions of at most 9,995 events each)")
