"""One loader for every history shape, and a writer whose output is stable to the byte."""
from __future__ import annotations

import gzip
import io
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from garcon_sim import HistoryFormatError, dump_history, history_io, load_history

RECORDED = DATA / "swf-histories" / "chain_send_result.json"
GARCON = DATA / "garcon-histories" / "country_flow-0.json"


def recorded_events() -> list[dict[str, Any]]:
    return json.loads(RECORDED.read_text())["history"]["events"]


def test_a_recorded_file_by_path() -> None:
    for source in (RECORDED, str(RECORDED)):
        events = load_history(source)
        assert [e["eventId"] for e in events] == list(range(1, 18))
        assert events[0]["eventTimestamp"] == datetime(2017, 3, 25, 12, 33, 45, 378000,
                                                       tzinfo=timezone.utc)
        assert events[-1]["eventType"] == "WorkflowExecutionCompleted"


def test_a_file_with_events_beside_other_keys() -> None:
    events = load_history(GARCON)
    assert len(events) == len(json.loads(GARCON.read_text())["events"])


@pytest.mark.parametrize("make", [
    lambda events: {"events": events},
    lambda events: events,
    lambda events: json.dumps({"events": events}),
    lambda events: json.dumps(events).encode(),
    lambda events: gzip.compress(json.dumps({"events": events}).encode()),
    lambda events: json.dumps({"events": events[9:]}) + "\n" + json.dumps({"events": events[:9]}),
])
def test_every_accepted_shape_gives_the_same_events(make: Any) -> None:
    assert load_history(make(recorded_events())) == load_history(RECORDED)


def test_gzip_files_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packed = tmp_path / "history.json.gz"
    packed.write_bytes(gzip.compress(RECORDED.read_bytes()))
    assert load_history(packed) == load_history(RECORDED)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RECORDED.read_bytes())))
    assert load_history("-") == load_history(RECORDED)


def test_iso_timestamps_and_datetimes_are_read_as_utc() -> None:
    events = recorded_events()[:2]
    events[0]["eventTimestamp"] = "2017-03-25T13:33:45.378+01:00"
    events[1]["eventTimestamp"] = datetime(2017, 3, 25, 12, 33, 45, 378000)
    loaded = load_history(events)
    assert {e["eventTimestamp"] for e in loaded} == {
        datetime(2017, 3, 25, 12, 33, 45, 378000, tzinfo=timezone.utc)}


def test_dump_writes_the_aws_cli_shape_byte_for_byte() -> None:
    events = load_history(RECORDED)
    text = dump_history(events)
    assert json.loads(text)["events"][0]["eventTimestamp"] == 1490445225.378
    assert text == dump_history(load_history(text))
    reordered = [dict(reversed(list(event.items()))) for event in events]
    assert dump_history(reordered) == text
    assert load_history(text) == events


@pytest.mark.parametrize(("source", "message"), [
    ("missing.json", "missing.json: no such file"),
    ('{"events": [}', "<text>: invalid JSON at line 1 column 13"),
    (b'{"events": []}\n{"events": [1,', "<bytes>: invalid JSON at line 2 column 15"),
    ({"calls": []}, "not a history because it has no 'events' list (keys: calls)"),
    ({"events": {}}, "'events' is a dict, not a list"),
    ([{"eventId": 1, "eventType": "X"}], "event #1 has no eventTimestamp"),
    ([{"eventId": 1, "eventType": "X", "eventTimestamp": 0},
      {"eventId": 3, "eventType": "X", "eventTimestamp": 0}],
     "eventIds not contiguous: eventId 2 is missing (found 3)"),
    ([{"eventId": 1, "eventType": "X", "eventTimestamp": 0}] * 2,
     "eventIds not contiguous: eventId 1 appears twice"),
    ([{"eventId": 1, "eventType": "X", "eventTimestamp": "yesterday"}],
     "unreadable eventTimestamp 'yesterday'"),
    (b"\x1f\x8bnot gzip", "<bytes>: not a valid gzip file"),
    (b"   ", "<bytes>: empty input"),
    ([], "it has no events"),
    (42, "cannot read a history from a int"),
])
def test_bad_input_gets_one_line_naming_the_problem(source: Any, message: str) -> None:
    with pytest.raises(HistoryFormatError) as info:
        load_history(source)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def event(event_type: str = "X", **fields: Any) -> dict[str, Any]:
    return {"eventId": 1, "eventType": event_type, "eventTimestamp": 0, **fields}


