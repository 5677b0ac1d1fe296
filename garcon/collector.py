"""A pause of Python's cyclic garbage collector around a large decision, safe across threads.

A fold makes a few objects per event and none in a cycle, so reference counting frees them all
when the decision is made. Left running, the cyclic collector would walk them again and again
while they are made (at 25,000 events, some 15% of a cold decision's time) for nothing to find.
The collector is the process's: the first decision of several at once pauses it and the last
one resumes it, and only if it was running; other threads meanwhile still free their objects
by reference counting, and their cycles wait a few milliseconds.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
