"""The crawl state (output/state.py): what is stored, what is refused, and how the pipeline's
side (Revisits) tells new, changed and unchanged pages apart."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from healthcrawl.output.state import CrawlState, Revisits, StateError, text_hash
from healthcrawl.page import Page

URL = "https://example.org/topic"
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def page(body: bytes = b"<html>x</html>", status: int = 200) -> Page:
    return Page(URL, body, {"ETag": '"v1"', "Last-Modified": "Sun, 01 Mar 2026"}, status, WHEN)


def record(text: str, record_id: str = "a" * 32) -> dict[str, object]:
    return {"id": record_id, "url": URL, "text": text}


def test_text_hash_ignores_whitespace_only() -> None:
    assert text_hash("Fever\n\n  is  common.") == text_hash("Fever is common.")
    assert text_hash("Fever is common.") != text_hash("Fever is rare.")


def test_revisits_new_changed_unchanged_and_304(tmp_path: Path) -> None:
    counts: Counter[str] = Counter()

    def count(stat: str, n: int) -> None:
        counts[stat] += n

    with CrawlState(tmp_path / "state.sqlite") as state:
        revisits = Revisits(state, count)
        assert revisits.change(page(), record("Fever is common.")) == "new"
        revisits.written(page(b"<html>twelve</html>"), record("Fever is common."))
        stored = state.get(URL)
        assert stored is not None
        assert (stored.etag, stored.last_modified, stored.record_id, stored.body_bytes) == (
            '"v1"',
            "Sun, 01 Mar 2026",
            "a" * 32,
            len(b"<html>twelve</html>"),
        )
        assert (stored.fetched_at, stored.status) == ("2026-03-01T12:00:00Z", 200)
        assert revisits.change(page(), record("Fever  is\ncommon.")) is None
        assert revisits.change(page(), record("Fever is rare.")) == "changed"
        revisits.not_modified(page(b"", status=304))
        assert state.get(URL).status == 304  # type: ignore[union-attr]
    assert counts == {
        "incremental/new": 1,
        "incremental/unchanged": 2,
        "incremental/changed": 1,
        "incremental/bytes_saved": len(b"<html>x</html>"),
    }


def test_gone_forgets_the_version_but_keeps_the_record_id(tmp_path: Path) -> None:
    with CrawlState(tmp_path / "state.sqlite") as state:
        Revisits(state, lambda stat, n: None).written(page(), record("Text."))
        state.gone(URL, "2026-03-02T00:00:00Z", 410)
        gone = state.get(URL)
    assert gone is not None
    assert (gone.content_hash, gone.etag, gone.record_id, gone.status) == (
        None,
        None,
        "a" * 32,
        410,
    )


def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with CrawlState(path) as state:
        Revisits(state, lambda stat, n: None).written(page(), record("Text."))
    with CrawlState(path) as state:
        assert len(state) == 1
        assert state.get(URL) is not None


def test_corrupt_file_is_refused_by_name_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    before = path.read_bytes()
    with pytest.raises(StateError, match=f"^crawl state {path}: not a SQLite database"):
        CrawlState(path).open()
    assert path.read_bytes() == before


def test_foreign_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE pages (url TEXT)")
        db.execute("INSERT INTO pages VALUES ('mine')")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StateError, match=f"^crawl state {path}: another program's SQLite"):
        CrawlState(path).open()
    assert path.read_bytes() == before


def test_newer_layout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with CrawlState(path):
        pass
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=2")
    db.close()
    with pytest.raises(StateError, match="layout 2 is newer than this healthcrawl's 1"):
        CrawlState(path).open()
