"""Loopback HTTP server that spider tests crawl, like Scrapy's tests/mockserver.

Spiders are tested against real sockets rather than fake responses so that
redirects, retries, size limits, robots.txt and sitemaps run through Scrapy's
real download stack. The server only ever binds an IPv4 loopback address.

Usage::

    python -m healthcrawl.sample_site.serve [--root DIR] [--gard-corpus DIR]
                                [--port 0] [--host 127.0.0.1] [--quiet]
                                [--robots-delay SECONDS]

It prints one line, ``http://127.0.0.1:PORT``, then serves until SIGTERM or
SIGINT. Only GET and HEAD are supported. Routes, first match wins:

GARD mirror (only with ``--gard-corpus DIR``, read in place, never copied):
    /robots.txt                      Disallow: /search, Sitemap: /sitemap_index.xml
    /sitemap_index.xml               sitemapindex of the sitemaps below
    /sitemaps/diseases-<k>.xml.gz    gzipped urlset, 500 disease URLs each
    /diseases/<id>/<slug>            DIR/pages/<slug>.html, byte for byte

Misbehaviour routes:
    /_test/status/<code>             that status (200-599), small HTML body
    /_test/delay?s=1&page=PATH       sleep s seconds, then serve PATH from root
    /_test/huge?mb=N                 N MiB text/html, streamed, Content-Length set
    /_test/huge-chunked?mb=N         same, chunked, no Content-Length
    /_test/redirect?to=PATH&status=302
    /_test/loop/<n>                  302 to /_test/loop/<n+1>, forever
    /_test/loop-a, /_test/loop-b     302 to each other
    /_test/flaky/<key>?fail=1&status=503&page=PATH
                                     first `fail` hits of key answer `status`
    /_test/cut/<key>?fail=1&page=PATH  half the body under the full Content-Length, `fail`
                                     times, then the whole page
    /_test/ratelimit/<key>?n=1&retry_after=2&page=PATH
                                     first `n` hits answer 429 + Retry-After
    /_test/png-as-html               a real PNG labelled text/html
    /_test/bad-charset               cp1252 bytes declared as utf-8
    /_test/variants[/][?anything]    one article with a canonical link
    /_test/headers                   an article listing the request's headers,
                                     one "Name: value" paragraph each
    /_test/page/<key>?s=0            an article of its own per key, after s
                                     seconds: /_test/count tells pages apart
    /_test/sitemap/<key>?n=10&s=0    urlset of /_test/page/<key>-<i>?s=S, i < n
    /_test/sitemap-out-of-scope      urlset: /_test/page/in-scope, then URLs a
                                     crawl seeded here must refuse: ftp://
                                     and file:// ones, another port, another
                                     host (localhost)
    /_test/site/<key>/sitemap.xml    urlset of every page of an editable site of 10
                                     pages; pages 0-3 carry <lastmod>, the others none
    /_test/site/<key>/page/<i>       page i: ETag and Last-Modified, 304 to a matching
                                     If-None-Match (else If-Modified-Since), 404 once gone
    /_test/site/<key>/moved/<i>      301 to page/<i>
    /_test/site/<key>/edit/<i>?text=N&banner=N&gone=1&rotate=1&blind304=1&unlisted=1&moved=1
                                     change page i (creating it): its main text, only its
                                     banner, remove it, an ETag new on every answer, 304s
                                     to unconditional requests, leave it out of the
                                     sitemap (it still answers), list it as moved/<i>
                                     in the sitemap; `lastmod` moves (0 undoes a flag)
    /_test/site/<key>/stats          JSON {"not_modified": 304s answered}
    /_test/count                     JSON {path: hits} of all other requests
    /_test/reset-count               clears those hits (and the concurrency peak)
    /_test/concurrency               JSON {"active": n, "peak": n}: other requests being
                                     answered at once, now and at most (a crawl's politeness)

Static files from ``--root`` (default: ``site/`` beside this file):
    redirects.tsv lines ``from<TAB>to<TAB>status`` redirect first; then
    /a/b is served from a/b, a/b.html or a/b/index.html. ``{BASE_URL}`` is
    replaced in .txt, .xml and .xml.gz files; HTML is served unchanged.

Without ``page=``, delay, flaky and ratelimit serve a small HTML page.
Bad query values answer 400; anything else answers 404. With ``--robots-delay``,
/robots.txt answers only after that many seconds, so that a crawl's first
requests all wait for it (the robots.txt race).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import html
import ipaddress
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

DEFAULT_ROOT = Path(__file__).resolve().parent / "site"
HTML_TYPE = "text/html; charset=utf-8"
CONTENT_TYPES = {
    ".html": HTML_TYPE,
    ".htm": HTML_TYPE,
    ".xml": "application/xml",
    ".gz": "application/gzip",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png",
}
PLACEHOLDER = b"{BASE_URL}"
MIB = 1024 * 1024
SITEMAP_SIZE = 500
BODILESS = (204, 304)
COUNT_ROUTES = ("/_test/count", "/_test/reset-count", "/_test/concurrency")
HUGE_HEAD = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>Huge</title></head><body>\n"
)
HUGE_TAIL = b"</body></html>\n"
HUGE_PARA = b"<p>Padding paragraph so the page is large but still looks like HTML.</p>\n"
Num = TypeVar("Num", int, float)


class BadRequest(ValueError):
    """A query parameter a misbehaviour route cannot use; answered with 400."""


@dataclass
class Reply:
    """One response; a non-bytes body is streamed, chunked when length is None."""

    status: int
    body: bytes | Iterable[bytes] = b""
    content_type: str = HTML_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    length: int | None = None


@dataclass(frozen=True)
class Request:
    """What a route needs: the server's state and the parsed request target."""

    server: SampleServer
    path: str
    query: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


