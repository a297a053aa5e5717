"""`-s HEALTHCRAWL_WARC=crawl.warc.gz`: the crawl keeps a WARC of every response it fetched.

A downloader middleware next to the downloader (950: after HttpCacheMiddleware, before
compression, redirects and retries undo anything), so the WARC holds each response as it came
off the wire: redirects, error statuses and retried attempts included, the body still
content-encoded, robots.txt and sitemaps too. Each response gives a `request` and a `response`
record (WARC/1.1, linked by WARC-Concurrent-To, with block and payload digests), and each run
first writes a `warcinfo` record; every record is its own gzip member, appended whole and
flushed, so a killed crawl leaves at most one torn member at the end, which `healthcrawl extract`
reports as truncated: give a resumed crawl a new file, since appending after a torn member would
hide what follows it from readers. `healthcrawl extract crawl.warc.gz` gives the crawl's records
again.

Reconstructed, since Scrapy exposes parsed messages rather than bytes: the status line (the
response's protocol, HTTP/1.1 when unknown, and the standard reason phrase), header names in
Scrapy's capitalisation, the request line (method, path and query) with a Host header. The body
reaches Scrapy de-chunked, so a Transfer-Encoding header is kept as X-Crawler-Transfer-Encoding
(as Common Crawl does) and readers do not de-chunk it twice. WARC-Date is when the response
reached this middleware, for both records.

Importing FastWARC waits until the setting is given: it is in the `io` extra.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response

from .base import user_agent

if TYPE_CHECKING:
    from fastwarc.warc import WarcRecord

SETTING = "HEALTHCRAWL_WARC"
_COMPRESSION_LEVEL = 6
"""gzip level per record, zlib's default: on GARD pages 0.6% larger than level 9, 15% faster."""
_RENAMED = {b"transfer-encoding": b"X-Crawler-Transfer-Encoding"}
"""Headers that no longer describe the body as stored, and their stored names."""


class WarcRecorder:
    """Downloader middleware: appends a request and a response record per response."""

    def __init__(self, path: Path, software: str) -> None:
        self.path = path
        self.file: BinaryIO = open(path, "ab")  # closed at spider_closed
        self.write("warcinfo", None, b"software: %s\r\nformat: WARC/1.1\r\n" % software.encode())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get(SETTING)
        if not path:
            raise NotConfigured
        try:
            recorder = cls(Path(path), user_agent(None))
        except OSError as error:
            raise RuntimeError(f"-s {SETTING}={path}: cannot be written ({error})") from error
        crawler.signals.connect(recorder.close, signal=signals.spider_closed)
        return recorder

    def process_response(self, request: Request, response: Response) -> Response:
        request_id = self.write("request", request.url, _request_block(request))
        self.write("response", response.url, _response_block(response), request_id, response)
        return response

    def write(
        self,
        kind: str,
        url: str | None,
        block: bytes,
        concurrent_to: str | None = None,
        response: Response | None = None,
    ) -> str:
        """Append one record as a gzip member; returns its WARC-Record-ID."""
        record = _record(kind, url, block)
        if concurrent_to:
            record.headers["WARC-Concurrent-To"] = concurrent_to
        if response is not None and response.ip_address is not None:
            record.headers["WARC-IP-Address"] = str(response.ip_address)
        buffer = io.BytesIO()
        digest = hashlib.sha1(response.body).digest() if response is not None else None
        record.write(buffer, checksum_data=True, payload_digest=digest)
        self.file.write(gzip.compress(buffer.getvalue(), _COMPRESSION_LEVEL, mtime=0))
        self.file.flush()
        return record.record_id

    def close(self) -> None:
        self.file.close()


def _record(kind: str, url: str | None, block: bytes) -> WarcRecord:
    from fastwarc.warc import WarcRecord, WarcRecordType

    record = WarcRecord()
    record.init_headers(getattr(WarcRecordType, kind))
    record.record_date = datetime.now(UTC)
    if url:
        record.headers["WARC-Target-URI"] = url
    record.set_bytes_content(block)
    if kind == "warcinfo":
        record.headers["Content-Type"] = "application/warc-fields"
    else:
        record.is_http = True
    return record


def _request_block(request: Request) -> bytes:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = Headers({"Host": parts.netloc})
    headers.update(request.headers)
    line = f"{request.method} {target} HTTP/1.1".encode("latin-1")
    return _message(line, headers, request.body)


def _response_block(response: Response) -> bytes:
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    line = f"{response.protocol or 'HTTP/1.1'} {response.status} {phrase}".rstrip()
    return _message(line.encode("latin-1"), response.headers, response.body)


def _message(start_line: bytes, headers: Headers, body: bytes) -> bytes:
    lines = [start_line]
    for name, values in headers.items():
        stored = _RENAMED.get(name.lower(), name)
        lines += [stored + b": " + value for value in values]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
