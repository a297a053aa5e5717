"""`Opening`: what the writer, the sinks and the ledger share, `open()`/`close()` that also work
as a context manager (`with JsonlWriter(path) as writer: ...`)."""

from __future__ import annotations

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
