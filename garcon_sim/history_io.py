"""Reading and writing SWF histories, whatever shape they come in.

`load_history` accepts what `aws swf get-workflow-execution-history` prints (`{"events": [...]}`),
a bare list of events, several pages concatenated in one file, any dict with an "events" key or
a "history": {"events": [...]} key (recorded files), gzip of any of these, a path, "-" for
stdin, JSON text or bytes, or already-parsed objects. Timestamps may be epoch seconds, ISO 8601
strings or datetimes. Anything else raises `HistoryFormatError` with one line that says what is
wrong and where: JSON that does not parse or nests too deep, events that are not objects,
eventIds that are not 1, 2, 3, ..., a timestamp that is not one (NaN, before 1970, after 2999),
a member of the wrong shape for SWF's model (`event_shapes`). The tools may then trust what
they read. Work is bounded: at most `MAX_BYTES` of JSON are read (a gzip is decompressed no
further) and at most `MAX_EVENTS` events kept. `dump_history` writes the aws-cli shape with
sorted keys and epoch-seconds timestamps, so equal histories give identical text.

A run with child executions (a sharded activity's) is written as its own history with its
children's beside it, under "children": `{"events": [...], "children": [{"workflowExecution":
{"workflowId", "runId"}, "events": [...]}, ...]}`. `load_history` reads the parent's events from
that, as from any history; `load_executions` reads every execution of one or more sources (a
file `garcon-sim run --out` wrote, or one `aws swf get-workflow-execution-history` output per
execution), parent first.
"""
from __future__ import annotations

import gzip
import io
import json
import math
import re
import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from garcon.limits import SWF_LIMITS

from .clock import from_millis, to_millis
from .event_shapes import shape_problem
from .events import Event, attributes

MAX_BYTES = 128 * 2**20
"""The most JSON read from one source, decompressed: ten times a full 25,000-event history of
small payloads (some 13 MB)."""
MAX_EVENTS = 2 * SWF_LIMITS.history_events
"""The most events kept: SWF terminates an execution at 25,000."""
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)
"""Timestamps outside [EARLIEST, LATEST) are not SWF's (it opened in 2012)."""
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
GZIP_MAGIC = b"\x1f\x8b"


class HistoryFormatError(ValueError):
    """The input is not a history this loader understands; the message says why, in one line."""


@dataclass(frozen=True)
class RecordedExecution:
    """One execution's history, as a source holds it."""

    events: list[Event]
    workflow_execution: dict[str, str] | None
    """`{"workflowId", "runId"}` when the source says (a child written by `dump_history`)."""
    label: str
    """Where it comes from, for messages: the file, and the child's ids."""


def load_history(source: Any) -> list[Event]:
    """The events of a history, in eventId order, with aware UTC datetime timestamps."""
    label, documents = _documents(source)
    return _history_of(documents, label)


def load_executions(*sources: Any) -> list[RecordedExecution]:
    """Every execution the sources hold: each source's history, then the children written
    beside it (`dump_history`), in order."""
    found = []
    for source in sources:
        label, documents = _documents(source)
        found.append(RecordedExecution(_history_of(documents, label), None, label))
        for document in documents:
            children = document.get("children", []) if isinstance(document, dict) else []
            if not isinstance(children, list):
                raise HistoryFormatError(f"{label}: 'children' is a "
                                         f"{type(children).__name__}, not a list")
            for index, child in enumerate(children, start=1):
                found.append(_child_of(child, index, label))
    return found


def family(executions: list[RecordedExecution]) -> list[RecordedExecution]:
    """The executions of a run and its children, in order, each with its workflowExecution:
    the source's, else the one its parent's ChildWorkflowExecutionStarted gives (at the event
    the child's WorkflowExecutionStarted names as parentInitiatedEventId). The first is the run
    (its own from a child's parentWorkflowExecution, if no source says); HistoryFormatError for
    any other that none of them started."""
    started = [{attributes(event)["initiatedEventId"]: attributes(event)["workflowExecution"]
                for event in execution.events
                if event["eventType"] == "ChildWorkflowExecutionStarted"}
               for execution in executions]
    known = [execution.workflow_execution for execution in executions]
    for index, execution in enumerate(executions[1:], 1):
        start = attributes(execution.events[0]) if execution.events[0][
            "eventType"] == "WorkflowExecutionStarted" else {}
        parent, initiated = start.get("parentWorkflowExecution"), start.get(
            "parentInitiatedEventId")
        if not isinstance(parent, dict):
            raise HistoryFormatError(f"{execution.label}: not a child of {executions[0].label} "
                                     "(its WorkflowExecutionStarted names no parent)")
        for candidate, children in enumerate(started):
            own = children.get(initiated) if candidate != index else None
            if own is not None and known[candidate] in (None, parent) and known[index] in (
                    None, own):
                known[index] = own
                if known[candidate] is None:
                    known[candidate] = dict(parent)
                break
        else:
            raise HistoryFormatError(
                f"{execution.label}: its parent ({parent.get('workflowId')} "
                f"{parent.get('runId')}) started it at event {initiated}, but none of the "
                "histories given started a child there")
    return [RecordedExecution(execution.events, execution_ids, execution.label)
            for execution, execution_ids in zip(executions, known, strict=True)]


