"""The crawl state of an incremental re-crawl (`-s HEALTHCRAWL_STATE=PATH`): what the last crawl
saw of each URL, in SQLite, so the next one can ask "changed since?" and tell new, changed,
unchanged and gone pages apart.

One writer, the crawl: the conditional-request middleware (spiders/incremental.py) enters 304s
and pages gone, the pipeline the records it wrote, each right after its sink write returns, so
nothing is marked seen that was not written. The file is marked as ours (SQLite application_id
and user_version), so a corrupt or foreign file is refused by name and left untouched.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from healthcrawl.page import Page

from .opening import Database

APPLICATION_ID = 0x48435354
"""`PRAGMA application_id` of a healthcrawl state file ("HCST")."""
FORMAT_VERSION = 1
"""`PRAGMA user_version`: the layout of the table below."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,     -- the URL requested (after redirects: the one answered)
    etag TEXT,                -- ETag of the last 200, sent back as If-None-Match
    last_modified TEXT,       -- Last-Modified of the last 200, sent back as If-Modified-Since
    sitemap_lastmod TEXT,     -- <lastmod> the sitemap gave when the page was last fetched
    content_hash TEXT,        -- SHA-256 of the last record's whitespace-normalised text;
                              -- NULL once the page is gone (its next record is "new")
    record_id TEXT,           -- id of the last record written for it
    body_bytes INTEGER,       -- size of the last 200's body: what a 304 saves
    fetched_at TEXT,          -- last fetch, ISO 8601 UTC
    status INTEGER            -- HTTP status of the last fetch (200, 304, 404, 410)
)
"""


class StateError(RuntimeError):
    """The state file cannot be used: not SQLite, another program's database, or a newer
    layout. Raised before anything is written to it."""


@dataclass(frozen=True, slots=True)
class PageState:
    """One URL's row."""

    url: str
    etag: str | None
    last_modified: str | None
    sitemap_lastmod: str | None
    content_hash: str | None
    record_id: str | None
    body_bytes: int | None
    fetched_at: str | None
    status: int | None


def text_hash(text: str) -> str:
    """The content hash: whitespace runs are one space, so a re-indented page is unchanged."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


class CrawlState(Database):
    """`with CrawlState(path) as state: ...`; see the module docstring for who writes what."""

    kind = "crawl state"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            _check_ours(db, self.path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            db.execute(_SCHEMA)
        except BaseException:
            db.close()
            raise
        self._db = db

    def get(self, url: str) -> PageState | None:
        row = self.db.execute("SELECT * FROM pages WHERE url = ?", (url,)).fetchone()
        return PageState(*row) if row else None

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM pages").fetchone()[0]

    def record_written(self, state: PageState) -> None:
        """A 200 whose record was written (or found unchanged): its validators and hash."""
        self.db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                state.url, state.etag, state.last_modified, state.sitemap_lastmod,
                state.content_hash, state.record_id, state.body_bytes, state.fetched_at,
                state.status,
            ),
        )  # fmt: skip

    def revalidated(self, url: str, fetched_at: str, status: int) -> None:
        """A 304: the stored version still holds; only the fetch is noted."""
        self.db.execute(
            "UPDATE pages SET fetched_at = ?, status = ? WHERE url = ?", (fetched_at, status, url)
        )

    def gone(self, url: str, fetched_at: str, status: int) -> None:
        """A 404/410: forget the version, keep the record id for the change log."""
        self.db.execute(
            "UPDATE pages SET etag = NULL, last_modified = NULL, content_hash = NULL, "
            "fetched_at = ?, status = ? WHERE url = ?",
            (fetched_at, status, url),
        )


def _check_ours(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a file that is not an empty database or one of ours, naming it."""
    try:
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise StateError(f"crawl state {path}: not a SQLite database ({error})") from None
    if application_id == 0 and tables == 0:
        return
    if application_id != APPLICATION_ID:
        raise StateError(
            f"crawl state {path}: another program's SQLite database (application_id "
            f"{application_id:#x}, not {APPLICATION_ID:#x}); give HEALTHCRAWL_STATE a new path"
        )
    if version > FORMAT_VERSION:
        raise StateError(
            f"crawl state {path}: layout {version} is newer than this healthcrawl's "
            f"{FORMAT_VERSION}; upgrade healthcrawl"
        )


class Revisits:
    """The pipeline's side of an incremental crawl: what a fetched page is (new, changed or
    unchanged) against the state, counted through `count(stat, n)` (Scrapy's inc_value)."""

    def __init__(self, state: CrawlState, count: Callable[[str, int], None]) -> None:
        self.state = state
        self.count = count

    def not_modified(self, page: Page) -> None:
        """A 304 to our conditional request: the stored version holds; count the bytes saved."""
        url = _crawled_url(page)
        known = self.state.get(url)
        self.state.revalidated(url, _iso(page.fetched_at), page.status)
        self.count("incremental/unchanged", 1)
        saved = known.body_bytes if known is not None and known.body_bytes else 0
        self.count("incremental/bytes_saved", saved)

    def change(self, page: Page, record: dict[str, Any]) -> str | None:
        """ "new", "changed", or None for a 200 whose text is the stored one (its new validators
        are kept, so the next request can be answered 304)."""
        known = self.state.get(_crawled_url(page))
        if known is None or known.content_hash is None:
            change = "new"
        elif known.content_hash != text_hash(record["text"]):
            change = "changed"
        else:
            self.written(page, record)
            change = None
        self.count(f"incremental/{change or 'unchanged'}", 1)
        return change

    def written(self, page: Page, record: dict[str, Any]) -> None:
        """Enter the version just written (call after the sink write returns)."""
        self.state.record_written(
            PageState(
                url=_crawled_url(page),
                etag=page.header("ETag"),
                last_modified=page.header("Last-Modified"),
                sitemap_lastmod=None,
                content_hash=text_hash(record["text"]),
                record_id=record["id"],
                body_bytes=len(page.body),
                fetched_at=_iso(page.fetched_at),
                status=page.status,
            )
        )


def _crawled_url(page: Page) -> str:
    if page.url is None:
        raise ValueError("an incremental crawl keys its state by URL; this page has none")
    return page.url


def _iso(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
