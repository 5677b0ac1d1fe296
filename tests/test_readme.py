"""README.md runs as written: every code block in it is run here, as a reader would use it.

The blocks are read from README.md itself (no copies to drift): python blocks that define tests
are pasted into a project of their own beside `examples/country_flow.py` and run by pytest;
other python blocks are executed; console blocks are transcripts whose commands run as
processes and must print what the block shows; sh blocks are the Quickstart's commands (run, or
checked against pyproject.toml) and the commands' synopses (checked against their `--help`).
A block that no check claims fails `test_every_block_is_run`.
"""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib.metadata import metadata
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.client import BaseClient

from garcon.activity import find_workflow_activities
from garcon.loader import load_flow
from garcon.worker import register_flow
from garcon.worker.__main__ import parse
from garcon_sim import Simulator, run_flow
from tests.serve_processes import Server
from tests.swf_helpers import registered, wait_until

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = {"garcon-sim": [sys.executable, "-m", "garcon_sim"],
            "python -m garcon_sim": [sys.executable, "-m", "garcon_sim"],
            "python -m garcon.worker": [sys.executable, "-m", "garcon.worker"]}
"""The commands the README shows, and how to run them here (the venv's python, not PATH)."""


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int
    """The line of README.md the block starts on."""

    def __str__(self) -> str:
        return f"README.md:{self.line}"


def readme_blocks() -> list[Block]:
    text = (ROOT / "README.md").read_text()
    return [Block(found["language"], found["text"], text.count("\n", 0, found.start()) + 1)
            for found in re.finditer(r"^```(?P<language>\w*)\n(?P<text>.*?)^```$", text,
                                     re.MULTILINE | re.DOTALL)]


KINDS: dict[str, Callable[[Block], bool]] = {
    "tests": lambda b: b.language == "python" and "def test_" in b.text,
    "a flow": lambda b: b.language == "python" and "activity.create(" in b.text
    and "def test_" not in b.text,
    "starting an execution": lambda b: b.language == "python"
    and "start_workflow_execution(" in b.text and "AWS_ENDPOINT_URL_SWF" not in b.text,
    "the local server": lambda b: b.language == "python" and "AWS_ENDPOINT_URL_SWF" in b.text,
    "the simulator": lambda b: b.language == "python" and "Simulator(" in b.text
    and "def test_" not in b.text,
    "a transcript": lambda b: b.language == "console",
    "the quickstart": lambda b: b.language == "sh" and "pip install" in b.text,
    "a shell session": lambda b: b.language == "sh" and "\nexport " in f"\n{b.text}",
    "a synopsis": lambda b: b.language == "sh" and "pip install" not in b.text
    and "\nexport " not in f"\n{b.text}",
}
"""What each block is, hence how it is run."""


def blocks_of(kind: str) -> list[Block]:
    return [block for block in readme_blocks() if KINDS[kind](block)]


def parametrize(kind: str):
    return pytest.mark.parametrize("block", blocks_of(kind), ids=str)


def program_of(text: str) -> str:
    """Which of PROGRAMS a command line the README shows runs."""
    for program in sorted(PROGRAMS, key=len, reverse=True):
        if text == program or text.startswith(program + " "):
            return program
    raise AssertionError(f"the README's test does not know how to run {text!r}")


def command(text: str) -> list[str]:
    """The argv to run a command line the README shows."""
    program = program_of(text)
    return [*PROGRAMS[program], *shlex.split(text[len(program):])]


def project(tmp_path: Path) -> Path:
    """A project of the reader's own: the seed's flow as a module of it."""
    shutil.copy(ROOT / "examples" / "country_flow.py", tmp_path / "country_flow.py")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    return tmp_path


def test_every_block_is_run():
    blocks = readme_blocks()
    for block in blocks:
        kinds = [kind for kind, claims in KINDS.items() if claims(block)]
        assert len(kinds) == 1, f"{block} ({block.language or 'no language'}) is {kinds}"
    assert all(blocks_of(kind) for kind in KINDS)  # none of the checks below runs nothing


@parametrize("tests")
def test_the_tests_pass_in_a_project_of_their_own(tmp_path, block):
    (project(tmp_path) / "test_readme_block.py").write_text(block.text)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--hypothesis-seed=0", "--rootdir", str(tmp_path),
                           "test_readme_block.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    tests = block.text.count("\ndef test_")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"^{tests} passed", done.stdout.splitlines()[-1].strip("= ")), (
        done.stdout)


def execute(block: Block, **names) -> types.ModuleType:
    module = types.ModuleType(f"readme_line_{block.line}")
    module.__dict__.update(names)
    exec(compile(block.text, str(block), "exec"), module.__dict__)
    return module


@parametrize("a flow")
def test_the_flow_runs_in_the_simulator(block, capsys):
    flow = execute(block)
    assert find_workflow_activities(flow)
    run = run_flow(flow)
    assert run.status == "COMPLETED", run.reason
    assert capsys.readouterr().out  # the tasks printed as they ran


@parametrize("the simulator")
def test_the_simulator_block_runs(block):
    names = execute(block).__dict__
    sim, swf, fast = names["sim"], names["swf"], names["fast"]
    assert sim.clock.now() == Simulator(seed=0).clock.now() + timedelta(seconds=300)
    assert isinstance(swf, BaseClient)
    fast.register_domain(name="readme", workflowExecutionRetentionPeriodInDays="1")
    assert [domain["name"] for domain in swf.list_domains(
        registrationStatus="REGISTERED")["domainInfos"]] == ["readme"]