def _child_of(child: Any, index: int, label: str) -> RecordedExecution:
    execution = child.get("workflowExecution") if isinstance(child, dict) else None
    if not (isinstance(execution, dict)
            and all(type(execution.get(key)) is str for key in ("workflowId", "runId"))):
        raise HistoryFormatError(f"{label}: child #{index} has no workflowExecution with a "
                                 "workflowId and a runId")
    where = f"{label} (child {execution['workflowId']} {execution['runId']})"
    return RecordedExecution(_history_of([child], where), {
        "workflowId": execution["workflowId"], "runId": execution["runId"]}, where)


def _history_of(documents: list[Any], label: str) -> list[Event]:
    events: list[Any] = []
    for document in documents:
        events.extend(_events_of(document, label))
    return _checked(events, label)


def dump_history(events: Iterable[Event],
                 children: Iterable[tuple[str, str, Iterable[Event]]] = ()) -> str:
    """The aws-cli shape, `{"events": [...]}`, with epoch-seconds timestamps and sorted keys;
    `children` ((workflowId, runId, events) of each) go beside it, under "children"."""
    document: dict[str, Any] = {"events": _rows(events)}
    beside = [{"workflowExecution": {"workflowId": workflow_id, "runId": run_id},
               "events": _rows(child_events)} for workflow_id, run_id, child_events in children]
    if beside:
        document["children"] = beside
    return json.dumps(document, indent=4, sort_keys=True, ensure_ascii=False) + "\n"


def _rows(events: Iterable[Event]) -> list[dict]:
    return [{**event, "eventTimestamp": _epoch(event["eventTimestamp"])} for event in events]


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return to_millis(value) / 1000
    return float(value)


# -- reading -----------------------------------------------------------------------------------

def _documents(source: Any) -> tuple[str, list[Any]]:
    """(a label for messages, the parsed JSON documents) of any accepted source."""
    if isinstance(source, Path) or (isinstance(source, str) and not _looks_like_json(source)):
        label = str(source)
        if label == "-":
            return "<stdin>", _parse(_read(sys.stdin.buffer, "<stdin>"), "<stdin>")
        try:
            with open(source, "rb") as stream:
                data = _read(stream, label)
        except FileNotFoundError:
            raise HistoryFormatError(f"{label}: no such file") from None
        except OSError as error:
            raise HistoryFormatError(f"{label}: cannot read: {error.strerror}") from None
        return label, _parse(data, label)
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>", _parse(_capped(bytes(source), "<bytes>"), "<bytes>")
    if isinstance(source, str):
        return "<text>", _parse(_capped(source.encode("utf-8", "surrogatepass"), "<text>"),
                                "<text>")
    if isinstance(source, (list, dict)):
        return "<object>", [source]
    raise HistoryFormatError(
        f"cannot read a history from a {type(source).__name__}: give a path, '-', JSON text "
        "or bytes, or parsed events")


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _read(stream: BinaryIO, label: str) -> bytes:
    return _capped(stream.read(MAX_BYTES + 1), label)


def _capped(data: bytes, label: str) -> bytes:
    if len(data) > MAX_BYTES:
        raise HistoryFormatError(
            f"{label}: more than {MAX_BYTES // 2**20} MB of JSON, ten times a full 25,000-event "
            "SWF history of small payloads: not read")
    return data


