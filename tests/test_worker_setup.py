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
    ([], {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_PROFILE": "nope"},
     "The config profile (nope) could not be found: profiles are in ~/.aws/config and "
     "~/.aws/credentials"),
])
def test_a_missing_region_credentials_or_profile_says_how_to_give_them(tmp_path, args, env,
                                                                      line):
    done = worker(tmp_path, *args, **env)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"python -m garcon.worker: error: {line}\n"
