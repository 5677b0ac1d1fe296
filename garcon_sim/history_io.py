"""Reading and writing SWF histories, whatever shape they come in.

`load_history` accepts what `aws swf get-workflow-execution-history` prints (`{"events": [...]}`),
a bare list of events, several pages concatenated in one file, any dict with an "events" key or
a "history": {"events": [...]} key (recorded files), gzip of any of these, a path, "-" for
stdin, JSON text or bytes, or already-parsed objects. Timestamps may be epoch seconds, ISO 8601
strings or datetimes. Anything else raises `HistoryFormatError` with one line that names the
problem. `dump_history` writes the aws-cli shape with sorted keys and epoch-seconds timestamps,
so equal histories give identical text.
"""
from __future__ import annotations

import gzip
import json
import sys
import zlib
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .clock import from_millis, to_millis
from .events import Event

GZIP_MAGIC = b"\x1f\x8b"


class HistoryFormatError(ValueError):
    """The input is not a history this loader understands; the message says why, in one line."""


def load_history(source: Any) -> list[Event]:
    """The events of a history, in eventId order, with aware UTC datetime timestamps."""
    label, documents = _documents(source)
    events: list[Any] = []
    for document in documents:
        events.extend(_events_of(document, label))
    return _checked(events, label)


def dump_history(events: Iterable[Event]) -> str:
    """The aws-cli shape, `{"events": [...]}`, with epoch-seconds timestamps and sorted keys."""
    rows = [{**event, "eventTimestamp": _epoch(event["eventTimestamp"])} for event in events]
    return json.dumps({"events": rows}, indent=4, sort_keys=True, ensure_ascii=False) + "\n"


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
            return "<stdin>", _parse(sys.stdin.buffer.read(), "<stdin>")
        try:
            data = Path(source).read_bytes()
        except FileNotFoundError:
            raise HistoryFormatError(f"{label}: no such file") from None
        except OSError as error:
            raise HistoryFormatError(f"{label}: cannot read: {error.strerror}") from None
        return label, _parse(data, label)
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>", _parse(bytes(source), "<bytes>")
    if isinstance(source, str):
        return "<text>", _parse(source.encode("utf-8"), "<text>")
    if isinstance(source, (list, dict)):
        return "<object>", [source]
    raise HistoryFormatError(
        f"cannot read a history from a {type(source).__name__}: give a path, '-', JSON text "
        "or bytes, or parsed events")


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _parse(data: bytes, label: str) -> list[Any]:
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise HistoryFormatError(f"{label}: not a valid gzip file ({error})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HistoryFormatError(
            f"{label}: not UTF-8 text (byte {error.start} cannot be decoded)") from None
    decoder = json.JSONDecoder()
    documents = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            break
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise HistoryFormatError(f"{label}: invalid JSON at line {error.lineno} column "
                                     f"{error.colno}: {error.msg}") from None
        documents.append(document)
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
    result = []
    for index, event in enumerate(events, start=1):
        if not isinstance(event, dict):
            raise HistoryFormatError(f"{label}: not a history because event #{index} is a "
                                     f"{type(event).__name__}, not an object")
        for key in ("eventId", "eventType", "eventTimestamp"):
            if key not in event:
                raise HistoryFormatError(f"{label}: not a history because event #{index} has "
                                         f"no {key}")
        if not isinstance(event["eventId"], int) or isinstance(event["eventId"], bool):
            raise HistoryFormatError(f"{label}: event #{index} has a non-integer eventId "
                                     f"{event['eventId']!r}")
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
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(
            timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_millis(round(value * 1000))
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise HistoryFormatError(f"{where} has an unreadable eventTimestamp "
                                     f"{value!r}") from None
        return _timestamp(parsed, event, label)
    raise HistoryFormatError(f"{where} has an eventTimestamp of type {type(value).__name__}")
