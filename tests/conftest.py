from __future__ import annotations

import types

import pytest

from conftest import DATA


def seed_example_source() -> str:
    """The example flow of the seed document, exactly as written there."""
    text = (DATA / "seed-generators.md").read_text()
    start = text.index("from garcon import activity")
    end = text.index("Note:\nGenerators attribute")
    return text[start:end]


@pytest.fixture
def seed_flow() -> types.ModuleType:
    """The seed document's example, run as a module of its own."""
    module = types.ModuleType("seed_country_flow")
    exec(compile(seed_example_source(), "seed-generators.md", "exec"), module.__dict__)
    return module
