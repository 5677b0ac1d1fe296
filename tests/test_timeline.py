"""The timeline page: what it extracts from a history, and a page that is safe, small and stable."""
from __future__ import annotations

import copy
import itertools
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from garcon import activity
from garcon_sim import faults, load_history
from garcon_sim.events import make_event
from garcon_sim.harness import run_flow
from garcon_sim.timeline import (
    Span,
    Timeline,
    build_timeline,
    instance_label,
    render_timeline,
    short_label,
    write_timeline,
)
from tests.flows import fan_out
from tests.histories import fan_out_to_the_limit

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
HOSTILE = "</script><script>alert(1)</script>"


def has_history(path: Path) -> bool:
    document = json.loads(path.read_text())
    return "events" in document or "events" in document.get("history", {})


RECORDED = [path for folder in ("swf-histories", "garcon-histories")
            for path in sorted((DATA / folder).glob("*.json")) if has_history(path)]
"""Every recorded history (some recordings hold API calls only)."""


def history(*rows: tuple[float, str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Events from (seconds after START, event type, attributes), numbered from 1."""
    return [make_event(number, START + timedelta(seconds=seconds), kind, attributes)
            for number, (seconds, kind, attributes) in enumerate(rows, start=1)]


FETCH = {"name": "orders_fetch", "version": "1"}

# Hand-written, in SWF's order: an attempt that fails and one that times out on heartbeats, a
# queued activity canceled before it started, a schedule refused, a decision task timed out
# while a timer fired, a marker, a signal, a refused cancel, a child still running when an
# operator terminates the run.
HAND_WRITTEN = history(
    (0, "WorkflowExecutionStarted", {"workflowType": {"name": "orders", "version": "2"},
                                     "input": '{"day": 1}', "childPolicy": "TERMINATE"}),
    (0, "DecisionTaskScheduled", {}),
    (0.5, "DecisionTaskStarted", {"scheduledEventId": 2, "identity": "decider-1"}),
    (0.75, "DecisionTaskCompleted", {"scheduledEventId": 2, "startedEventId": 3}),
    (0.75, "ActivityTaskScheduled", {"activityId": "orders_fetch-1", "activityType": FETCH,
                                     "input": '{"n": 1}', "decisionTaskCompletedEventId": 4}),
    (0.75, "ActivityTaskScheduled", {"activityId": "orders_fetch-2", "activityType": FETCH,
                                     "input": '{"n": 2}', "decisionTaskCompletedEventId": 4}),
    (0.75, "TimerStarted", {"timerId": "wake", "startToFireTimeout": "60",
                            "decisionTaskCompletedEventId": 4}),
    (0.75, "MarkerRecorded", {"markerName": "checkpoint", "details": "step 1",
                              "decisionTaskCompletedEventId": 4}),
    (1, "ActivityTaskStarted", {"scheduledEventId": 5, "identity": "worker-a"}),
    (3, "ActivityTaskFailed", {"scheduledEventId": 5, "startedEventId": 9, "reason": "boom",
                               "details": "Traceback: ..."}),
    (3, "DecisionTaskScheduled", {}),
    (3.25, "DecisionTaskStarted", {"scheduledEventId": 11, "identity": "decider-1"}),
    (60.75, "TimerFired", {"timerId": "wake", "startedEventId": 7}),
    (60.75, "DecisionTaskScheduled", {}),
    (303.25, "DecisionTaskTimedOut", {"timeoutType": "START_TO_CLOSE", "scheduledEventId": 11,
                                      "startedEventId": 12}),
    (303.5, "DecisionTaskStarted", {"scheduledEventId": 14, "identity": "decider-2"}),
    (303.75, "DecisionTaskCompleted", {"scheduledEventId": 14, "startedEventId": 16}),
    (303.75, "ActivityTaskScheduled", {"activityId": "orders_fetch-1", "activityType": FETCH,
                                       "input": '{"n": 1}', "decisionTaskCompletedEventId": 17}),
    (303.75, "ScheduleActivityTaskFailed", {"activityId": "orders_fetch-3", "activityType": FETCH,
                                            "cause": "OPEN_ACTIVITIES_LIMIT_EXCEEDED",
                                            "decisionTaskCompletedEventId": 17}),
    (303.75, "StartChildWorkflowExecutionInitiated", {
        "workflowId": "child-1", "workflowType": {"name": "child", "version": "1"},
        "decisionTaskCompletedEventId": 17}),
    (303.75, "ActivityTaskCancelRequested", {"activityId": "orders_fetch-2",
                                             "decisionTaskCompletedEventId": 17}),
    (303.75, "ActivityTaskCanceled", {"scheduledEventId": 6, "startedEventId": 0,
                                      "latestCancelRequestedEventId": 21}),
    (303.75, "DecisionTaskScheduled", {}),
    (304, "ChildWorkflowExecutionStarted", {
        "initiatedEventId": 20, "workflowType": {"name": "child", "version": "1"},
        "workflowExecution": {"workflowId": "child-1", "runId": "run-c"}}),
    (304, "WorkflowExecutionSignaled", {"signalName": "poke", "input": "hello"}),
    (304.25, "DecisionTaskStarted", {"scheduledEventId": 23, "identity": "decider-1"}),
    (304.5, "ActivityTaskStarted", {"scheduledEventId": 18, "identity": "worker-b"}),
    (304.5, "DecisionTaskCompleted", {"scheduledEventId": 23, "startedEventId": 26}),
    (304.5, "CancelTimerFailed", {"timerId": "wake", "cause": "TIMER_ID_UNKNOWN",
                                  "decisionTaskCompletedEventId": 28}),
    (304.5, "DecisionTaskScheduled", {}),
    (304.75, "DecisionTaskStarted", {"scheduledEventId": 30, "identity": "decider-2"}),
    (305, "DecisionTaskCompleted", {"scheduledEventId": 30, "startedEventId": 31}),
    (364.5, "ActivityTaskTimedOut", {"timeoutType": "HEARTBEAT", "scheduledEventId": 18,
                                     "startedEventId": 27, "details": "50%"}),
    (364.5, "DecisionTaskScheduled", {}),
    (400, "WorkflowExecutionTerminated", {"cause": "OPERATOR_INITIATED", "reason": "stuck",
                                          "childPolicy": "TERMINATE"}),
)


def bars(spans: list[Span]) -> list[tuple[Any, ...]]:
    """(begin, started, end, outcome, event ids, note) of each span."""
    return [(s.begin, s.started, s.end, s.outcome, s.event_ids, s.note) for s in spans]


def rows_of(timeline: Timeline) -> dict[str, list[Span]]:
    return {row.key: row.spans for group in timeline.groups for row in group.rows}


def page_data(page: str) -> dict[str, Any]:
    """The JSON block the page draws from, read back as the browser's JSON.parse would."""
    [block] = re.findall(r'<script type="application/json" id="data">(.*?)</script>', page,
                         re.DOTALL)
    return json.loads(block)


# -- what is extracted ---------------------------------------------------------------------------

def test_the_run_its_close_and_its_decision_tasks() -> None:
    timeline = build_timeline(HAND_WRITTEN)
    assert (timeline.workflow_name, timeline.workflow_version) == ("orders", "2")
    assert timeline.origin == int(START.timestamp() * 1000)
    assert (timeline.status, timeline.reason) == ("TERMINATED", "OPERATOR_INITIATED: stuck")
    assert (timeline.end, timeline.event_count) == (400_000, 35)
    assert bars([timeline.run]) == [(0, 0, 400_000, "terminated", [1, 35], "")]
    assert timeline.run.details == ""
    assert bars(timeline.decisions) == [
        (0, 500, 750, "completed", [2, 3, 4], ""),
        (3000, 3250, 303_250, "timed out", [11, 12, 15], "START_TO_CLOSE"),
        (60_750, 303_500, 303_750, "completed", [14, 16, 17], ""),
        (303_750, 304_250, 304_500, "completed", [23, 26, 28], ""),
        (304_500, 304_750, 305_000, "completed", [30, 31, 32], ""),
        (364_500, None, None, "open", [34], ""),
    ]
    assert [d.worker for d in timeline.decisions[:3]] == ["decider-1", "decider-1", "decider-2"]


def test_attempts_with_their_outcomes_and_queued_and_running_times() -> None:
    timeline = build_timeline(HAND_WRITTEN)
    assert [(g.name, g.kind, [r.key for r in g.rows]) for g in timeline.groups] == [
        ("orders_fetch", "activity", ["orders_fetch-1", "orders_fetch-2", "orders_fetch-3"]),
        ("timers", "timer", ["wake"]),
        ("child workflows", "child", ["child-1"]),
    ]
    rows = rows_of(timeline)
    failed, timed_out = rows["orders_fetch-1"]
    assert bars([failed, timed_out]) == [
        (750, 1000, 3000, "failed", [5, 9, 10], ""),
        (303_750, 304_500, 364_500, "timed out", [18, 27, 33], "HEARTBEAT"),
    ]
    assert (failed.queued, failed.running, failed.worker) == (250, 2000, "worker-a")
    assert (failed.reason, failed.details) == ("boom", "Traceback: ...")
    assert (timed_out.queued, timed_out.running, timed_out.details) == (750, 60_000, "50%")
    [canceled] = rows["orders_fetch-2"]
    assert bars([canceled]) == [(750, None, 303_750, "canceled", [6, 22], "")]
    assert (canceled.queued, canceled.running) == (303_000, None)
    assert bars(rows["orders_fetch-3"]) == [
        (303_750, None, 303_750, "schedule failed", [19], "OPEN_ACTIVITIES_LIMIT_EXCEEDED")]
    assert timeline.groups[0].rows[0].info == '{"n": 1}'


def test_timers_children_and_marks() -> None:
    timeline = build_timeline(HAND_WRITTEN)
    rows = rows_of(timeline)
    assert bars(rows["wake"]) == [(750, 750, 60_750, "fired", [7, 13], "fires after 60 s")]
    assert bars(rows["child-1"]) == [(303_750, 304_000, None, "open", [20, 24], "run run-c")]
    assert timeline.groups[2].rows[0].info == "child 1"
    assert [(m.at, m.kind, m.label, m.detail, m.event_id) for m in timeline.marks] == [
        (750, "marker", "checkpoint", "step 1", 8),
        (303_750, "cancel request", "activity orders_fetch-2", "", 21),
        (304_000, "signal", "poke", "hello", 25),
        (304_500, "refused decision", "CancelTimerFailed: TIMER_ID_UNKNOWN",
         '{"timerId": "wake"}', 29),
    ]


def test_events_that_point_at_nothing_become_marks() -> None:
    events = history(
        (0, "ActivityTaskCompleted", {"scheduledEventId": 7, "startedEventId": 8}),
        (1, "LambdaFunctionScheduled", {"id": "f", "name": "f"}),
    )
    timeline = build_timeline(events)
    assert timeline.groups == [] and timeline.status == "OPEN"
    assert [(m.kind, m.label) for m in timeline.marks] == [
        ("other", "ActivityTaskCompleted"), ("other", "LambdaFunctionScheduled")]


def test_long_payloads_are_cut_and_say_so() -> None:
    events = copy.deepcopy(HAND_WRITTEN)
    events[9]["activityTaskFailedEventAttributes"]["details"] = "x" * 5000
    failed = rows_of(build_timeline(events))["orders_fetch-1"][0]
    assert failed.details == "x" * 200 + "… (4,800 more characters)"


@pytest.mark.parametrize(("key", "prefix", "label"), [
    ("flow_setup-1", "flow_setup", "flow_setup-1"),
    ("flow_work-e47ec7a3bca6174cbc998506b71020cac9c380e3", "flow_work",
     "…-e47ec7a3bca6174c…ac9c380e3"),
    ("a-very-long-activity-id-without-its-type-name-42", "other", "a-very-long-activi…e-name-42"),
])
def test_long_row_labels_keep_both_ends(key: str, prefix: str, label: str) -> None:
    assert short_label(key, prefix) == label
    assert len(label) <= 28


def labels(timeline: Timeline) -> dict[str, dict[str, str]]:
    return {group.name: {row.key: row.label for row in group.rows} for group in timeline.groups}


def test_instances_are_labelled_by_their_generator_values_and_the_page_keeps_the_ids() -> None:
    run = run_flow(fan_out(3))
    shown = labels(build_timeline(run.events))
    assert shown["flow_work"] == {run.instances("work", {"generator.n": n})[0]: f"n={n}"
                                  for n in range(3)}
    assert shown["flow_setup"] == {"flow_setup-1": "flow_setup-1"}
    data = page_data(render_timeline(run.events))
    [work] = [rows for name, _, rows in data["groups"] if name == "flow_work"]
    assert [(data["s"][key], data["s"][label]) for key, label, _, _ in work] == [
        *shown["flow_work"].items()]


def test_two_generators_label_by_both_and_custom_decider_ids_stay() -> None:
    days = labels(build_timeline(load_history(
        DATA / "garcon-histories" / "days_by_countries-2.json")))["days_by_countries_fetch"]
    assert len(set(days.values())) == 12
    assert "country=jp day=2026-01-02" in days.values()
    shop = labels(build_timeline(load_history(DATA / "garcon-histories" / "coffee_shop-3.json")))
    assert shop["coffee_shop_pay"] == {"coffee_shop_pay-1-pay": "coffee_shop_pay-1-pay"}


def test_a_label_needs_the_id_to_prove_it() -> None:
    [activity_id] = activity.instance_ids("f_a", [{"day": 3, "country": "fr"}])
    whole_context = {"day": 3, "country": "fr", "input": 1, "execution.run_id": "r"}
    assert instance_label(activity_id, "f_a", whole_context) is None
    assert instance_label(activity_id, "f_a", whole_context, varying=["day", "country"]) == (
        "country=fr day=3")
    assert instance_label(f"{activity_id}-schedule", "f_a", {"day": 3, "country": "fr"}) == (
        "country=fr day=3")
    assert instance_label("f_a-elsewhere", "f_a", {"day": 3, "country": "fr"}) is None


def test_a_simulated_run_with_a_failure_and_a_timeout() -> None:
    run = run_flow(fan_out(3, retry=2), durations=1, faults=[
        faults.fail("work", match={"generator.n": 1}, times=1),
        faults.timeout("work", match={"generator.n": 2}, kind="SCHEDULE_TO_START", times=1)])
    timeline = build_timeline(run.events)
    rows = rows_of(timeline)
    assert [g.name for g in timeline.groups] == ["flow_setup", "flow_work", "flow_report"]
    assert {key: [s.outcome for s in rows[key]] for key in run.instances("work")} == \
        run.outcomes("work")
    [failing] = run.instances("work", {"generator.n": 1})
    failed = rows[failing][0]
    assert (failed.reason, failed.running) == ("injected failure", 1000)
    [waiting] = run.instances("work", {"generator.n": 2})
    timed_out = rows[waiting][0]
    scheduled = run.events[timed_out.event_ids[0] - 1]["activityTaskScheduledEventAttributes"]
    assert (timed_out.note, timed_out.started, timed_out.running) == (
        "SCHEDULE_TO_START", None, None)
    assert timed_out.queued == int(scheduled["scheduleToStartTimeout"]) * 1000
    assert len(timeline.decisions) == sum(
        e["eventType"] == "DecisionTaskCompleted" for e in run.events)
    assert {d.outcome for d in timeline.decisions} == {"completed"}
    assert timeline.status == run.status == "COMPLETED"


def test_the_seed_flows_countries_run_side_by_side(seed_flow):
    """A fleet of workers takes the five countries at once: their first attempts start at one
    instant and overlap; with one worker they follow one another."""
    def first_attempts(run):
        timeline = build_timeline(run.events)
        [countries] = [g for g in timeline.groups if g.name == "country_flow_activity_2"]
        return [row.spans[0] for row in countries.rows]

    side_by_side = first_attempts(run_flow(seed_flow))
    assert len(side_by_side) == 5 and len({span.started for span in side_by_side}) == 1
    assert min(span.started + span.running for span in side_by_side) > side_by_side[0].started
    queue = first_attempts(run_flow(seed_flow, workers=1))
    assert all(earlier.started + earlier.running <= later.started
               for earlier, later in itertools.pairwise(queue))


# -- the page ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", RECORDED, ids=lambda path: path.name)
def test_every_recorded_history_renders(path: Path) -> None:
    events = load_history(path)
    data = page_data(render_timeline(events))
    assert data["events"] == len(events)
    assert data["status"] == build_timeline(events).status != "OPEN"


def test_recorded_timers_and_child_workflow() -> None:
    timers = rows_of(build_timeline(load_history(DATA / "swf-histories" /
                                                 "timer_and_cancel.json")))
    assert [(s.begin, s.end, s.outcome) for s in timers["timer 1"]] == [(753, 2754, "fired")]
    assert [s.outcome for s in timers["timer 2"]] == ["canceled"]
    assert [s.outcome for s in timers["_simpleflow_wake_up_timer"]] == ["fired"]
    children = rows_of(build_timeline(load_history(DATA / "swf-histories" /
                                                   "child_workflow.json")))
    [[child]] = children.values()
    assert (child.begin, child.started, child.end, child.outcome) == (647, 741, 3758, "completed")


def test_history_strings_cannot_break_out_of_the_page() -> None:
    events = copy.deepcopy(HAND_WRITTEN)
    events[4]["activityTaskScheduledEventAttributes"]["activityId"] = HOSTILE
    events[8]["activityTaskStartedEventAttributes"]["identity"] = "https://evil.example/x.js"
    events[9]["activityTaskFailedEventAttributes"]["reason"] = f'"{HOSTILE}\'&<!--'
    events[24]["workflowExecutionSignaledEventAttributes"]["signalName"] = HOSTILE
    page = render_timeline(events, title=f"{HOSTILE} http://x")
    assert "<script>alert" not in page and "<!--" not in page
    assert page.count("</script>") == 2 and page.count("<script") == 2
    assert not re.search(r"https?://", page)
    assert f"<title>{HOSTILE}" not in page
    data = page_data(page)
    assert HOSTILE in data["s"] and "https://evil.example/x.js" in data["s"]
    assert f'"{HOSTILE}\'&<!--' in data["s"]
    assert data["title"] == f"{HOSTILE} http://x"


def test_the_page_is_self_contained() -> None:
    page = render_timeline(HAND_WRITTEN)
    assert page.startswith("<!DOCTYPE html>")
    for external in ("http://", "https://", " src=", " href=", "url(", "@import", "<link",
                     "@font-face", "fetch(", "XMLHttpRequest"):
        assert external not in page
    assert "<canvas" in page


def test_the_same_events_give_the_same_bytes(tmp_path: Path) -> None:
    first = render_timeline(HAND_WRITTEN)
    assert render_timeline(copy.deepcopy(HAND_WRITTEN)) == first
    path = write_timeline(HAND_WRITTEN, tmp_path / "run.html", title="run")
    assert path == tmp_path / "run.html"
    assert path.read_bytes() == render_timeline(HAND_WRITTEN, title="run").encode()


def test_a_25000_event_history_stays_small() -> None:
    """Its time is benchmarks/bench_timeline.py's."""
    events = load_history(fan_out_to_the_limit())
    assert len(events) == 25_000
    page = render_timeline(events)
    size = len(page.encode())
    assert size < 5_000_000, f"{size:,} bytes"
    data = page_data(page)
    assert data["status"] == "TERMINATED" and data["reason"] == "EVENT_LIMIT_EXCEEDED"
    assert sum(len(group[2]) for group in data["groups"]) > 7_000
