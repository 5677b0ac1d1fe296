"""The test data is in the repository and usable: a clone or an sdist runs every test on its
own. Every file a test names by its path exists, and every recording loads as what it says it
is (adding one breaks nothing here)."""
import ast
import importlib.util
import json
from pathlib import Path

import pytest

from conftest import DATA
from garcon.activity import find_workflow_activities
from garcon_sim import load_history
from tests.conftest import seed_example_source

ROOT = DATA.parents[1]
SUITES = [path for folder in ("tests", "property_tests") for path in (ROOT / folder).glob("*.py")]


def named_paths(source: str) -> set[Path]:
    """The paths under DATA a module names with constants: `DATA / "a" / "b.json"`, or
    `NAME / "b.json"` where the module set `NAME = DATA / "a"`."""
    tree = ast.parse(source)
    roots = {"DATA": DATA}
    found = set()

    def path_of(node: ast.AST) -> Path | None:
        if isinstance(node, ast.Name):
            return roots.get(node.id)
        if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
                and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str)):
            left = path_of(node.left)
            return None if left is None else left / node.right.value
        return None

    for node in tree.body:  # module-level names for a folder of DATA
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name) and (path := path_of(node.value)) is not None:
            roots[node.targets[0].id] = path
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and (path := path_of(node)) is not None:
            found.add(path)
    return found


def test_every_data_file_a_test_names_is_here():
    named = {path for module in SUITES for path in named_paths(module.read_text())}
    assert DATA / "garcon-histories" / "country_flow-1.json" in named  # the scan finds them
    missing = sorted(str(path.relative_to(DATA)) for path in named if not path.exists())
    assert missing == []


RECORDINGS = sorted((DATA / "swf-histories").glob("*.json"))


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda path: path.stem)
def test_each_recording_of_swf_says_where_it_comes_from_and_its_history_loads(path):
    recorded = json.loads(path.read_text())
    assert "simpleflow" in recorded["source"] and recorded["calls"]
    if "history" in recorded:
        events = load_history(recorded["history"])
        assert [event["eventId"] for event in events] == list(range(1, len(events) + 1))


GARCON_HISTORIES = sorted((DATA / "garcon-histories").glob("*.json"))


@pytest.mark.parametrize("path", GARCON_HISTORIES, ids=lambda path: path.stem)
def test_each_garcon_decided_history_loads_and_its_flow_builds(path):
    recorded = json.loads(path.read_text())
    assert load_history(recorded["events"])
    assert {"input", "execution"} <= recorded.keys()
    spec = importlib.util.spec_from_file_location("garcon_history_flows",
                                                  DATA / "garcon-histories" / "flows.py")
    flows = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flows)
    assert find_workflow_activities(flows.build(recorded["flow"]))


def test_the_seed_document_holds_its_example_flow():
    assert seed_example_source().startswith("from garcon import activity")
