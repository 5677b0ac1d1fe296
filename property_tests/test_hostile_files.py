"""The command line on hostile files: real and simulated histories spoiled as events
(`hostile.mutations`) and as bytes (cut short, nested deep, NaN, gzip, bad UTF-8), fed to
`timeline`, `reenact` and `replay` as processes, with 1 GB of memory and a minute each. Each
exits as documented: 0, 1 (replay: the decisions differ; reenact: the simulator departs; never
for timeline) or 2 with one line on standard error; never a traceback."""
from __future__ import annotations

import gzip
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA
from garcon.loader import load_flow
from garcon_sim import run_flow

from .hostile import as_json, mutate, mutations

ROOT = Path(__file__).resolve().parents[1]
SEED_FLOW = str(ROOT / "examples" / "country_flow.py")
EXAMPLES = max(4, settings().max_examples // 10)
"""Each example starts three processes: a few in the ci profile, more under deep."""


def base_histories() -> dict[str, list[dict]]:
    simulated = json.loads(run_flow(load_flow(SEED_FLOW), input={}, seed=3).to_json())
    return {"simulated": simulated["events"],
            "garcon 1.1.1": json.loads(
                (DATA / "garcon-histories" / "country_flow-1.json").read_text())["events"],
            "recorded on SWF": json.loads(
                (DATA / "swf-histories" / "timer_and_cancel.json").read_text())["history"][
                "events"]}


BASES = base_histories()

BYTES = st.sampled_from(["as is", "cut short", "nested deep", "NaN", "gzip", "gzip cut short",
                         "bad UTF-8", "padded"])


def spoil_bytes(text: str, how: str, where: float) -> bytes:
    data = text.encode("utf-8")
    at = int(len(data) * where)
    return {"as is": lambda: data,
            "cut short": lambda: data[:at],
            "nested deep": lambda: b"[" * 5_000 + data + b"]" * 5_000,
            "NaN": lambda: data.replace(b'"eventTimestamp": ', b'"eventTimestamp": NaN, "x": ',
                                        1),
            "gzip": lambda: gzip.compress(data),
            "gzip cut short": lambda: gzip.compress(data)[:max(2, at)],
            "bad UTF-8": lambda: data[:at] + b"\xff\xfe" + data[at:],
            "padded": lambda: b" \n" * 10_000 + data + b"\t" * 10_000}[how]()


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))


def garcon_sim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "garcon_sim.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, errors="replace", timeout=60,
                          preexec_fn=limited)


@settings(max_examples=EXAMPLES)
@given(st.sampled_from(sorted(BASES)), mutations() | st.just([]), BYTES, st.floats(0, 1))
def test_the_tools_exit_as_documented_on_a_spoiled_file(base, operations, how, where):
    spoiled = spoil_bytes(as_json(mutate(BASES[base], operations)), how, where)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.json"
        path.write_bytes(spoiled)
        page = Path(folder) / "timeline.html"
        for command, allowed in ((["timeline", str(path), "-o", str(page)], {0, 2}),
                                 (["reenact", str(path)], {0, 1, 2}),
                                 (["replay", str(path), "--flow", SEED_FLOW], {0, 1, 2})):
            done = garcon_sim(*command)
            assert done.returncode in allowed, (command[0], done.returncode, done.stderr)
            assert "Traceback" not in done.stderr, done.stderr
            if done.returncode == 2:
                line = done.stderr.strip()
                assert "\n" not in line and line.startswith("garcon-sim: error: "), line
            elif command[0] == "timeline":
                assert page.read_text().startswith("<!DOCTYPE html>")
