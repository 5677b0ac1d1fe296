import pytest

from garcon.history import (
    CANCELED,
    COMPLETED,
    FAILED,
    TIMED_OUT,
    HistoryError,
    HistoryState,
    read_shard_control,
    shard_control,
)
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


# A history that is not whole or contradicts itself: HistoryError, naming the events.

def contradiction(history):
    with pytest.raises(HistoryError) as info:
        HistoryState.fold(history.events)
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)
    return str(info.value)


def test_two_closes_of_one_attempt_are_refused_naming_both():
    history = History()
    scheduled(history, "a")
    history.fail("a")
    history.add("ActivityTaskCompleted", scheduledEventId=history.scheduled["a"],
                startedEventId=history.scheduled["a"] + 1, result="{}")
    assert contradiction(history) == (
        "events 7 and 8 disagree: both close the attempt of a scheduled at event 5 (failed, "
        "then completed)")


def test_a_close_or_a_start_of_an_attempt_never_scheduled_is_refused():
    history = History()
    scheduled(history, "a")
    history.add("ActivityTaskStarted", scheduledEventId=4)
    assert contradiction(history) == (
        "event 6 starts the activity scheduled at event 4, but that event schedules no "
        "activity")
    del history.events[-1]
    history.add("ActivityTaskFailed", scheduledEventId=99, startedEventId=0)
    assert "closes the activity scheduled at event 99 (failed), but that event schedules no " \
        "activity" in contradiction(history)


@pytest.mark.parametrize(("close", "attributes"), [
    ("ActivityTaskCompleted", {"startedEventId": 0, "result": "{}"}),
    ("ActivityTaskFailed", {"startedEventId": 0}),
    ("ActivityTaskTimedOut", {"startedEventId": 0, "timeoutType": "START_TO_CLOSE"}),
])
def test_a_close_of_an_attempt_never_started_is_refused(close, attributes):
    history = History()
    scheduled(history, "a")
    history.add(close, scheduledEventId=5, **attributes)
    assert "closes the attempt of a scheduled at event 5" in contradiction(history)
    assert "never started" in contradiction(history)


def test_a_close_that_names_another_start_or_a_second_start_is_refused():
    history = History()
    scheduled(history, "a", "b")
    history.start("a")
    history.start("b")
    history.add("ActivityTaskCompleted", scheduledEventId=5, startedEventId=8)
    assert contradiction(history) == (
        "event 9 closes the attempt of a scheduled at event 5 (completed) as started at "
        "event 8, but event 7 started it")
    del history.events[-1]
    history.start("a")
    assert contradiction(history) == (
        "events 7 and 9 disagree: the attempt of a scheduled at event 5 is started at 9 after "
        "it was started")


def test_a_schedule_before_the_timeout_of_a_task_never_taken_is_checked_both_ways():
    history = History()
    scheduled(history, "a")
    history.start("a")
    history.add("ActivityTaskTimedOut", scheduledEventId=5, startedEventId=6,
                timeoutType="SCHEDULE_TO_START")
    assert contradiction(history) == (
        "events 6 and 7 disagree: the attempt of a scheduled at event 5 started at event 6, "
        "yet it timed out (SCHEDULE_TO_START) as if it had not")


def test_an_activity_scheduled_again_while_open_is_refused():
    history = History()
    scheduled(history, "a")
    scheduled(history, "a")
    assert contradiction(history) == (
        "events 5 and 9 disagree: both schedule a, and the first attempt is still open")


@pytest.mark.parametrize(("change", "message"), [
    (lambda events: events.insert(3, dict(events[2])),
     "event 3 comes after event 3: the events are out of order or repeated"),
    (lambda events: events.__delitem__(2), "event 4 follows event 2: event 3 is missing"),
    (lambda events: events.__setitem__(slice(1, 3), events[2:0:-1]),
     "event 3 follows event 1: event 2 is missing"),
    (lambda events: events.__delitem__(slice(0, 4)),
     "the history begins at event 5, not at event 1: it is one page of several, or cut; "
     "the decider needs the whole history"),
])
def test_event_ids_out_of_order_repeated_missing_or_cut_are_refused(change, message):
    history = History()
    scheduled(history, "a")
    change(history.events)
    assert contradiction(history) == message


