"""The virtual clock and the order in which due deadlines are applied."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from garcon_sim import Simulator
from garcon_sim.clock import DEFAULT_START, VirtualClock, from_millis, to_millis
from garcon_sim.deadlines import Deadlines

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_a_simulator_starts_at_a_fixed_date_by_default() -> None:
    assert Simulator().clock.now() == DEFAULT_START == START


def test_the_clock_moves_only_forward_in_whole_milliseconds() -> None:
    clock = VirtualClock(START)
    assert clock.advance(seconds=1.2346) == START + timedelta(milliseconds=1235)
    assert clock.advance(milliseconds=5) == START + timedelta(milliseconds=1240)
    assert clock.advance_to(START + timedelta(hours=1)) == START + timedelta(hours=1)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds=-1)
    with pytest.raises(ValueError, match="back"):
        clock.advance_to(START)
    with pytest.raises(ValueError, match="naive"):
        clock.advance_to(datetime(2030, 1, 1))


def test_millisecond_conversions_round_trip() -> None:
    instant = datetime(2017, 6, 13, 16, 33, 7, 73000, tzinfo=timezone.utc)
    assert to_millis(instant) == 1497371587073
    assert from_millis(1497371587073) == instant


def test_due_deadlines_run_in_due_order_ties_by_creation_each_at_its_instant() -> None:
    fired: list[tuple[str, datetime]] = []
    deadlines = Deadlines()
    clock = VirtualClock(START)

    def run_until(target: int) -> None:
        while (deadline := deadlines.pop_due(target)) is not None:
            clock.step_to(deadline.due)
            deadline.action()
        clock.step_to(target)

    clock.drive_with(run_until)
    base = to_millis(START)
    for name, offset in (("c", 30), ("a", 10), ("b", 10), ("never", 20), ("late", 90)):
        deadline = deadlines.add(base + offset, lambda n=name: fired.append((n, clock.now())))
        if name == "never":
            deadline.cancel()
    clock.advance(milliseconds=50)
    assert fired == [("a", START + timedelta(milliseconds=10)),
                     ("b", START + timedelta(milliseconds=10)),
                     ("c", START + timedelta(milliseconds=30))]
    assert clock.now() == START + timedelta(milliseconds=50)
    assert deadlines.next_due() == base + 90


def test_next_deadline_spans_every_execution() -> None:
    sim = Simulator(start_time=START)
    assert sim.next_deadline() is None
    swf = sim.direct_client()
    swf.register_domain(name="d", workflowExecutionRetentionPeriodInDays="1")
    swf.register_workflow_type(domain="d", name="w", version="1", defaultTaskList={"name": "l"},
                               defaultChildPolicy="ABANDON", defaultTaskStartToCloseTimeout="5")
    for workflow_id, timeout in (("long", "100"), ("short", "40")):
        swf.start_workflow_execution(domain="d", workflowId=workflow_id,
                                     executionStartToCloseTimeout=timeout,
                                     workflowType={"name": "w", "version": "1"})
    assert sim.next_deadline() == START + timedelta(seconds=40)
    swf.poll_for_decision_task(domain="d", taskList={"name": "l"})
    assert sim.next_deadline() == START + timedelta(seconds=5)
