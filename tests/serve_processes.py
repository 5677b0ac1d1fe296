"""Real processes for the `garcon-sim serve` tests: the server and the workers. Output goes to
files, read back for checks."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from tests.swf_helpers import wait_until

ROOT = Path(__file__).resolve().parents[1]
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "serve-tests", "AWS_SECRET_ACCESS_KEY": "serve-tests",
               "AWS_DEFAULT_REGION": "us-east-1"}
ENDPOINT_LINE = re.compile(r"SWF endpoint on (http://127\.0\.0\.1:(\d+))")


class Processes:
    """Every process a test starts, killed at the end whatever happened."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None
              ) -> tuple[subprocess.Popen, Path]:
        log = self.folder / f"{name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(args, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                                       env={**os.environ, **CREDENTIALS, **(env or {})})
        self.started.append(process)
        return process, log

    def worker(self, server: Server, name: str, *args: str, flow: str = "tests/items_flow.py",
               env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
        return self.start(name, [sys.executable, "-m", "garcon.worker", flow,
                                 "--endpoint-url", server.url, "--identity", name, *args],
                          env=env)

    def close(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(10)


class Server:
    """`garcon-sim serve` as a process: started, killed, stopped and started again on the same
    port (and journal)."""

    def __init__(self, processes: Processes, *args: str, db: Path | None = None,
                 speed: float = 60, poll_timeout: float = 2) -> None:
        self.processes = processes
        self.args = [*args, "--speed", str(speed), "--poll-timeout", str(poll_timeout)]
        if db is not None:
            self.args += ["--db", str(db)]
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> Server:
        self.starts += 1
        self.process, log = self.processes.start(
            f"server-{self.starts}", [sys.executable, "-m", "garcon_sim", "serve",
                                      "--port", str(self.port), *self.args])
        found = wait_until(lambda: self.process.poll() is not None
                           or ENDPOINT_LINE.search(log.read_text()),
                           timeout=60, what="the server's banner")
        if self.process.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text()}")
        self.url, self.port = found[1], int(found[2])
        self.log = log
        return self

    def kill(self) -> None:
        """kill -9."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop(self, timeout: float = 30) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def client(self, **config: Any) -> Any:
        return boto3.client("swf", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="serve-tests", aws_secret_access_key="serve-tests",
                            config=Config(retries={"total_max_attempts": 1}, **config))

    def status(self) -> dict[str, Any]:
        import urllib.request
        with urllib.request.urlopen(f"{self.url}/status.json", timeout=10) as answer:
            return json.load(answer)
