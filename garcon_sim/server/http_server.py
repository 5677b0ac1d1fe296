"""The HTTP server of `garcon-sim serve`: uvicorn running the ASGI app, with the clock driver
beside it. Its dependencies are the `serve` extra's; `run.py` imports it once they are found."""
from __future__ import annotations

import asyncio
import signal
import socket
from types import FrameType

import uvicorn

from .app import ServerApp
from .driver import ClockDriver
from .polls import LongPolls
from .served import ServedService

KEEP_ALIVE_SECONDS = 65
"""Idle connections are kept longer than a long poll, so that pollers reuse theirs."""


class HTTPServer(uvicorn.Server):
    """uvicorn's server, with the clock driver running beside it and the long polls answered
    when it stops."""

    def __init__(self, served: ServedService, poll_timeout: float) -> None:
        self.served = served
        self.polls = LongPolls(served, poll_timeout)
        self.driver = ClockDriver(served, self.polls, on_fatal=self._stop)
        self.fatal: str | None = None
        app = ServerApp(served, self.polls, self.driver, on_fatal=self._stop)
        # No proxy in front: X-Forwarded-* headers are not read (uvicorn's middleware for
        # them is one more layer on every call).
        super().__init__(uvicorn.Config(app, lifespan="off", log_level="warning",
                                        access_log=False, server_header=False,
                                        proxy_headers=False,
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
