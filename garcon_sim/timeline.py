"""An SWF history drawn as one self-contained HTML page: what ran when, and how it ended.

What the page shows
-------------------
- A header: the workflow type, how the run closed (status, and the reason, cause or timeout
  type), the number of events, the duration and the start time (UTC); a legend of what is on
  the page.
- Two lanes pinned under the time axis: the run, with its signals, markers, cancel requests and
  refused decisions (`...Failed` events with a cause) as marks and its close at the end; and the
  decision tasks.
- One row per activity instance (activityId), grouped by activity type, types and rows in order
  of first scheduling; then a group of rows per timer id and one per child workflow id, where
  the history has them. Each attempt is a bar from ActivityTaskScheduled to its close, coloured
  by outcome: thin and pale while it waited in the queue, thick while it ran; a bar still open
  when the history ends runs to the end in the "open" colour. An activity instance is labelled
  by its generator values (`country_id=3`) where its id shows them (garcon's id is a hash of
  them: see `instance_label`), other rows by their id shortened in the middle; one square per
  attempt in its outcome's colour follows, so that retried rows stand out even when the bars
  are a pixel wide.
- Hovering shows ids, attempt number, outcome, reason and details (cut to TEXT_LIMIT), timeout
  type, queued and running times, timestamps, the worker's identity and the event ids. Rows
  can be filtered by id, label or type, or to those where something did not complete; groups
  fold; the time axis zooms and pans (wheel with Ctrl or Shift, drag, buttons, keys).
- A child workflow's bar links to the child's own page when one was written beside this one
  (`write_timelines`, for a run and its children: a sharded activity's); clicking it opens it.

How it is built
---------------
`build_timeline` is a pure function from events to a `Timeline` (groups of rows of `Span`s,
decision tasks, marks, the close): that is what the tests check. `render_timeline` encodes it
as compact JSON (arrays rather than objects, every string once in a table, times in
milliseconds after the first event) inside templates/timeline.html, whose script draws on a
<canvas> only the rows in view: a 25,000-event history makes a page of about 2 MB drawn in a
few hundred milliseconds, where an element per bar would not scale. Text from the history
reaches the page only as JSON data, shown through `textContent` or drawn on the canvas, never
as markup; the JSON has `<`, `>` and `&` escaped, so `</script>` cannot end the block, and the
slashes of "://" escaped, so that no URL appears in the output. Nothing reads the clock or
draws random numbers: the same events give the same bytes.
"""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from garcon.activity import EXECUTION_KEYS, instance_ids
from garcon.payload import object_or_empty

from .clock import to_millis
from .events import CLOSE_EVENTS, Event, attributes

TEXT_LIMIT = 200
"""Characters kept of a reason, details, input or result; the page says how many were cut."""
LABEL_WIDTH = 28
"""Characters of a row label; the full id is in the hover."""

OUTCOME_COLOURS = {
    "completed": "#2f9e44",
    "failed": "#e03131",
    "timed out": "#f08c00",
    "canceled": "#7950f2",
    "terminated": "#495057",
    "schedule failed": "#a61e4d",
    "start failed": "#a61e4d",
    "fired": "#0c8599",
    "continued as new": "#66a80f",
    "open": "#1c7ed6",
}
"""Every outcome a bar can have, with its colour (the legend lists them in this order)."""

MARK_COLOURS = {
    "signal": "#1971c2",
    "marker": "#9c36b5",
    "cancel request": "#7950f2",
    "refused decision": "#c92a2a",
    "other": "#868e96",
}

_STARTS = {
    "DecisionTaskStarted": "scheduledEventId",
    "ActivityTaskStarted": "scheduledEventId",
    "ChildWorkflowExecutionStarted": "initiatedEventId",
}
"""Events that start a span, and the attribute naming the event that opened it."""
_CLOSES = {
    "DecisionTaskCompleted": ("completed", "scheduledEventId"),
    "DecisionTaskTimedOut": ("timed out", "scheduledEventId"),
    "ActivityTaskCompleted": ("completed", "scheduledEventId"),
    "ActivityTaskFailed": ("failed", "scheduledEventId"),
    "ActivityTaskTimedOut": ("timed out", "scheduledEventId"),
    "ActivityTaskCanceled": ("canceled", "scheduledEventId"),
    "TimerFired": ("fired", "startedEventId"),
    "TimerCanceled": ("canceled", "startedEventId"),
    "StartChildWorkflowExecutionFailed": ("start failed", "initiatedEventId"),
    "ChildWorkflowExecutionCompleted": ("completed", "initiatedEventId"),
    "ChildWorkflowExecutionFailed": ("failed", "initiatedEventId"),
    "ChildWorkflowExecutionTimedOut": ("timed out", "initiatedEventId"),
    "ChildWorkflowExecutionCanceled": ("canceled", "initiatedEventId"),
    "ChildWorkflowExecutionTerminated": ("terminated", "initiatedEventId"),
}
"""Events that close a span: its outcome, and the attribute naming the event that opened it."""


