import threading

import pytest

from garcon import runner, task


class Execution:
    """What a runner calls back: heartbeats, counted."""

    def __init__(self, parallel=True):
        self.parallel = parallel
        self.beats = 0

    def heartbeat(self, details=None):
        self.beats += 1


def test_sync_heartbeats_before_each_task_and_merges_results():
    calls = []

    def first(context, activity):
        calls.append(("first", dict(context)))
        return {"a": 1, "shared": "task"}

    def second(context, activity):
        calls.append(("second", dict(context)))
        return {"b": 2}

    execution = Execution()
    result = runner.Sync(first, second).execute(execution, {"shared": "input"})
    assert execution.beats == 2
    assert result == {"a": 1, "shared": "task", "b": 2}
    # The second task sees the first one's result, but the activity input wins on a shared key.
    assert calls[1] == ("second", {"a": 1, "shared": "input"})


def test_async_runs_tasks_in_threads_and_merges_in_task_order():
    threads = set()
    release = threading.Event()

    def slow(context, activity):
        threads.add(threading.get_ident())
        release.wait(5)
        return {"key": "slow"}

    def fast(context, activity):
        threads.add(threading.get_ident())
        release.set()
        return {"key": "fast"}

    execution = Execution()
    result = runner.Async(slow, fast, max_workers=2).execute(execution, {})
    assert len(threads) == 2
    assert execution.beats == 2
    assert result == {"key": "fast"}  # task order, although "slow" finished last


def test_async_without_parallelism_runs_in_order_in_this_thread():
    order = []

    def make(name):
        def run(context, activity):
            order.append((name, threading.get_ident()))
            return {name: True}
        return run

    execution = Execution(parallel=False)
    result = runner.Async(make("a"), make("b"), make("c")).execute(execution, {})
    assert [name for name, _ in order] == ["a", "b", "c"]
    assert {thread for _, thread in order} == {threading.get_ident()}
    assert result == {"a": True, "b": True, "c": True}
    assert execution.beats == 3


def test_async_raises_the_failing_task_error():
    def boom(context, activity):
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        runner.Async(boom, lambda context, activity: None).execute(Execution(), {})


def test_timeouts_sum_and_heartbeat_is_the_largest():
    @task.decorate(timeout=100, heartbeat=20)
    def a(activity):
        return None

    @task.decorate(timeout=50)
    def b(activity):
        return None

    sync = runner.Sync(a.fill(), b.fill(), lambda context, activity: None)
    assert sync.timeout({}) == 100 + 50 + runner.DEFAULT_TASK_TIMEOUT
    assert sync.heartbeat({}) == runner.DEFAULT_TASK_HEARTBEAT
    assert runner.Sync(a.fill(), b.fill()).heartbeat({}) == 50


def test_requirements_need_every_task_to_declare_them():
    @task.decorate()
    def a(activity, x):
        return None

    assert runner.Sync(a.fill(x="k1"), a.fill(x="k2")).requirements({}) == ["k1", "k2"]
    with pytest.raises(runner.NoRunnerRequirementsFound):
        runner.Sync(a.fill(x="k1"), lambda context, activity: None).requirements({})


def test_external_runner_needs_a_timeout_and_runs_nothing():
    with pytest.raises(ValueError, match="timeout"):
        runner.External()
    external = runner.External(timeout=300)
    assert (external.timeout(), external.heartbeat()) == (300, 300)
    assert runner.External(timeout=300, heartbeat=60).heartbeat() == 60
    with pytest.raises(runner.RunnerMissing):
        external.execute(Execution(), {})
