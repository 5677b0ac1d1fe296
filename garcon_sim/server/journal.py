"""The journal: the calls that changed the served service, durable in SQLite.

The simulator is deterministic: ids and tokens come from one seeded generator and time from the
virtual clock, and a deadline fires at its own instant however the clock got there (in one step
or in many). So the calls it accepted, each with the virtual instant it was answered at, are its
whole state: replayed in order on a fresh simulator with the same seed and start time, the clock
moved to each call's instant first, they rebuild it exactly, task tokens included. Each entry
also keeps the answer's status and a CRC-32 of its body, so that a replay that departs (a journal
written by another version of the simulator) is refused instead of serving a different state.

A call is written and committed (WAL, synchronous=FULL: a commit waits for the disk) before
its answer leaves the server; `group_commit.py` batches the commits of a busy server.
The header keeps the seed, the start of the virtual clock and the clock's last anchor (a virtual
instant, the wall-clock time it was taken at, the speed), from which a restart computes where
the clock would be had the server run on.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

APPLICATION_ID = 0x67736A31
"""Marks the SQLite file as a garcon-sim journal ("gsj1")."""
FORMAT = 1

_SCHEMA = """
CREATE TABLE header (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE calls (
    seq INTEGER PRIMARY KEY,
    millis INTEGER NOT NULL,
    operation TEXT NOT NULL,
    params BLOB NOT NULL,
    status INTEGER NOT NULL,
    digest INTEGER NOT NULL
);
"""


_INSERT = "INSERT INTO calls (millis, operation, params, status, digest) VALUES "
ROWS_PER_INSERT = 199
"""Rows an INSERT writes at most: 5 parameters a row within the 999 that any SQLite allows."""


class JournalError(Exception):
    """The journal cannot be used (not a journal, another seed, a replay that departs, a write
    that failed); the message says which, in one line."""


@dataclass(frozen=True)
class Anchor:
    """A virtual instant, the wall-clock time (epoch seconds) it was taken at, and the speed of
    the virtual clock from then on."""

    virtual_millis: int
    wall_seconds: float
    speed: float

    def virtual_at(self, wall_seconds: float) -> int:
        """Where the virtual clock stands at `wall_seconds` had it run on at this speed."""
        return self.virtual_millis + round((wall_seconds - self.wall_seconds) * self.speed * 1000)


@dataclass(frozen=True)
class Entry:
    millis: int
    operation: str
    params: bytes
    status: int
    digest: int


class Journal:
    """One SQLite file: a header (seed, start, anchor) and the calls, in the order answered."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            # check_same_thread=False: the group committer writes from a thread of its own,
            # once nothing else uses the connection (see group_commit.py).
            self._db = sqlite3.connect(self.path, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._header = self._read_header()
        except sqlite3.Error as error:
            raise JournalError(f"{self.path}: cannot be opened as a journal: {error}") from None

    def _read_header(self) -> dict[str, str] | None:
        """The header of a journal; None for a new (empty) file; refuses any other file."""
        (application_id,) = self._db.execute("PRAGMA application_id").fetchone()
        if application_id != APPLICATION_ID:
            if application_id or self._db.execute("SELECT count(*) FROM sqlite_master"
                                                  ).fetchone()[0]:
                raise JournalError(f"{self.path}: not a garcon-sim journal (a SQLite file of "
                                   f"something else)")
            return None
        header = dict(self._db.execute("SELECT key, value FROM header"))
        if header.get("format") != str(FORMAT):
            raise JournalError(f"{self.path}: a journal of format {header.get('format')}, this "
                               f"garcon-sim reads format {FORMAT}")
        return header

    @property
    def fresh(self) -> bool:
        """Whether the file held no journal when opened (`create` then starts one)."""
        return self._header is None

    def create(self, seed: int, start_millis: int) -> None:
        self._db.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA application_id={APPLICATION_ID}; COMMIT;")
        self._write_header({"format": FORMAT, "seed": seed, "start_millis": start_millis})

    @property
    def seed(self) -> int:
        return int(self._value("seed"))

    @property
    def start_millis(self) -> int:
        return int(self._value("start_millis"))

    @property
    def anchor(self) -> Anchor | None:
        if self._header is None or "anchor_millis" not in self._header:
            return None
        return Anchor(int(self._value("anchor_millis")), float(self._value("anchor_wall")),
                      float(self._value("anchor_speed")))

    def set_anchor(self, anchor: Anchor) -> None:
        self._write_header({"anchor_millis": anchor.virtual_millis,
                            "anchor_wall": anchor.wall_seconds, "anchor_speed": anchor.speed})

    def _value(self, key: str) -> str:
        if self._header is None:
            raise JournalError(f"{self.path}: no journal was created in it")
        return self._header[key]

    def _write_header(self, values: dict[str, object]) -> None:
        text = {key: str(value) for key, value in values.items()}
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany("INSERT OR REPLACE INTO header VALUES (?, ?)",
                             list(text.items()))
        self._db.execute("COMMIT")
        self._header = {**(self._header or {}), **text}

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM calls").fetchone()[0]

    def entries(self) -> Iterator[Entry]:
        """The calls in the order they were answered."""
        for row in self._db.execute("SELECT millis, operation, params, status, digest "
                                    "FROM calls ORDER BY seq"):
            yield Entry(*row)

    def append(self, entry: Entry) -> None:
        """Write one call and commit it: durable when this returns."""
        self.append_all([entry])

    def append_all(self, entries: list[Entry]) -> None:
        """Write calls, in order; durable when this returns. Each chunk of ROWS_PER_INSERT is
        one INSERT statement, which is its own transaction (one sync of the disk): one call
        into SQLite, so the committer thread gives up and takes back the GIL once per chunk,
        not once per statement and row (each taking back can wait for the event loop's
        thread, up to the interpreter's switch interval)."""
        try:
            for start in range(0, len(entries), ROWS_PER_INSERT):
                chunk = entries[start:start + ROWS_PER_INSERT]
                self._db.execute(_INSERT + ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk)), [
                    value for entry in chunk for value in (
                        entry.millis, entry.operation, entry.params, entry.status,
                        entry.digest)])
        except sqlite3.Error as error:
            raise JournalError(f"{self.path}: cannot write the journal: {error}") from None

    def close(self) -> None:
        self._db.close()
