"""The decider's pause of the cyclic garbage collector: safe across threads, and worth it
only because a decision leaves no reference cycles behind."""
import gc
import threading

from garcon.collector import cyclic_gc_paused
from garcon.decider import decide
from garcon_sim import run_flow
from tests.flows import fan_out
from tests.histories import EXECUTION


def test_overlapping_pauses_resume_the_collector_when_the_last_one_ends():
    assert gc.isenabled()
    first_in, second_out = threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        first_in.wait()
        with cyclic_gc_paused():
            seen.append(gc.isenabled())
        second_out.set()

    thread = threading.Thread(target=second)
    thread.start()
    with cyclic_gc_paused():
        first_in.set()
        second_out.wait()
        seen.append(gc.isenabled())  # the second pause ended, this one has not
    thread.join()
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_collector_the_process_turned_off_stays_off():
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_decision_frees_its_fold_and_pass_without_the_cyclic_collector():
    flow = fan_out(50)
    events = run_flow(flow, input={}).events
    middle = [e["eventId"] for e in events if e["eventType"] == "DecisionTaskStarted"][1]
    history = events[:middle]
    assert len(decide(flow, history, EXECUTION)) == 50  # and the imports and caches warm
    gc.collect()
    gc.disable()
    try:
        decide(flow, history, EXECUTION)
        assert gc.collect() == 0
    finally:
        gc.enable()
