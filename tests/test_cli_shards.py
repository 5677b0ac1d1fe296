"""The `garcon-sim` command on a sharded flow (examples/days_by_countries.py), run as a process:
the run's summary across its children, its history and timelines with theirs, the budget's
plan, a replay of the run and its children from one file or from one file per execution."""
import json
import re

from garcon_sim import dump_history, load_history
from garcon_sim.history_io import load_executions
from tests.test_cli import ROOT, garcon_sim, one_line_error

FLOW = str(ROOT / "examples" / "days_by_countries.py")
SMALL = ("--input", '{"days": 2, "countries": 300}')  # 600 instances: 2 children of 555 at most


def run_once(tmp_path, *args):
    out, page = tmp_path / "run.json", tmp_path / "run.html"
    done = garcon_sim("run", FLOW, *SMALL, "--out", out, "--timeline", page, *args)
    assert done.returncode == 0, done.stderr
    return done, out, page


def test_run_summarises_each_activity_across_its_shards(tmp_path):
    done, out, _ = run_once(tmp_path, "--fail-rate", "0.05")
    assert re.search(r"in 2 child executions \(shards\) besides: the largest history [\d,]+ "
                     r"events, [\d,]+ in all", done.stdout), done.stdout
    row = next(line for line in done.stdout.splitlines()
               if line.startswith("days_by_countries_fetch"))
    instances, attempts, failures, _ = (int(cell.replace(",", "")) for cell in row.split()[1:])
    assert instances == 600 and attempts == 600 + failures and failures > 10
    executions = load_executions(out)
    assert [len(e.events) > 0 for e in executions] == [True] * 3
    assert load_history(out) == executions[0].events  # the parent's, as any tool reads it
    summary = json.loads(garcon_sim("run", FLOW, *SMALL, "--fail-rate", "0.05", "--json").stdout)
    assert summary["children"] == 2
    assert summary["largest_history"] == max(len(e.events) for e in executions)


def test_run_draws_the_parent_and_each_child_linked_side_by_side(tmp_path):
    _, out, page = run_once(tmp_path)
    children = sorted(tmp_path.glob("run.child-*.html"))
    assert [path.name for path in children] == ["run.child-1.html", "run.child-2.html"]
    data = page_data(page)
    links = [data["s"][span[9]] for group in data["groups"] if group[1] == "child"
             for row in group[2] for span in row[3]]
    assert links == ["run.child-1.html", "run.child-2.html"]
    assert page_data(children[0])["title"].startswith("child days_by_countries-0-fetch-shard-1")
    again = tmp_path / "again"
    again.mkdir()
    drawn = garcon_sim("timeline", out, "-o", again / "t.html")
    assert drawn.returncode == 0, drawn.stderr
    assert "and of its 2 children beside it" in drawn.stdout
    assert sorted(path.name for path in again.iterdir()) == [
        "t.child-1.html", "t.child-2.html", "t.html"]


def page_data(path):
    page = path.read_text()
    return json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>',
                                page, re.S)[1])


def test_replay_of_a_run_and_its_children_from_its_file_or_one_file_each(tmp_path):
    _, out, _ = run_once(tmp_path, "--fail-rate", "0.05")
    whole = garcon_sim("replay", out, "--flow", FLOW)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    lines = whole.stdout.splitlines()
    assert len(lines) == 3 and all(line.endswith(": no difference") for line in lines)
    assert lines[1].startswith("child days_by_countries-0-fetch-shard-1 (run ")
    # The same, as `aws swf get-workflow-execution-history` prints each execution.
    files = []
    for number, execution in enumerate(load_executions(out)):
        path = tmp_path / f"execution-{number}.json"
        path.write_text(dump_history(execution.events))
        files.append(path)
    separate = garcon_sim("replay", *files, "--flow", FLOW)
    assert separate.returncode == 0, separate.stdout + separate.stderr
    assert separate.stdout == whole.stdout
    # Other shards: the parent's decisions differ; a child decides from its input, its slice.
    changed = tmp_path / "changed.py"
    changed.write_text((ROOT / "examples" / "days_by_countries.py").read_text().replace(
        "shard='auto'", "shard=100"))
    differing = garcon_sim("replay", out, "--flow", changed)
    assert differing.returncode == 1
    lines = differing.stdout.splitlines()
    assert "- decision task completed at event 4: StartChildWorkflowExecution differs in " \
           "input" in lines
    assert "- decision task completed at event 4: the flow now also decides " \
           "StartChildWorkflowExecution" in lines
    assert lines[-1].endswith(": no difference")
    # A history that is no child of the first one is one line.
    stranger = garcon_sim("replay", files[0], files[0], "--flow", FLOW)
    one_line_error(stranger, "not a child of", "execution-0.json")


def test_budget_prints_the_plan_of_the_shards():
    done = garcon_sim("budget", FLOW)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["activity", "instances", "children", "fewest", "events",
                                "most", "events"]
    assert lines[1].split() == ["days_by_countries_fetch", "10,000", "19", "60", "513"]
    assert lines[4:6] == [
        "days_by_countries_fetch: 19 children of at most 555 instances (at most 1,000 open at "
        "once)", "  each child's own history: 1,673 to 9,995 events; the row above counts the "
        "parent's (3 a child, and decision tasks)"]
    assert lines[-1].endswith("19 child executions, each of 1,673 to 9,995 events")


def test_reenact_of_a_run_with_children_says_it_re_enacted_the_run_alone(tmp_path):
    _, out, _ = run_once(tmp_path)
    done = garcon_sim("reenact", out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == ("(the run's own history: the 2 child execution(s) "
                                            "beside it in the file are not re-enacted)")
