"""Append records to a JSONL file: one whole line per record, safe with concurrent writers, and
a bounded loss on a crash or a power cut.

Each record is serialised first, then written with one `os.write` of the whole line (newline
included) to a file opened with O_APPEND, under an exclusive `flock`, so writers in several
processes never interleave (a buffered text file writes a long line and its newline
separately). A killed writer loses at most the line it was writing: the next writer drops that
torn line, at open and again, under the lock, before each write. `os.fsync` runs after every
`fsync_every` records and at close, so a power cut loses at most the last `fsync_every` records.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import jsonlines

from .opening import Opening

logger = logging.getLogger(__name__)

DEFAULT_FSYNC_EVERY = 100
"""Records between fsyncs: at a few pages a second a crawl syncs every half minute or so, and an
fsync (milliseconds) costs far less than extracting the pages it covers."""
_CHUNK = 65536


class JsonlWriter(Opening):
    """`with JsonlWriter(path) as w: w.write(record)`; "-" writes to stdout. `fsync_every`:
    records written between two fsyncs (a power cut loses at most that many)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        stream: IO[str] | None = None,
        *,
        fsync_every: int = DEFAULT_FSYNC_EVERY,
    ) -> None:
        if fsync_every < 1:
            raise ValueError(f"{path}: fsync_every must be at least 1, not {fsync_every}")
        self.path = Path(path)
        self.fsync_every = fsync_every
        self._stream = sys.stdout if stream is None and str(path) == "-" else stream
        self._fd: int | None = None
        self._open = False
        self._unsynced = 0
        self.written = 0
        """Records written by this writer (not counting lines already in the file)."""

    def open(self) -> None:
        if self._stream is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
            self._fd = os.open(self.path, flags, 0o644)
            if created:
                _fsync_directory(self.path.parent)
            with _locked(self._fd):
                _repair(self._fd, self.path)
        self._open = True

    def write(self, record: dict[str, Any]) -> None:
        """Serialise first, then write the whole line at once (flushed: no buffer in between)."""
        if not self._open:
            raise RuntimeError(f"{self.path}: writer is not open")
        line = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if self._fd is None:
            self._stream.write(line + "\n")
            self._stream.flush()
        else:
            with _locked(self._fd):
                _repair(self._fd, self.path)
                _write_all(self._fd, (line + "\n").encode("utf-8"))
            self._unsynced += 1
            if self._unsynced >= self.fsync_every:
                self._sync()
        self.written += 1

    def existing(self) -> Iterator[tuple[str, str | None]]:
        """(id, url) of every record the file already holds, for the ledger to adopt."""
        if self._fd is None:
            return
        for record in read_records(self.path):
            if isinstance(record.get("id"), str):
                yield record["id"], record.get("url")

    def clear(self) -> None:
        """Remove the file: it is being replaced (stdout has nothing to remove)."""
        if self._stream is None:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        self._open = False
        if self._fd is not None:
            if self._unsynced:
                self._sync()
            os.close(self._fd)
            self._fd = None

    def _sync(self) -> None:
        os.fsync(self._fd)
        self._unsynced = 0


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    """An exclusive advisory lock on the whole file, which every JsonlWriter takes to write."""
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _write_all(fd: int, data: bytes) -> None:
    """One write for the line; a short write (a full disk, a signal) is finished under the same
    lock, so the line still lands whole and in one piece."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_directory(folder: Path) -> None:
    """Make a new file's name durable too: without it a power cut can lose the whole file."""
    fd = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def repair_torn_tail(path: Path) -> None:
    """Drop a partial last line (no trailing newline) left by a killed writer."""
    if not path.exists():
        return
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        with _locked(fd):
            _repair(fd, path)
    finally:
        os.close(fd)


def _repair(fd: int, path: Path) -> None:
    """Under the lock: a file not ending in a newline holds the torn line of a dead writer (a
    live one finishes its line before it unlocks); cut it."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    cut = _last_newline(fd, size)
    os.ftruncate(fd, cut)
    logger.warning(
        "%s: dropped a torn last line (%d bytes) left by an interrupted run", path, size - cut
    )


def _last_newline(fd: int, size: int, chunk: int = _CHUNK) -> int:
    """Offset just after the last newline, or 0 when the file holds no complete line."""
    end = size
    while end > 0:
        start = max(0, end - chunk)
        index = os.pread(fd, end - start, start).rfind(b"\n")
        if index != -1:
            return start + index + 1
        end = start
    return 0


def read_values(path: Path, key: str) -> list[str]:
    """The string `key` of every whole record in a JSONL file (resume state). Only lines that
    end in a newline count, exactly as repair_torn_tail keeps them (a torn line may end inside
    a multi-byte character, so lines are split as bytes); a line that does not parse or a
    record without the key is passed over."""
    return [record[key] for record in read_records(path) if isinstance(record.get(key), str)]


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every whole record (a JSON object on a line that ends in a newline) of a JSONL file."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        whole = (line for line in handle if line.endswith(b"\n"))
        for record in jsonlines.Reader(whole).iter(skip_invalid=True, skip_empty=True):
            if isinstance(record, dict):
                yield record
