"""`garcon-sim`: run a flow in the simulator, replay or re-enact a history, draw its timeline,
estimate a flow's history budget, serve the simulator as a local SWF endpoint.

Every user error (a missing file, JSON that does not parse, something that is not a history or
contradicts itself, a history with no decision task to replay, a flow that does not import) is
one line on standard error and exit status 2. `run`, `replay`, `reenact` and `budget` exit 1
when the answer is "no" (the run did not complete, the decisions differ, the simulator departs
from the history, the flow cannot fit).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from garcon import budget
from garcon.activity import (
    UnknownActivityError,
    resolve_activity,
    resolve_activity_names,
    short_name,
)
from garcon.budget import estimate, is_seconds, sharding_advice
from garcon.decisions import counted
from garcon.history import HistoryError, HistoryState
from garcon.limits import SWF_LIMITS
from garcon.loader import FlowError, load_flow
from garcon.payload import parse as parse_payload

from . import faults
from .faults import FaultError
from .fleet import (
    DEFAULT_DECISION_SECONDS,
    DEFAULT_DURATIONS,
    DEFAULT_WORKERS,
    FleetError,
    Uniform,
    uniform,
)
from .harness import Progress, RunResult, run_flow
from .history_io import HistoryFormatError, family, load_executions, load_history
from .reenact import reenact
from .replay import WrongFlowError, replay_executions

PROG = "garcon-sim"


class UsageError(Exception):
    """A mistake in what the user asked for; the message is the one line they see."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format=f"{PROG}: %(levelname)s %(name)s: %(message)s")
    try:
        return args.command(args)
    except (UsageError, FlowError, HistoryFormatError, FaultError, FleetError,
            WrongFlowError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{PROG}: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
              file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Run garcon flows in a deterministic Amazon SWF simulator, and "
        "replay, re-enact and draw SWF histories.",
        epilog="FLOW is a module (pkg.flows.country), a file (flows/country.py), or either "
        "with :attribute for a flow object. HISTORY is what `aws swf "
        "get-workflow-execution-history` prints, a list of events, pages of them, the output "
        "of `garcon-sim run --out` (with a sharded run's children beside it), or a gzip of "
        "any; - reads standard input.")
    parser.add_argument("--log-level", default="WARNING",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a flow in the simulator",
                              description="Run a flow to its end in the simulator, with "
                              "faults if asked. Exit 0 when it completed, 1 otherwise.")
    run.add_argument("flow", metavar="FLOW")
    run.add_argument("--input", metavar="JSON|@FILE", help="the workflow input (an object)")
    run.add_argument("--seed", type=int, default=0, help="the run's seed (default 0)")
    run.add_argument("--fail-rate", type=float, metavar="R",
                     help="make each activity attempt fail with probability R")
    run.add_argument("--fail", action="append", default=[], metavar="ACTIVITY[:TIMES]",
                     help="make the activity's attempts fail: every one, or the first TIMES "
                     "of each instance (repeatable)")
    _fleet_options(run)
    run.add_argument("--out", metavar="HISTORY.json", help="write the history there (and its "
                     "children's, when it has some)")
    run.add_argument("--timeline", metavar="RUN.html", help="draw the run's timeline there "
                     "(and its children's beside it, RUN.child-N.html)")
    run.add_argument("--json", action="store_true",
                     help="print a machine-readable summary instead of the table")
    run.set_defaults(command=_run)

    again = commands.add_parser("replay", help="replay a history against a flow's decider",
                                description="Run the flow's decider at every decision task "
                                "of the history and compare its decisions with the recorded "
                                "ones; a run with children (a sharded activity's), each of "
                                "them too: the children beside the run in its file, or one "
                                "HISTORY per child after the run's. Exit 0 when they all "
                                "match, 1 otherwise.")
    again.add_argument("history", metavar="HISTORY", nargs="+")
    again.add_argument("--flow", required=True, metavar="FLOW")
    again.add_argument("--domain", help="the execution's domain, if the recorded activity "
                       "inputs do not say (garcon writes it there)")
    again.add_argument("--workflow-id")
    again.add_argument("--run-id")
    again.set_defaults(command=_replay)

    act = commands.add_parser("reenact", help="re-enact an SWF history in the simulator",
                              description="Make the calls the history implies against the "
                              "simulator and compare the histories. Exit 0 when the simulator "
                              "reproduces it, 1 where it departs.")
    act.add_argument("history", metavar="HISTORY")
    act.set_defaults(command=_reenact)

    draw = commands.add_parser("timeline", help="draw a history as an HTML timeline",
                               description="Write one self-contained HTML file drawing the "
                               "history: a row per activity instance, a bar per attempt. A "
                               "run's children (beside it in the file) are drawn beside it, "
                               "FILE.child-N.html, each linked from its bar.")
    draw.add_argument("history", metavar="HISTORY")
    draw.add_argument("-o", "--output", required=True, metavar="FILE.html")
    draw.set_defaults(command=_timeline)

    count = commands.add_parser("budget", help="estimate a flow's history budget",
                                description="Count the events the flow adds to its history, "
                                "per activity, against SWF's 25,000-event limit. Exit 1 when "
                                "even a run without failures cannot fit.")
    count.add_argument("flow", metavar="FLOW")
    count.add_argument("--input", metavar="JSON|@FILE", help="the workflow input (an object)")
    _fleet_options(count, likely=True)
    count.set_defaults(command=_budget)

    host = commands.add_parser(
        "serve", help="serve the simulator as a local SWF endpoint",
        description="Answer SWF's API over HTTP (point AWS_ENDPOINT_URL_SWF at it) with the "
        "simulator on real time, sped up by --speed; a page of the executions at /. No "
        "authentication. Stops on SIGINT or SIGTERM.")
    host.add_argument("--host", default="127.0.0.1",
                      help="the address to listen on (default 127.0.0.1)")
    host.add_argument("--port", type=int, default=7777,
                      help="the port (default 7777; 0 picks a free one)")
    host.add_argument("--db", metavar="FILE", help="keep the state in this SQLite journal: "
                      "every change is durable before it is answered, and a restart on the "
                      "same file carries on (default: in memory)")
    host.add_argument("--speed", type=float, default=1.0, help="virtual seconds per real "
                      "second (default 1; 60 fires a 10-minute timeout after 10 s)")
    host.add_argument("--seed", type=int, help="the simulator's seed (default 0; a --db "
                      "journal keeps its own)")
    host.add_argument("--poll-timeout", type=float, default=60.0, metavar="SECONDS",
                      help="how long an empty long poll waits for a task (default 60, as SWF)")
    host.set_defaults(command=_serve)
    return parser


