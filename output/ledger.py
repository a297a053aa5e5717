"""The ledger: which records are written (id, URL), kept in SQLite apart from the output.

Resume (which pages a crawl need not fetch again) and dedup (which records not to write twice)
read the ledger, so they work whatever the sink, including formats that cannot be read back
while they are being written. A record enters the ledger right after its sink write returns:
a kill between the two leaves one record written but not entered, and `adopt` takes in what
a readable output (JSONL) already holds when it is opened again, closing that gap.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from .opening import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,      -- the record's id
    url TEXT,                 -- the URL it was fetched from (NULL for a saved page without one)
    written_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)
"""


def ledger_path(output: Path) -> Path:
    """Where an output file's ledger lives when no JOBDIR holds it: beside the output."""
    return output.with_name(output.name + ".ledger.sqlite")


class Ledger(Database):
    """`with Ledger(path) as ledger: ...`; path None keeps it in memory (for stdout output)."""

    kind = "ledger"

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def open(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path or ":memory:", isolation_level=None)
        # WAL without a sync per commit: an entry costs microseconds; one lost to a power cut is
        # taken back from the output by `adopt`, or at worst its page is extracted again.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def __contains__(self, record_id: object) -> bool:
        found = self.db.execute("SELECT 1 FROM records WHERE id = ?", (record_id,)).fetchone()
        return found is not None

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM records").fetchone()[0]

    def add(self, record_id: str, url: str | None) -> None:
        self.db.execute("INSERT OR IGNORE INTO records (id, url) VALUES (?, ?)", (record_id, url))

    def adopt(self, written: Iterable[tuple[str, str | None]]) -> int:
        """Enter records an output already holds; returns how many were not entered yet."""
        before = len(self)
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR IGNORE INTO records (id, url) VALUES (?, ?)", written)
        return len(self) - before

    def urls(self) -> list[str]:
        """URLs of the written records, in the order they were written."""
        rows = self.db.execute("SELECT url FROM records WHERE url IS NOT NULL ORDER BY rowid")
        return [url for (url,) in rows]

    def clear(self) -> None:
        """Forget everything: the output it described is being replaced."""
        self.db.execute("DELETE FROM records")
