"""The `garcon-sim` command, run as a process on real files."""
import contextlib
import copy
import gzip
import json
import math
import os
import pty
import re
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import DATA
from garcon.loader import load_flow
from garcon_sim import run_flow
from garcon_sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED_FLOW = str(ROOT / "examples" / "country_flow.py")
COFFEE = str(ROOT / "examples" / "coffee_shop.py") + ":flow"
SWF_HISTORIES = sorted(path for path in (DATA / "swf-histories").glob("*.json")
                       if "history" in json.loads(path.read_text()))
GARCON_HISTORIES = DATA / "garcon-histories"


def garcon_sim(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "garcon_sim.cli", *map(str, args)],
                          capture_output=True, text=True, input=stdin, cwd=cwd or ROOT,
                          timeout=120)


def garcon_sim_in_process(capsys, *args):
    """The command's `main` in this process: for checks repeated over many files, once each
    command has been run as a process."""
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def one_line_error(done, *fragments):
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and line.startswith("garcon-sim: error: ")
    for fragment in fragments:
        assert fragment in line, line
    return line


def test_run_completes_and_prints_a_table_per_activity(tmp_path):
    out = tmp_path / "history.json"
    done = garcon_sim("run", SEED_FLOW, "--seed", 2, "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("country_flow_activity_") >= 3  # the flow's prints, the table
    table = done.stdout[done.stdout.index("COMPLETED"):]
    assert "instances  attempts  failures  timeouts" in table
    assert "country_flow_activity_2          5" in table
    events = json.loads(out.read_text())["events"]
    assert events[-1]["eventType"] == "WorkflowExecutionCompleted"


def on_a_terminal(*args):
    """Run the command with standard output and error on one pseudo-terminal, as a person at a
    terminal would; the lines they would see at the end, and what was written."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "garcon_sim.cli", *map(str, args)],
                               stdout=terminal, stderr=terminal, cwd=ROOT)
    os.close(terminal)
    written = b""
    with contextlib.suppress(OSError):  # EIO once the process has closed the terminal
        while chunk := os.read(controller, 65536):
            written += chunk
    os.close(controller)
    assert process.wait(timeout=120) == 0, written
    return screen(written.decode()), written.decode()


def screen(written):
    """The lines a terminal shows for `written`: a carriage return goes back to the start of the
    line, ESC [ K erases it from there."""
    lines, line, column = [], [], 0
    for part in re.split(r"(\r|\n|\x1b\[K)", written):
        if part == "\n":
            lines.append("".join(line))
            line, column = [], 0
        elif part == "\r":
            column = 0
        elif part == "\x1b[K":
            del line[column:]
        else:
            line[column:column + len(part)] = part
            column += len(part)
    return lines + (["".join(line)] if line else [])


def test_on_a_terminal_the_progress_line_steps_aside_for_what_tasks_print(tmp_path):
    seen, written = on_a_terminal("run", SEED_FLOW, "--out", tmp_path / "run.json")
    assert "instances done" in written  # the progress line was drawn
    assert not any("instances done" in line for line in seen)  # and is gone at the end
    prints = seen[:seen.index("COMPLETED")]
    assert prints[0] == "activity_1" and prints[-1] == "end of flow"
    assert all(re.fullmatch(r"activity_2_country_id_\d has (succeeded|failed)", line)
               for line in prints[1:-1]), prints
    assert seen[-1] == f"history written to {tmp_path / 'run.json'}"


def test_run_json_is_machine_readable_and_exit_1_when_not_completed():
    done = garcon_sim("run", SEED_FLOW, "--json", "--fail", "activity_2:4")
    assert done.returncode == 1
    summary = json.loads(done.stdout)
    assert summary["status"] == "FAILED"
    assert "did not complete in 4 attempts" in summary["reason"]
    assert summary["attempts"]["country_flow_activity_1"] == 1
    assert set(summary) >= {"status", "reason", "events", "attempts", "duration"}


def test_run_with_random_failures_follows_the_seed():
    first = garcon_sim("run", SEED_FLOW, "--json", "--fail-rate", "0.5", "--seed", 5)
    again = garcon_sim("run", SEED_FLOW, "--json", "--fail-rate", "0.5", "--seed", 5)
    assert json.loads(first.stdout) == json.loads(again.stdout)
    assert sum(json.loads(first.stdout)["attempts"].values()) > 7


def test_run_takes_input_from_a_file(tmp_path):
    flow = tmp_path / "days.py"
    flow.write_text(
        "from garcon import activity, runner\n"
        "create = activity.create('dev', 'days')\n"
        "domain, name = 'dev', 'days'\n"
        "fetch = create(name='fetch', generators=[lambda c: ({'d': d} for d in c['days'])],\n"
        "               run=runner.Sync(lambda context, activity: None))\n")
    (tmp_path / "input.json").write_text(json.dumps({"days": [1, 2, 3]}))
    done = garcon_sim("run", flow, "--input", "@input.json", "--json", cwd=tmp_path)
    assert json.loads(done.stdout)["attempts"] == {"days_fetch": 3}


@pytest.mark.parametrize("args, fragments", [
    (["run", "no/such/flow.py"], ["no such flow file: no/such/flow.py"]),
    (["run", "no_such_module_here"], ["no such flow module: no_such_module_here"]),
    (["run", SEED_FLOW + ":nothing"], ["has no attribute 'nothing'"]),
    (["run", str(ROOT / "garcon" / "limits.py")], ["is not a flow"]),
    (["run", SEED_FLOW, "--input", "{not json"], ["the input is not JSON"]),
    (["run", SEED_FLOW, "--input", "[1]"], ["must be a JSON object, not list"]),
    (["run", SEED_FLOW, "--input", "[" * 5_000 + "]" * 5_000], [
        "the input is not JSON: it is JSON nested more than 100 levels deep"]),
    (["run", SEED_FLOW, "--input", "@missing.json"], ["cannot read the input file"]),
    (["run", SEED_FLOW, "--fail", "activity_2:zero"], ["TIMES is a number"]),
    (["run", SEED_FLOW, "--fail-rate", "2"], ["between 0 and 1"]),
    (["run", SEED_FLOW, "--fail", "nosuch:2"], [
        "--fail nosuch:2: the flow country_flow has no activity 'nosuch' (its activities: "
        "activity_1, activity_2, activity_3)"]),
    (["run", SEED_FLOW, "--workers", "activity_2=0"], [
        "--workers activity_2=0: a number of workers (1 to 1,000: SWF holds at most 1,000 polls "
        "on a task list)"]),
    (["run", SEED_FLOW, "--workers", "99999999999999999999"], [
        "--workers 99999999999999999999: a number of workers (1 to 1,000"]),
    (["budget", SEED_FLOW, "--decision-seconds", "nan"], [
        "--decision-seconds nan: a number of seconds (0 or more)"]),
    (["run", SEED_FLOW, "--decision-seconds", "inf"], [
        "--decision-seconds inf: a number of seconds (0 or more)"]),
    (["run", SEED_FLOW, "--workers", "wrok=3"], [
        "--workers wrok=3: the flow country_flow has no activity 'wrok'"]),
    (["run", SEED_FLOW, "--duration", "activity_1=-1"], [
        "--duration activity_1=-1: SECONDS (0 or more) or LOW-HIGH"]),
    (["budget", SEED_FLOW, "--workers", "activity_2=-3"], [
        "--workers activity_2=-3: a number of workers (1 to 1,000"]),
    (["budget", SEED_FLOW, "--duration", "country_flow_activity_9=1"], [
        "--duration country_flow_activity_9=1: the flow country_flow has no activity "
        "'country_flow_activity_9'"]),
    (["budget", COFFEE], ["custom decider"]),
    (["run", SEED_FLOW, "--out", "/missing/dir/x.json"], [
        "--out /missing/dir/x.json: cannot be written: /missing/dir does not exist"]),
    (["run", SEED_FLOW, "--timeline", "/dev/null/run.html"], [
        "--timeline /dev/null/run.html: cannot be written: /dev/null is not a folder"]),
    (["run", SEED_FLOW, "--out", "/tmp"], ["--out /tmp: is a folder"]),
    (["timeline", str(DATA / "swf-histories" / "timer_and_cancel.json"), "-o",
      "/missing/dir/x.html"], [
        "--output /missing/dir/x.html: cannot be written: /missing/dir does not exist"]),
    (["serve", "--db", "/missing/dir/state.sqlite"], [
        "--db /missing/dir/state.sqlite: cannot be written: /missing/dir does not exist"]),
])
def test_user_errors_are_one_line_and_exit_2(args, fragments):
    one_line_error(garcon_sim(*args), *fragments)


def test_a_flow_that_raises_on_import_is_one_line(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import json\nraise RuntimeError('no database here')\n")
    one_line_error(garcon_sim("run", broken), "does not import: RuntimeError: no database here")
    bad = tmp_path / "bad.py"
    bad.write_text("def oops(:\n")
    one_line_error(garcon_sim("run", bad), "SyntaxError at line 1")


@pytest.mark.parametrize("name", ["country_flow-0", "country_flow-1", "days_by_countries-2",
                                  "coffee_shop-3"])
def test_replay_agrees_with_garcon_1_1_1(name):
    flow = json.loads((GARCON_HISTORIES / f"{name}.json").read_text())["flow"]
    done = garcon_sim("replay", GARCON_HISTORIES / f"{name}.json",
                      "--flow", f"{GARCON_HISTORIES / 'flows.py'}:{flow}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no difference" in done.stdout


def test_replay_reports_a_changed_flow_with_exit_1(tmp_path):
    run = garcon_sim("run", SEED_FLOW, "--out", tmp_path / "h.json")
    assert run.returncode == 0
    changed = tmp_path / "changed.py"
    changed.write_text(Path(SEED_FLOW).read_text().replace("total_countries = 6",
                                                          "total_countries = 7"))
    done = garcon_sim("replay", tmp_path / "h.json", "--flow", changed)
    assert done.returncode == 1
    assert "difference(s)" in done.stdout
    assert "- decision task completed at event" in done.stdout


def test_replay_of_another_workflow_types_history_is_one_line():
    one_line_error(garcon_sim("replay", GARCON_HISTORIES / "days_by_countries-2.json",
                              "--flow", SEED_FLOW),
                   "the history is of workflow type 'days_by_countries' (version 1.0), not "
                   "the flow's 'country_flow' (version 1.0)")


def test_replay_reads_standard_input_and_gzip(tmp_path):
    history = (GARCON_HISTORIES / "country_flow-0.json").read_text()
    flow = f"{GARCON_HISTORIES / 'flows.py'}:country_flow"
    assert garcon_sim("replay", "-", "--flow", flow, stdin=history).returncode == 0
    packed = tmp_path / "h.json.gz"
    packed.write_bytes(gzip.compress(history.encode()))
    assert garcon_sim("replay", packed, "--flow", flow).returncode == 0


def test_reenact_reproduces_a_recorded_swf_history_as_a_process():
    done = garcon_sim("reenact", DATA / "swf-histories" / "timer_and_cancel.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith(": no difference\n")


@pytest.mark.parametrize("path", SWF_HISTORIES, ids=lambda path: path.stem)
def test_reenact_reproduces_every_recorded_swf_history(capsys, path):
    done = garcon_sim_in_process(capsys, "reenact", path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith(": no difference\n")


def test_reenact_finds_a_departure_with_exit_1(tmp_path):
    recorded = json.loads((DATA / "swf-histories" / "timer_and_cancel.json").read_text())
    events = recorded["history"]["events"]
    timer = next(e for e in events if e["eventType"] == "TimerFired")
    timer["eventType"] = "TimerCanceled"
    timer["timerCanceledEventAttributes"] = timer.pop("timerFiredEventAttributes")
    timer["timerCanceledEventAttributes"]["decisionTaskCompletedEventId"] = 4
    (tmp_path / "altered.json").write_text(json.dumps({"events": events}))
    done = garcon_sim("reenact", tmp_path / "altered.json")
    assert done.returncode == 1
    assert f"event {timer['eventId']}" in done.stdout


@pytest.mark.parametrize("content, fragment", [
    ("{not json", "invalid JSON"), ('{"hello": 1}', "history"), ("[]", "history")])
def test_bad_histories_are_one_line_and_exit_2(tmp_path, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content)
    for command in (["reenact", path], ["replay", path, "--flow", SEED_FLOW]):
        one_line_error(garcon_sim(*command), fragment)
    one_line_error(garcon_sim("reenact", tmp_path / "missing.json"), "missing.json")


def test_budget_prints_the_table_the_range_the_likely_events_and_its_verdict():
    done = garcon_sim("budget", SEED_FLOW)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert "country_flow_activity_2                    5             18          120" in lines
    assert "total (with the workflow's own 5)                        35          137" in lines
    assert ("likely: 47 events without failures (workers: 10 for each activity; attempts of "
            "0.5-1.5 s for each activity; decision tasks of 0.1 s)") in lines
    assert lines[-1] == "limit 25,000, advised 10,000: fits: 35 to 137 events, under 10,000"


def test_budget_for_a_fleet(tmp_path):
    flow = tmp_path / "wide.py"
    flow.write_text(
        "from garcon import activity, runner\n"
        "domain, name = 'dev', 'wide'\n"
        "create = activity.create(domain, name)\n"
        "big = create(name='big', generators=[lambda c: ({'n': n} for n in range(4500))],\n"
        "             run=runner.Sync(lambda context, activity: None))\n")
    fleet = ("--workers", "50", "--duration", "big=1")
    done = garcon_sim("budget", flow, *fleet)
    assert done.returncode == 0, done.stderr
    assert ("likely: 13,775 events without failures (workers: 50 for each activity; attempts "
            "of 1 s for each activity; decision tasks of 0.1 s)") in done.stdout.splitlines()
    assert done.stdout.splitlines()[-2:] == [
        "limit 25,000, advised 10,000: fits at best (13,520 events) but not at worst (every "
        "retry used, a decision task per close: 27,005 events, over 25,000)",
        "advice: shard='auto' on wide_big would let it run (3 child executions of at most "
        "9,995 events each)"]
    ran = garcon_sim("run", flow, *fleet, "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["events"] == 13_775
    jittered = garcon_sim("budget", flow, "--workers", "50")
    assert "likely: 16,202 events without failures" in jittered.stdout
    bad = garcon_sim("budget", flow, "--workers", "small=3")
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == ("garcon-sim: error: --workers small=3: the flow wide has no "
                          "activity 'small' (its activities: big)\n")


def test_budget_exits_1_when_even_the_fewest_events_do_not_fit(tmp_path):
    flow = tmp_path / "huge.py"
    flow.write_text(
        "from garcon import activity, runner\n"
        "domain, name = 'dev', 'huge'\n"
        "create = activity.create(domain, name)\n"
        "big = create(name='big', generators=[lambda c: ({'n': n} for n in range(9000))],\n"
        "             run=runner.Sync(lambda context, activity: None))\n")
    done = garcon_sim("budget", flow)
    assert done.returncode == 1
    assert ("does not fit: even at best (no failure, closes batched) the history needs 27,032 "
            "events") in done.stdout


COMMANDS = ["run", "replay", "reenact", "timeline", "budget"]


def test_the_help_lists_every_command():
    done = garcon_sim("--help")
    assert done.returncode == 0
    listed = done.stdout.split("commands:", 1)[1]
    assert all(re.search(rf"^    {command} ", listed, re.MULTILINE) for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command):
    done = garcon_sim(command, "--help")
    assert done.returncode == 0 and done.stdout.startswith(f"usage: garcon-sim {command}")


def test_timeline_draws_a_recorded_swf_history_as_a_process(tmp_path):
    out = tmp_path / "timeline.html"
    done = garcon_sim("timeline", DATA / "swf-histories" / "child_workflow.json", "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(f"events written to {out}\n")
    assert out.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("path", SWF_HISTORIES, ids=lambda path: path.stem)
def test_timeline_draws_every_recorded_swf_history(capsys, tmp_path, path):
    out = tmp_path / "timeline.html"
    done = garcon_sim_in_process(capsys, "timeline", path, "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(f"events written to {out}\n")
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<canvas" in page
    assert "http://" not in page and "https://" not in page


def test_run_draws_its_timeline_and_a_bad_history_is_one_line(tmp_path):
    done = garcon_sim("run", SEED_FLOW, "--timeline", tmp_path / "run.html", "--json")
    assert done.returncode == 0
    assert "country_flow_activity_2" in (tmp_path / "run.html").read_text()
    assert f"timeline written to {tmp_path / 'run.html'}" in done.stderr.splitlines()
    assert json.loads(done.stdout)["status"] == "COMPLETED"
    (tmp_path / "bad.json").write_text('{"events": [{"eventId": 1}]}')
    one_line_error(garcon_sim("timeline", tmp_path / "bad.json", "-o", tmp_path / "x.html"),
                   "bad.json")


# Hostile files: one line and exit 2, in bounded time and memory.

@pytest.fixture(scope="module")
def seed_history():
    """The seed flow's history, as `garcon-sim run --out` writes it."""
    return json.loads(run_flow(load_flow(SEED_FLOW), input={}).to_json())


def spoiled(history, change):
    events = copy.deepcopy(history["events"])
    change(events)
    return json.dumps({"events": events})


HOSTILE = {
    "NaN timestamp": (lambda h: spoiled(h, lambda e: e[3].update(eventTimestamp=math.nan)),
                      "event 4 has an eventTimestamp of nan seconds"),
    "absurd timestamp": (lambda h: spoiled(h, lambda e: e[3].update(eventTimestamp=1e300)),
                         "event 4 has an eventTimestamp of 1e+300 seconds"),
    "attributes not an object": (
        lambda h: spoiled(h, lambda e: e[4].update(activityTaskScheduledEventAttributes="x")),
        "event 5 ('ActivityTaskScheduled'): activityTaskScheduledEventAttributes is a string, "
        "not an object"),
    "event type not a string": (lambda h: spoiled(h, lambda e: e[1].update(eventType=12)),
                                "event 2 (12): eventType is an integer, not a string"),
    "nested thousands deep": (lambda h: "[" * 10_000 + "]" * 10_000,
                              "nests too deep to be a history"),
    "lone surrogate": (lambda h: spoiled(h, lambda e: e[4][
        "activityTaskScheduledEventAttributes"].update(control="\ud800")),
        "activityTaskScheduledEventAttributes.control holds a lone surrogate"),
}


@pytest.mark.parametrize("case", HOSTILE)
@pytest.mark.parametrize("command", ["timeline", "reenact", "replay"])
def test_malformed_histories_are_one_line_and_exit_2_for_every_tool(
        tmp_path, seed_history, command, case):
    make, fragment = HOSTILE[case]
    path = tmp_path / "hostile.json"
    path.write_text(make(seed_history))
    extra = {"timeline": ["-o", tmp_path / "out.html"], "reenact": [],
             "replay": ["--flow", SEED_FLOW]}[command]
    one_line_error(garcon_sim(command, path, *extra), f"{path}: ", fragment)
    assert not (tmp_path / "out.html").exists()


def test_a_history_that_contradicts_itself_is_one_line_on_replay(tmp_path, seed_history):
    def close_twice(events):
        completed = next(e for e in events if e["eventType"] == "ActivityTaskCompleted")
        events.append({**completed, "eventId": len(events) + 1})

    path = tmp_path / "twice.json"
    path.write_text(spoiled(seed_history, close_twice))
    after = len(seed_history["events"]) + 1
    one_line_error(garcon_sim("replay", path, "--flow", SEED_FLOW),
                   f"{path}: events 7 and {after} disagree: both close the attempt of "
                   "country_flow_activity_1-1 scheduled at event 5 (completed, then completed)")
    path.write_text(spoiled(seed_history, lambda e: e.insert(7, {**e[6], "eventId": 8}) or [
        event.update(eventId=number) for number, event in enumerate(e, 1)]))
    one_line_error(garcon_sim("replay", path, "--flow", SEED_FLOW),
                   "events 7 and 8 disagree: both close the attempt of "
                   "country_flow_activity_1-1 scheduled at event 5 (completed, then completed)")


def test_a_history_that_contradicts_itself_is_bad_input_for_reenact_not_a_departure(
        tmp_path, seed_history):
    def start_twice(events):
        started = next(e for e in events if e["eventType"] == "ActivityTaskStarted")
        events.insert(started["eventId"], {**started})
        for number, event in enumerate(events, 1):
            event["eventId"] = number

    path = tmp_path / "twice.json"
    path.write_text(spoiled(seed_history, start_twice))
    one_line_error(garcon_sim("reenact", path), f"{path}: ", "disagree")


@pytest.mark.parametrize("command", ["timeline", "replay"])
def test_a_payload_nested_too_deep_to_read_is_drawn_and_replayed_as_text(
        tmp_path, seed_history, command):
    """SWF takes any string under 32,768 characters as an input: one nested 5,000 deep (valid
    JSON, deeper than Python's parser goes) is data the tools show, not a crash."""
    def nest(events):
        scheduled = next(e for e in events if e["eventType"] == "ActivityTaskScheduled")
        scheduled["activityTaskScheduledEventAttributes"]["input"] = "[" * 5000 + "]" * 5000

    path = tmp_path / "deep.json"
    path.write_text(spoiled(seed_history, nest))
    extra = {"timeline": ["-o", tmp_path / "out.html"], "replay": ["--flow", SEED_FLOW]}
    done = garcon_sim(command, path, *extra[command])
    assert "Traceback" not in done.stderr
    if command == "timeline":
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "out.html").stat().st_size > 0
    else:  # the recorded input is not what the flow schedules: a difference, exit 1
        assert done.returncode == 1, done.stderr
        assert "difference" in done.stdout


def test_replay_of_a_history_without_a_decision_task_does_not_pass(tmp_path, seed_history):
    path = tmp_path / "started.json"
    path.write_text(json.dumps({"events": seed_history["events"][:3]}))
    one_line_error(garcon_sim("replay", path, "--flow", SEED_FLOW),
                   f"{path}: no decision task completed in this history, so there is nothing "
                   "to replay")


def gzip_of(path, chunk, times):
    """A gzip of `chunk` repeated `times` times, written without holding it whole."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as out:
        for _ in range(times):
            out.write(packer.compress(chunk))
        out.write(packer.flush())
    return path


def in_one_gigabyte():
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))


@pytest.mark.parametrize("chunk", [b" " * 2**20, b'{"events": [' + b"0, " * 2**18],
                         ids=["whitespace", "a bomb"])
def test_a_file_that_decompresses_past_the_cap_is_refused_in_bounded_memory(tmp_path, chunk):
    path = gzip_of(tmp_path / "big.json.gz", chunk, 200)  # 200 MB decompressed, < 1 MB packed
    assert path.stat().st_size < 2**20
    done = subprocess.run([sys.executable, "-m", "garcon_sim.cli", "timeline", str(path), "-o",
                           str(tmp_path / "out.html")], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, preexec_fn=in_one_gigabyte)
    one_line_error(done, f"{path} (decompressed): more than 128 MB of JSON, ten times a full "
                         "25,000-event SWF history of small payloads: not read")