# -- the data model ------------------------------------------------------------------------------

@dataclass
class Span:
    """One bar: an activity attempt, a decision task, a timer, a child workflow or the run.

    Times are milliseconds after the history's first event."""

    begin: int
    """Scheduled (activity, decision task), initiated (child) or started (timer, run)."""
    started: int | None = None
    """When a worker or decider took it (a child: when it started); None if it never did."""
    end: int | None = None
    """When it closed; None when it is still open at the end of the history."""
    outcome: str = "open"
    event_ids: list[int] = field(default_factory=list)
    """The events that drew it, in order: scheduled, started, closed."""
    note: str = ""
    """Timeout type, failure cause, timer duration or child run id."""
    reason: str = ""
    details: str = ""
    """Failure details, heartbeat details of a timeout, or the result."""
    worker: str = ""
    """The identity that started it (activity worker or decider)."""
    link: str = ""
    """A child's: the file name of its own timeline page, beside this one."""

    @property
    def queued(self) -> int | None:
        """Milliseconds from scheduled to started (to the close if it never started)."""
        until = self.started if self.started is not None else self.end
        return None if until is None else until - self.begin

    @property
    def running(self) -> int | None:
        """Milliseconds from started to closed; None if it never started or is still open."""
        if self.started is None or self.end is None:
            return None
        return self.end - self.started


@dataclass
class Row:
    """An activity instance, a timer id or a child workflow id, and its bars in order."""

    key: str
    """activityId, timerId or the child's workflowId."""
    label: str
    """What the row shows, in LABEL_WIDTH characters: an activity instance's generator values
    (`instance_label`), else the key (`short_label`)."""
    info: str = ""
    """The first input (activity), control (timer) or workflow type (child)."""
    spans: list[Span] = field(default_factory=list)


@dataclass
class Group:
    """Rows of one kind: an activity type's instances, the timers, the child workflows."""

    name: str
    """The activity type's name; "timers"; "child workflows"."""
    kind: str
    """"activity", "timer" or "child"."""
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Mark:
    """Something that happened at one instant, drawn on the run's lane."""

    at: int
    kind: str
    """One of MARK_COLOURS."""
    label: str
    detail: str
    event_id: int


@dataclass
class Timeline:
    """Everything the page draws, from one history."""

    workflow_name: str
    workflow_version: str
    origin: int
    """The first event's timestamp, in epoch milliseconds: every other time is relative to it."""
    end: int
    """The last event."""
    event_count: int
    status: str
    """The close status (COMPLETED, FAILED, ..., CONTINUED_AS_NEW), or OPEN."""
    reason: str
    """Why it closed: the failure reason, the termination cause and reason, the timeout type."""
    run: Span
    decisions: list[Span]
    marks: list[Mark]
    groups: list[Group]


def build_timeline(events: Sequence[Event], links: Mapping[str, str] | None = None
                   ) -> Timeline:
    """The rows, bars and marks of a history (events in eventId order, as `load_history`
    returns them); `links` maps child runIds to the file names of their own pages."""
    builder = _Builder(_millis(events[0]["eventTimestamp"]) if events else 0, links or {})
    for event in events:
        builder.add(event)
    builder.label_instances()
    return Timeline(
        workflow_name=builder.workflow_name, workflow_version=builder.workflow_version,
        origin=builder.origin, end=builder.last, event_count=len(events),
        status=builder.status, reason=builder.run.reason, run=builder.run,
        decisions=builder.decisions, marks=builder.marks, groups=list(builder.groups.values()))


def short_label(key: str, prefix: str = "", width: int = LABEL_WIDTH) -> str:
    """`key` in at most `width` characters: the type name it starts with (`prefix`) dropped
    first, then the middle, so that the ends that tell instances apart stay readable."""
    if len(key) <= width:
        return key
    if prefix and key.startswith(prefix) and len(key) > len(prefix) + 1:
        key = "…" + key[len(prefix):]
        if len(key) <= width:
            return key
    tail = (width - 1) // 3
    return key[:width - 1 - tail] + "…" + key[-tail:]


