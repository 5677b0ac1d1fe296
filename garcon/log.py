"""Logger names that carry the execution, as garcon's do.

While an activity runs, its logger is `garcon.<domain>.<workflow_id>.<run_id>`: configure a
handler on `garcon` and a formatter with `%(name)s` to see which execution a line is about.
"""
from __future__ import annotations

import logging

LOGGER_PREFIX = "garcon"


def execution_logger(domain: str, workflow_id: str, run_id: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_PREFIX}.{domain}.{workflow_id}.{run_id}")


def worker_logger() -> logging.Logger:
    return logging.getLogger(f"{LOGGER_PREFIX}.worker")
