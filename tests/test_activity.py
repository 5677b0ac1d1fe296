import hashlib
import types

import pytest

from garcon import GarconWarning, activity, runner, task


def sync(*tasks):
    return runner.Sync(*(tasks or [lambda context, activity: None]))


def test_create_with_a_client_and_in_the_older_form_without():
    client = object()
    with_client = activity.create(client, "dev", "flow", version="2.0")(name="a", run=sync())
    without = activity.create("dev", "flow")(name="a", tasks=sync())
    assert (with_client.client, with_client.domain, with_client.version) == (client, "dev", "2.0")
    assert (without.client, without.domain, without.version) == (None, "dev", "1.0")
    assert with_client.name == without.name == without.task_list == "flow_a"


def test_create_warns_of_what_garcon_let_through_and_refuses_bad_values():
    create = activity.create("dev", "flow")
    with pytest.warns(GarconWarning, match="unknown option 'retries', ignored .did you mean "
                                           "'retry'"):
        assert create(name="a", run=sync(), retries=3).retry == 0
    with pytest.warns(GarconWarning, match="has no name: it is called flow_None"):
        create(run=sync())
    with pytest.warns(GarconWarning, match="flow_a has nothing to run"):
        assert create(name="a").runner is None
    with pytest.raises(ValueError, match="retry"):
        create(name="a", run=sync(), retry=-1)
    with pytest.raises(ValueError, match="must not contain ':'"):
        create(name="a:b", run=sync())


def test_external_activity_takes_its_timeouts_from_options():
    external = activity.create("dev", "flow")(name="java", external=True, timeout=900,
                                              heartbeat=60)
    assert isinstance(external, activity.ExternalActivity) and external.external
    assert external.runner.timeout() == 900 and external.runner.heartbeat() == 60
    with pytest.raises(ValueError, match="timeout"):
        activity.create("dev", "flow")(name="java", external=True)


def garcon_id(name, values):
    """The id formula of GARCON_COMPAT.md, written independently of the implementation."""
    if not values:
        return f"{name}-1"
    text = "".join(f"'{key}':'{values[key]}';" for key in sorted(values))
    return f"{name}-{hashlib.sha1(text.encode('utf-8')).hexdigest()}"


def test_generators_combine_as_a_cartesian_product_in_generator_order():
    def days(context):
        for day in context["days"]:
            yield {"generator.day": day}

    def countries(context):
        for country in ("fr", "us"):
            yield {"generator.country": country}

    fetch = activity.create("dev", "flow")(name="fetch", generators=[days, countries],
                                           run=sync())
    instances = fetch.instances({"days": ["d1", "d2", "d3"]})
    assert [i.local_context for i in instances] == [
        {"generator.day": day, "generator.country": country}
        for day in ("d1", "d2", "d3") for country in ("fr", "us")]
    assert [i.id for i in instances] == [garcon_id("flow_fetch", i.local_context)
                                         for i in instances]
    assert len({i.id for i in instances}) == 6


def test_instance_ids_do_not_depend_on_key_order_and_have_a_custom_suffix():
    values = {"b": 2, "a": "x", "c": None}
    reordered = dict(reversed(values.items()))
    assert activity.instance_ids("f_a", [values]) == activity.instance_ids("f_a", [reordered])
    assert activity.instance_ids("f_a", [values]) == [garcon_id("f_a", values)]
    assert activity.instance_ids("f_a", [{}], suffix="pay") == ["f_a-1-pay"]


def test_input_is_the_declared_keys_and_the_execution_keys():
    @task.decorate()
    def work(activity, country_id, empty, zero):
        return None

    act = activity.create("dev", "flow")(
        name="a", run=sync(work.fill(country_id="generator.country_id", empty="nothing",
                                     zero="zero")))
    context = {"other": 1, "zero": 0, "execution.domain": "dev", "execution.workflow_id": "w",
               "execution.run_id": "r"}
    instance = activity.ActivityInstance(act, {"generator.country_id": 4}, context)
    assert instance.input() == instance.create_execution_input() == {
        "generator.country_id": 4, "zero": 0, "execution.domain": "dev",
        "execution.workflow_id": "w", "execution.run_id": "r"}
    # garcon sends the execution keys even when the context has none.
    assert instance.input({}) == {"generator.country_id": 4, **dict.fromkeys(
        ["execution.domain", "execution.workflow_id", "execution.run_id"])}