def instance_label(activity_id: str, type_name: str, input: Mapping[str, Any],
                   varying: Iterable[str] = ()) -> str | None:
    """The generator values of an activity instance, as `country_id=3 day=2026-01-02` (the
    "generator." of garcon's convention left out), when its id proves them; None otherwise.

    garcon's id is the type name and a SHA-1 of the instance's generator values (then a custom
    decider's schedule id). The values are among the input's keys: those named "generator.*",
    or the keys whose values differ between the type's instances (`varying`), or all of them
    but the execution's; the first set whose hash is the id's is the instance's."""
    keys = [key for key in input if key not in EXECUTION_KEYS]
    varying = set(varying)
    for candidate in ([k for k in keys if k.startswith("generator.")],
                      [k for k in keys if k in varying], keys):
        if not candidate:
            continue
        values = {key: input[key] for key in candidate}
        [computed] = instance_ids(type_name, [values])
        if activity_id == computed or activity_id.startswith(f"{computed}-"):
            return " ".join(f"{key.removeprefix('generator.')}={value}"
                            for key, value in sorted(values.items()))
    return None


def _millis(value: Any) -> int:
    """Epoch milliseconds of a timestamp: a datetime, or epoch seconds as on the wire."""
    if isinstance(value, datetime):
        return to_millis(value)
    return round(float(value) * 1000)


