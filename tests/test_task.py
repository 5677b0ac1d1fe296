import pytest

from garcon import GarconWarning, param, runner, task


def test_decorate_declares_timeout_and_heartbeat_defaulting_to_timeout():
    @task.decorate(timeout=120)
    def fetch(activity):
        return None

    @task.decorate(timeout=120, heartbeat=30)
    def beating(activity):
        return None

    assert task.info(fetch) == {"timeout": 120, "heartbeat": 120}
    assert task.info(beating) == {"timeout": 120, "heartbeat": 30}


def test_decorate_without_values_declares_nothing_but_gives_fill():
    @task.decorate()
    def fetch(activity):
        return None

    assert task.info(fetch) is None
    assert callable(fetch.fill)


def test_timeout_leaves_heartbeat_to_its_default_unless_given():
    @task.timeout(60)
    def quick(context, activity):
        return None

    @task.timeout(60, heartbeat=10)
    def beating(context, activity):
        return None

    assert task.info(quick) == {"timeout": 60}
    assert task.info(beating) == {"timeout": 60, "heartbeat": 10}


def test_fill_reads_context_keys_and_params_and_passes_the_activity():
    seen = {}

    @task.decorate(timeout=5)
    def work(activity, country_id, label, missing, default="kept"):
        seen.update(activity=activity, country_id=country_id, label=label, missing=missing,
                    default=default)
        return {"done": True}

    filled = work.fill(country_id="generator.country_id", label=param.StaticParam("x"),
                       missing=param.Param("absent"))
    execution = object()
    assert filled({"generator.country_id": 3}, activity=execution) == {"done": True}
    assert seen == {"activity": execution, "country_id": 3, "label": "x", "missing": None,
                    "default": "kept"}
    assert task.info(filled) == {"timeout": 5, "heartbeat": 5,
                                 "requirements": ["generator.country_id", "absent"]}


def test_unfilled_parameters_without_default_get_none():
    @task.decorate()
    def work(activity, a, b):
        return {"a": a, "b": b}

    assert work.fill(a="x")({"x": 1}) == {"a": 1, "b": None}


def test_fill_namespace_prefixes_the_returned_keys():
    @task.decorate()
    def fetch(activity):
        return {"rows": 3, "pages": 1}

    @task.decorate()
    def silent(activity):
        return None

    assert fetch.fill(namespace="report")({}) == {"report.rows": 3, "report.pages": 1}
    assert silent.fill(namespace="report")({}) is None


def test_a_task_may_not_read_the_whole_context():
    @task.decorate()
    def sneaky(activity, context):
        return None

    with pytest.warns(GarconWarning, match="parameter named 'context'"):
        filled = sneaky.fill()
    with pytest.raises(TypeError, match="parameter named 'context'"):
        filled({})


def test_fill_of_a_parameter_the_task_does_not_take_warns_and_reads_it_into_the_input():
    @task.decorate()
    def work(activity, country_id):
        return {"country_id": country_id}

    with pytest.warns(GarconWarning, match="no parameter 'country' to fill"):
        filled = work.fill(country="generator.country", country_id="generator.id")
    assert runner.Sync(filled).requirements() == ["generator.country", "generator.id"]
    assert filled({"generator.country": "fr", "generator.id": 3}) == {"country_id": 3}


def test_fill_refuses_values_that_are_not_keys_or_params():
    @task.decorate()
    def work(activity, n):
        return None

    with pytest.raises(param.UnknownParamException):
        work.fill(n=3)


def test_task_list_chooses_tasks_from_the_context():
    @task.decorate(timeout=10)
    def send(activity, email):
        return {"sent": email}

    @task.decorate(timeout=20)
    def charge(activity, card):
        return {"charged": card}

    @task.list
    def checkout(context):
        yield send.fill(email="user.email")
        if context.get("user.card"):
            yield charge.fill(card="user.card")

    sync = runner.Sync(checkout)
    assert sync.timeout({"user.card": "4242"}) == 30
    assert sync.timeout({}) == 10
    assert sync.requirements({"user.card": "4242"}) == ["user.email", "user.card"]
    assert [t.__name__ for t in task.flatten([checkout], {})] == ["send"]
