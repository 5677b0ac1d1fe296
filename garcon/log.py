"""Logger names that carry the execution, as garcon's do.

While an activity runs, its logger is `garcon.<domain>.<workflow_id>.<run_id>`: configure a
handler on `garcon` and a formatter with `%(name)s` to see which execution a line is about.
`GarconLogger` gives a class garcon's `logger`, `set_log_context` and `unset_log_context`.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

LOGGER_PREFIX = "garcon"
EXECUTION_KEYS = ("execution.domain", "execution.workflow_id", "execution.run_id")
"""Context keys naming the execution; every activity input carries them."""


def get_logger_namespace(execution_context: Mapping[str, Any]) -> str:
    """`garcon.<domain>.<workflow_id>.<run_id>` for a context holding the execution keys."""
    return ".".join([LOGGER_PREFIX, *(str(execution_context.get(key)) for key in EXECUTION_KEYS)])


def execution_logger(domain: str, workflow_id: str, run_id: str) -> logging.Logger:
    return logging.getLogger(get_logger_namespace(dict(zip(
        EXECUTION_KEYS, (domain, workflow_id, run_id), strict=True))))


def worker_logger() -> logging.Logger:
    return logging.getLogger(f"{LOGGER_PREFIX}.worker")


class GarconLogger:
    """A `logger` named after the execution in hand once `set_log_context` was given one
    (a context with the execution keys), `garcon` otherwise. The name is the calling
    thread's: a worker running several attempts of an activity at once (`concurrency`) has
    each of them log under its own execution."""

    @property
    def logger_name(self) -> str | None:
        return getattr(self._log_context(), "name", None)

    @logger_name.setter
    def logger_name(self, name: str | None) -> None:
        self._log_context().name = name

    def _log_context(self) -> threading.local:
        return self.__dict__.setdefault("_thread_log_context", threading.local())

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(self.logger_name or LOGGER_PREFIX)

    def set_log_context(self, execution_context: Mapping[str, Any]) -> None:
        if all(key in execution_context for key in EXECUTION_KEYS):
            self.logger_name = get_logger_namespace(execution_context)

    def unset_log_context(self) -> None:
        self.logger_name = None