def _clip(value: Any) -> str:
    """A reason, details or payload as text, cut to TEXT_LIMIT characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    if len(text) <= TEXT_LIMIT:
        return text
    return f"{text[:TEXT_LIMIT]}… ({len(text) - TEXT_LIMIT:,} more characters)"


def _joined(*parts: Any) -> str:
    return ": ".join(str(part) for part in parts if part)


def _type_name(details: dict[str, Any], key: str) -> str:
    return details.get(key, {}).get("name", "")


class _Builder:
    """Folds events one at a time into spans, rows and marks (see `build_timeline`).

    Events in `_STARTS` and `_CLOSES` update the span their reference attribute points at; an
    `_on_<eventType>` method handles the events that open spans; close events close the run.
    An event that points at nothing this history opened (a truncated history), or that none of
    these knows, becomes a mark on the run's lane: nothing is dropped."""

    def __init__(self, origin: int, links: Mapping[str, str]):
        self.origin = self.last = origin
        self.links = links
        self.workflow_name = self.workflow_version = ""
        self.status = "OPEN"
        self.run = Span(0)
        self.decisions: list[Span] = []
        self.marks: list[Mark] = []
        self.groups: dict[tuple[str, str], Group] = {}
        self.rows: dict[tuple[str, str], Row] = {}
        self.open_spans: dict[int, Span] = {}
        """Open spans by the id of the event that opened them (scheduled, initiated, started)."""
        self.inputs: dict[str, dict[str, Any]] = {}
        """The first input of each activity instance that was an object, by activityId."""

    def add(self, event: Event) -> None:
        kind, details = event["eventType"], attributes(event)
        at = self.last = _millis(event["eventTimestamp"]) - self.origin
        opener = getattr(self, f"_on_{kind}", None)
        if kind in CLOSE_EVENTS:
            self._close_run(event, at, details)
        elif opener is not None:
            opener(event, at, details)
        elif not self._update(event, at, details):
            self._mark(event, at, details)

    def _update(self, event: Event, at: int, details: dict[str, Any]) -> bool:
        """Start or close the span the event points at; False when it points at none."""
        if event["eventType"] in _STARTS:
            return self._start(event, at, details)
        return event["eventType"] in _CLOSES and self._close(event, at, details)

    def _open(self, group: str, kind: str, key: str, span: Span, event: Event,
              prefix: str = "", info: str = "") -> None:
        row = self.rows.get((kind, key))
        if row is None:
            where = self.groups.get((kind, group))
            if where is None:
                where = self.groups[kind, group] = Group(group, kind)
            row = self.rows[kind, key] = Row(key, short_label(key, prefix), info)
            where.rows.append(row)
        row.spans.append(span)
        span.event_ids.append(event["eventId"])
        if span.end is None:
            self.open_spans[event["eventId"]] = span

    def _start(self, event: Event, at: int, details: dict[str, Any]) -> bool:
        span = self.open_spans.get(details.get(_STARTS[event["eventType"]], 0))
        if span is None:
            return False
        span.started, span.worker = at, details.get("identity", "")
        span.event_ids.append(event["eventId"])
        run_id = details.get("workflowExecution", {}).get("runId")
        if run_id:
            span.note = f"run {run_id}"
            span.link = self.links.get(run_id, "")
        return True

    def _close(self, event: Event, at: int, details: dict[str, Any]) -> bool:
        outcome, opened_by = _CLOSES[event["eventType"]]
        span = self.open_spans.pop(details.get(opened_by, 0), None)
        if span is None:
            return False
        span.end, span.outcome = at, outcome
        span.event_ids.append(event["eventId"])
        span.note = details.get("timeoutType") or details.get("cause") or span.note
        span.reason = _clip(details.get("reason"))
        span.details = _clip(details.get("details", details.get("result")))
        return True

    def _refused(self, group: str, kind: str, key: str, event: Event, at: int, outcome: str,
                 prefix: str = "") -> None:
        """A decision SWF could not carry out: a bar of no length, with the cause."""
        span = Span(at, end=at, outcome=outcome, note=attributes(event).get("cause", ""))
        self._open(group, kind, key, span, event, prefix=prefix)

    # The run.

    def _on_WorkflowExecutionStarted(self, event: Event, at: int, details: dict) -> None:
        kind = details.get("workflowType", {})
        self.workflow_name, self.workflow_version = kind.get("name", ""), kind.get("version", "")
        self.run.begin = self.run.started = at
        self.run.event_ids.append(event["eventId"])
        self.run.details = _clip(details.get("input"))

    def _close_run(self, event: Event, at: int, details: dict) -> None:
        self.status = CLOSE_EVENTS[event["eventType"]]
        new_run = details.get("newExecutionRunId")
        self.run.end, self.run.outcome = at, self.status.lower().replace("_", " ")
        self.run.event_ids.append(event["eventId"])
        self.run.reason = _clip(_joined(details.get("cause"), details.get("reason"),
                                        details.get("timeoutType"),
                                        new_run and f"run {new_run}"))
        self.run.details = _clip(details.get("details", details.get("result")))

    # Spans opened by an event.

    def _on_DecisionTaskScheduled(self, event: Event, at: int, details: dict) -> None:
        span = Span(at, event_ids=[event["eventId"]])
        self.decisions.append(span)
        self.open_spans[event["eventId"]] = span

    def _on_ActivityTaskScheduled(self, event: Event, at: int, details: dict) -> None:
        name, activity_id = _type_name(details, "activityType"), details.get("activityId", "")
        self._open(name, "activity", activity_id, Span(at), event,
                   prefix=name, info=_clip(details.get("input")))
        if activity_id not in self.inputs:
            payload = object_or_empty(details.get("input"))
            if payload:
                self.inputs[activity_id] = payload

    def label_instances(self) -> None:
        """Label each activity instance by its generator values where its id shows them."""
        for (kind, name), group in self.groups.items():
            if kind != "activity":
                continue
            inputs = [self.inputs.get(row.key, {}) for row in group.rows]
            values: dict[str, set[str]] = {}
            for payload in inputs:
                for key, value in payload.items():
                    values.setdefault(key, set()).add(json.dumps(value, sort_keys=True))
            varying = [key for key, seen in values.items() if len(seen) > 1]
            for row, payload in zip(group.rows, inputs, strict=True):
                label = instance_label(row.key, name, payload, varying)
                if label is not None:
                    row.label = short_label(label)

    def _on_ScheduleActivityTaskFailed(self, event: Event, at: int, details: dict) -> None:
        name = _type_name(details, "activityType")
        self._refused(name, "activity", details.get("activityId", ""), event, at,
                      "schedule failed", prefix=name)

    def _on_TimerStarted(self, event: Event, at: int, details: dict) -> None:
        span = Span(at, at, note=f"fires after {details.get('startToFireTimeout')} s")
        self._open("timers", "timer", details.get("timerId", ""), span, event,
                   info=_clip(details.get("control")))

    def _on_StartTimerFailed(self, event: Event, at: int, details: dict) -> None:
        self._refused("timers", "timer", details.get("timerId", ""), event, at, "start failed")

    def _on_StartChildWorkflowExecutionInitiated(self, event: Event, at: int,
                                                 details: dict) -> None:
        kind = details.get("workflowType", {})
        self._open("child workflows", "child", details.get("workflowId", ""), Span(at), event,
                   info=" ".join(filter(None, (kind.get("name"), kind.get("version")))))

    # Everything else: a mark on the run's lane.

    def _mark(self, event: Event, at: int, details: dict) -> None:
        kind = event["eventType"]
        rest = {key: value for key, value in details.items()
                if key not in ("decisionTaskCompletedEventId", "cause")}
        if kind == "WorkflowExecutionSignaled":
            mark = ("signal", details.get("signalName", ""), details.get("input"))
        elif kind == "MarkerRecorded":
            mark = ("marker", details.get("markerName", ""), details.get("details"))
        elif kind == "WorkflowExecutionCancelRequested":
            mark = ("cancel request", "the workflow", details.get("cause"))
        elif kind == "ActivityTaskCancelRequested":
            mark = ("cancel request", f"activity {details.get('activityId')}", None)
        elif kind.endswith("Failed") and "cause" in details:
            mark = ("refused decision", _joined(kind, details["cause"]), rest or None)
        else:
            mark = ("other", kind, rest or None)
        self.marks.append(Mark(at, mark[0], mark[1], _clip(mark[2]), event["eventId"]))