def test_input_is_the_whole_instance_context_when_a_task_does_not_declare():
    act = activity.create("dev", "flow")(name="a", run=sync())
    instance = activity.ActivityInstance(act, {"generator.n": 1}, {"other": 1, "generator.n": 0})
    assert instance.input() == {"other": 1, "generator.n": 1}
    assert instance.id == garcon_id("flow_a", {"generator.n": 1})


def test_timeouts_follow_garcon_formulas():
    @task.decorate(timeout=120)
    def work(activity, n):
        return None

    act = activity.create("dev", "flow")(name="a", run=sync(work.fill(n="n"), work.fill(n="n")),
                                         schedule_to_start=300)
    instance = activity.ActivityInstance(act, {}, {}, pool_size=5)
    assert instance.timeouts() == {
        "heartbeatTimeout": "120", "startToCloseTimeout": "240",
        "scheduleToStartTimeout": "1500", "scheduleToCloseTimeout": "1740"}
    assert (instance.heartbeat_timeout, instance.timeout, instance.schedule_to_start,
            instance.schedule_to_close) == (120, 240, 1500, 1740)
    huge = instance.timeouts({}, pool_size=10**6)
    assert huge["scheduleToStartTimeout"] == huge["scheduleToCloseTimeout"] == "31536000"


def test_an_instances_timeouts_follow_its_own_pool_not_what_last_expanded_its_activity():
    @task.decorate(timeout=120)
    def work(activity, n):
        return None

    act = activity.create("dev", "flow")(
        name="a", generators=[lambda context: ({"n": n} for n in range(context["count"]))],
        run=sync(work.fill(n="n")), schedule_to_start=300)
    [one] = act.instances({"count": 1})
    many = act.instances({"count": 50})
    by_hand = activity.ActivityInstance(act, {"n": 3})  # garcon's form: no pool given
    assert act.pool_size == 50  # garcon's record of the last expansion, read by nothing
    assert (one.schedule_to_start, many[0].schedule_to_start, by_hand.schedule_to_start) == (
        300, 300 * 50, 300)
    assert by_hand.timeouts()["scheduleToStartTimeout"] == "300"


def test_flow_activities_are_found_in_attribute_name_order_once_each():
    create = activity.create("dev", "flow")
    b = create(name="b", run=sync())
    a = create(name="a", run=sync())
    flow = types.SimpleNamespace(zeta=a, alpha=b, again=a, domain="dev", name="flow")
    assert activity.find_workflow_activities(flow) == [a, b]


def test_custom_decider_state_waits_until_ready():
    pending = activity.ActivityState("flow_a", [activity.ACTIVITY_SCHEDULED])
    assert not pending.ready and pending.get_last_result() is None
    with pytest.raises(activity.ActivityInstanceNotReadyException):
        pending.wait()
    with pytest.raises(activity.ActivityInstanceNotReadyException):
        pending.result  # noqa: B018
    done = activity.ActivityState("flow_a", [activity.ACTIVITY_SCHEDULED,
                                             activity.ACTIVITY_COMPLETED], {"price": 3})
    done.wait()
    assert done.result == done.get_last_result() == {"price": 3}
    assert done.get_last_state() == activity.ACTIVITY_COMPLETED
    with pytest.raises(ValueError, match="has a result already"):
        done.set_result({"price": 4})


def test_retry_wait_grows_with_backoff():
    act = activity.create("dev", "flow")(name="a", run=sync(), retry=3, retry_delay=10,
                                         retry_backoff=2)
    assert [act.retry_wait(n) for n in (1, 2, 3)] == [10, 20, 40]
    assert activity.create("dev", "flow")(name="b", run=sync()).retry_wait(1) == 0