STARTED = {"childPolicy": "TERMINATE", "taskList": {"name": "t"},
           "workflowType": {"name": "w", "version": "1"}}


@pytest.mark.parametrize(("source", "message"), [
    ([event(eventTimestamp=float("nan"))],
     "<object>: event 1 has an eventTimestamp of nan seconds, not a time from 1970 to 2999"),
    ([event(eventTimestamp=1e20)], "eventTimestamp of 1e+20 seconds, not a time from 1970"),
    ([event(eventTimestamp=-1)], "eventTimestamp of -1 seconds"),
    ([event(eventTimestamp="0001-01-01T00:00:00Z")],
     "eventTimestamp of 0001-01-01T00:00:00+00:00, not a time from 1970 to 2999"),
    ([event(eventTimestamp=[1])], "has an eventTimestamp of type list"),
    ([event(eventType=7)], "<object>: event 1 (7): eventType is an integer, not a string"),
    ([event("WorkflowExecutionStarted", workflowExecutionStartedEventAttributes=[1])],
     "event 1 ('WorkflowExecutionStarted'): workflowExecutionStartedEventAttributes is a "
     "list, not an object"),
    ([event("WorkflowExecutionStarted")],
     "event 1 ('WorkflowExecutionStarted'): workflowExecutionStartedEventAttributes is "
     "missing"),
    ([event("WorkflowExecutionStarted", workflowExecutionStartedEventAttributes={
        **STARTED, "taskList": {"name": ["t"]}})],
     "workflowExecutionStartedEventAttributes.taskList.name is a list, not a string"),
    ([event("ActivityTaskCompleted", activityTaskCompletedEventAttributes={
        "startedEventId": 3})],
     "activityTaskCompletedEventAttributes.scheduledEventId is missing"),
    ([event("WorkflowExecutionStarted", workflowExecutionStartedEventAttributes={
        **STARTED, "input": "caf\udce9"})],
     "workflowExecutionStartedEventAttributes.input holds a lone surrogate (U+DCE9 at "
     "character 4), which is not Unicode text"),
    ('{"events": [{"eventId": 1, "eventType": "X\\ud800", "eventTimestamp": 0}]}',
     "<text>: event 1 ('X\\ud800'): eventType holds a lone surrogate (U+D800 at character 2)"),
    ([event(extra=json.loads("[" * 20 + "]" * 20))],
     "event 1 ('X'): extra.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 nests deeper than 16 levels"),
    ("[" * 5_000 + "]" * 5_000, "<text>: the JSON from line 1 on nests too deep to be a history"),
    ([event()] * 50_001, "<object>: 50,001 events, more than one SWF history holds (it ends "
                         "an execution at 25,000): not read"),
])
def test_malformed_events_get_one_line_saying_what_and_where(source: Any, message: str) -> None:
    with pytest.raises(HistoryFormatError) as info:
        load_history(source)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_members_and_event_types_are_kept_for_a_newer_swf() -> None:
    events = load_history([event("SomethingNew", somethingNewEventAttributes={"x": [1, {}]},
                                 extra={"deep": {"but": ["not", "too", "deep"]}})])
    assert events[0]["somethingNewEventAttributes"] == {"x": [1, {}]}


def test_reads_stop_at_the_size_cap_even_inside_a_gzip(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_io, "MAX_BYTES", 1_000)
    text = json.dumps({"events": recorded_events()})
    for source, label in ((text.encode(), "<bytes>"),
                          (gzip.compress(text.encode()), "<bytes> (decompressed)"),
                          (gzip.compress(b" " * 10_000), "<bytes> (decompressed)")):
        with pytest.raises(HistoryFormatError, match=f"^{re.escape(label)}: more than 0 MB of "
                           "JSON, ten times a full 25,000-event SWF history of small "
                           "payloads: not read$"):
            load_history(source)
