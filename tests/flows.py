"""Small flows for the decider's tests."""
from __future__ import annotations

import types

from garcon import activity, runner, task


@task.decorate()
def record(activity, n):
    return {f"done.{n}": True}


def fan_out(instances: int, retry: int = 0, **options) -> types.SimpleNamespace:
    """setup -> work (one instance per n in range(instances)) -> report."""
    create = activity.create("dev", "flow")
    setup = create(name="setup", run=runner.Sync(lambda context, activity: {"ready": True}))
    work = create(name="work", requires=[setup], retry=retry,
                  generators=[lambda context: ({"generator.n": n} for n in range(instances))],
                  run=runner.Sync(record.fill(n="generator.n")), **options)
    report = create(name="report", requires=[work], run=runner.Sync(record.fill(n="ready")))
    return types.SimpleNamespace(domain="dev", name="flow", setup=setup, work=work,
                                 report=report)


def with_external() -> types.SimpleNamespace:
    """fan_out(2), and `java`: an external activity after setup, which something outside
    Python runs."""
    flow = fan_out(2)
    flow.java = activity.create("dev", "flow")(name="java", requires=[flow.setup],
                                              external=True, timeout=60)
    return flow
