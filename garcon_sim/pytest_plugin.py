"""The `swf_sim` pytest fixture, for every project that installs garcon-sim.

    def test_one_country_fails_twice(swf_sim):
        swf_sim.faults.add(faults.fail("activity_2", match={"generator.country_id": 3},
                                       times=2))
        run = swf_sim.run(country_flow, input={})
        assert run.status == "COMPLETED"

`@pytest.mark.swf_sim(seed=..., start_time=..., workers=..., durations=...,
decision_seconds=...)` sets the seed, the start time and the fleet of the runs (see
`garcon_sim.fleet`); `swf_sim.run(flow, workers=...)` sets them for one run. When a test that
used the fixture fails, its report says where each run's history was saved and how to draw
it.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from .faults import FaultError, FaultPlan
from .harness import RunResult, run_flow

FLEET_OPTIONS = ("workers", "durations", "decision_seconds")
MARKER_OPTIONS = ("seed", "start_time", *FLEET_OPTIONS)


class SwfSim:
    """What the fixture hands a test: `faults` for its runs, and `run()`."""

    def __init__(self, seed: int = 0, start_time: datetime | str | None = None,
                 directory: Path | None = None, **fleet: Any):
        self.seed = seed
        self.start_time = (datetime.fromisoformat(start_time) if isinstance(start_time, str)
                           else start_time)
        self.fleet = fleet
        """The marker's `workers`, `durations` and `decision_seconds`, for every run."""
        self.faults = FaultPlan()
        self.runs: list[RunResult] = []
        self.directory = directory

    def run(self, flow: Any, **options: Any) -> RunResult:
        """`garcon_sim.run_flow` with the fixture's seed, start time, fleet and faults (plus
        any given here)."""
        options = {**self.fleet, **options}
        options.setdefault("seed", self.seed)
        if options.get("sim") is None and self.start_time is not None:
            options.setdefault("start_time", self.start_time)
        options["faults"] = [*self.faults, *options.get("faults", ())]
        try:
            result = run_flow(flow, **options)
        except FaultError as error:  # raised as the run ended: its history is saved too
            if error.result is not None:
                self.runs.append(error.result)
            raise
        self.runs.append(result)
        return result

    def save(self) -> list[Path]:
        """Write each run's history as JSON; their paths."""
        if self.directory is None:
            return []
        paths = []
        for number, result in enumerate(self.runs, 1):
            path = self.directory / f"run-{number}-{result.workflow_id}.json"
            path.write_text(result.to_json())
            paths.append(path)
        return paths


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "swf_sim(seed=0, start_time=None, workers=10, durations=uniform(0.5, 1.5), "
        "decision_seconds=0.1): the seed, the start time (a datetime or an ISO string) and "
        "the fleet of the swf_sim fixture's runs")


@pytest.fixture
def swf_sim(request: pytest.FixtureRequest, tmp_path: Path) -> SwfSim:
    """Runs flows in garcon_sim's simulator: `swf_sim.run(flow, ...)`, `swf_sim.faults`."""
    marker = request.node.get_closest_marker("swf_sim")
    options = dict(marker.kwargs) if marker else {}
    unknown = sorted(set(options) - set(MARKER_OPTIONS))
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.swf_sim takes {', '.join(MARKER_OPTIONS)}, not "
                                f"{', '.join(unknown)}")
    return SwfSim(directory=tmp_path, **options)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    fixture = getattr(item, "funcargs", {}).get("swf_sim")
    if report.when == "call" and report.failed and isinstance(fixture, SwfSim):
        lines = []
        for path in fixture.save():
            lines.append(f"history saved to {path}")
            lines.append(f"  draw it: garcon-sim timeline {path} -o {path.with_suffix('.html')}")
        if lines:
            report.sections.append(("swf_sim", "\n".join(lines)))
