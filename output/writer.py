"""Append records to a JSONL file, one whole flushed line each, so a killed run loses at most
the line it was writing; reopening repairs that torn last line before appending."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import jsonlines

logger = logging.getLogger(__name__)


class JsonlWriter:
    """`with JsonlWriter(path) as w: w.write(record)`; "-" writes to stdout."""

    def __init__(self, path: str | os.PathLike[str], stream: IO[str] | None = None) -> None:
        self.path = Path(path)
        self._stream = sys.stdout if stream is None and str(path) == "-" else stream
        self._file: IO[str] | None = None
        self._writer: jsonlines.Writer | None = None
        self.written = 0
        """Records written by this writer (not counting lines already in the file)."""

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        if self._stream is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            repair_torn_tail(self.path)
            self._file = self.path.open("a", encoding="utf-8", newline="\n")
        target = self._stream if self._stream is not None else self._file
        self._writer = jsonlines.Writer(target, flush=True, sort_keys=True, compact=True)

    def write(self, record: dict[str, Any]) -> None:
        """Serialise first, then write the whole line at once and flush it."""
        if self._writer is None:
            raise RuntimeError(f"{self.path}: writer is not open")
        self._writer.write(record)
        self.written += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._file is not None:
            self._file.close()
            self._file = None


def repair_torn_tail(path: Path) -> None:
    """Drop a partial last line (no trailing newline) left by a killed writer."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) == b"\n":
            return
        size = handle.seek(0, os.SEEK_END)
        cut = _last_newline(handle, size)
        handle.truncate(cut)
    logger.warning(
        "%s: dropped a torn last line (%d bytes) left by an interrupted run", path, size - cut
    )


def _last_newline(handle: IO[bytes], size: int, chunk: int = 65536) -> int:
    """Offset just after the last newline, or 0 when the file holds no complete line."""
    end = size
    while end > 0:
        start = max(0, end - chunk)
        handle.seek(start)
        block = handle.read(end - start)
        index = block.rfind(b"\n")
        if index != -1:
            return start + index + 1
        end = start
    return 0


def read_values(path: Path, key: str) -> list[str]:
    """The string `key` of every whole record in a JSONL file (resume state). Only lines that
    end in a newline count, exactly as repair_torn_tail keeps them (a torn line may end inside
    a multi-byte character, so lines are split as bytes); a line that does not parse or a
    record without the key is passed over."""
    if not path.exists():
        return []
    with path.open("rb") as handle:
        whole = (line for line in handle if line.endswith(b"\n"))
        return [
            record[key]
            for record in jsonlines.Reader(whole).iter(skip_invalid=True, skip_empty=True)
            if isinstance(record, dict) and isinstance(record.get(key), str)
        ]
