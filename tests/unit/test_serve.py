"""Tests for sample_site.serve over real HTTP on 127.0.0.1.

Spider tests trust this server to misbehave exactly as documented, so each
route's status, headers and body length are pinned here.
"""

from __future__ import annotations

import csv
import gzip
import http.client
import json
import re
import struct
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from healthcrawl.sample_site.serve import parse_args, running_server, start_server

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
GARD_CORPUS = SHARED / "corpus" / "rarediseases"
MIB = 1024 * 1024


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Let redirect responses reach the test instead of following them."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def fetch(url: str, method: str = "GET") -> tuple[int, Message, bytes]:
    """GET or HEAD url without following redirects; errors are returned, not raised."""
    try:
        with OPENER.open(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def raw_get(base: str, path: str) -> int:
    """GET a path exactly as written, so '..' segments reach the server."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch site covering every static lookup and substitution rule."""
    root = tmp_path_factory.mktemp("site")
    (root / "secret.txt").write_text("outside")  # sibling of www, must stay unreachable
    www = root / "www"
    files = {
        "index.html": "<h1>home</h1>",
        "a/b.html": "<h1>b page</h1> {BASE_URL} stays",
        "a/c": "c exact",
        "docs/index.html": "<h1>docs</h1>",
        "robots.txt": "User-agent: *\nSitemap: {BASE_URL}/sitemap.xml\n",
        "sitemap.xml": "<urlset><url><loc>{BASE_URL}/a/b</loc></url></urlset>",
        "report.pdf": "%PDF-1.4",
        "redirects.tsv": "from\tto\tstatus\n# moved pages\n/old\t/a/b\t301\n/gone\t/docs/\t302\n",
    }
    for name, text in files.items():
        (www / name).parent.mkdir(parents=True, exist_ok=True)
        (www / name).write_text(text, encoding="utf-8")
    xml = b"<urlset><url><loc>{BASE_URL}/docs</loc></url></urlset>"
    (www / "sitemaps").mkdir()
    (www / "sitemaps" / "pages.xml.gz").write_bytes(gzip.compress(xml))
    return www


@pytest.fixture(scope="module")
def base(site_root: Path) -> Iterator[str]:
    """One in-process server for the module; counters use distinct keys per test."""
    server, url = start_server(site_root, quiet=True)
    yield url
    server.shutdown()
    server.server_close()


def test_binds_loopback_and_prints_base(base: str) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/", b"<h1>home</h1>"),
        ("/a/b", b"<h1>b page</h1> {BASE_URL} stays"),
        ("/a/b.html", b"<h1>b page</h1> {BASE_URL} stays"),
        ("/a/b?page=2", b"<h1>b page</h1> {BASE_URL} stays"),
        ("/a/c", b"c exact"),
        ("/docs", b"<h1>docs</h1>"),
        ("/docs/", b"<h1>docs</h1>"),
    ],
)
def test_static_lookup_rules(base: str, path: str, body: bytes) -> None:
    status, headers, data = fetch(base + path)
    assert (status, data) == (200, body)
    assert headers["Content-Length"] == str(len(body))


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/a/b", "text/html; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/sitemap.xml", "application/xml"),
        ("/sitemaps/pages.xml.gz", "application/gzip"),
        ("/report.pdf", "application/pdf"),
        ("/a/c", "application/octet-stream"),
    ],
)
def test_content_type_by_extension(base: str, path: str, content_type: str) -> None:
    assert fetch(base + path)[1]["Content-Type"] == content_type


def test_placeholder_filled_in_txt_and_xml(base: str) -> None:
    assert (
        fetch(base + "/robots.txt")[2] == f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode()
    )
    assert (
        fetch(base + "/sitemap.xml")[2]
        == f"<urlset><url><loc>{base}/a/b</loc></url></urlset>".encode()
    )


def test_placeholder_filled_inside_xml_gz(base: str) -> None:
    status, headers, data = fetch(base + "/sitemaps/pages.xml.gz")
    assert status == 200
    assert headers["Content-Length"] == str(len(data))
    assert gzip.decompress(data) == f"<urlset><url><loc>{base}/docs</loc></url></urlset>".encode()


@pytest.mark.parametrize(
    ("path", "status", "target"), [("/old", 301, "/a/b"), ("/gone", 302, "/docs/")]
)
def test_redirects_tsv(base: str, path: str, status: int, target: str) -> None:
    code, headers, _ = fetch(base + path)
    assert (code, headers["Location"]) == (status, base + target)


def test_missing_page_is_404_html(base: str) -> None:
    status, headers, data = fetch(base + "/nope")
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<html" in data and headers["Content-Length"] == str(len(data))


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/a/../../secret.txt"])
def test_path_traversal_refused(base: str, path: str) -> None:
    assert raw_get(base, path) == 404


