"""`Opening`: what the writer, the sinks, the ledger and the crawl state share, `open()`/`close()`
that also work as a context manager (`with JsonlWriter(path) as writer: ...`); `Database`, the
same around one SQLite connection."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType
from typing import Self


class Opening:
    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

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


class Database(Opening):
    """An `Opening` holding one SQLite connection (`db`) while open; `kind` names it in errors."""

    kind = "database"
    path: Path | None = None
    _db: sqlite3.Connection | None = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"{self.kind} {self.path or ':memory:'} is not open")
        return self._db
