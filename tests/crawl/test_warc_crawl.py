"""`-s HEALTHCRAWL_WARC=...`: the crawl's WARC holds what the server sent, and extracting it
gives the crawl's records again."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from scrapy.http import Response
from warcio.archiveiterator import ArchiveIterator

from healthcrawl.spiders.warc import _response_block
from tests.conftest import REPO
from tests.crawl.conftest import crawl, read_records

HTML = ("text/html", "application/xhtml+xml")


def warc_responses(path: Path) -> tuple[Counter[str], dict[str, tuple[int, str, bytes]]]:
    """Read with warcio, an independent reader that checks every digest: the count of each
    record type, and per 200 HTML response its URL -> (status, WARC-Date, body)."""
    kinds: Counter[str] = Counter()
    pages = {}
    with open(path, "rb") as file:
        for record in ArchiveIterator(file, check_digests="raise"):
            body = record.content_stream().read()
            url = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type != "response":
                kinds[record.rec_type] += 1
                continue
            html = record.http_headers.get_header("Content-Type", "").startswith(HTML)
            status = int(record.http_headers.get_statuscode())
            kinds["html response" if html else "other response"] += 1
            kinds["error status"] += html and status != 200
            if html and status == 200:
                pages[url] = (status, record.rec_headers.get_header("WARC-Date"), body)
    return kinds, pages


def test_extracting_the_crawls_warc_gives_the_crawls_records(site_url: str, tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    result = crawl(
        "gard", tmp_path, args={"base_url": site_url}, settings={"HEALTHCRAWL_WARC": str(warc)}
    )
    assert (result.returncode, len(result.records)) == (0, 5), result.log[-2000:]

    kinds, pages = warc_responses(warc)
    served = REPO / "sample_site" / "site" / "diseases" / "6233" / "cystic-fibrosis.html"
    assert pages[f"{site_url}/diseases/6233/cystic-fibrosis"][2] == served.read_bytes()
    assert kinds["request"] == kinds["html response"] + kinds["other response"]
    assert (kinds["warcinfo"], kinds["error status"], len(pages)) == (1, 2, 5)  # a 404, a 301

    again = tmp_path / "again.jsonl"
    command = [
        sys.executable,
        "-m",
        "healthcrawl.output.cli",
        "extract",
        str(warc),
        "-O",
        str(again),
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        f"healthcrawl extract: skipped (not failures): http_error={kinds['error status']}, "
        f"not_a_response={kinds['request'] + kinds['warcinfo']}, "
        f"not_html_response={kinds['other response']}\n"
    )
    crawled = {r["id"]: r for r in result.records}
    extracted = {r["id"]: r for r in read_records(again)}
    assert extracted.keys() == crawled.keys()
    for key, record in extracted.items():
        warc_date = datetime.fromisoformat(pages[record["url"]][1]).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert record == {**crawled[key], "fetched_at": warc_date}


def test_the_response_record_keeps_headers_but_not_a_transfer_coding_already_undone() -> None:
    response = Response(
        "https://example.org/a",
        status=200,
        headers={"Content-Type": "text/html", "Transfer-Encoding": "chunked"},
        body=b"<p>hi</p>",
        protocol="HTTP/1.1",
    )
    assert _response_block(response) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Crawler-Transfer-Encoding: chunked\r\n"
        b"\r\n<p>hi</p>"
    )
