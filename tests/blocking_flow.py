"""A flow whose only activity waits until a file appears: a worker busy with a task in hand,
for the signal tests (the file is named by the BLOCKING_FLOW_RELEASE environment variable)."""
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


hold = create(name="hold", run=runner.Sync(wait_for_release))
