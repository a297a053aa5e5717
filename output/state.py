"""The crawl state of an incremental re-crawl (`-s HEALTHCRAWL_STATE=PATH`): what the last crawl
saw of each URL, in SQLite, so the next one can ask "changed since?" and tell new, changed,
unchanged and gone pages apart.

One writer, the crawl: the middlewares of spiders/incremental.py enter pages gone, the pipeline
the verdicts (304, same text, record written), each record right after its sink write returns,
so nothing is marked seen that was not written. Rows are keyed by the URL requested (before
redirects), the one the next crawl requests again. The file is marked as ours (SQLite
application_id and user_version), so a corrupt or foreign file is refused by name and left
untouched.
"""

from __future__ import annotations

import hashlib
import re
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
FORMAT_VERSION = 2
"""`PRAGMA user_version`: the layout of the table below."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,     -- the URL requested (before redirects)
    etag TEXT,                -- ETag of the last 200, sent back as If-None-Match
    last_modified TEXT,       -- Last-Modified of the last 200, sent back as If-Modified-Since
    sitemap_lastmod TEXT,     -- <lastmod> the sitemap gave with the last verdict
    content_hash TEXT,        -- SHA-256 of the last record's whitespace-normalised text;
                              -- NULL once the page is gone (its next record is "new")
    record_id TEXT,           -- id of the last record written for it
    body_bytes INTEGER,       -- size of the last 200's body: what a 304 saves
    fetched_at TEXT,          -- last fetch, ISO 8601 UTC
    status INTEGER,           -- HTTP status of the last fetch (200, 304, 404, 410)
    listed INTEGER NOT NULL DEFAULT 0  -- 1 when a sitemap listed it at its last verdict: only
                              -- such pages can be gone from the sitemaps
)
"""
_MIGRATIONS = {
    1: (
        "ALTER TABLE pages ADD COLUMN listed INTEGER NOT NULL DEFAULT 0",
        "UPDATE pages SET listed = 1 WHERE sitemap_lastmod IS NOT NULL",
    ),
}
"""Layout N -> the statements that make it N + 1 (a layout 1 page with a stored lastmod came
from a sitemap; one without may have, and is not counted gone from one until seen again)."""


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
    listed: bool = False


@dataclass(frozen=True, slots=True)
class Visit:
    """A page of an incremental crawl with what its request knew, as the pipeline gets it."""

    page: Page
    url: str | None
    """The URL the state keys the page by: the one requested, before redirects."""
    sitemap_lastmod: str | None = None
    """The <lastmod> of the sitemap entry that listed it, stored with its verdict."""
    listed: bool = False
    """Whether a sitemap listed it (with or without a lastmod)."""


def text_hash(text: str) -> str:
    """The content hash: whitespace runs are one space, so a re-indented page is unchanged."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def parse_lastmod(value: str | None) -> datetime | None:
    """A sitemap <lastmod> (W3C datetime: 2026, 2026-03, 2026-03-01, 2026-03-01T10:00Z,
    2026-03-01T10:00:00.5+01:00) as an aware datetime, UTC when no zone is given; None when
    it does not parse."""
    text = (value or "").strip()
    if re.fullmatch(r"\d{4}(-\d{2})?", text):
        text += "-01" * (2 - text.count("-"))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def lastmod_moved(stored: str | None, listed: str | None) -> bool:
    """Whether the sitemap's lastmod says the page may have changed since the stored one:
    yes unless both parse and the listed one is not later."""
    before, now = parse_lastmod(stored), parse_lastmod(listed)
    return before is None or now is None or now > before


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
            version = _check_ours(db, self.path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            with db:  # one transaction: a layout is upgraded whole or not at all
                db.execute("BEGIN")
                for older in range(version, FORMAT_VERSION) if version else ():
                    for statement in _MIGRATIONS[older]:
                        db.execute(statement)
                db.execute(_SCHEMA)
                db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
        except BaseException:
            db.close()
            raise
        self._db = db

    def get(self, url: str) -> PageState | None:
        row = self.db.execute("SELECT * FROM pages WHERE url = ?", (url,)).fetchone()
        return PageState(*row[:-1], listed=bool(row[-1])) if row else None

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM pages").fetchone()[0]

    def listed_urls(self) -> list[str]:
        """URLs the state holds a version of (not gone) that a sitemap listed at their last
        verdict: the ones that can be gone from the sitemaps (a page found by its links is
        not, whatever the sitemaps say)."""
        rows = self.db.execute("SELECT url FROM pages WHERE content_hash IS NOT NULL AND listed")
        return [url for (url,) in rows]

    def record_written(self, state: PageState) -> None:
        """A 200 whose record was written (or found unchanged): its validators and hash."""
        self.db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                state.url, state.etag, state.last_modified, state.sitemap_lastmod,
                state.content_hash, state.record_id, state.body_bytes, state.fetched_at,
                state.status, state.listed,
            ),
        )  # fmt: skip

    def revalidated(
        self, url: str, fetched_at: str, status: int, sitemap_lastmod: str | None, listed: bool
    ) -> None:
        """A 304: the stored version still holds; the fetch and the sitemap's entry are noted."""
        self.db.execute(
            "UPDATE pages SET fetched_at = ?, status = ?, sitemap_lastmod = ?, listed = ? "
            "WHERE url = ?",
            (fetched_at, status, sitemap_lastmod, listed, url),
        )

    def gone(self, url: str, fetched_at: str | None = None, status: int | None = None) -> None:
        """A 404/410 (fetched_at and status given) or a page left out of the sitemap (not
        fetched): forget the version, keep the record id for the change log."""
        self.db.execute(
            "UPDATE pages SET etag = NULL, last_modified = NULL, sitemap_lastmod = NULL, "
            "content_hash = NULL, fetched_at = coalesce(?, fetched_at), "
            "status = coalesce(?, status) WHERE url = ?",
            (fetched_at, status, url),
        )


