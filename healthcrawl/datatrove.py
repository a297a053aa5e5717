"""healthcrawl as datatrove steps: WARC files in, records out, on one machine, Ray or Slurm.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import ParquetWriter
    from healthcrawl.datatrove import HealthcrawlExtractor, WarcPageReader, record_adapter
    from healthcrawl.schema import arrow_schema

    LocalPipelineExecutor([
        WarcPageReader("warcs/"),
        HealthcrawlExtractor(),
        ParquetWriter("records/", adapter=record_adapter, schema=arrow_schema()),
    ], tasks=2).run()

`HealthcrawlExtractor` turns each page Document into a record Document (text = the record's
text, id = its id, metadata = the rest of the record) or drops it, counted in datatrove's stats
under its skip reason (`no_main_content`, `http_error`, ...). It also takes the Documents of
datatrove's own `WarcReader`, but that reader keeps neither the HTTP status nor the headers and
has already decoded the body by its own guess (UTF-8, else cchardet), so a page whose charset
only the Content-Type header names may decode differently. `WarcPageReader` keeps them: it
reads each file with `healthcrawl.warc` (the reader of `healthcrawl extract`), so both give the
same pages, and the same records.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from typing import Any

from datatrove.data import Document, DocumentsPipeline, MediaType
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.utils.logging import logger
from datatrove.utils.typeshelper import StatHints

from healthcrawl.core import process
from healthcrawl.extractors import DEFAULT_MAX_BYTES, Record
from healthcrawl.extractors.errors import Skip
from healthcrawl.inputs import Entry
from healthcrawl.page import Page
from healthcrawl.skips import UnreadableInput
from healthcrawl.warc import read_warc

__all__ = ["HealthcrawlExtractor", "WarcPageReader", "record_adapter", "record_of"]

STATUS_KEY = "http_status"
HEADERS_KEY = "http_headers"
"""Metadata keys under which `WarcPageReader` keeps what datatrove's WarcReader drops."""
_DECODED = {"content-type": "text/html; charset=utf-8"}
"""Headers for a Document whose text is already decoded (datatrove's WarcReader): its bytes
are re-encoded as UTF-8, whatever the page's own header or <meta> said."""
_RECORD_KEYS = tuple(field.name for field in fields(Record))


class WarcPageReader(BaseDiskReader):
    """WARC files -> one Document per HTML response: media[0] holds the body as sent, metadata
    the url, date, HTTP status and headers; text is the body as UTF-8, for any filter placed
    before the extractor. Takes BaseDiskReader's arguments (data folder, paths_file, ...)."""

    name = "🩺 WARC pages"
    _requires_dependencies = [("fastwarc", "fastwarc")]

    def read_file(self, filepath: str) -> DocumentsPipeline:
        """Records that give no page (requests, non-HTML, damage) are counted under their skip
        reason; damage ends the file (`healthcrawl.warc`), the task goes on with the next."""
        with self._local_path(filepath) as path:
            for index, entry in enumerate(read_warc(path)):
                label = filepath + entry.label[len(path) :]
                with self.track_time():
                    document = self._document(entry, label, filepath, index)
                if document is not None:
                    yield document

    def _document(self, entry: Entry, label: str, filepath: str, index: int) -> Document | None:
        if entry.page is None:
            assert entry.failure is not None
            self._count(label, entry.failure)
            return None
        document = self.get_document_from_dict(_page_dict(entry.page, label), filepath, index)
        if document is None:  # an empty body: datatrove's readers drop documents without text
            self._count(label, _why_not(entry.page))
        return document

    def _count(self, label: str, skip: Skip) -> None:
        """Counted; only damage is logged too (requests and the like are most of a crawl's
        records)."""
        self.stat_update(skip.reason)
        if isinstance(skip, UnreadableInput):
            logger.warning(f"{label}: {skip.reason}: {skip.detail}")

    @contextmanager
    def _local_path(self, filepath: str) -> Iterator[str]:
        """The file's local path; a remote file (s3://...) is first copied to a temporary one,
        as `healthcrawl.warc` reads local files."""
        if self.data_folder.is_local():
            yield self.data_folder.resolve_paths(filepath)
            return
        with (
            self.data_folder.open(filepath, "rb") as remote,
            tempfile.NamedTemporaryFile(suffix=".warc") as local,
        ):
            shutil.copyfileobj(remote, local)
            local.flush()
            yield local.name