def _fleet_options(command: argparse.ArgumentParser, likely: bool = False) -> None:
    what = "the likely events of a run with " if likely else ""
    command.add_argument("--workers", action="append", default=[], metavar="[ACTIVITY=]N",
                         help=f"{what}N workers per task list, or for that activity "
                         f"(repeatable; default {DEFAULT_WORKERS})")
    command.add_argument("--duration", action="append", default=[],
                         metavar="[ACTIVITY=]SECONDS|LOW-HIGH",
                         help=f"{what}attempts of SECONDS, or drawn between LOW and HIGH, for "
                         f"every activity or that one (repeatable; default "
                         f"{DEFAULT_DURATIONS.low:g}-{DEFAULT_DURATIONS.high:g})")
    command.add_argument("--decision-seconds", type=float, metavar="S",
                         default=DEFAULT_DECISION_SECONDS,
                         help=f"{what}decision tasks taking S seconds each (default "
                         f"{DEFAULT_DECISION_SECONDS:g})")


# Commands.

def _run(args: argparse.Namespace) -> int:
    _check_output("--out", args.out)
    _check_output("--timeline", args.timeline)
    flow = load_flow(args.flow)
    plan = [faults.fail(*_fail_option(flow, text)) for text in args.fail]
    if args.fail_rate is not None:
        plan.append(faults.random_failures(args.fail_rate))
    show = _ProgressLine(sys.stderr) if sys.stderr.isatty() and not args.json else None
    workers, durations = _fleet(flow, args)
    with _flow_output(show, to_stderr=args.json):
        result = run_flow(flow, input=_input(args.input), seed=args.seed, faults=plan,
                          workers=workers, durations=durations,
                          decision_seconds=args.decision_seconds, progress=show)
    written = []
    if args.out:
        Path(args.out).write_text(result.to_json())
        written.append(f"history written to {args.out}")
    if args.timeline:
        from .timeline import write_timelines
        pages = write_timelines([(run.workflow_id, run.run_id, run.events)
                                 for run in result.executions()], args.timeline,
                                title=f"{flow.name} {result.workflow_id} (seed {args.seed})")
        written.append(f"timeline written to {args.timeline}" + (
            f", and {counted(len(pages) - 1, 'child page')} beside it"
            if len(pages) > 1 else ""))
    print(json.dumps(_summary(result), indent=2) if args.json else _table(result))
    for line in written:
        print(line, file=sys.stderr if args.json else sys.stdout)
    return 0 if result.status == "COMPLETED" else 1


