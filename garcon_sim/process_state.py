"""What a run of a flow changes for the whole process while it lasts: the clock every module
sees (freezegun) and Python's `random`. `run_flow` and `replay` hold it one at a time.
"""
from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from freezegun import freeze_time

UNFROZEN = [f"{package}." for package in (
    "hypothesis", "_pytest", "pytest", "pluggy", "xdist", "execnet", "moto", "werkzeug",
    "botocore", "boto3", "s3transfer", "urllib3", "requests", "starlette", "uvicorn", "anyio")]
"""Packages whose modules keep the real clock under freezegun: hypothesis times its own
examples, pytest its tests and its session; the AWS and HTTP clients sign and time real
requests (a task that calls a real service) with it. Freezegun patches no module of these,
which cuts a run's start by a third in a test process (3.9 to 2.5 ms). Freezegun matches names
by their start, hence the dots: a flow module of yours named `pytest_flows` stays frozen. The
flow's own modules, garcon's and the standard library's stay frozen: a call from any of these
within freezegun's five frames would see the real clock."""

_HELD = threading.Lock()


class RunInProgressError(RuntimeError):
    """`run_flow` (or `replay`) called while another is under way in the process."""


@contextmanager
def held() -> Iterator[None]:
    """The process's clock and `random` for one run: RunInProgressError while another holds
    them (a run started from a task of the flow, or from another thread)."""
    if not _HELD.acquire(blocking=False):
        raise RunInProgressError(
            "a run (run_flow or replay) is already in progress in this process: a run freezes the "
            "clock and "
            "seeds `random` for the whole process, so runs cannot nest or overlap (run them "
            "one after the other, or in separate processes)")
    try:
        yield
    finally:
        _HELD.release()


@contextmanager
def frozen_clock(start: datetime) -> Iterator[Any]:
    """The flow's code sees a clock that stands at `start` until the freezer moves it."""
    with freeze_time(start, tick=False, ignore=UNFROZEN) as freezer:
        yield freezer


@contextmanager
def seeded_random(seed: int) -> Iterator[None]:
    """Python's `random` seeded for the flow's code, restored after."""
    saved = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(saved)