# -- the page ------------------------------------------------------------------------------------

def render_timeline(events: Sequence[Event], *, title: str | None = None,
                    links: Mapping[str, str] | None = None) -> str:
    """One self-contained HTML page drawing the history (see the module docstring)."""
    timeline = build_timeline(events, links)
    title = title or f"{timeline.workflow_name or 'SWF'} timeline"
    template = files("garcon_sim").joinpath("templates/timeline.html").read_text("utf-8")
    values = {"TITLE": _html_text(title), "DATA": _json_for_script(_encode(timeline, title))}
    return re.sub(r"/\*(TITLE|DATA)\*/", lambda match: values[match[1]], template)


def write_timeline(events: Sequence[Event], path: str | Path, *,
                   title: str | None = None, links: Mapping[str, str] | None = None) -> Path:
    """Write `render_timeline(events)` to `path` (UTF-8); returns the path."""
    path = Path(path)
    path.write_text(render_timeline(events, title=title, links=links), encoding="utf-8")
    return path


def write_timelines(executions: Sequence[tuple[str, str, Sequence[Event]]],
                    path: str | Path, *, title: str | None = None) -> list[Path]:
    """A run's page at `path` and its children's beside it, `<name>.child-<n>.html`, each
    linked from the child's bar: `executions` are (workflowId, runId, events), the run first,
    then its children (and theirs) in the order they started. The paths written, in order."""
    path = Path(path)
    names = {run_id: f"{path.stem}.child-{number}{path.suffix or '.html'}"
             for number, (_, run_id, _) in enumerate(executions[1:], 1)}
    written = []
    for index, (workflow_id, run_id, events) in enumerate(executions):
        where = path if index == 0 else path.with_name(names[run_id])
        own = title if index == 0 else f"child {workflow_id} (run {run_id})"
        written.append(write_timeline(events, where, title=own, links=names))
    return written


def _html_text(text: str) -> str:
    return html.escape(text).replace("/", "&#47;")


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside <script>: no `<`, `>` or `&` (so no `</script>` or `<!--`), and
    no "://" (so no URL), all escaped the way JSON.parse reads them back."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("://", ":\\/\\/"))


def _encode(timeline: Timeline, title: str) -> dict[str, Any]:
    """The page's data: arrays in a fixed order instead of objects, every string once in a
    table (`s`), outcomes and mark kinds as indexes into their own tables."""
    strings: dict[str, int] = {}
    outcomes = {name: index for index, name in enumerate(OUTCOME_COLOURS)}
    mark_kinds = {name: index for index, name in enumerate(MARK_COLOURS)}

    def text(value: str) -> int:
        return strings.setdefault(value, len(strings))

    def span(item: Span) -> list[Any]:
        return [item.begin, item.started, item.end, outcomes[item.outcome], item.event_ids,
                text(item.note), text(item.reason), text(item.details), text(item.worker),
                text(item.link)]

    data = {
        "title": title,
        "type": timeline.workflow_name,
        "version": timeline.workflow_version,
        "t0": timeline.origin,
        "end": timeline.end,
        "events": timeline.event_count,
        "status": timeline.status,
        "reason": timeline.reason,
        "outcomes": list(OUTCOME_COLOURS.items()),
        "markKinds": list(MARK_COLOURS.items()),
        "run": span(timeline.run),
        "decisions": [span(item) for item in timeline.decisions],
        "marks": [[mark.at, mark_kinds[mark.kind], text(mark.label), text(mark.detail),
                   mark.event_id] for mark in timeline.marks],
        "groups": [[group.name, group.kind,
                    [[text(row.key), text(row.label), text(row.info),
                      [span(item) for item in row.spans]] for row in group.rows]]
                   for group in timeline.groups],
    }
    data["s"] = list(strings)
    return data
