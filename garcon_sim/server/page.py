"""The server's pages: the executions, each run's timeline and its history as JSON.

`/` lists executions, newest first, open and closed (filters: status, workflow type, part of
the workflowId, domain), each linking to `/timeline` (garcon_sim.timeline's page; it reloads
itself every few seconds while the run is open) and `/history` (what `aws swf
get-workflow-execution-history` prints). `/status.json` gives the virtual time, the speed, the
polls waiting per task list and the journal's size. Every piece of text from the service
(ids, names, inputs, results, reasons) goes through `html.escape`; the timeline escapes its own.
"""
from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..clock import from_millis
from ..events import attributes
from ..execution import Execution
from ..history_io import dump_history
from ..timeline import render_timeline
from ..visibility import expired
from .polls import LongPolls
from .served import ServedService

STATUSES = ("all", "open", "closed", "COMPLETED", "FAILED", "CANCELED", "TERMINATED",
            "CONTINUED_AS_NEW", "TIMED_OUT")
ROWS = 500
"""At most this many executions on the page (the newest that pass the filters)."""
SNIPPET = 80
LIVE_RELOAD_SECONDS = 5
"""How often the timeline of an open run reloads itself."""

_STYLE = """
body { font: 13px system-ui, sans-serif; color: #212529; margin: 12px 16px; }
h1 { font-size: 17px; margin: 0 0 4px; } p { margin: 4px 0 10px; color: #495057; }
form { margin: 0 0 10px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #dee2e6;
         vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; }
td.text { max-width: 28em; overflow-wrap: anywhere; color: #495057; }
.OPEN { color: #1c7ed6; } .COMPLETED { color: #2b8a3e; }
.FAILED, .TIMED_OUT, .TERMINATED { color: #c92a2a; } .CANCELED { color: #e67700; }
code { font-size: 12px; }
"""


def pages(served: ServedService, polls: LongPolls) -> Starlette:
    """The Starlette app of the pages (GET), beside the API (POST). Its endpoints are
    coroutines: they read the service on the event loop (Starlette would run plain functions
    in a thread, beside the calls that change it)."""
    async def executions(request: Request) -> HTMLResponse:
        page = _executions_page(served, polls, request.query_params)
        await served.durable()  # show nothing a crash could still take back
        return HTMLResponse(page)

    async def timeline(request: Request) -> Response:
        run = _run(served, request)
        if run is None:
            return _unknown(request)
        title = f"{run.workflow_id} {run.run_id}"
        headers = {"Refresh": str(LIVE_RELOAD_SECONDS)} if run.open else {}
        page = render_timeline(run.events, title=title)
        await served.durable()
        return HTMLResponse(page, headers=headers)

    async def history(request: Request) -> Response:
        run = _run(served, request)
        if run is None:
            return _unknown(request)
        text = dump_history(run.events)
        await served.durable()
        return Response(text, media_type="application/json")

    async def status(request: Request) -> JSONResponse:
        return JSONResponse(_status(served, polls))

    return Starlette(routes=[Route("/", executions), Route("/timeline", timeline),
                             Route("/history", history), Route("/status.json", status)])


def _status(served: ServedService, polls: LongPolls) -> dict[str, object]:
    clock = served.simulator.clock
    return {
        "virtualTime": clock.millis / 1000, "speed": served.anchor.speed,
        "pollsWaiting": [{"operation": operation, "domain": domain, "taskList": task_list,
                          "polls": count}
                         for (operation, domain, task_list), count in polls.waiting().items()],
        "journal": None if served.journal is None else {
            "path": str(served.journal.path), "calls": served.journaled},
    }


def _run(served: ServedService, request: Request) -> Execution | None:
    query = request.query_params
    key = (query.get("domain", ""), query.get("workflowId", ""), query.get("runId", ""))
    run = served.world.runs.get(key)
    return None if run is None or expired(served.world, run) else run


def _unknown(request: Request) -> PlainTextResponse:
    query = request.query_params
    return PlainTextResponse(
        f"Unknown execution: domain={query.get('domain')}, workflowId={query.get('workflowId')},"
        f" runId={query.get('runId')}", status_code=404)


