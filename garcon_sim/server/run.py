"""`garcon-sim serve`: check the options, listen, open the state, and run the HTTP server
(`http_server.py`: uvicorn and Starlette, the `serve` extra, imported only now)."""
from __future__ import annotations

import math
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TextIO

from ..clock import from_millis
from .journal import JournalError
from .served import ServedService

PROG = "garcon-sim serve"
SERVE_DEPENDENCIES = frozenset({"uvicorn", "starlette", "httptools", "uvloop"})
"""What the `serve` extra installs: the rest of garcon and garcon_sim runs without them."""


class ServeError(Exception):
    """The server cannot start; the message says why, in one line."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 7777
    db: Path | None = None
    """The journal file (SQLite); None keeps everything in memory."""
    speed: float = 1.0
    """How many virtual seconds pass per real second."""
    seed: int | None = None
    """The simulator's seed (0 for a new state; a journal keeps its own)."""
    poll_timeout: float = 60.0
    """Real seconds an empty long poll waits for a task (SWF: 60)."""


def serve(options: ServeOptions, out: TextIO = sys.stdout) -> int:
    """Serve until SIGINT or SIGTERM (0), or until the journal fails (1)."""
    if not (math.isfinite(options.speed) and options.speed > 0):
        raise ServeError(f"--speed must be a number above 0, not {options.speed:g}")
    if not (math.isfinite(options.poll_timeout) and options.poll_timeout > 0):
        raise ServeError(f"--poll-timeout must be a number of seconds above 0, not "
                         f"{options.poll_timeout:g}")
    if not 0 <= options.port <= 65535:
        raise ServeError(f"--port must be from 0 to 65535, not {options.port}")
    http_server = _http_server()
    listener = _listen(options.host, options.port)
    try:
        served = ServedService.open(db=options.db, seed=options.seed, speed=options.speed)
    except JournalError as error:
        listener.close()
        raise ServeError(str(error)) from None
    try:
        server = http_server.HTTPServer(served, options.poll_timeout)
        _banner(out, served, options, listener.getsockname()[1])
        server.run(sockets=[listener])
    finally:
        served.close()
    if server.fatal is not None:
        print(f"{PROG}: stopped: {server.fatal}", file=sys.stderr)
        return 1
    return 0


def _http_server() -> ModuleType:
    """The module that runs the HTTP server, once its dependencies are found."""
    try:
        from . import http_server
    except ImportError as error:
        missing = (error.name or "").partition(".")[0]
        if missing not in SERVE_DEPENDENCIES:
            raise
        raise ServeError(f"serving needs {missing}, which is not installed: pip install "
                         f"'garcon-sim[serve]' (in a checkout: pip install -e '.[serve]')"
                         ) from None
    return http_server


def _listen(host: str, port: int) -> socket.socket:
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        return socket.create_server(address[:2], family=family, backlog=2048)
    except OSError as error:
        # create_server rewords strerror ("... (while attempting to bind on ...)").
        reason = (os.strerror(error.errno) if error.errno and error.errno > 0
                  else error.strerror or str(error))
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None


def _banner(out: TextIO, served: ServedService, options: ServeOptions, port: int) -> None:
    host = f"[{options.host}]" if ":" in options.host else options.host
    url = f"http://{host}:{port}"
    if served.journal is None:
        state = "state in memory (--db FILE keeps it)"
    elif served.replayed:
        state = f"state from {served.journal.path} ({served.replayed:,} calls replayed)"
    else:
        state = f"state in {served.journal.path}"
    lines = [
        f"SWF endpoint on {url} (AWS JSON 1.0). No authentication: any credentials and any "
        f"signature are accepted.",
        f"{state}; seed {served.seed}; "
        f"virtual time {from_millis(served.simulator.clock.millis).isoformat()} at "
        f"{options.speed:g}x; long polls wait up to {options.poll_timeout:g} s",
        f"executions: {url}/  workers: AWS_ENDPOINT_URL_SWF={url} python -m garcon.worker FLOW",
    ]
    if options.host not in ("127.0.0.1", "localhost", "::1"):
        lines.append(f"listening on {options.host}: anyone who can reach this machine can "
                     f"use it")
    for line in lines:
        print(f"{PROG}: {line}", file=out)
    out.flush()