def test_decision_tasks_and_timers_that_are_not_open_are_refused():
    history = History()
    history.add("DecisionTaskStarted", scheduledEventId=1)
    assert contradiction(history) == (
        "event 2 starts decision task 1, which is not a decision task waiting to start")
    history = History()
    history.decision_task()
    history.add("DecisionTaskCompleted", scheduledEventId=2, startedEventId=2)
    assert contradiction(history) == (
        "event 4 closes decision task 2 started at event 2, which is not a decision task "
        "open so")
    history = History()
    history.add("TimerFired", timerId="t", startedEventId=1)
    assert contradiction(history) == (
        "event 2 ends timer 't' started at event 1, but no such timer runs")


def test_events_after_the_close_or_a_second_start_are_refused():
    history = History()
    history.add("WorkflowExecutionTerminated", childPolicy="TERMINATE")
    history.add("DecisionTaskScheduled", taskList={"name": "flow"})
    assert contradiction(history) == "event 3 follows the close of the workflow at event 2"
    history = History()
    history.add("WorkflowExecutionStarted", childPolicy="TERMINATE")
    assert contradiction(history) == ("event 2 starts the workflow again: it started at "
                                      "event 1")


@pytest.mark.parametrize(("corrupt", "message"), [
    (lambda event: event.pop("activityTaskCompletedEventAttributes"),
     "event 7 ('ActivityTaskCompleted') has no activityTaskCompletedEventAttributes"),
    (lambda event: event.update(activityTaskCompletedEventAttributes=[1]),
     "event 7 ('ActivityTaskCompleted') is malformed: list indices must be integers or "
     "slices, not str"),
    (lambda event: event["activityTaskCompletedEventAttributes"].update(result=5),
     "event 7 has a result that is an integer, not a string"),
    (lambda event: event.update(eventType=["ActivityTaskCompleted"]),
     "event 7 (['ActivityTaskCompleted']) is malformed: unhashable type: 'list'"),
])
def test_events_of_the_wrong_shape_are_refused_not_crashed_on(corrupt, message):
    history = History()
    scheduled(history, "a")
    history.complete("a")
    corrupt(history.events[-1])
    assert contradiction(history) == message


# Payloads are data: read with a bound.

DEEP = "[" * 1_000 + "]" * 1_000
"""2,000 characters nested 1,000 deep: SWF takes it (under 32,768), json.loads cannot."""


def test_a_result_too_deep_to_read_is_a_failed_attempt_with_the_reason():
    history = History()
    scheduled(history, "a")
    history.complete("a")
    history.events[-1]["activityTaskCompletedEventAttributes"]["result"] = DEEP
    attempt = HistoryState.fold(history.events).instances["a"].last
    assert (attempt.outcome, attempt.reason) == (
        FAILED, "its result cannot be read: it is JSON nested more than 100 levels deep")


def test_a_workflow_input_too_deep_to_read_is_an_input_error():
    history = History()
    history.events[0]["workflowExecutionStartedEventAttributes"]["input"] = DEEP
    assert HistoryState.fold(history.events).input_error == (
        "the workflow input cannot be read: it is JSON nested more than 100 levels deep")


def test_a_view_of_some_events_may_skip_ids_where_a_whole_history_may_not():
    """garcon's views take a history without its DecisionTask* events (its get_history)."""
    history = History()
    scheduled(history, "a")
    history.complete("a", {"r": 1})
    some = [e for e in history.events if not e["eventType"].startswith("Decision")]
    assert HistoryState.fold(some, whole=False).instances["a"].completed
    with pytest.raises(HistoryError, match="event 5 follows event 1: events 2 to 4 are missing"):
        HistoryState.fold(some)
    with pytest.raises(HistoryError, match="both close the attempt of a"):
        HistoryState.fold([*some, {**some[-1], "eventId": 99}], whole=False)


def test_a_child_control_nested_too_deep_is_no_shard_and_no_crash():
    assert read_shard_control(shard_control("flow_work", 2)) == ("flow_work", 2)
    deep = '{"garcon.shard": ' + "[" * 5_000 + "]" * 5_000 + "}"
    assert read_shard_control(deep) is None