def test_head_has_headers_but_no_body(base: str) -> None:
    status, headers, data = fetch(base + "/a/b", method="HEAD")
    assert (status, data) == (200, b"")
    assert headers["Content-Length"] == str(len(b"<h1>b page</h1> {BASE_URL} stays"))


@pytest.mark.parametrize("code", [403, 418, 500, 503])
def test_status_route(base: str, code: int) -> None:
    status, headers, data = fetch(f"{base}/_test/status/{code}")
    assert status == code and f"Status {code}".encode() in data
    assert headers["Content-Length"] == str(len(data))


def test_status_204_has_no_body(base: str) -> None:
    status, _, data = fetch(base + "/_test/status/204")
    assert (status, data) == (204, b"")


def test_delay_then_page(base: str) -> None:
    started = time.monotonic()
    status, _, data = fetch(base + "/_test/delay?s=0.3&page=/a/c")
    assert time.monotonic() - started >= 0.3
    assert (status, data) == (200, b"c exact")


def test_huge_streams_exact_length(base: str) -> None:
    status, headers, data = fetch(base + "/_test/huge?mb=1")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Length"] == str(MIB) and len(data) == MIB
    assert data.startswith(b"<!DOCTYPE html>") and data.endswith(b"</html>\n")
    assert data.count(b"<p>") > 10_000


def test_huge_chunked_has_no_content_length(base: str) -> None:
    status, headers, data = fetch(base + "/_test/huge-chunked?mb=1")
    assert status == 200 and headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in headers and len(data) == MIB


def test_redirect_route(base: str) -> None:
    status, headers, _ = fetch(base + "/_test/redirect?to=/a/b&status=307")
    assert (status, headers["Location"]) == (307, base + "/a/b")


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/_test/loop/5", "/_test/loop/6"),
        ("/_test/loop-a", "/_test/loop-b"),
        ("/_test/loop-b", "/_test/loop-a"),
    ],
)
def test_loops_redirect(base: str, path: str, target: str) -> None:
    status, headers, _ = fetch(base + path)
    assert (status, headers["Location"]) == (302, base + target)


def test_flaky_fails_then_serves_page(base: str) -> None:
    url = base + "/_test/flaky/flaky-test?fail=2&status=500&page=/a/c"
    assert [fetch(url)[0] for _ in range(2)] == [500, 500]
    assert fetch(url)[::2] == (200, b"c exact")
    assert fetch(base + "/_test/flaky/other-key")[0] == 503


def test_ratelimit_429_with_retry_after(base: str) -> None:
    url = base + "/_test/ratelimit/rl-test?n=1&retry_after=3&page=/a/c"
    status, headers, _ = fetch(url)
    assert (status, headers["Retry-After"]) == (429, "3")
    assert fetch(url)[::2] == (200, b"c exact")


def test_png_served_as_html(base: str) -> None:
    status, headers, data = fetch(base + "/_test/png-as-html")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and headers["Content-Length"] == str(len(data))
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and struct.unpack(">II", data[16:24]) == (1, 1)
    assert struct.unpack(">I", data[16 + length : 20 + length])[0] == zlib.crc32(
        data[12 : 16 + length]
    )
    assert data.endswith(b"IEND\xaeB`\x82")


def test_bad_charset_bytes_are_cp1252(base: str) -> None:
    _, headers, data = fetch(base + "/_test/bad-charset")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<meta charset="utf-8">' in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "\u201c" in data.decode("cp1252") and "caf\u00e9" in data.decode("cp1252")


def test_variants_serve_one_canonical_page(base: str) -> None:
    bodies = {
        fetch(base + path)[2]
        for path in ["/_test/variants", "/_test/variants/", "/_test/variants?utm_source=x&b=2"]
    }
    assert len(bodies) == 1
    assert f'<link rel="canonical" href="{base}/_test/variants">'.encode() in bodies.pop()


def test_count_and_reset(base: str) -> None:
    assert json.loads(fetch(base + "/_test/reset-count")[2]) == {}
    fetch(base + "/a/b?x=1")
    fetch(base + "/a/b")
    fetch(base + "/nope")
    status, headers, data = fetch(base + "/_test/count")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(data) == {"/a/b": 2, "/nope": 1}


@pytest.mark.parametrize(
    "path",
    [
        "/_test/huge?mb=x",
        "/_test/flaky/k?fail=-1",
        "/_test/redirect?status=200",
        "/_test/status/999",
        "/_test/page/k?s=-1",
        "/_test/sitemap/k?n=x",
    ],
)
def test_bad_parameters_are_400(base: str, path: str) -> None:
    assert fetch(base + path)[0] == 400