def _check_ours(db: sqlite3.Connection, path: Path) -> int:
    """Refuse a file that is not an empty database or one of ours, naming it; its layout
    version (0: a new file)."""
    try:
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise StateError(f"crawl state {path}: not a SQLite database ({error})") from None
    if application_id == 0 and tables == 0:
        return 0
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
    return version


class Revisits:
    """The pipeline's side of an incremental crawl: what a fetched page is (new, changed or
    unchanged) against the state, counted through `count(stat, n)` (Scrapy's inc_value)."""

    def __init__(self, state: CrawlState, count: Callable[[str, int], None]) -> None:
        self.state = state
        self.count = count

    def not_modified(self, visit: Visit) -> None:
        """A 304 to our conditional request: the stored version holds; count the bytes saved."""
        url = _state_url(visit)
        known = self.state.get(url)
        fetched_at = _iso(visit.page.fetched_at)
        self.state.revalidated(
            url, fetched_at, visit.page.status, visit.sitemap_lastmod, visit.listed
        )
        self.count("incremental/unchanged", 1)
        saved = known.body_bytes if known is not None and known.body_bytes else 0
        self.count("incremental/bytes_saved", saved)

    def change(self, visit: Visit, record: dict[str, Any]) -> str | None:
        """ "new", "changed" (counted once written), or None for a 200 whose text is the stored
        one: counted unchanged, and its new validators kept, so the next request can be
        answered 304."""
        known = self.state.get(_state_url(visit))
        if known is None or known.content_hash is None:
            return "new"
        if known.content_hash != text_hash(record["text"]):
            return "changed"
        self.enter(visit, record)
        self.count("incremental/unchanged", 1)
        return None

    def written(self, visit: Visit, record: dict[str, Any]) -> None:
        """Enter the version just written and count its change (call after the sink write)."""
        self.enter(visit, record)
        self.count(f"incremental/{record['change']}", 1)

    def enter(self, visit: Visit, record: dict[str, Any]) -> None:
        """Store the page's version: validators, sitemap lastmod, text hash, record id."""
        page = visit.page
        self.state.record_written(
            PageState(
                url=_state_url(visit),
                etag=page.header("ETag"),
                last_modified=page.header("Last-Modified"),
                sitemap_lastmod=visit.sitemap_lastmod,
                content_hash=text_hash(record["text"]),
                record_id=record["id"],
                body_bytes=len(page.body),
                fetched_at=_iso(page.fetched_at),
                status=page.status,
                listed=visit.listed,
            )
        )


def _state_url(visit: Visit) -> str:
    if visit.url is None:
        raise ValueError("an incremental crawl keys its state by URL; this page has none")
    return visit.url


def _iso(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