@parametrize("starting an execution")
def test_an_execution_starts_on_swf(block, moto_endpoint, monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_ENDPOINT_URL_SWF": moto_endpoint}.items():
        monkeypatch.setenv(key, value)
    swf = boto3.client("swf")
    register_flow(swf, load_flow(str(ROOT / "examples" / "country_flow.py")))
    execute(block, boto3=boto3)
    since = {"oldestDate": datetime.now(timezone.utc) - timedelta(hours=1)}
    started = swf.list_open_workflow_executions(domain="dev", startTimeFilter=since)
    assert [info["workflowType"]["name"] for info in started["executionInfos"]] == [
        "country_flow"]


@parametrize("the local server")
def test_the_walkthrough_runs_against_garcon_sim_serve(block, processes):
    """The block as a process of its own, against `garcon-sim serve` and the worker command
    the README shows beside it."""
    server = Server(processes, speed=60).start()
    swf = server.client()
    processes.worker(server, "countries", flow="examples/country_flow.py")

    wait_until(lambda: registered(swf, "dev", {"name": "country_flow", "version": "1.0"}),
               what="the worker to register the flow")
    process, log = processes.start("readme", [sys.executable, "-c", block.text],
                                   env={"AWS_ENDPOINT_URL_SWF": server.url})
    assert process.wait(60) == 0, log.read_text()
    assert log.read_text() in ("COMPLETED\n", "FAILED\n")


def transcript(block: Block) -> list[tuple[str, str]]:
    """(command, what it prints) of each `$ ` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"{block} starts with output, not a command"
            steps[-1][1].append(line)
    return [(text, "".join(f"{line}\n" for line in output)) for text, output in steps]


@parametrize("a transcript")
def test_the_commands_print_what_the_readme_shows(tmp_path, block):
    where = project(tmp_path)
    for text, shown in transcript(block):
        done = subprocess.run(command(text), cwd=where, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"$ {text}\n{done.stdout}{done.stderr}"
        assert done.stdout == shown, f"$ {text}"


@parametrize("the quickstart")
def test_the_quickstart_commands_work(block, pytestconfig):
    extras = metadata("garcon-sim").get_all("Provides-Extra") or []
    testpaths = pytestconfig.getini("testpaths")
    for line in block.text.splitlines():
        for text in (part.strip() for part in line.split("&&")):
            argv = shlex.split(text)
            if argv[:5] == ["python", "-m", "pip", "install", "-e"]:
                # Installing is not done here: what it installs must exist.
                [spec] = argv[5:]
                found = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", spec)
                assert found, f"{block}: installs {spec!r}, not this checkout"
                assert set(found[1].split(",") if found[1] else ()) <= set(extras), spec
            elif argv == ["python", "-m", "pytest"]:
                # The suite this test is part of.
                assert Path(__file__).relative_to(ROOT).parts[0] in testpaths
            else:
                done = subprocess.run(command(text), cwd=ROOT, capture_output=True,
                                      text=True, timeout=120)
                assert done.returncode == 0, f"$ {text}\n{done.stdout}{done.stderr}"
                assert re.search(r"^activity +instances +attempts +failures +timeouts$",
                                 done.stdout, re.MULTILINE), done.stdout


def shell_lines(block: Block) -> list[str]:
    """The block's commands, each joined with the lines its trailing backslashes continue."""
    return [" ".join(line.split()) for line in block.text.replace("\\\n", " ").splitlines()]


@parametrize("a shell session")
def test_the_shell_session_is_well_formed(block):
    """What cannot run here (the `aws` command line is not a dependency) is checked against
    what it names: the worker's options and flow, SWF's operations and their parameters."""
    assert subprocess.run(["bash", "-n"], input=block.text, text=True).returncode == 0
    swf = botocore.session.get_session().get_service_model("swf")
    operations = {xform_name(name, "-"): name for name in swf.operation_names}
    for line in shell_lines(block):
        argv = shlex.split(line)
        if argv[0] == "export":
            assert all(re.fullmatch(r"AWS_\w+=\S+", setting) for setting in argv[1:]), line
        elif argv[0] == "aws":
            assert argv[1] == "swf" and argv[2] in operations, line
            members = swf.operation_model(operations[argv[2]]).input_shape.members
            given = {arg[2:].replace("-", "") for arg in argv if arg.startswith("--")}
            assert given <= {name.lower() for name in members}, line
        else:
            args = parse(command(line)[3:])
            assert find_workflow_activities(load_flow(str(ROOT / args.flow))), line


def synopses(block: Block) -> list[str]:
    """The block's command lines, each joined with the lines that continue it."""
    lines: list[str] = []
    for line in block.text.splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return lines


def options(text: str) -> set[str]:
    """The options a synopsis line shows."""
    return set(re.findall(r"(?<![\w-])--?[a-z][\w-]*", text))


def help_options(argv: list[str]) -> list[set[str]]:
    """The options `argv --help` lists, each as the set of its spellings (-o, --output), but
    for --help itself."""
    done = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    listed = [re.findall(r"(?:^|, )(--?[\w-]+)", re.split(r"\s{2,}", line.strip())[0])
              for line in done.stdout.splitlines() if re.match(r"  -", line)]
    return [set(spellings) for spellings in listed if "--help" not in spellings]


@parametrize("a synopsis")
def test_each_synopsis_shows_the_options_of_its_command(block):
    for line in synopses(block):
        argv = command(line)
        subcommand = argv[3:4] if len(argv) > 3 and re.fullmatch("[a-z]+", argv[3]) else []
        listed = help_options(argv[:3] + subcommand)
        shown = options(line[len(program_of(line)):])
        assert all(shown & spellings for spellings in listed), f"{line}: lacks {listed}"
        assert shown <= set().union(*listed), f"{line}: no such option {shown}"