def _replay(args: argparse.Namespace) -> int:
    flow = load_flow(args.flow)
    execution = None
    if args.domain or args.workflow_id or args.run_id:
        if not (args.domain and args.workflow_id and args.run_id):
            raise UsageError("--domain, --workflow-id and --run-id go together")
        execution = {"domain": args.domain, "workflowId": args.workflow_id,
                     "runId": args.run_id}
    try:
        result = replay_executions(*args.history, flow=flow, execution=execution)
    except HistoryError as error:
        raise UsageError(f"{' '.join(args.history)}: {error}") from error
    if not result.results[0][1].decision_tasks:
        raise UsageError(f"{args.history[0]}: no decision task completed in this history, so "
                         "there is nothing to replay")
    print(result.report())
    return 0 if result.ok else 1


def _reenact(args: argparse.Namespace) -> int:
    events = load_history(args.history)
    try:  # a history that contradicts itself is bad input, not a departure of the simulator
        HistoryState.fold(events)
    except HistoryError as error:
        raise UsageError(f"{args.history}: {error}") from error
    result = reenact(events)
    print(result.report())
    return 0 if result.ok else 1


def _timeline(args: argparse.Namespace) -> int:
    from .timeline import write_timelines
    _check_output("--output", args.output)
    executions = family(load_executions(args.history))
    ids = [execution.workflow_execution or {} for execution in executions]
    paths = write_timelines([(own.get("workflowId", ""), own.get("runId", ""), execution.events)
                             for own, execution in zip(ids, executions, strict=True)],
                            args.output, title=Path(args.history).name)
    print(f"timeline of {len(executions[0].events):,} events written to {paths[0]}"
          + (f", and of its {len(paths) - 1:,} children beside it" if len(paths) > 1 else ""))
    return 0


def _budget(args: argparse.Namespace) -> int:
    flow = load_flow(args.flow)
    try:
        plan = estimate(flow, _input(args.input))
    except ValueError as error:
        raise UsageError(str(error)) from error
    workers, durations = _fleet(flow, args)
    seconds = {name: _mean_seconds(value) for name, value in durations.items()}
    sharded = [row for row in plan.activities if row.shard]
    rows = [(row.name, f"{row.instances:,}" + ("" if row.exact else "?"),
             *([f"{row.shards:,}" if row.shard else "-"] if sharded else []), f"{row.fewest:,}",
             f"{row.most:,}") for row in plan.activities]
    blank = [""] if sharded else []
    if plan.shared:
        rows.append(("decision tasks shared side by side", "", *blank, f"-{plan.shared:,}", ""))
    rows.append(("total (with the workflow's own 5)", "", *blank, f"{plan.fewest:,}",
                 f"{plan.most:,}"))
    print(_columns(("activity", "instances", *(["children"] if sharded else []),
                    "fewest events", "most events"), rows))
    if any(not row.exact for row in plan.activities):
        print("? counted as one instance: its generators need results of earlier activities")
    for row in sharded:
        print(f"{row.name}: {row.shards:,} children of at most {row.shard:,} instances (at most "
              f"{row.open_children:,} open at once)\n  each child's own history: "
              f"{row.child_fewest:,} to {row.child_most:,} events; the row above counts the "
              "parent's (3 a child, and decision tasks)")
    print("fewest: no failure, and closes sharing decision tasks as much as they can\n"
          "most: every retry used, and a decision task per close"
          + ("; every child started again as often as it may be" if sharded else ""))
    steady = not any(isinstance(value, Uniform) and value.low < value.high
                     for value in durations.values())
    print(f"likely: {plan.likely(workers, seconds, args.decision_seconds, steady):,} events "
          f"without failures ({_describe_fleet(flow, workers, durations, args)})")
    print(f"limit {plan.limit:,}, advised {plan.recommended:,}: {plan.verdict}")
    if max(plan.most, plan.child_most) > plan.limit:
        advice = sharding_advice(flow, _input(args.input))
        if advice:
            print(f"advice: {advice}")
    return 0 if plan.fits else 1


