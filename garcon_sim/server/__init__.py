"""`garcon-sim serve`: the simulator as a local SWF endpoint for real processes.

Theory of operation
-------------------
A shell around the same `SWFService` the in-process clients use; everything real sits here and
the service stays free of threads, sockets and wall-clock reads:

- `app.py`: the HTTP adapter (an ASGI app under uvicorn): SWF's AWS JSON 1.0 API on POST
  (`wire.py` parses and refuses at the edge), the pages on GET (`page.py`, Starlette).
- `served.py`: the simulator on real time (its virtual clock runs at `speed` times the
  monotonic clock), answering each call at "now" through `clients.wire_answer`, and journaling
  the calls that changed it.
- `driver.py`: the clock driver, an asyncio task that sleeps until the next deadline and moves
  the clock, so that timers and timeouts fire on time while nobody calls.
- `polls.py`: long polls, waiting as futures outside the service until a task is queued on
  their task list (the service's one hook: `TaskQueues.on_push`).
- `journal.py`: the SQLite journal: every call that changed the state, committed before its
  answer leaves, replayed in order at its instant to rebuild the state on a restart.
- `run.py`: the command: options, the listening socket, the banner; `http_server.py`: uvicorn
  running the app beside the clock driver. uvicorn and Starlette are the `serve` extra's, imported
  only to serve: without them, `garcon-sim serve` says how to install them.
"""
from .run import ServeError, ServeOptions, serve

__all__ = ["ServeError", "ServeOptions", "serve"]