ARTICLE_TEXT = (
    "<p>A fever is a temporary rise in body temperature, often due to an illness. Having a "
    "fever is a sign that something out of the ordinary is going on in your body.</p>"
    "<p>For an adult, a fever may be uncomfortable, but usually isn't a cause for concern "
    "unless it reaches 103 F (39.4 C) or higher.</p>"
)
"""Enough article text that a served page is a real record, not "no main content"."""


def html_page(title: str, text: str) -> bytes:
    """Build the small HTML bodies that status, error and default pages use."""
    title, text = html.escape(title), html.escape(text)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body><h1>{title}</h1><p>{text}</p>"
        f"{ARTICLE_TEXT}</body></html>\n"
    ).encode()


def html_reply(status: int, title: str, text: str = "") -> Reply:
    """Reply with a small HTML page; bodiless statuses get no body at all."""
    return Reply(status, b"" if status in BODILESS else html_page(title, text or title))


def redirect(req: Request, target: str, status: int = 302) -> Reply:
    """Redirect to a path on this server (or to an absolute URL as given)."""
    if not target.startswith(("http://", "https://")):
        target = req.server.base_url + "/" + target.lstrip("/")
    return Reply(status, html_page("Redirect", target), headers={"Location": target})


def query_arg(req: Request, name: str, default: Num, lo: float, hi: float) -> Num:
    """Read a query number of default's type, refusing values outside [lo, hi]."""
    raw = req.query.get(name)
    if raw is None:
        return default
    try:
        value = type(default)(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None
    if not lo <= value <= hi:
        raise BadRequest(f"{name} must be between {lo} and {hi}")
    return value


def fill_placeholder(data: bytes, base_url: str) -> bytes:
    """Put the real base URL into files written before the port was known."""
    return data.replace(PLACEHOLDER, base_url.encode())


def find_file(root: Path, url_path: str) -> Path | None:
    """Map /a/b to a/b, a/b.html or a/b/index.html, never outside root."""
    rel = unquote(url_path).lstrip("/")
    base = root / rel
    candidates = [base, base / "index.html"]
    if rel and not rel.endswith("/"):
        candidates.insert(1, base.with_name(base.name + ".html"))
    for candidate in candidates:
        try:
            real = candidate.resolve()
            if real.is_relative_to(root) and real.is_file():
                return real
        except (OSError, ValueError):
            continue
    return None


def file_reply(file: Path, base_url: str) -> Reply:
    """Serve a file with its extension's type, filling placeholders in text/xml."""
    data = file.read_bytes()
    name = file.name.lower()
    if name.endswith(".xml.gz"):
        with contextlib.suppress(OSError, EOFError):
            data = gzip.compress(fill_placeholder(gzip.decompress(data), base_url), mtime=0)
    elif file.suffix.lower() in (".txt", ".xml"):
        data = fill_placeholder(data, base_url)
    return Reply(200, data, CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream"))


def static_reply(req: Request, url_path: str) -> Reply:
    """Serve url_path from the root folder, or a 404 page."""
    file = find_file(req.server.root, url_path)
    if file is None:
        return html_reply(404, "Not Found", f"No page at {url_path}")
    return file_reply(file, req.server.base_url)


def page_or_default(req: Request, title: str) -> Reply:
    """Serve the page= parameter from root, or a small page when it is absent."""
    if "page" in req.query:
        return static_reply(req, req.query["page"])
    return html_reply(200, title, f"Served {req.path}")


def load_redirects(root: Path) -> dict[str, tuple[str, int]]:
    """Read root/redirects.tsv (from, to, status); comments and a header are skipped."""
    file = root / "redirects.tsv"
    if not file.is_file():
        return {}
    table: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        parts = [part.strip() for part in line.split("\t")]
        if not line.strip() or line.startswith("#") or (number == 1 and parts[-1] == "status"):
            continue
        if len(parts) != 3 or not parts[2].isdigit():
            raise ValueError(f"{file}:{number}: expected from<TAB>to<TAB>status")
        table[parts[0]] = (parts[1], int(parts[2]))
    return table


def gard_page_paths(corpus: Path) -> dict[str, Path]:
    """Map /diseases/<id>/<slug> to pages/<slug>.html for CSV rows whose file exists."""
    pages = corpus / "pages"
    present = {p.name for p in pages.glob("*.html")}
    mapping: dict[str, Path] = {}
    with open(corpus / "disease_links.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            link = row["link"].strip().strip("/")
            name = link.rsplit("/", 1)[-1] + ".html"
            if name in present:
                mapping["/" + link] = pages / name
    return mapping


def gard_routes(corpus: Path, base_url: str) -> dict[str, tuple[str, bytes | Path]]:
    """Build every GARD mirror route once: robots, sitemaps and page files."""
    pages = gard_page_paths(corpus)
    urls = [base_url + path for path in pages]
    chunks = [urls[i : i + SITEMAP_SIZE] for i in range(0, len(urls), SITEMAP_SIZE)]
    routes: dict[str, tuple[str, bytes | Path]] = {
        path: (HTML_TYPE, file) for path, file in pages.items()
    }
    robots = f"User-agent: *\nDisallow: /search\nSitemap: {base_url}/sitemap_index.xml\n"
    routes["/robots.txt"] = (CONTENT_TYPES[".txt"], robots.encode())
    index = []
    for number, chunk in enumerate(chunks, 1):
        path = f"/sitemaps/diseases-{number}.xml.gz"
        sitemap = gzip.compress(xml_list("urlset", "url", chunk), mtime=0)
        routes[path] = ("application/gzip", sitemap)
        index.append(base_url + path)
    routes["/sitemap_index.xml"] = ("application/xml", xml_list("sitemapindex", "sitemap", index))
    return routes


def xml_list(root_tag: str, item_tag: str, locs: list[str]) -> bytes:
    """Render a sitemaps.org urlset or sitemapindex."""
    items = "".join(f"<{item_tag}><loc>{escape(loc)}</loc></{item_tag}>\n" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root_tag} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{items}</{root_tag}>\n"
    ).encode()


def tiny_png() -> bytes:
    """Build a valid 1x1 PNG so png-as-html sends real image bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def huge_body(size: int) -> Iterator[bytes]:
    """Yield an HTML page of exactly size bytes (or its bare frame if smaller)."""
    count, rest = divmod(max(size - len(HUGE_HEAD) - len(HUGE_TAIL), 0), len(HUGE_PARA))
    yield HUGE_HEAD
    per_chunk = 64 * 1024 // len(HUGE_PARA)
    for start in range(0, count, per_chunk):
        yield HUGE_PARA * min(per_chunk, count - start)
    yield b" " * rest + HUGE_TAIL


def huge_reply(req: Request, chunked: bool) -> Reply:
    """A page of mb MiB, with Content-Length or chunked so only receive limits stop it."""
    size = int(query_arg(req, "mb", 1.0, 0, 1024) * MIB)
    length = max(size, len(HUGE_HEAD) + len(HUGE_TAIL))
    return Reply(200, huge_body(size), length=None if chunked else length)


def bump(req: Request, key: str) -> int:
    """Count one more request for key and return how many came before it."""
    with req.server.lock:
        seen = req.server.counters[key]
        req.server.counters[key] += 1
    return seen


def route_status(req: Request, m: re.Match[str]) -> Reply:
    """/_test/status/<code>: any final status with a small body."""
    code = int(m[1])
    if not 200 <= code <= 599:
        raise BadRequest("status must be between 200 and 599")
    return html_reply(code, f"Status {code}")


def route_delay(req: Request, m: re.Match[str]) -> Reply:
    """/_test/delay: a slow server, for download timeouts."""
    time.sleep(query_arg(req, "s", 1.0, 0, 300))
    return page_or_default(req, "Delayed")


def route_huge(req: Request, m: re.Match[str]) -> Reply:
    """/_test/huge and /_test/huge-chunked: bodies past the size limits."""
    return huge_reply(req, chunked=m[1] == "-chunked")


def route_redirect(req: Request, m: re.Match[str]) -> Reply:
    """/_test/redirect: a redirect with the asked status."""
    status = query_arg(req, "status", 302, 300, 399)
    return redirect(req, req.query.get("to", "/"), status)


def route_loop(req: Request, m: re.Match[str]) -> Reply:
    """/_test/loop/<n> never ends; /_test/loop-a and -b redirect to each other."""
    if m[1]:
        return redirect(req, f"/_test/loop/{int(m[1]) + 1}")
    return redirect(req, "/_test/loop-b" if m[2] == "a" else "/_test/loop-a")


def route_flaky(req: Request, m: re.Match[str]) -> Reply:
    """/_test/flaky/<key>: fails `fail` times, then succeeds, for retry logic."""
    fail = query_arg(req, "fail", 1, 0, 10**6)
    status = query_arg(req, "status", 503, 400, 599)
    if bump(req, "flaky/" + m[1]) < fail:
        return html_reply(status, f"Status {status}", "Failing on purpose; try again.")
    return page_or_default(req, "Recovered")


def route_cut(req: Request, m: re.Match[str]) -> Reply:
    """/_test/cut/<key>: `fail` times the page's first half under its full Content-Length, then
    the connection closes (a download cut off mid-body); then the whole page."""
    fail = query_arg(req, "fail", 1, 0, 10**6)
    reply = page_or_default(req, "Cut off")
    if bump(req, "cut/" + m[1]) >= fail or not isinstance(reply.body, bytes):
        return reply
    half = reply.body[: len(reply.body) // 2]
    return Reply(200, [half], reply.content_type, {"Connection": "close"}, len(reply.body))


def route_ratelimit(req: Request, m: re.Match[str]) -> Reply:
    """/_test/ratelimit/<key>: 429 with Retry-After n times, then the page."""
    limit = query_arg(req, "n", 1, 0, 10**6)
    retry_after = query_arg(req, "retry_after", 2, 0, 86400)
    if bump(req, "ratelimit/" + m[1]) < limit:
        reply = html_reply(429, "Too Many Requests", "Slow down.")
        reply.headers["Retry-After"] = str(retry_after)
        return reply
    return page_or_default(req, "Allowed")


def route_png_as_html(req: Request, m: re.Match[str]) -> Reply:
    """/_test/png-as-html: binary bytes behind an HTML content type."""
    return Reply(200, tiny_png())


def route_bad_charset(req: Request, m: re.Match[str]) -> Reply:
    """/_test/bad-charset: cp1252 bytes that claim to be utf-8."""
    text = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Caf\u00e9 notes</title></head>\n'
        "<body><h1>Caf\u00e9 notes</h1><p>\u201cSmart quotes\u201d aren\u2019t UTF-8 here; "
        f"nor is the \u00e9 in caf\u00e9.</p>{ARTICLE_TEXT}</body></html>\n"
    )
    return Reply(200, text.encode("cp1252"))


def route_variants(req: Request, m: re.Match[str]) -> Reply:
    """/_test/variants: one article under many URLs, for canonical-URL dedup."""
    base = html.escape(req.server.base_url)
    body = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Variant article</title>\n"
        f'<link rel="canonical" href="{base}/_test/variants"></head>\n'
        "<body><article><h1>Variant article</h1><p>The same article is reachable under many "
        f"URLs; only its canonical one should be kept.</p>{ARTICLE_TEXT}</article></body></html>\n"
    )
    return Reply(200, body.encode())


def route_headers(req: Request, m: re.Match[str]) -> Reply:
    """/_test/headers: what the client sent (User-Agent...), readable in its record."""
    lines = "".join(
        f"<p>{html.escape(name)}: {html.escape(value)}</p>\n"
        for name, value in sorted(req.headers.items())
    )
    body = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Request headers</title></head>\n<body><article><h1>Request headers</h1>\n"
        f"{lines}{ARTICLE_TEXT}</article></body></html>\n"
    )
    return Reply(200, body.encode())


def route_page(req: Request, m: re.Match[str]) -> Reply:
    """/_test/page/<key>: a page per key, so that fetches are counted per page."""
    time.sleep(query_arg(req, "s", 0.0, 0, 300))
    return html_reply(200, f"Page {m[1]}", f"The page called {m[1]}.")


def route_sitemap(req: Request, m: re.Match[str]) -> Reply:
    """/_test/sitemap/<key>: n distinct pages, each answering after s seconds."""
    count = query_arg(req, "n", 10, 0, 50_000)
    delay = query_arg(req, "s", 0.0, 0, 300)
    locs = [f"{req.server.base_url}/_test/page/{m[1]}-{i}?s={delay:g}" for i in range(count)]
    return Reply(200, xml_list("urlset", "url", locs), "application/xml")


def route_sitemap_out_of_scope(req: Request, m: re.Match[str]) -> Reply:
    """/_test/sitemap-out-of-scope: one page a crawl seeded on this server may fetch, then
    the same server by other schemes and another host name, and this host's next port."""
    base, port = req.server.base_url, req.server.server_port
    other_port = port + 1 if port < 65535 else port - 1
    locs = [
        f"{base}/_test/page/in-scope",
        f"ftp://127.0.0.1:{port}/_test/page/ftp",
        f"file://{req.server.root}/medlineplus/asthma.html",
        f"http://127.0.0.1:{other_port}/_test/page/other-port",
        f"http://localhost:{port}/_test/page/other-host",
    ]
    return Reply(200, xml_list("urlset", "url", locs), "application/xml")


@dataclass
class SitePage:
    """One page of an editable /_test/site/: what its text and banner say, and its version."""

    text: int = 0
    banner: int = 0
    version: int = 0
    gone: bool = False
    rotate: bool = False
    blind304: bool = False
    unlisted: bool = False
    moved: bool = False


SITE_PAGES = 10
SITE_DATED = 4
"""Pages below this index carry <lastmod> in the site's sitemap; the others none."""
SITE_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z; version v was modified v hours later


def site_pages(req: Request, key: str) -> dict[int, SitePage]:
    """The pages of site `key`, SITE_PAGES fresh ones on first use (call under the lock)."""
    return req.server.sites.setdefault(key, {i: SitePage() for i in range(SITE_PAGES)})


def site_body(i: int, page: SitePage) -> bytes:
    """An article whose text follows `text`; the banner (boilerplate) follows `banner`."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Topic {i}</title>'
        f'</head>\n<body><div role="banner" class="site-banner"><p>Banner {page.banner}: our '
        f"clinic opens late on holidays.</p></div>\n<article><h1>Topic {i}</h1><p>Version "
        f"{page.text} of the article on topic {i}.</p>{ARTICLE_TEXT}</article></body></html>\n"
    ).encode()


def route_site(req: Request, m: re.Match[str]) -> Reply:
    """/_test/site/<key>/...: a site edited between crawls, for incremental re-crawls."""
    key, what, index = m[1], m[2], int(m[3]) if m[3] else -1
    with req.server.lock:
        pages = site_pages(req, key)
        if what == "sitemap.xml":
            return Reply(200, site_sitemap(req, key, pages), "application/xml")
        if what == "stats":
            data = {"not_modified": req.server.counters[f"site-304:{key}"]}
            return Reply(200, json.dumps(data).encode(), "application/json")
        if what == "edit":
            return edit_site_page(req, pages.setdefault(index, SitePage()))
        if what == "moved":
            return redirect(req, f"/_test/site/{key}/page/{index}", 301)
        page = pages.get(index)
        if page is None or page.gone:
            return html_reply(404, "Not Found")
        reply = site_page_reply(req, key, index, page)
        if reply.status == 304:
            req.server.counters[f"site-304:{key}"] += 1
        return reply


def site_sitemap(req: Request, key: str, pages: dict[int, SitePage]) -> bytes:
    """Every page not unlisted, gone ones too (a stale sitemap), the first SITE_DATED with
    <lastmod>; a moved page by its old URL."""
    items = []
    for i, page in sorted(pages.items()):
        if page.unlisted:
            continue
        path = f"{'moved' if page.moved else 'page'}/{i}"
        loc = f"<loc>{req.server.base_url}/_test/site/{key}/{path}</loc>"
        dated = i < SITE_DATED
        lastmod = f"<lastmod>{site_time(page, '%Y-%m-%dT%H:%M:%SZ')}</lastmod>" if dated else ""
        items.append(f"<url>{loc}{lastmod}</url>")
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    return (head + urlset + "".join(items) + "</urlset>\n").encode()


def site_time(page: SitePage, layout: str) -> str:
    return time.strftime(layout, time.gmtime(SITE_EPOCH + 3600 * page.version))


def edit_site_page(req: Request, page: SitePage) -> Reply:
    """Apply the query to the page; any edit moves its version (Last-Modified, lastmod)."""
    for name in ("text", "banner"):
        if name in req.query:
            setattr(page, name, query_arg(req, name, 0, 0, 1_000_000))
    for name in ("gone", "rotate", "blind304", "unlisted", "moved"):
        if name in req.query:
            setattr(page, name, req.query[name] == "1")
    page.version += 1
    return Reply(200, b"edited\n", "text/plain")


def site_page_reply(req: Request, key: str, i: int, page: SitePage) -> Reply:
    """200 with validators, or 304 when the request's validators still match (RFC 9110 13.1:
    If-None-Match wins over If-Modified-Since)."""
    serial = 0
    if page.rotate:  # under route_site's lock already
        serial = req.server.counters[f"site-etag:{key}:{i}"] = (
            req.server.counters[f"site-etag:{key}:{i}"] + 1
        )
    etag = f'"{i}-{page.text}-{page.banner}-{serial}"'
    modified = site_time(page, "%a, %d %b %Y %H:%M:%S GMT")
    headers = {"ETag": etag, "Last-Modified": modified}
    asked_etag = req.headers.get("If-None-Match")
    asked_since = req.headers.get("If-Modified-Since")
    if asked_etag is not None:
        fresh = etag in (tag.strip() for tag in asked_etag.split(","))
    else:
        fresh = asked_since is not None and asked_since == modified
    if fresh or page.blind304:
        return Reply(304, headers=headers)
    return Reply(200, site_body(i, page), headers=headers)


def route_count(req: Request, m: re.Match[str]) -> Reply:
    """/_test/count and /_test/reset-count: prove what was (never) fetched."""
    with req.server.lock:
        if m[1]:
            req.server.hits.clear()
            req.server.peak = req.server.active
        data = json.dumps(dict(req.server.hits), sort_keys=True)
    return Reply(200, data.encode(), "application/json")


def route_concurrency(req: Request, m: re.Match[str]) -> Reply:
    """/_test/concurrency: how many requests are being answered at once, now and at most."""
    with req.server.lock:
        data = json.dumps({"active": req.server.active, "peak": req.server.peak})
    return Reply(200, data.encode(), "application/json")


ROUTES: list[tuple[re.Pattern[str], Callable[[Request, re.Match[str]], Reply]]] = [
    (re.compile(pattern), handler)
    for pattern, handler in [
        (r"/_test/status/(\d{1,3})", route_status),
        (r"/_test/delay", route_delay),
        (r"/_test/huge(-chunked)?", route_huge),
        (r"/_test/redirect", route_redirect),
        (r"/_test/loop(?:/(\d{1,9})|-([ab]))", route_loop),
        (r"/_test/flaky/([^/]+)", route_flaky),
        (r"/_test/cut/([^/]+)", route_cut),
        (r"/_test/ratelimit/([^/]+)", route_ratelimit),
        (r"/_test/png-as-html", route_png_as_html),
        (r"/_test/bad-charset", route_bad_charset),
        (r"/_test/variants/?", route_variants),
        (r"/_test/headers", route_headers),
        (r"/_test/page/([^/]+)", route_page),
        (r"/_test/sitemap/([^/]+)", route_sitemap),
        (r"/_test/sitemap-out-of-scope", route_sitemap_out_of_scope),
        (r"/_test/site/([\w-]+)/(sitemap\.xml|stats|page|moved|edit)(?:/(\d{1,6}))?", route_site),
        (r"/_test/(reset-)?count", route_count),
        (r"/_test/concurrency", route_concurrency),
    ]
]


def dispatch(req: Request) -> Reply:
    """Pick the reply: GARD mirror, then /_test/ routes, redirects.tsv, static files."""
    if req.path == "/robots.txt":
        time.sleep(req.server.robots_delay)
    if req.path in req.server.gard:
        content_type, content = req.server.gard[req.path]
        data = content.read_bytes() if isinstance(content, Path) else content
        return Reply(200, data, content_type)
    for pattern, handler in ROUTES:
        if match := pattern.fullmatch(req.path):
            try:
                return handler(req, match)
            except BadRequest as error:
                return html_reply(400, "Bad Request", str(error))
    if req.path in req.server.redirects:
        target, status = req.server.redirects[req.path]
        return redirect(req, target, status)
    return static_reply(req, req.path)


class SampleServer(ThreadingHTTPServer):
    """The listening socket plus the state routes share (counters, GARD table)."""

    daemon_threads = True

    def __init__(
        self, root: Path, gard_corpus: Path | None, host: str, port: int, quiet: bool,
        robots_delay: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__((host, port), Handler)
        self.base_url = f"http://{host}:{self.server_port}"
        self.root = root.resolve()
        self.quiet = quiet
        self.robots_delay = robots_delay
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.counters: Counter[str] = Counter()
        self.active = 0
        self.peak = 0
        self.sites: dict[str, dict[int, SitePage]] = {}
        try:
            self.redirects = load_redirects(self.root)
            self.gard = gard_routes(gard_corpus, self.base_url) if gard_corpus else {}
        except BaseException:
            self.server_close()
            raise

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Count a request as being answered until its reply is ready to write, so that the
        peak never counts a request whose client may already have its whole response."""
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            yield
        finally:
            with self.lock:
                self.active -= 1

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """Stay quiet when a client hangs up, as size limits and timeouts make it do."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Turns each GET/HEAD into a Reply and writes it, streamed if need be."""

    server: SampleServer
    protocol_version = "HTTP/1.1"
    server_version = "healthcrawl-sample/1"
    timeout = 30

    def do_GET(self) -> None:
        """Serve a request with its body."""
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        """Serve a request's status and headers only."""
        self.respond(send_body=False)

    def respond(self, send_body: bool) -> None:
        """Count the hit, dispatch it and write the reply."""
        target = urlsplit(self.path)
        if target.path not in COUNT_ROUTES:
            with self.server.lock:
                self.server.hits[target.path] += 1
        query = {key: values[0] for key, values in parse_qs(target.query).items()}
        request = Request(self.server, target.path, query, dict(self.headers.items()))
        counted = target.path not in COUNT_ROUTES
        with self.server.answering() if counted else contextlib.nullcontext():
            reply = dispatch(request)
        self.write_reply(reply, send_body)

    def write_reply(self, reply: Reply, send_body: bool) -> None:
        """Send headers with Content-Length, or chunked when the length is unknown."""
        body = reply.body
        parts, length = ([body], len(body)) if isinstance(body, bytes) else (body, reply.length)
        chunked = length is None and self.request_version == "HTTP/1.1"
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status not in BODILESS:
            if length is not None:
                self.send_header("Content-Length", str(length))
            elif chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
        self.end_headers()
        if send_body and reply.status not in BODILESS:
            self.write_body(parts, chunked)

    def write_body(self, parts: Iterable[bytes], chunked: bool) -> None:
        """Write body parts, framing each as an HTTP/1.1 chunk when chunked."""
        for part in parts:
            if part:
                self.wfile.write(b"%X\r\n%s\r\n" % (len(part), part) if chunked else part)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:
        """Log one short line per request to stderr unless --quiet."""
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


def start_server(
    root: Path | None,
    gard_corpus: Path | None = None,
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    quiet: bool = False,
    robots_delay: float = 0.0,
) -> tuple[ThreadingHTTPServer, str]:
    """Serve in a daemon thread; root None means site/. Caller shuts it down."""
    check_loopback(host)
    root = DEFAULT_ROOT if root is None else root
    server = SampleServer(root, gard_corpus, host, port, quiet, robots_delay)
    threading.Thread(
        target=server.serve_forever, args=(0.1,), name="sample-site", daemon=True
    ).start()
    return server, server.base_url


def check_loopback(host: str) -> str:
    """Refuse anything but an IPv4 loopback address, so tests never expose a port."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{host!r} is not an IP address") from None
    if address.version != 4 or not address.is_loopback:
        raise argparse.ArgumentTypeError(f"{host} is not an IPv4 loopback address")
    return host


@contextlib.contextmanager
def running_server(
    root: Path | None = None,
    gard_corpus: Path | None = None,
    port: int = 0,
    *,
    quiet: bool = True,
    startup_timeout: float = 30.0,
    robots_delay: float = 0.0,
) -> Iterator[str]:
    """Run `python -m healthcrawl.sample_site.serve` in a subprocess and yield its base URL."""
    command = [sys.executable, "-m", "healthcrawl.sample_site.serve", "--port", str(port)]
    if robots_delay:
        command += ["--robots-delay", str(robots_delay)]
    if root is not None:
        command += ["--root", str(Path(root).resolve())]
    if gard_corpus is not None:
        command += ["--gard-corpus", str(Path(gard_corpus).resolve())]
    if quiet:
        command.append("--quiet")
    package_parent = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    try:
        yield read_url_line(process, startup_timeout)
    finally:
        stop_process(process)


def read_url_line(process: subprocess.Popen[str], timeout: float) -> str:
    """Wait for the server's one stdout line, failing if it dies or stalls."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline().strip() if ready else ""
    if not line.startswith("http://"):
        raise RuntimeError(f"sample server did not start (exit code {process.poll()}): {line!r}")
    return line


def stop_process(process: subprocess.Popen[str], timeout: float = 10.0) -> None:
    """Terminate the server, killing it if it does not exit in time."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line described in the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m healthcrawl.sample_site.serve",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="static site folder")
    parser.add_argument("--gard-corpus", type=Path, help="folder with pages/ and disease_links.csv")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS pick a free port")
    parser.add_argument("--host", type=check_loopback, default="127.0.0.1")
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    parser.add_argument(
        "--robots-delay", type=float, default=0.0, metavar="SECONDS",
        help="answer /robots.txt only after this long",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Print the base URL, then serve until SIGTERM or SIGINT."""
    args = parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server, url = start_server(
        args.root, args.gard_corpus, args.port, host=args.host, quiet=args.quiet,
        robots_delay=args.robots_delay,
    )  # fmt: skip
    print(url, flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
