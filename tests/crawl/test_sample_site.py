"""Real crawls of the bundled sample site (see sample_site/site/README.md for its map)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.crawl.conftest import FAST, crawl, read_records

GARD_PAGES = {
    "/diseases/5786/amyotrophic-lateral-sclerosis",
    "/diseases/6233/cystic-fibrosis",
    "/diseases/6677/huntington-disease",
    "/diseases/6975/marfan-syndrome",
    "/diseases/6445/fibrodysplasia-ossificans-progressiva",
}
PRIVATE = "/private/internal-notes.html"


def server_hits(base: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base}/_test/count") as response:
        return json.load(response)


@pytest.mark.parametrize("obey", [True, False])
def test_robots_disallow_is_honoured(site_url: str, tmp_path: Path, obey: bool) -> None:
    """The disallowed page comes second, so it is checked while robots.txt is still in flight
    (Scrapy 2.13+ let such requests through; spiders/middlewares.py fixes that). With
    ROBOTSTXT_OBEY off the same crawl fetches it, which shows the check can fail."""
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site_url}/medlineplus/asthma.html\n{site_url}{PRIVATE}\n")
    urllib.request.urlopen(f"{site_url}/_test/reset-count").close()
    result = crawl(
        "pages", tmp_path, args={"urls_file": str(urls)}, settings={"ROBOTSTXT_OBEY": str(obey)}
    )
    fetched = server_hits(site_url).get(PRIVATE, 0)
    if obey:
        assert (fetched, result.stats["robotstxt/forbidden"], len(result.records)) == (0, 1, 1)
        assert "robots=1" in result.log
    else:
        assert (fetched, len(result.records)) == (1, 2)


def test_gard_spider_follows_robots_sitemap_index_and_gzipped_sitemap(
    site_url: str, tmp_path: Path
) -> None:
    urllib.request.urlopen(f"{site_url}/_test/reset-count").close()
    result = crawl("gard", tmp_path, args={"base_url": site_url})
    assert result.returncode == 0
    fetched = server_hits(site_url)
    assert [fetched.get(p, 0) for p in ("/sitemap_index.xml", "/sitemaps/gard.xml.gz")] == [1, 1]
    assert {r["url"].removeprefix(site_url) for r in result.records} == GARD_PAGES
    assert len(result.records) == 5
    assert {r["source"] for r in result.records} == {"gard"}
    assert result.skipped("http_error") == 1  # /diseases/404/missing-disease
    assert result.stats["downloader/response_status_count/301"] == 1  # the old slug


def test_mayoclinic_2013_tab_pages_share_doc_id(site_url: str, tmp_path: Path) -> None:
    result = crawl("mayoclinic", tmp_path, args={"base_url": site_url})
    by_doc = Counter(r["doc_id"] for r in result.records)
    assert by_doc["DS00359"] == 5
    assert by_doc["DS00090"] == 4
    als = [r for r in result.records if r["doc_id"] == "DS00359"]
    assert {r["date_modified"] for r in als} == {"2010-12-02"}
    assert {r["title"] for r in als} == {"Amyotrophic lateral sclerosis"}
    assert sorted(r["url"].rsplit("/", 1)[-1] for r in als) == [
        "DS00359",
        "DSECTION=causes",
        "DSECTION=risk-factors",
        "DSECTION=symptoms",
        "DSECTION=treatments-and-drugs",
    ]
    org = [r for r in result.records if "/diseases-conditions/" in r["url"]]
    assert len(org) == 6
    assert all(r["doc_id"].startswith(("syc-", "drc-")) for r in org)
    assert len(result.records) == 15
    assert result.skipped("download_error") == 0  # off-site links are not followed


def test_sitemap_spider_skips_pdf_and_disallowed_page(site_url: str, tmp_path: Path) -> None:
    result = crawl(
        "sitemap",
        tmp_path,
        args={"sitemap_url": f"{site_url}/robots.txt", "allow": "/(medlineplus|private)/"},
    )
    assert result.skipped("not_html") == 1  # leaflet.pdf
    assert result.stats["robotstxt/forbidden"] == 1
    assert len(result.records) == 5
    assert all(r["source"] == "medlineplus" for r in result.records)


def _crawl_with_feed(
    site_url: str, folder: Path, option: str, name: str = "feed.jsonl"
) -> subprocess.CompletedProcess:
    """`scrapy crawl gard -O/-o NAME` run in `folder`, outside the project folder."""
    command = [sys.executable, "-m", "scrapy", "crawl", "gard", "-a", f"base_url={site_url}"]
    command += [option, name, "-s", "HEALTHCRAWL_STATS_FILE=stats.json"]
    for key, value in FAST.items():
        command += ["-s", f"{key}={value}"]
    environment = {**os.environ, "SCRAPY_SETTINGS_MODULE": "healthcrawl.spiders.settings"}
    return subprocess.run(
        command, cwd=folder, env=environment, capture_output=True, text=True, timeout=120
    )


def test_capital_o_writes_one_file_and_replaces_it(site_url: str, tmp_path: Path) -> None:
    first = _crawl_with_feed(site_url, tmp_path, "-O")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "feed.jsonl",
        "feed.jsonl.ledger.sqlite",
        "stats.json",
    ]
    assert len(read_records(tmp_path / "feed.jsonl")) == 5
    assert f"records written to {tmp_path / 'feed.jsonl'};" in first.stderr
    again = _crawl_with_feed(site_url, tmp_path, "-O")
    assert again.returncode == 0, again.stderr
    assert len(read_records(tmp_path / "feed.jsonl")) == 5


def test_capital_o_parquet(site_url: str, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    done = _crawl_with_feed(site_url, tmp_path, "-O", "feed.parquet")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "feed.parquet",
        "feed.parquet.ledger.sqlite",
        "stats.json",
    ]
    assert pq.read_table(tmp_path / "feed.parquet").num_rows == 5


def test_small_o_appends_without_duplicates(site_url: str, tmp_path: Path) -> None:
    assert _crawl_with_feed(site_url, tmp_path, "-o").returncode == 0
    second = _crawl_with_feed(site_url, tmp_path, "-o")
    assert len(read_records(tmp_path / "feed.jsonl")) == 5
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["healthcrawl/skipped/duplicate"] == 5, second.stderr


def test_scrapy_list() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["gard", "mayoclinic", "pages", "sitemap"]


def test_killed_crawl_resumes_with_every_page_written_once(site_url: str, tmp_path: Path) -> None:
    """SIGKILL half way, a torn last line as a killed writer can leave, then resume."""
    pages = [f"{site_url}/_test/delay?s=0.2&n={n}" for n in range(30)]
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(pages) + "\n")
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "scrapy", "crawl", "pages", "-a", f"urls_file={urls}"]
    settings = {
        **FAST,
        "HEALTHCRAWL_OUTPUT": str(output),
        "JOBDIR": str(tmp_path / "job"),
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    }
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    first = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(read_records(output)) < 10:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    written_before = len(read_records(output))
    assert 10 <= written_before < 30
    with output.open("a") as handle:
        handle.write('{"id": "torn-by-kill", "url": "htt')
    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr[-2000:]
    lines = output.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is whole JSON
    summary = [
        line for line in second.stderr.splitlines() if "summary" in line or "resuming" in line
    ]
    assert Counter(r["url"] for r in records) == Counter(pages), (written_before, summary)
    assert f"{output}: dropped a torn last line" in second.stderr
    assert "was not closed cleanly: its request queue is discarded" in second.stderr
    assert f"resuming: {written_before} pages already written" in second.stderr
