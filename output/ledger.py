"""The ledger: which records are written (id, URL), kept in SQLite apart from the output.

Resume (which pages a crawl need not fetch again) and dedup (which records not to write twice)
read the ledger, so they work whatever the sink, including formats that cannot be read back
while they are being written. A record enters the ledger right after its sink write returns:
a kill between the two leaves one record written but not entered, and `adopt` takes in what
a readable output (JSONL) already holds when it is opened again, closing that gap.

Each record is entered with the hash of its text: an incremental crawl (output/state.py)
writes a changed page again under the same id, which is a new version, not a duplicate.
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
    written_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    text_hash TEXT            -- state.text_hash of its last version written; NULL: not known
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
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(records)")}
        if "text_hash" not in columns:  # a ledger from before versions were kept
            self._db.execute("ALTER TABLE records ADD COLUMN text_hash TEXT")

    def __contains__(self, record_id: object) -> bool:
        """Whether a record with this id (any version of it) is written."""
        return isinstance(record_id, str) and self.holds(record_id)

    def holds(self, record_id: str, text_hash: str | None = None) -> bool:
        """Whether this record is written: any version of the id when text_hash is None, else
        the version with that text (or one whose text was not known: adopted entries)."""
        found = self.db.execute(
            "SELECT 1 FROM records WHERE id = ? AND (? IS NULL OR text_hash IS NULL "
            "OR text_hash = ?)",
            (record_id, text_hash, text_hash),
        ).fetchone()
        return found is not None

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM records").fetchone()[0]

    def add(self, record_id: str, url: str | None, text_hash: str | None = None) -> None:
        """Enter a record written, or a new version of one (its text hash replaces the last)."""
        self.db.execute(
            "INSERT INTO records (id, url, text_hash) VALUES (?, ?, ?) ON CONFLICT (id) "
            "DO UPDATE SET url = excluded.url, text_hash = excluded.text_hash",
            (record_id, url, text_hash),
        )

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
