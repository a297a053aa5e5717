"""WARC input: `healthcrawl extract crawl.warc.gz` (or `.warc`), one entry per WARC record.

A `response` record becomes a `Page`: url = WARC-Target-URI, fetched_at = WARC-Date, status and
headers from its HTTP block (so the Content-Type charset reaches the decoder), the body with its
Transfer-Encoding and Content-Encoding undone. Every other record (request, revisit, metadata,
warcinfo, ...) and every non-HTML response is a counted skip that is no failure. Labels are
`path#URL` for a response, `path#offset` for anything else.

Damage ends the file: a record cut off (a truncated download), a corrupt gzip member, or bytes
that are not WARC give one `unreadable` entry naming the file and the byte offset where the
damage starts; the records before it have been yielded already.

Why FastWARC rather than warcio: on the 1,000 GARD pages it reads about 3x as many pages/s
(benchmarks/README.md, "WARC readers"), and it raises on a corrupt gzip member or a non-WARC
file, where warcio 1.8 logs and carries on, or yields junk records. Neither notices a truncated
file, so each record's length is checked here against its Content-Length. FastWARC is in the
`io` extra, imported only when a WARC is read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

from healthcrawl.extractors.errors import Skip
from healthcrawl.page import HTML_TYPES, Page, media_type
from healthcrawl.skips import NotAResponse, NotHtmlResponse, UnreadableInput

if TYPE_CHECKING:
    from fastwarc.stream_io import GzipReader
    from fastwarc.warc import WarcRecord

    from healthcrawl.inputs import Entry

"""Responses of these media types (or of none) are pages; any other is not_html_response."""
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_WARC_HEADER = 1 << 20
_NEEDS_EXTRA = "reading WARC files needs FastWARC: pip install 'healthcrawl[io]'"


class DamagedWarc(Exception):
    """The file cannot be read past `offset`: truncated, corrupt, or not WARC."""

    def __init__(self, offset: int, detail: str) -> None:
        super().__init__(detail)
        self.offset = offset
        self.detail = detail


class BodyNotDecoded(ValueError):
    """A response body that its Transfer-Encoding or Content-Encoding does not undo."""


def read_warc(path: str, url: str | None = None) -> Iterator[Entry]:
    """Every record of the WARC file at `path`, in file order. `url` is unused: each
    response names its own (WARC-Target-URI)."""
    from healthcrawl.inputs import Entry  # inputs imports this module, for READERS

    try:
        archive = _Archive(path)
    except ImportError:
        yield Entry(path, failure=UnreadableInput(path, _NEEDS_EXTRA))
        return
    except OSError as error:
        yield Entry(path, failure=UnreadableInput(path, error.strerror or str(error)))
        return
    try:
        for label, item in archive.items():
            if isinstance(item, Page):
                yield Entry(label, page=item)
            else:
                yield Entry(label, failure=item)
    except DamagedWarc as damage:
        label = f"{path}#{damage.offset}"
        yield Entry(label, failure=UnreadableInput(label, damage.detail))
    finally:
        archive.close()


class _Archive:
    """One WARC file being read, and where in it the reading is (for the damage offset)."""

    def __init__(self, path: str) -> None:
        from fastwarc.stream_io import GzipReader

        with open(path, "rb") as file:
            gzipped = file.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
        self.path = path
        self.gzip: GzipReader | None = GzipReader(path) if gzipped else None
        self.last: tuple[int, int] | None = None
        """Offset and Content-Length of the last record read whole."""

    def items(self) -> Iterator[tuple[str, Page | Skip]]:
        """(label, page or skip) per record; DamagedWarc where the file cannot be read on."""
        from fastwarc.warc import ArchiveIterator

        records = ArchiveIterator(self.gzip or self.path, parse_http=False)
        try:
            for record in records:
                yield self.item(record)
        except OSError as error:
            if self.last is None:
                raise DamagedWarc(0, f"not a WARC file ({error})") from None
            detail = f"unreadable WARC data ({error}); the rest of the file is skipped"
            raise DamagedWarc(self.record_offset(), detail) from None
        if self.last is None:
            raise DamagedWarc(0, "not a WARC file: no WARC record in it")
        if self.gzip is not None and (self.gzip.frame_start_position() or 0) > self.last[0]:
            raise DamagedWarc(self.record_offset(), "truncated file: a record is cut off")

    def item(self, record: WarcRecord) -> tuple[str, Page | Skip]:
        """The record's page or skip, once its whole block is read; DamagedWarc if it is cut."""
        offset = self.record_offset(record)
        declared = record.headers.get("Content-Length")
        if declared is None or not declared.isdigit():
            raise DamagedWarc(offset, "truncated file: a record's header is cut off")
        kind = str(record.record_type)
        url = (record.headers.get("WARC-Target-URI") or "").strip("<>") or None
        label = f"{self.path}#{url}" if url and kind == "response" else f"{self.path}#{offset}"
        if kind != "response":
            self.check_whole(record, int(declared), record.consume(), int(declared))
            return label, NotAResponse(url or label, f"{kind} record")
        record.parse_http()
        expected = record.content_length
        not_html = _not_html(record)
        if not_html is not None:
            self.check_whole(record, int(declared), record.consume(), expected)
            return label, NotHtmlResponse(url or label, not_html)
        raw = record.reader.read()
        self.check_whole(record, int(declared), len(raw), expected)
        status = record.http_headers.status_code
        if status is None:
            line = record.http_headers.status_line
            return label, UnreadableInput(url or label, f"no HTTP status (status line {line!r})")
        headers = _headers(record)
        try:
            body = _decoded(raw, headers)
        except BodyNotDecoded as error:
            return label, UnreadableInput(url or label, str(error))
        return label, Page(url, body, headers, status, record.record_date)

    def check_whole(self, record: WarcRecord, declared: int, got: int, expected: int) -> None:
        """DamagedWarc unless all `expected` bytes of the record's block were read."""
        if got < expected:
            raise DamagedWarc(
                self.record_offset(record),
                f"truncated file: the record ends after {got} of its {expected} bytes",
            )
        self.last = (record.stream_pos, declared)

    def record_offset(self, record: WarcRecord | None = None) -> int:
        """Where the current record starts: its gzip member's start, else its own offset, else
        (after a parse error in a plain file) the end of the last record read whole."""
        if self.gzip is not None:
            return self.gzip.frame_start_position() or 0
        if record is not None:
            return record.stream_pos
        return _record_end(self.path, *self.last) if self.last else 0

    def close(self) -> None:
        if self.gzip is not None:
            self.gzip.close()


