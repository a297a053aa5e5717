"""The crawl state (output/state.py): what is stored, what is refused, and how the pipeline's
side (Revisits) tells new, changed and unchanged pages apart."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from healthcrawl.output.state import (
    CrawlState,
    PageState,
    Revisits,
    StateError,
    Visit,
    lastmod_moved,
    parse_lastmod,
    text_hash,
)
from healthcrawl.page import Page

URL = "https://example.org/topic"
REQUESTED = "https://example.org/old-topic"
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def page(
    body: bytes = b"<html>x</html>",
    status: int = 200,
    lastmod: str | None = None,
    listed: bool = True,
) -> Visit:
    """A page fetched from URL after a redirect from REQUESTED, listed with `lastmod`."""
    headers = {"ETag": '"v1"', "Last-Modified": "Sun, 01 Mar 2026"}
    return Visit(Page(URL, body, headers, status, WHEN), REQUESTED, lastmod, listed)


def record(text: str, change: str | None = "new") -> dict[str, object]:
    return {"id": "a" * 32, "url": URL, "text": text, "change": change}


def test_text_hash_ignores_whitespace_only() -> None:
    assert text_hash("Fever\n\n  is  common.") == text_hash("Fever is common.")
    assert text_hash("Fever is common.") != text_hash("Fever is rare.")


@pytest.mark.parametrize(
    ("lastmod", "moment"),
    [
        ("2026", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-03", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-05", datetime(2026, 3, 5, tzinfo=UTC)),
        ("2026-03-05T10:30Z", datetime(2026, 3, 5, 10, 30, tzinfo=UTC)),
        (" 2026-03-05T10:30:15+02:00 ", datetime(2026, 3, 5, 8, 30, 15, tzinfo=UTC)),
        ("2026-03-05T10:30:15.5Z", datetime(2026, 3, 5, 10, 30, 15, 500_000, tzinfo=UTC)),
        ("2026-03-05T10:30:15", datetime(2026, 3, 5, 10, 30, 15, tzinfo=UTC)),
        ("yesterday", None),
        ("2026-13-01", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_lastmod(lastmod: str | None, moment: datetime | None) -> None:
    assert parse_lastmod(lastmod) == moment


@pytest.mark.parametrize(
    ("stored", "listed", "moved"),
    [
        ("2026-03-05", "2026-03-05", False),
        ("2026-03-05T12:00:00+02:00", "2026-03-05T10:00Z", False),  # the same moment
        ("2026-03-05T10:00Z", "2026-03-05", False),  # a date is its midnight
        ("2026-03-05", "2026-03-05T00:00:01Z", True),
        ("2026-03-05", "2026-03-04", False),  # moved back: not newer
        (None, "2026-03-05", True),
        ("2026-03-05", None, True),
        ("2026-03-05", "last week", True),
        ("garbled", "2026-03-05", True),
    ],
)
def test_lastmod_moved(stored: str | None, listed: str | None, moved: bool) -> None:
    assert lastmod_moved(stored, listed) is moved


def test_revisits_new_changed_unchanged_and_304(tmp_path: Path) -> None:
    counts: Counter[str] = Counter()

    def count(stat: str, n: int) -> None:
        counts[stat] += n

    with CrawlState(tmp_path / "state.sqlite") as state:
        revisits = Revisits(state, count)
        assert revisits.change(page(), record("Fever is common.")) == "new"
        assert len(state) == 0  # nothing entered before the record is written
        revisits.written(page(b"<html>twelve</html>", lastmod="2026-03-01"), record("Fever."))
        assert state.get(URL) is None  # keyed by the URL requested, not the one redirected to
        assert state.get(REQUESTED) == PageState(
            url=REQUESTED,
            etag='"v1"',
            last_modified="Sun, 01 Mar 2026",
            sitemap_lastmod="2026-03-01",
            content_hash=text_hash("Fever."),
            record_id="a" * 32,
            body_bytes=len(b"<html>twelve</html>"),
            fetched_at="2026-03-01T12:00:00Z",
            status=200,
            listed=True,
        )
        assert revisits.change(page(lastmod="2026-03-02"), record("Fever.\n")) is None
        assert state.get(REQUESTED).sitemap_lastmod == "2026-03-02"  # type: ignore[union-attr]
        assert revisits.change(page(), record("Fever is rare.")) == "changed"
        revisits.not_modified(page(b"", status=304, lastmod="2026-03-03"))
        stored = state.get(REQUESTED)
        assert stored is not None
        assert (stored.status, stored.sitemap_lastmod) == (304, "2026-03-03")
    assert counts == {
        "incremental/new": 1,
        "incremental/unchanged": 2,
        "incremental/bytes_saved": len(b"<html>x</html>"),
    }


def test_gone_forgets_the_version_but_keeps_the_record_id(tmp_path: Path) -> None:
    with CrawlState(tmp_path / "state.sqlite") as state:
        Revisits(state, lambda stat, n: None).written(page(lastmod="2026"), record("Text."))
        assert state.listed_urls() == [REQUESTED]
        state.gone(REQUESTED, "2026-03-02T00:00:00Z", 410)
        gone = state.get(REQUESTED)
        assert state.listed_urls() == []
    assert gone is not None
    assert (gone.content_hash, gone.etag, gone.sitemap_lastmod, gone.record_id, gone.status) == (
        None,
        None,
        None,
        "a" * 32,
        410,
    )


def test_gone_from_the_sitemap_keeps_the_last_fetch(tmp_path: Path) -> None:
    with CrawlState(tmp_path / "state.sqlite") as state:
        Revisits(state, lambda stat, n: None).written(page(), record("Text."))
        state.gone(REQUESTED)
        gone = state.get(REQUESTED)
    assert gone is not None
    assert (gone.content_hash, gone.fetched_at, gone.status) == (None, "2026-03-01T12:00:00Z", 200)


def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with CrawlState(path) as state:
        Revisits(state, lambda stat, n: None).written(page(), record("Text."))
    with CrawlState(path) as state:
        assert len(state) == 1
        assert state.get(REQUESTED) is not None


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
    db.execute("PRAGMA user_version=3")
    db.close()
    with pytest.raises(StateError, match="layout 3 is newer than this healthcrawl's 2"):
        CrawlState(path).open()


def test_only_pages_a_sitemap_listed_can_be_gone_from_it(tmp_path: Path) -> None:
    """A page found by its links (no sitemap entry) is never "gone from the sitemaps"; one
    listed and then found by links only is not either, once its verdict says so."""
    with CrawlState(tmp_path / "state.sqlite") as state:
        revisits = Revisits(state, lambda stat, n: None)
        revisits.written(page(listed=False), record("Text."))
        assert state.listed_urls() == []
        revisits.not_modified(page(b"", status=304, listed=True))
        assert state.listed_urls() == [REQUESTED]
        revisits.not_modified(page(b"", status=304, listed=False))
        assert state.listed_urls() == []


def test_a_layout_1_state_is_upgraded_in_place(tmp_path: Path) -> None:
    """Layout 1 had no `listed`: a page with a stored lastmod came from a sitemap."""
    path = tmp_path / "state.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "PRAGMA application_id=1212371796; PRAGMA user_version=1;"
        "CREATE TABLE pages (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,"
        " sitemap_lastmod TEXT, content_hash TEXT, record_id TEXT, body_bytes INTEGER,"
        " fetched_at TEXT, status INTEGER);"
        "INSERT INTO pages VALUES ('https://a.example/1', NULL, NULL, '2026-01-01', 'h1', 'r1',"
        " 10, '2026-01-02T00:00:00Z', 200);"
        "INSERT INTO pages VALUES ('https://a.example/2', NULL, NULL, NULL, 'h2', 'r2', 10,"
        " '2026-01-02T00:00:00Z', 200);"
    )
    old.close()
    with CrawlState(path) as state:
        assert state.listed_urls() == ["https://a.example/1"]
        assert state.get("https://a.example/2") == PageState(
            "https://a.example/2", None, None, None, "h2", "r2", 10, "2026-01-02T00:00:00Z", 200
        )
    with sqlite3.connect(path) as reopened:
        assert reopened.execute("PRAGMA user_version").fetchone() == (2,)
