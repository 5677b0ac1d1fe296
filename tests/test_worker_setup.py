"""`python -m garcon.worker` where AWS is not set up: one line saying what is missing and how to
give it, exit 2. Nothing reaches the network: the errors come before any request is sent."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def worker(tmp_path, *args, **env):
    """The worker with no AWS settings but `env`: no profile files, no instance metadata."""
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith("AWS_")}
    clean.update(HOME=str(tmp_path), AWS_CONFIG_FILE=str(tmp_path / "config"),
                 AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
                 AWS_EC2_METADATA_DISABLED="true", **env)
    return subprocess.run([sys.executable, "-m", "garcon.worker", "examples/country_flow.py",
                           *args], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("args, env, line", [
    ([], {}, "no AWS region: give --region, set AWS_DEFAULT_REGION, or use a profile with a "
             "region (AWS_PROFILE, ~/.aws/config)"),
    (["--region", "eu-west-1"], {}, "Unable to locate credentials: set AWS_ACCESS_KEY_ID and "
     "AWS_SECRET_ACCESS_KEY, use a profile (AWS_PROFILE, ~/.aws/credentials), or run where an "
     "IAM role gives them"),
    (["--region", "eu-west-1", "--endpoint-url", "notaurl"],
     {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"},
     "Invalid endpoint: notaurl: an endpoint is an http:// or https:// URL (--endpoint-url, "
     "AWS_ENDPOINT_URL_SWF)"),
    ([], {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_PROFILE": "nope"},
     "The config profile (nope) could not be found: profiles are in ~/.aws/config and "
     "~/.aws/credentials"),
])
def test_a_missing_region_credentials_or_profile_says_how_to_give_them(tmp_path, args, env,
                                                                      line):
    done = worker(tmp_path, *args, **env)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"python -m garcon.worker: error: {line}\n"


NO_REGION = ("country_flow: no AWS region: give --region, set AWS_DEFAULT_REGION, or use a "
             "profile with a region (AWS_PROFILE, ~/.aws/config)")


@pytest.fixture
def no_aws(tmp_path, monkeypatch):
    """This process with no AWS settings: no region, no profile files, no instance metadata."""
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_the_worker_classes_without_a_region_say_what_to_set_when_they_first_need_a_client(
        no_aws, caplog):
    """garcon's way, `DeciderWorker(flow)` and `ActivityWorker(flow)` with no client: they are
    made (registering is skipped, saying why) and fail when asked to work, in one line."""
    from garcon.loader import load_flow
    from garcon.worker import ActivityWorker, DeciderWorker
    from garcon.worker.lazy_client import ClientSetupError

    flow = load_flow(str(ROOT / "examples" / "country_flow.py"))
    decider = DeciderWorker(flow)
    assert f"not registering country_flow: {NO_REGION}" in caplog.messages
    activities = ActivityWorker(flow)
    for work in (decider.run, activities.run, lambda: activities.run_once(flow.test_activity_1),
                 decider.poll):
        with pytest.raises(ClientSetupError) as refused:
            work()
        assert str(refused.value) == NO_REGION


def test_the_worker_classes_without_credentials_or_with_a_bad_endpoint_say_so_once(
        no_aws, monkeypatch):
    """Neither goes away by polling again: one line, not a traceback at every poll."""
    from garcon.loader import load_flow
    from garcon.worker import ActivityWorker, DeciderWorker
    from garcon.worker.lazy_client import ClientSetupError

    flow = load_flow(str(ROOT / "examples" / "country_flow.py"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with pytest.raises(ClientSetupError, match=r"^country_flow: Unable to locate credentials: "):
        ActivityWorker(flow).run()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SWF", "notaurl")
    with pytest.raises(ClientSetupError, match=r"^country_flow: Invalid endpoint: notaurl: "):
        DeciderWorker(flow, register=False).poll()
