from __future__ import annotations

import types

import pytest

from conftest import SHARED
from tests.serve_processes import Processes


def seed_example_source() -> str:
    """The example flow of the seed document, exactly as written there."""
    text = (SHARED / "seed-generators.md").read_text()
    start = text.index("from garcon import activity")
    end = text.index("Note:\nGenerators attribute")
    return text[start:end]


@pytest.fixture
def seed_flow() -> types.ModuleType:
    """The seed document's example, run as a module of its own."""
    module = types.ModuleType("seed_country_flow")
    exec(compile(seed_example_source(), "seed-generators.md", "exec"), module.__dict__)
    return module


@pytest.fixture
def processes(tmp_path) -> Processes:
    """The processes a test starts (servers, workers), killed when it ends."""
    started = Processes(tmp_path)
    yield started
    started.close()