def test_page_route_is_a_page_per_key_counted_by_path(base: str) -> None:
    fetch(base + "/_test/reset-count")
    started = time.monotonic()
    status, _, one = fetch(base + "/_test/page/one?s=0.2")
    assert time.monotonic() - started >= 0.2
    two = fetch(base + "/_test/page/two")[2]
    assert status == 200
    assert b"<title>Page one</title>" in one and b"<title>Page two</title>" in two
    assert json.loads(fetch(base + "/_test/count")[2]) == {
        "/_test/page/one": 1,
        "/_test/page/two": 1,
    }


def test_sitemap_route_lists_n_pages(base: str) -> None:
    status, headers, data = fetch(base + "/_test/sitemap/k?n=3&s=0.5")
    assert (status, headers["Content-Type"]) == (200, "application/xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", data.decode())
    assert locs == [f"{base}/_test/page/k-{i}?s=0.5" for i in range(3)]


def test_out_of_scope_sitemap(base: str, site_root: Path) -> None:
    port = int(base.rsplit(":", 1)[1])
    data = fetch(base + "/_test/sitemap-out-of-scope")[2]
    assert re.findall(r"<loc>([^<]+)</loc>", data.decode()) == [
        f"{base}/_test/page/in-scope",
        f"ftp://127.0.0.1:{port}/_test/page/ftp",
        f"file://{site_root.resolve()}/medlineplus/asthma.html",
        f"http://127.0.0.1:{port + 1}/_test/page/other-port",
        f"http://localhost:{port}/_test/page/other-host",
    ]


def test_robots_delay(site_root: Path) -> None:
    assert parse_args(["--robots-delay", "1.5"]).robots_delay == 1.5
    server, url = start_server(site_root, quiet=True, robots_delay=0.3)
    try:
        started = time.monotonic()
        assert fetch(url + "/a/c")[0] == 200
        assert time.monotonic() - started < 0.3
        assert fetch(url + "/robots.txt")[0] == 200
        assert time.monotonic() - started >= 0.3
    finally:
        server.shutdown()
        server.server_close()


def test_non_loopback_host_refused() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--host", "0.0.0.0"])


def test_running_server_subprocess(site_root: Path) -> None:
    with running_server(site_root) as url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert (
            fetch(url + "/robots.txt")[2] == f"User-agent: *\nSitemap: {url}/sitemap.xml\n".encode()
        )
    with pytest.raises(urllib.error.URLError):
        fetch(url + "/robots.txt")


@pytest.fixture(scope="module")
def gard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server mirroring the shared GARD corpus, with an empty static root."""
    if not (GARD_CORPUS / "disease_links.csv").is_file():
        pytest.skip(f"GARD corpus not found at {GARD_CORPUS}")
    server, url = start_server(tmp_path_factory.mktemp("empty"), GARD_CORPUS, quiet=True)
    yield url
    server.shutdown()
    server.server_close()


def corpus_links() -> list[str]:
    """CSV links whose page file exists, computed independently of the server."""
    with open(GARD_CORPUS / "disease_links.csv", newline="", encoding="utf-8") as handle:
        links = [row["link"] for row in csv.DictReader(handle)]
    return [
        link
        for link in links
        if (GARD_CORPUS / "pages" / (link.split("/")[-1] + ".html")).is_file()
    ]


def test_gard_robots(gard: str) -> None:
    status, _, data = fetch(gard + "/robots.txt")
    assert status == 200
    assert data.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /search",
        f"Sitemap: {gard}/sitemap_index.xml",
    ]


def test_gard_sitemaps_list_every_matched_page(gard: str) -> None:
    links = corpus_links()
    index = fetch(gard + "/sitemap_index.xml")[2].decode()
    sitemaps = re.findall(r"<loc>([^<]+)</loc>", index)
    assert len(sitemaps) == -(-len(links) // 500)
    listed = []
    for sitemap in sitemaps:
        status, headers, data = fetch(sitemap)
        assert status == 200 and headers["Content-Type"] in (
            "application/gzip",
            "application/x-gzip",
        )
        urls = re.findall(r"<loc>([^<]+)</loc>", gzip.decompress(data).decode())
        assert len(urls) <= 500
        listed += urls
    assert listed == [f"{gard}/{link}" for link in links]


def test_gard_page_byte_identical(gard: str) -> None:
    link = corpus_links()[0]
    status, headers, data = fetch(f"{gard}/{link}")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert data == (GARD_CORPUS / "pages" / (link.split("/")[-1] + ".html")).read_bytes()