def _parse(data: bytes, label: str) -> list[Any]:
    if data[:2] == GZIP_MAGIC:
        try:
            data = _capped(gzip.GzipFile(fileobj=io.BytesIO(data)).read(MAX_BYTES + 1),
                           f"{label} (decompressed)")
        except (OSError, EOFError, zlib.error) as error:
            raise HistoryFormatError(f"{label}: not a valid gzip file ({error})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HistoryFormatError(
            f"{label}: not UTF-8 text (byte {error.start} cannot be decoded)") from None
    decoder = json.JSONDecoder()
    documents = []
    position = _JSON_SPACE.match(text).end()
    while position < len(text):
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise HistoryFormatError(f"{label}: invalid JSON at line {error.lineno} column "
                                     f"{error.colno}: {error.msg}") from None
        except RecursionError:
            line = text.count("\n", 0, position) + 1
            raise HistoryFormatError(f"{label}: the JSON from line {line} on nests too deep "
                                     "to be a history") from None
        documents.append(document)
        position = _JSON_SPACE.match(text, position).end()
    if not documents:
        raise HistoryFormatError(f"{label}: empty input, no history in it")
    return documents


def _events_of(document: Any, label: str) -> list[Any]:
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise HistoryFormatError(f"{label}: not a history because it holds a "
                                 f"{type(document).__name__}, not events")
    if "events" in document:
        events = document["events"]
    elif isinstance(document.get("history"), dict) and "events" in document["history"]:
        events = document["history"]["events"]
    else:
        keys = ", ".join(sorted(map(str, document))) or "none"
        raise HistoryFormatError(
            f"{label}: not a history because it has no 'events' list (keys: {keys})")
    if not isinstance(events, list):
        raise HistoryFormatError(f"{label}: not a history because 'events' is a "
                                 f"{type(events).__name__}, not a list")
    return events


def _checked(events: list[Any], label: str) -> list[Event]:
    if len(events) > MAX_EVENTS:
        raise HistoryFormatError(f"{label}: {len(events):,} events, more than one SWF history "
                                 f"holds (it ends an execution at "
                                 f"{SWF_LIMITS.history_events:,}): not read")
    result = []
    for index, event in enumerate(events, start=1):
        if not isinstance(event, dict):
            raise HistoryFormatError(f"{label}: not a history because event #{index} is a "
                                     f"{type(event).__name__}, not an object")
        for key in ("eventId", "eventType", "eventTimestamp"):
            if key not in event:
                raise HistoryFormatError(f"{label}: not a history because event #{index} has "
                                         f"no {key}")
        if type(event["eventId"]) is not int:
            raise HistoryFormatError(f"{label}: event #{index} has a non-integer eventId "
                                     f"{_short(event['eventId'])}")
        problem = shape_problem(event)
        if problem is not None:
            raise HistoryFormatError(f"{label}: event {event['eventId']} "
                                     f"({_short(event['eventType'])}): {problem}")
        result.append({**event,
                       "eventTimestamp": _timestamp(event["eventTimestamp"], event, label)})
    result.sort(key=lambda e: e["eventId"])
    for expected, event in enumerate(result, start=1):
        if event["eventId"] != expected:
            found = event["eventId"]
            problem = (f"eventId {found} appears twice" if found < expected
                       else f"eventId {expected} is missing (found {found})")
            raise HistoryFormatError(f"{label}: eventIds not contiguous: {problem}")
    if not result:
        raise HistoryFormatError(f"{label}: not a history because it has no events")
    return result


def _timestamp(value: Any, event: dict[str, Any], label: str) -> datetime:
    where = f"{label}: event {event['eventId']}"
    if isinstance(value, datetime):
        moment = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(
            timezone.utc)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or not EARLIEST.timestamp() <= value < LATEST.timestamp():
            raise HistoryFormatError(f"{where} has an eventTimestamp of {value!r} seconds, "
                                     "not a time from 1970 to 2999")
        moment = from_millis(round(value * 1000))
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise HistoryFormatError(f"{where} has an unreadable eventTimestamp "
                                     f"{_short(value)}") from None
        return _timestamp(parsed, event, label)
    else:
        raise HistoryFormatError(f"{where} has an eventTimestamp of type "
                                 f"{type(value).__name__}")
    if not EARLIEST <= moment < LATEST:
        raise HistoryFormatError(f"{where} has an eventTimestamp of {moment.isoformat()}, not "
                                 "a time from 1970 to 2999")
    return moment


def _short(value: Any, limit: int = 60) -> str:
    """A value quoted in a message: short, and printable whatever it holds."""
    text = ascii(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