def _page_dict(page: Page, label: str) -> dict[str, Any]:
    """The page in the raw form datatrove readers turn into a Document (see its adapters)."""
    return {
        "text": page.body.decode("utf-8", errors="replace"),
        "id": label,
        "media": [
            {"id": label, "type": MediaType.DOCUMENT, "url": page.url, "media_bytes": page.body}
        ],
        "url": page.url,
        "date": page.fetched_at.isoformat() if page.fetched_at else None,
        STATUS_KEY: page.status,
        HEADERS_KEY: dict(page.headers),
    }


def _why_not(page: Page) -> Skip:
    """Why a page with an empty body gives no record, as `process` says (a redirect, an empty
    200)."""
    try:
        process(page)
    except Skip as skip:
        return skip
    raise AssertionError(f"{page.url}: an empty body gave a record")


class HealthcrawlExtractor(PipelineStep):
    """Page Documents in (from `WarcPageReader` or datatrove's `WarcReader`), record Documents
    out: text = the record's text, id = its id, metadata = the rest of the record, JSON-ready.
    A page that gives no record is dropped and counted under its skip reason."""

    name = "🩺 healthcrawl"
    type = "🛢 - EXTRAC"

    def __init__(self, *, profile: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        """`profile` forces a site profile; pages over `max_bytes` are refused unparsed."""
        super().__init__()
        self.profile = profile
        self.max_bytes = max_bytes

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for document in data or ():
            self.stat_update(StatHints.total)
            with self.track_time():
                try:
                    page = page_of(document)
                    record = process(page, profile=self.profile, max_bytes=self.max_bytes)
                except Skip as skip:
                    self.stat_update(StatHints.dropped, skip.reason)
                    logger.debug(f"{skip.reason}: {skip}")
                    continue
                result = record_document(record)
            self.stat_update(StatHints.forwarded)
            self.update_doc_stats(result)
            yield result


def page_of(document: Document) -> Page:
    """The page a Document holds: the body as sent, with its status and headers, when it came
    from `WarcPageReader`; else its text, already decoded, as UTF-8. UnreadableInput when the
    Document does not hold a page."""
    metadata = document.metadata
    url = metadata.get("url")
    body = document.media[0].media_bytes if document.media else None
    status = metadata.get(STATUS_KEY, 200)
    headers = metadata.get(HEADERS_KEY, {}) if body is not None else _DECODED
    if body is None:
        body = document.text.encode("utf-8") if isinstance(document.text, str) else None
    if not isinstance(body, bytes) or not isinstance(status, int) or not isinstance(headers, dict):
        raise UnreadableInput(
            url or document.id, "the Document holds no page (body, status, headers)"
        )
    return Page(url, body, headers, status, _fetched_at(metadata.get("date"), url or document.id))


def _fetched_at(date: Any, source: str) -> datetime | None:
    """WARC-Date (ISO 8601, as both readers keep it) as a datetime; None when absent."""
    if date is None or isinstance(date, datetime):
        return date
    try:
        return datetime.fromisoformat(date)
    except (TypeError, ValueError):
        raise UnreadableInput(source, f"date {date!r} is not ISO 8601") from None


def record_document(record: Record) -> Document:
    """The record as a Document: its text, its id, the rest as metadata."""
    metadata = record.to_dict()
    return Document(text=metadata.pop("text"), id=metadata.pop("id"), metadata=metadata)


def record_of(document: Document) -> dict[str, Any]:
    """A record Document back into the record, its keys in the record's order."""
    merged = {**document.metadata, "id": document.id, "text": document.text}
    return {key: merged[key] for key in _RECORD_KEYS}


def record_adapter(writer: object, document: Document) -> dict[str, Any]:
    """A datatrove writer's `adapter`: write records as `healthcrawl extract` does (with
    ParquetWriter, pass `schema=healthcrawl.schema.arrow_schema()` for its columns and types)."""
    return record_of(document)