def _serve(args: argparse.Namespace) -> int:
    from .server import ServeError, ServeOptions, serve
    _check_output("--db", args.db)
    options = ServeOptions(host=args.host, port=args.port,
                           db=None if args.db is None else Path(args.db), speed=args.speed,
                           seed=args.seed, poll_timeout=args.poll_timeout)
    try:
        return serve(options)
    except ServeError as error:
        raise UsageError(str(error)) from error


# Helpers.

@contextlib.contextmanager
def _flow_output(show: _ProgressLine | None, to_stderr: bool) -> Iterator[None]:
    """Where what the flow's tasks print goes during a run: standard error when standard output
    is for JSON; on a terminal, through the progress line, which steps aside for it."""
    with contextlib.ExitStack() as stack:
        if to_stderr:
            stack.enter_context(contextlib.redirect_stdout(sys.stderr))
        if show is not None:
            stack.enter_context(contextlib.redirect_stdout(show.beside(sys.stdout)))
            stack.enter_context(contextlib.redirect_stderr(show.beside(sys.stderr)))
            for handler in logging.getLogger().handlers:  # log lines, on standard error
                if isinstance(handler, logging.StreamHandler) and handler.stream.isatty():
                    previous = handler.setStream(show.beside(handler.stream))
                    stack.callback(handler.setStream, previous)
            stack.callback(show.clear)
        yield


def _check_output(option: str, path: str | None) -> None:
    """Refuse, before any work, a file that could not be written: its folder missing or not
    a folder, or the path a folder itself."""
    if path is None:
        return
    folder = Path(path).parent
    problem = ("is a folder" if Path(path).is_dir() else
               f"cannot be written: {folder} does not exist" if not folder.exists() else
               f"cannot be written: {folder} is not a folder" if not folder.is_dir() else None)
    if problem:
        raise UsageError(f"{option} {path}: {problem}")


