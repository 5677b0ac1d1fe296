"""The decider's memory: the decider worker keeps, per execution, the fold of its history and
its activities' expansions between decision tasks (`garcon.expansion`); `decide` promises the
same decisions with or without them."""
from __future__ import annotations

from hypothesis import given

from garcon.decider import decide, decide_with_report
from garcon.expansion import Expansions
from garcon.history import HistoryState
from garcon.limits import SWFLimits
from garcon_sim.strategies import histories

from .scenarios import FEWER, SMALL_LIMITS


@FEWER
@given(histories(limits=SMALL_LIMITS))
def test_remembered_expansions_change_no_decision(run):
    """At every decision task of a simulated history, deciding on the history folded event by
    event with remembered expansions, as the worker does, gives the decisions that a fresh
    fold and fresh expansions give."""
    limits = run.limits or SWFLimits()
    execution = {"domain": run.flow.domain, "workflowId": run.workflow_id,
                 "runId": run.run_id}
    state, memory = HistoryState(), Expansions()
    for position, event in enumerate(run.events):
        state.apply(event)
        if event["eventType"] != "DecisionTaskStarted":
            continue
        remembered = decide_with_report(run.flow, state, execution, limits=limits,
                                        expansions=memory).decisions
        fresh = decide(run.flow, run.events[:position + 1], execution, limits=limits)
        assert remembered == fresh, f"at event {event['eventId']}"
