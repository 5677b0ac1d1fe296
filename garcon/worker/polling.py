"""Keeping a worker alive: which errors are passing, how long to back off, the poll loop."""
from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

RESPOND_ATTEMPTS = 10
"""How often an answer (Respond* call) is tried when SWF is throttling or unavailable: with the
backoff's full jitter, up to a minute apart, about two and a half minutes on average, within
the five minutes a task usually has before it times out."""

THROTTLING_CODES = frozenset({"ThrottlingException", "Throttling", "ThrottledException",
                              "RequestLimitExceeded", "TooManyRequestsException"})


def error_code(error: BaseException) -> str | None:
    return error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None


def is_transient(error: BaseException) -> bool:
    """Throttling, a 5xx answer, or no answer at all: worth trying again later."""
    if isinstance(error, (ConnectionError, HTTPClientError)):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(error) in THROTTLING_CODES or status >= 500
    return False


def is_gone(error: BaseException) -> bool:
    """The task timed out, or its execution closed: its token is no longer known."""
    return error_code(error) == "UnknownResourceFault"


class Backoff:
    """Exponential backoff with full jitter: a random wait up to base x 2^n seconds, capped."""

    def __init__(self, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        delay = self._rng.uniform(0, min(self.cap, self.base * 2 ** self.failures))
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


def respond(call: Callable[..., Any], request: dict[str, Any], *, what: str,
            sleep: Callable[[float], Any], rng: random.Random,
            logger: logging.Logger) -> bool:
    """Send an answer to SWF, trying again after a backoff while it throttles or is
    unavailable (a lost answer would cost the task its timeout). False when the task is gone:
    it timed out or its execution closed, and nobody waits for the answer any more."""
    backoff = Backoff(rng=rng)
    for attempt in range(1, RESPOND_ATTEMPTS + 1):
        try:
            call(**request)
            return True
        except Exception as error:
            if is_gone(error):
                logger.warning("%s gone before its answer: %s", what, error)
                return False
            if not is_transient(error) or attempt == RESPOND_ATTEMPTS:
                raise
            sleep(backoff.next_delay())
    return False


def report(on_exception: Callable | None, actor: Any, error: BaseException,
           logger: logging.Logger) -> None:
    """Hand an error to the flow's `on_exception(actor, error)`, which must not kill us."""
    if on_exception is None:
        return
    try:
        on_exception(actor, error)
    except Exception:
        logger.exception("on_exception raised while handling %r", error)


class Poller:
    """One step of a worker at a time (poll, and handle what came), surviving its errors.

    Calling it runs the step and returns how long to wait before the next one: 0 after a
    success; after an error, a backoff (logged at WARNING when the error is passing, at ERROR
    otherwise, and reported to `on_exception`). The production loop waits on a clock, the
    simulator's harness on its virtual one. `worked` says whether the last step had a task to
    handle (the step returns a truthy value when it had).
    """

    def __init__(self, step: Callable[[], Any], *, name: str, logger: logging.Logger,
                 on_exception: Callable | None = None, actor: Any = None,
                 backoff: Backoff | None = None):
        self.step = step
        self.name = name
        self.logger = logger
        self.on_exception = on_exception
        self.actor = actor
        self.backoff = backoff or Backoff()
        self.worked = False

    def __call__(self) -> float:
        self.worked = False
        try:
            self.worked = bool(self.step())
        except Exception as error:
            delay = self.backoff.next_delay()
            if is_transient(error):
                self.logger.warning("%s: %s; trying again in %.1f s", self.name, error, delay)
            else:
                self.logger.error("%s: %s; trying again in %.1f s", self.name, error, delay,
                                  exc_info=True)
            report(self.on_exception, self.actor, error, self.logger)
            return delay
        self.backoff.reset()
        return 0.0


def serve(poller: Poller, stop: threading.Event) -> None:
    """Run `poller` until `stop` is set, waiting out its backoffs (a stop cuts a wait short)."""
    while not stop.is_set():
        delay = poller()
        if delay:
            stop.wait(delay)


def start_serving(pollers: Iterable[Poller], stop: threading.Event) -> list[threading.Thread]:
    """A daemon thread for each poller, named after it, serving it until `stop` is set:
    started, for the caller to join."""
    threads = [threading.Thread(target=serve, args=(poller, stop), name=poller.name,
                                daemon=True) for poller in pollers]
    for thread in threads:
        thread.start()
    return threads
