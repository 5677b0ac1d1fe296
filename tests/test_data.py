"""The test data is in the repository: a clone or an sdist runs every test on its own."""
import json

from conftest import DATA
from tests.conftest import seed_example_source


def test_the_recorded_swf_histories_are_here():
    recordings = sorted((DATA / "swf-histories").glob("*.json"))
    assert len(recordings) == 14
    for path in recordings:
        recorded = json.loads(path.read_text())
        assert "simpleflow" in recorded["source"] and recorded["calls"], path.name
    assert sum("history" in json.loads(path.read_text()) for path in recordings) == 11


def test_the_garcon_decided_histories_and_their_flows_are_here():
    histories = sorted((DATA / "garcon-histories").glob("*.json"))
    assert [path.stem for path in histories] == [
        "coffee_shop-3", "country_flow-0", "country_flow-1", "days_by_countries-2"]
    for path in histories:
        assert {"flow", "input", "execution", "events"} <= json.loads(path.read_text()).keys()
    assert (DATA / "garcon-histories" / "flows.py").is_file()


def test_the_seed_document_holds_its_example_flow():
    assert seed_example_source().startswith("from garcon import activity")
