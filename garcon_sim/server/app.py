"""The HTTP face of the server: SWF's API on POST, the pages on GET.

The API is a plain ASGI callable rather than a Starlette endpoint: it is on the path of every
call, and a long poll must notice its client going away while it waits (ASGI's
`http.disconnect`), which a request/response endpoint does not see. Per call it checks the size
(SWF's 1 MB, headers included) before reading more than that, names the operation and parses the
parameters (`wire.py`), answers through the served service, hands newly queued tasks to waiting
polls and wakes the clock driver, and, for an empty poll, waits for a task (`polls.py`). A
journal that cannot be written stops the server: its state would run ahead of its journal.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from garcon.limits import SWF_LIMITS

from ..clients import wire_body
from .driver import ClockDriver
from .journal import JournalError
from .page import pages
from .polls import LongPolls, Waiter
from .served import INTERNAL_FAILURE, Answer, ServedService
from .wire import JSON_CONTENT_TYPE, WireError, operation_of, parse_params, too_large

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

logger = logging.getLogger("garcon_sim.server")


class _Disconnected(Exception):
    """The client went away before it had its answer."""


class ServerApp:
    """The ASGI application: `ServerApp(served, polls, driver, on_fatal=...)`."""

    def __init__(self, served: ServedService, polls: LongPolls, driver: ClockDriver, *,
                 on_fatal: Callable[[str], None],
                 request_limit: int = SWF_LIMITS.request_bytes) -> None:
        self.served = served
        self.polls = polls
        self.driver = driver
        self.on_fatal = on_fatal
        """Called with a message when the server must stop (the journal failed)."""
        self.request_limit = request_limit
        self.pages = pages(served, polls)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            await self._api(scope, receive, send)
        else:
            await self.pages(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            operation, params, raw = await self._request(scope, receive)
        except WireError as error:
            await _respond(send, error.status, wire_body(error.body()))
            return
        except _Disconnected:
            return
        try:
            answer = self._call(operation, params, raw)
            if LongPolls.waits(operation, params, answer):
                held = self.polls.hold(operation, params, raw)
                if isinstance(held, Answer):
                    answer = held
                else:
                    handed = await self._wait(held, receive)
                    answer = handed or self._call(operation, params, raw)
            await self.served.durable()
        except _Disconnected:
            return
        except JournalError as error:
            logger.error("%s: stopping", error)
            self.on_fatal(str(error))
            await _respond(send, 500, wire_body({"__type": INTERNAL_FAILURE,
                                                 "message": str(error)}))
            return
        await _respond(send, answer.status, answer.data)

    def _call(self, operation: str, params: dict, raw: bytes) -> Answer:
        """Answer a call, hand what it queued to the polls waiting for it, wake the driver."""
        answer = self.served.call(operation, params, raw)
        self.polls.dispatch()
        self.driver.poke()
        return answer

    async def _request(self, scope: Scope, receive: Receive) -> tuple[str, dict, bytes]:
        headers = scope["headers"]
        header_bytes = len(scope.get("raw_path") or b"")
        target = declared = None
        for name, value in headers:
            header_bytes += len(name) + len(value) + 4
            if name == b"x-amz-target":
                target = value
            elif name == b"content-length" and value.isdigit():
                declared = int(value)
        budget = self.request_limit - header_bytes
        if declared is not None and declared > budget:
            raise too_large(header_bytes + declared, self.request_limit)
        operation = operation_of(target)
        body = await _read_body(receive, budget, header_bytes, self.request_limit)
        return operation, parse_params(operation, body), body

    async def _wait(self, waiter: Waiter, receive: Receive) -> Answer | None:
        """What a held poll got when a task came, None once its time passed; raises
        _Disconnected when its client went away first."""
        poll = asyncio.ensure_future(self.polls.wait(waiter))
        gone = asyncio.ensure_future(_disconnection(receive))
        await asyncio.wait((poll, gone), return_when=asyncio.FIRST_COMPLETED)
        if poll.done():
            gone.cancel()
            return poll.result()
        poll.cancel()
        raise _Disconnected


async def _read_body(receive: Receive, budget: int, header_bytes: int, limit: int) -> bytes:
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > budget:
            raise too_large(header_bytes + size, limit)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _disconnection(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _respond(send: Send, status: int, data: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", JSON_CONTENT_TYPE.encode()),
        (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
        (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
