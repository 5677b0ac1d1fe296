"""A flow whose only activity waits until a file appears: a worker busy with a task in hand,
for the signal tests (the file is named by the BLOCKING_FLOW_RELEASE environment variable).
The workflow input's `instances` (1 by default) says how many instances wait."""
import os
import time
from pathlib import Path

from garcon import activity, runner

domain = "it"
name = "blocking"
create = activity.create(domain, name)


def wait_for_release(context, activity):
    release = Path(os.environ["BLOCKING_FLOW_RELEASE"])
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return {"released": release.exists()}


def instances(context):
    for n in range(context.get("instances", 1)):
        yield {"generator.n": n}


hold = create(name="hold", generators=[instances], run=runner.Sync(wait_for_release))
