"""Sinks: where records go, chosen by the output path's suffix.

A sink is opened, written one JSON-ready record at a time, and closed, like Scrapy's item
exporters; a record is "written" (the ledger may enter it) once `write` returns, so a sink that
buffers must make its buffer durable first. `existing()` lists the (id, url) of records an
existing output already holds, for the ledger to adopt (nothing, for a format that cannot be
read back); `clear()` removes the output before it is replaced (-O). Adding a format is a
module with its sink class and one line in `SINKS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from .parquet import ParquetSink
from .writer import JsonlWriter

STDOUT = "-"


class Sink(Protocol):
    path: Path

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def open(self) -> None: ...

    def write(self, record: dict[str, Any]) -> None: ...

    def close(self) -> None: ...

    def clear(self) -> None: ...

    def existing(self) -> Iterable[tuple[str, str | None]]: ...


SINKS: dict[str, Callable[[Path], Sink]] = {
    ".jsonl": JsonlWriter,
    ".parquet": ParquetSink,
}
"""Output suffix -> sink class; stdout ("-") is JSONL."""


class UnknownOutputFormat(ValueError):
    """An output path whose suffix names no sink."""

    def __init__(self, path: str) -> None:
        known = ", ".join(sorted(SINKS))
        super().__init__(f"{path}: unknown output format; name a file ending in {known}")


def sink_for(path: str | Path) -> Sink:
    """The sink that writes `path` ("-": JSONL on stdout), or UnknownOutputFormat."""
    if str(path) == STDOUT:
        return JsonlWriter(STDOUT)
    name = Path(path).name.lower()
    for suffix, sink in SINKS.items():
        if name.endswith(suffix):
            return sink(Path(path))
    raise UnknownOutputFormat(str(path))
