"""The ledger (output/ledger.py): which records an output holds, by id and, for an incremental
crawl, by version (text hash), so a changed page is written again and a resumed one is not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from healthcrawl.output.ledger import Ledger

ID = "a" * 32
URL = "https://example.org/topic"


def test_a_changed_version_is_not_held_a_written_one_is(tmp_path: Path) -> None:
    with Ledger(tmp_path / "out.jsonl.ledger.sqlite") as ledger:
        ledger.add(ID, URL, "v1")
        assert (ledger.holds(ID, "v1"), ledger.holds(ID, "v2"), ledger.holds(ID)) == (
            True,
            False,
            True,
        )
        ledger.add(ID, URL, "v2")  # the changed record, written
        assert (ledger.holds(ID, "v2"), ledger.holds(ID, "v1"), len(ledger)) == (True, False, 1)
        assert ID in ledger
        assert "b" * 32 not in ledger
        assert ledger.urls() == [URL]


def test_adopted_records_of_unknown_text_hold_every_version(tmp_path: Path) -> None:
    """A record taken back from the output (written, then killed before the ledger entry) has
    no known text: it is taken for the version about to be written again, never doubled."""
    with Ledger(None) as ledger:
        assert ledger.adopt([(ID, URL)]) == 1
        assert (ledger.holds(ID, "v1"), ledger.holds("b" * 32, "v1")) == (True, False)


def test_a_ledger_from_before_versions_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl.ledger.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, url TEXT, written_at TEXT)")
        db.execute("INSERT INTO records VALUES (?, ?, '2026-01-01T00:00:00Z')", (ID, URL))
    db.close()
    with Ledger(path) as ledger:
        assert ledger.holds(ID, "v1")  # its text is not known
        ledger.add(ID, URL, "v2")
        assert (ledger.holds(ID, "v2"), ledger.holds(ID, "v1")) == (True, False)
    with Ledger(path) as ledger:
        assert ledger.holds(ID, "v2")
