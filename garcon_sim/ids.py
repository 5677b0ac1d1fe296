"""Identifiers drawn from the simulator's one seeded random generator.

Real runIds are 45 characters: "2" followed by the base64 of 32 bytes whose first six bits make
the next character a "2" as well (every recorded runId starts with "22" and ends with one "=").
Task tokens are long opaque base64 strings; page tokens are shorter ones, which carry the
instant they were issued (so that one long forgotten still reads as expired, as SWF's do).
"""
from __future__ import annotations

import base64
import binascii
import random

PAGE_TOKEN_BYTES = 48


class IdSource:
    """Makes runIds and tokens; the same seed and the same calls give the same strings."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def _bytes(self, count: int) -> bytes:
        return self._rng.getrandbits(8 * count).to_bytes(count, "big")

    def run_id(self) -> str:
        raw = bytearray(self._bytes(32))
        raw[0] = (54 << 2) | (raw[0] & 0b11)  # 54 is "2" in the base64 alphabet
        return "2" + base64.b64encode(bytes(raw)).decode("ascii")

    def task_token(self) -> str:
        return "AAAAK" + base64.b64encode(self._bytes(192)).decode("ascii")

    def page_token(self, issued_millis: int) -> str:
        raw = bytearray(self._bytes(PAGE_TOKEN_BYTES))
        raw[:8] = issued_millis.to_bytes(8, "big")
        return base64.b64encode(bytes(raw)).decode("ascii")


def page_token_issued(token: str) -> int | None:
    """The instant (epoch milliseconds) a page token says it was issued; None for a string
    that is not one of ours."""
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw[:8], "big") if len(raw) == PAGE_TOKEN_BYTES else None
