"""`garcon-sim serve`: put the pieces together and run them under uvicorn."""
from __future__ import annotations

import asyncio
import math
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

import uvicorn

from ..clock import from_millis
from .app import ServerApp
from .driver import ClockDriver
from .journal import JournalError
from .polls import LongPolls
from .served import ServedService

PROG = "garcon-sim serve"
KEEP_ALIVE_SECONDS = 65
"""Idle connections are kept longer than a long poll, so that pollers reuse theirs."""


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
    listener = _listen(options.host, options.port)
    try:
        served = ServedService.open(db=options.db, seed=options.seed, speed=options.speed)
    except JournalError as error:
        listener.close()
        raise ServeError(str(error)) from None
    try:
        server = _Server(served, options.poll_timeout)
        _banner(out, served, options, listener.getsockname()[1])
        server.run(sockets=[listener])
    finally:
        served.close()
    if server.fatal is not None:
        print(f"{PROG}: stopped: {server.fatal}", file=sys.stderr)
        return 1
    return 0


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


class _Server(uvicorn.Server):
    """uvicorn's server, with the clock driver running beside it and the long polls answered
    when it stops."""

    def __init__(self, served: ServedService, poll_timeout: float) -> None:
        self.served = served
        self.polls = LongPolls(served, poll_timeout)
        self.driver = ClockDriver(served, self.polls, on_fatal=self._stop)
        self.fatal: str | None = None
        app = ServerApp(served, self.polls, self.driver, on_fatal=self._stop)
        super().__init__(uvicorn.Config(app, lifespan="off", log_level="warning",
                                        access_log=False, server_header=False,
                                        timeout_keep_alive=KEEP_ALIVE_SECONDS))
        self._clock: asyncio.Task | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """SIGINT or SIGTERM: stop gracefully and exit 0 (uvicorn would raise the signal again
        once stopped); a second SIGINT stops at once."""
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True

    def _stop(self, message: str) -> None:
        self.fatal = message
        self.should_exit = True

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.served.commit_in_groups(asyncio.get_running_loop())
        await super().startup(sockets)
        self._clock = asyncio.create_task(self.driver.run())

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._clock is not None:
            self._clock.cancel()
        self.polls.release()
        await super().shutdown(sockets)