def _record_end(path: str, start: int, content_length: int) -> int:
    """Offset just past the record at `start` of an uncompressed WARC: header, block, CRLFCRLF."""
    with open(path, "rb") as file:
        file.seek(start)
        header_end = file.read(_MAX_WARC_HEADER).find(b"\r\n\r\n")
    return start + header_end + 4 + content_length + 4


def _not_html(record: WarcRecord) -> str | None:
    """None for an HTML response (or one without a Content-Type); else what it is instead."""
    if record.http_headers is None:
        return f"not an HTTP response (WARC Content-Type {record.headers.get('Content-Type')!r})"
    kind = media_type(record.http_headers.get("Content-Type"))
    if kind in HTML_TYPES:
        return None
    return f"Content-Type {kind!r}"


def _headers(record: WarcRecord) -> dict[str, str]:
    """HTTP headers, repeated ones joined with ", " as HTTP allows."""
    headers: dict[str, str] = {}
    for name, value in record.http_headers.astuples():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _decoded(body: bytes, headers: dict[str, str]) -> bytes:
    """The body with chunked transfer coding and then each content coding undone, by
    FastWARC's decoding streams."""
    from fastwarc.stream_io import BrotliReader, ChunkedReader, GzipReader, ZstdReader

    decoders = {"chunked": ChunkedReader, "gzip": GzipReader, "x-gzip": GzipReader,
                "br": BrotliReader, "zstd": ZstdReader}  # fmt: skip
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")]
    layers = [c for c in reversed(codings) if c and c != "identity"]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        layers.insert(0, "chunked")
    for coding in layers:
        if coding == "deflate":
            stream = GzipReader(io.BytesIO(body), zlib=True)
        elif coding in decoders:
            stream = decoders[coding](io.BytesIO(body))
        else:
            raise BodyNotDecoded(f"unknown Content-Encoding {coding!r}")
        try:
            body = stream.read()
        except OSError as error:
            raise BodyNotDecoded(f"the body does not decode as {coding} ({error})") from None
    return body