def _selected(served: ServedService, query: Mapping[str, str]) -> tuple[list[Execution], int]:
    """The runs the filters keep, newest first (at most ROWS), and how many they keep."""
    status = query.get("status") or "all"
    type_name = query.get("type") or ""
    id_part = query.get("id") or ""
    domain = query.get("domain") or ""
    kept = []
    for run in served.world.runs.values():
        if expired(served.world, run) or (domain and run.domain != domain):
            continue
        if (status == "open" and not run.open) or (status == "closed" and run.open):
            continue
        if status not in ("all", "open", "closed") and run.close_status != status:
            continue
        if type_name and run.workflow_type["name"] != type_name:
            continue
        if id_part and id_part not in run.workflow_id:
            continue
        kept.append(run)
    kept.sort(key=lambda run: (run.started_at, run.order), reverse=True)
    return kept[:ROWS], len(kept)


def _executions_page(served: ServedService, polls: LongPolls, query: Mapping[str, str]) -> str:
    runs, total = _selected(served, query)
    world = served.world
    open_count = len(world.open_runs)
    waiting = sum(polls.waiting().values())
    journal = ("in memory (no --db)" if served.journal is None else
               f"journal {_text(str(served.journal.path))}, {served.journaled:,} calls")
    rows = "\n".join(_row(run) for run in runs) or (
        '<tr><td colspan="9">No execution matches.</td></tr>')
    shown = f"{total:,}" if total <= ROWS else f"the newest {ROWS:,} of {total:,}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>garcon-sim serve</title>
<style>{_STYLE}</style></head><body>
<h1>garcon-sim serve: executions</h1>
<p>Virtual time {_time(from_millis(world.clock.millis))} (speed {served.anchor.speed:g}x);
{open_count:,} open; {waiting:,} polls waiting; {journal}. No authentication.</p>
{_filters(query)}
<p>{shown} execution(s).</p>
<table>
<tr><th>workflowId</th><th>type</th><th>status</th><th>started</th><th>closed</th>
<th>events</th><th>input</th><th>result or reason</th><th>links</th></tr>
{rows}
</table></body></html>
"""


def _filters(query: Mapping[str, str]) -> str:
    chosen = query.get("status") or "all"
    options = "".join(f'<option{" selected" if status == chosen else ""}>{status}</option>'
                      for status in STATUSES)
    return (f'<form method="get" action="/">'
            f'<label>status <select name="status">{options}</select></label>'
            f'<label>type <input name="type" value="{_text(query.get("type") or "")}"></label>'
            f'<label>workflowId contains <input name="id" '
            f'value="{_text(query.get("id") or "")}"></label>'
            f'<label>domain <input name="domain" value="{_text(query.get("domain") or "")}">'
            f'</label><button>filter</button></form>')


def _row(run: Execution) -> str:
    status = "OPEN" if run.open else run.close_status or ""
    link = urlencode({"domain": run.domain, "workflowId": run.workflow_id, "runId": run.run_id})
    first = attributes(run.events[0]) if run.events else {}
    outcome = _outcome(run)
    workflow_type = f"{run.workflow_type['name']} {run.workflow_type['version']}"
    return (f"<tr><td>{_text(run.workflow_id)}<br><code>{_text(run.run_id)}</code>"
            f"<br><small>{_text(run.domain)}</small></td>"
            f"<td>{_text(workflow_type)}</td><td class=\"{status}\">{status}</td>"
            f"<td>{_time(run.started_at)}</td>"
            f"<td>{'' if run.closed_at is None else _time(run.closed_at)}</td>"
            f"<td>{len(run.events):,}</td>"
            f"<td class=\"text\">{_snippet(first.get('input'))}</td>"
            f"<td class=\"text\">{_snippet(outcome)}</td>"
            f"<td><a href=\"/timeline?{_text(link)}\">timeline</a> "
            f"<a href=\"/history?{_text(link)}\">history</a></td></tr>")


def _outcome(run: Execution) -> str | None:
    """What the close event says: the result, or the reason, cause or timeout type."""
    if run.open or not run.events:
        return None
    details = attributes(run.events[-1])
    parts = [str(details[key]) for key in ("result", "reason", "cause", "timeoutType",
                                           "details") if details.get(key)]
    return " / ".join(parts) or None


def _snippet(text: str | None) -> str:
    if not text:
        return ""
    short = text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "\u2026"
    return f'<span title="{_text(text[:2000])}">{_text(short)}</span>'


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
