from garcon.history import CANCELED, COMPLETED, FAILED, TIMED_OUT, HistoryState
from tests.histories import History


def scheduled(history, *activity_ids):
    history.decision_task()
    history.respond([{"decisionType": "ScheduleActivityTask",
                      "scheduleActivityTaskDecisionAttributes": {
                          "activityId": activity_id, "activityType": {"name": "t",
                                                                      "version": "1"},
                          "taskList": {"name": "t"}}} for activity_id in activity_ids])


def test_context_is_the_input_then_results_in_event_order():
    history = History({"a": 1, "b": 1})
    scheduled(history, "x", "y", "z")
    history.complete("y", {"b": 2, "c": 2})
    history.complete("x", {"c": 3})
    history.complete("z")
    state = HistoryState.fold(history.events)
    assert state.input == {"a": 1, "b": 1}
    assert state.context == {"a": 1, "b": 2, "c": 3}
    assert state.instances["y"].last.result == {"b": 2, "c": 2}


def test_results_that_are_not_objects_are_kept_but_not_merged():
    history = History()
    scheduled(history, "raw", "list")
    started = history.start("raw")
    history.add("ActivityTaskCompleted", scheduledEventId=history.scheduled["raw"],
                startedEventId=started, result="OK from Java")
    history.complete("list")
    history.events[-1]["activityTaskCompletedEventAttributes"]["result"] = "[1, 2]"
    state = HistoryState.fold(history.events)
    assert state.instances["raw"].last.result == "OK from Java"
    assert state.instances["list"].last.result == [1, 2]
    assert state.context == {}


def test_attempts_record_every_way_an_activity_ends():
    history = History()
    scheduled(history, "a", "b", "c", "d")
    history.fail("a", reason="boom")
    history.time_out("b", "HEARTBEAT")
    history.cancel("c")
    history.complete("d")
    state = HistoryState.fold(history.events)
    outcomes = {key: (state.instances[key].last.outcome, state.instances[key].last.reason)
                for key in "abcd"}
    assert outcomes == {"a": (FAILED, "boom"), "b": (TIMED_OUT, "HEARTBEAT"),
                        "c": (CANCELED, None), "d": (COMPLETED, None)}
    assert [state.instances[key].failures for key in "abcd"] == [1, 1, 1, 0]
    assert state.open_activities == 0


def test_open_activities_and_timers_are_counted():
    history = History()
    scheduled(history, "a", "b", "c")
    history.start("a")
    history.complete("c")
    history.add("TimerStarted", timerId="wait", startToFireTimeout="5")
    state = HistoryState.fold(history.events)
    assert (state.open_activities, state.open_unstarted) == (2, 1)
    assert state.open_by_type() == {"t": 2}
    assert state.open_timers == {"wait": len(history.events)}
    history.add("TimerFired", timerId="wait", startedEventId=len(history.events))
    state = HistoryState.fold(history.events)
    assert state.open_timers == {}
    assert state.last_wakeup_event_id == len(history.events)


def test_refusals_are_recorded_by_cause_without_an_attempt():
    history = History()
    scheduled(history, "a")
    history.refuse("a", "OPEN_ACTIVITIES_LIMIT_EXCEEDED")
    state = HistoryState.fold(history.events)
    instance = state.instances["a"]
    assert instance.attempts == []
    assert [cause for _, cause in instance.refusals] == ["OPEN_ACTIVITIES_LIMIT_EXCEEDED"]
    assert state.open_activities == 0


def test_execution_events_are_folded():
    history = History()
    history.decision_task()
    history.respond([])
    history.add("WorkflowExecutionCancelRequested", externalInitiatedEventId=0)
    state = HistoryState.fold(history.events)
    assert state.cancel_requested and not state.closed
    assert (state.events_used, state.decisions_completed) == (len(history.events), 1)
    assert state.decision_started_event_id == 3
    history.add("WorkflowExecutionTerminated", childPolicy="TERMINATE")
    assert HistoryState.fold(history.events).closed


def test_folding_one_event_at_a_time_equals_folding_all():
    history = History({"k": 1})
    scheduled(history, "a", "b")
    history.fail("a")
    history.complete("b", {"r": 1})
    whole = HistoryState.fold(history.events)
    stepwise = HistoryState()
    for event in history.events:
        stepwise.apply(event)
    assert stepwise.context == whole.context
    assert stepwise.events_used == whole.events_used
    def outcomes(state):
        return {key: [a.outcome for a in value.attempts] for key, value in state.instances.items()}

    assert outcomes(stepwise) == outcomes(whole)