def _input(text: str | None) -> dict | None:
    if text is None:
        return None
    source = "the input"
    if text.startswith("@"):
        source = text[1:]
        try:
            text = Path(source).read_text()
        except OSError as error:
            raise UsageError(f"cannot read the input file {source}: {error.strerror}") from error
    try:
        value = parse_payload(text)
    except ValueError as error:  # PayloadError too: nested too deep
        raise UsageError(f"{source} is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise UsageError(f"{source} must be a JSON object, not {type(value).__name__}")
    return value


def _fail_option(flow: Any, text: str) -> tuple[str, None, int | None]:
    name, _, times = text.partition(":")
    if not name:
        raise UsageError(f"--fail takes ACTIVITY[:TIMES], not {text!r}")
    try:
        resolve_activity(flow, name, where=f"--fail {text}", runnable=True)
    except UnknownActivityError as error:
        raise UsageError(str(error)) from None
    if times and not (times.isdigit() and int(times) > 0):
        raise UsageError(f"--fail {text}: TIMES is a number of attempts (1 or more)")
    return name, None, int(times) if times else None


def _fleet(flow: Any, args: argparse.Namespace) -> tuple[dict[str, int], dict[str, Any]]:
    """The workers and durations asked for, per activity a worker runs (by type name)."""
    workers = _per_activity(flow, "--workers", args.workers, DEFAULT_WORKERS, _worker_count)
    durations = _per_activity(flow, "--duration", args.duration, DEFAULT_DURATIONS, _duration)
    if not is_seconds(args.decision_seconds):
        raise UsageError(f"--decision-seconds {args.decision_seconds:g}: a number of seconds "
                         "(0 or more)")
    return workers, durations


def _per_activity(flow: Any, option: str, texts: list[str], default: Any,
                  parse: Callable[[str], Any]) -> dict[str, Any]:
    """`[ACTIVITY=]VALUE` options: VALUE for every activity, then for the ones named. An error
    names the option and the value as written."""
    found = {activity.name: default for activity in resolve_activity_names(flow, None)}
    for text in sorted(texts, key=lambda text: "=" in text):
        name, _, value = text.rpartition("=")
        where = f"{option} {text}"
        try:
            keys = [resolve_activity(flow, name, where=where, runnable=True).name] if name else [
                *found]
        except UnknownActivityError as error:
            raise UsageError(str(error)) from None
        try:
            parsed = parse(value)
        except ValueError as error:
            raise UsageError(f"{where}: {error}") from None
        found.update(dict.fromkeys(keys, parsed))
    return found


def _worker_count(text: str) -> int:
    if not (text.isascii() and text.isdigit() and budget.is_workers(int(text))):
        raise ValueError(budget.WORKERS_EXPECTED)
    return int(text)


def _duration(text: str) -> Any:
    low, dash, high = text.partition("-")
    try:
        seconds = uniform(float(low), float(high)) if dash else float(text)
    except ValueError:  # FleetError too
        seconds = -1
    if not (isinstance(seconds, Uniform) or is_seconds(seconds)):
        raise ValueError("SECONDS (0 or more) or LOW-HIGH")
    return seconds


def _mean_seconds(duration: Any) -> float:
    return (duration.low + duration.high) / 2 if isinstance(duration, Uniform) else duration


def _describe_fleet(flow: Any, workers: dict[str, int], durations: dict[str, Any],
                    args: argparse.Namespace) -> str:
    def per_activity(values: dict[str, Any], show: Callable[[Any], str]) -> str:
        if len({show(value) for value in values.values()}) == 1:
            return show(next(iter(values.values()))) + " for each activity"
        return ", ".join(f"{short_name(flow, resolve_activity(flow, name))} {show(value)}"
                         for name, value in values.items())

    return (f"workers: {per_activity(workers, str)}; attempts of "
            f"{per_activity(durations, _show_duration)}; decision tasks of "
            f"{args.decision_seconds:g} s")


def _show_duration(duration: Any) -> str:
    shown = f"{duration.low:g}-{duration.high:g}" if isinstance(duration, Uniform) else (
        f"{duration:g}")
    return f"{shown} s"


def _summary(result: RunResult) -> dict[str, Any]:
    children = result.executions()[1:]
    return {"status": result.status, "reason": result.reason, "events": result.events_used,
            "attempts": {name: row["attempts"] for name, row in result.summary().items()},
            "duration": result.duration.total_seconds(), "workflow_id": result.workflow_id,
            "run_id": result.run_id, "seed": result.seed, "children": len(children),
            "largest_history": max(run.events_used for run in result.executions())}


def _table(result: RunResult) -> str:
    rows = [(name, *(f"{row[key]:,}" for key in ("instances", "attempts", "failures",
                                                  "timeouts")))
            for name, row in sorted(result.summary().items())]
    head = (f"{result.status}" + (f": {result.reason}" if result.reason else "")
            + f"\n{result.events_used:,} of {SWF_LIMITS.history_events:,} events, "
            f"{result.duration} of virtual time, seed {result.seed}")
    children = result.executions()[1:]
    if children:
        head += (f"\nin {len(children):,} child executions (shards) besides: the largest "
                 f"history {max(run.events_used for run in children):,} events, "
                 f"{sum(run.events_used for run in children):,} in all")
    return head + "\n\n" + _columns(("activity", "instances", "attempts", "failures",
                                     "timeouts"), rows)


def _columns(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows,
                                                                        strict=True)]
    lines = []
    for row in (header, *rows):
        lines.append("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                               for i, (cell, width) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


class _ProgressLine:
    """Instances done of those known, attempts, events used: one line on a terminal, redrawn
    at most ten times a second. What the flow prints meanwhile goes through `beside`: the line
    is cleared first, and drawn again at the next update; `clear` removes it at the end."""

    CLEAR = "\r\x1b[K"
    """Back to the start of the line, and erase it (ANSI)."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.clock = clock
        self.shown_at = 0.0
        self.drawn = False

    def __call__(self, progress: Progress) -> None:
        now = self.clock()
        if now - self.shown_at < 0.1:
            return
        self.shown_at = now
        self.stream.write(f"{self.CLEAR}{progress.instances_done:,} of "
                          f"{progress.instances_known:,} instances done, "
                          f"{counted(progress.attempts, 'attempt')}, "
                          f"{progress.events:,} of {SWF_LIMITS.history_events:,} events")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write(self.CLEAR)
            self.stream.flush()
            self.drawn = False

    def beside(self, stream: TextIO) -> TextIO:
        """`stream` (a terminal: the line's own) clearing the line before what is written to
        it; any other stream as it is."""
        return _Beside(self, stream) if stream.isatty() else stream


class _Beside(io.TextIOBase):
    """A stream the flow writes to while the progress line is up: it clears the line first."""

    def __init__(self, line: _ProgressLine, stream: TextIO):
        self.line = line
        self.stream = stream

    def write(self, text: str) -> int:
        if text:
            self.line.clear()
            self.stream.write(text)
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


if __name__ == "__main__":
    sys.exit(main())
