"""Real crawls of the bundled sample site (see sample_site/site/README.md for its map)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from healthcrawl.spiders import settings
from tests.conftest import REPO
from tests.crawl.conftest import FAST, crawl, read_records, reset_counts, server_hits

GARD_PAGES = {
    "/diseases/5786/amyotrophic-lateral-sclerosis",
    "/diseases/6233/cystic-fibrosis",
    "/diseases/6677/huntington-disease",
    "/diseases/6975/marfan-syndrome",
    "/diseases/6445/fibrodysplasia-ossificans-progressiva",
}
PRIVATE = "/private/internal-notes.html"


OUR_ROBOTS = "healthcrawl.spiders.middlewares.RobotsTxtMiddleware"
SCRAPY_ROBOTS = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"


@pytest.mark.parametrize(("middleware", "fetched"), [(OUR_ROBOTS, 0), (SCRAPY_ROBOTS, 5)])
def test_robots_disallow_holds_for_requests_sent_while_robots_txt_downloads(
    slow_robots_url: str, tmp_path: Path, middleware: str, fetched: int
) -> None:
    """Seven first requests to a host whose robots.txt takes a second: the first starts the
    robots.txt download and the other six, all disallowed, wait for it. Scrapy's own
    middleware (2.13+) hands the parser to the first waiter only and lets the other five
    through; ours (spiders/middlewares.py) refuses all six."""
    private = [f"{slow_robots_url}{PRIVATE}?n={n}" for n in range(6)]
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join([f"{slow_robots_url}/medlineplus/asthma.html", *private]) + "\n")
    middlewares = {**settings.DOWNLOADER_MIDDLEWARES, OUR_ROBOTS: None, SCRAPY_ROBOTS: None}
    middlewares[middleware] = 100
    reset_counts(slow_robots_url)
    result = crawl(
        "pages", tmp_path, args={"urls_file": str(urls)},
        settings={"DOWNLOADER_MIDDLEWARES": json.dumps(middlewares)},
    )  # fmt: skip
    assert server_hits(slow_robots_url, PRIVATE) == ({PRIVATE: fetched} if fetched else {})
    assert server_hits(slow_robots_url, "/robots.txt") == {"/robots.txt": 1}
    assert result.stats["robotstxt/forbidden"] == 6 - fetched
    assert result.skipped("robots") == 6 - fetched


def test_gard_spider_follows_robots_sitemap_index_and_gzipped_sitemap(
    site_url: str, tmp_path: Path
) -> None:
    reset_counts(site_url)
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


def test_safety_net_records_are_counted(site_url: str, tmp_path: Path) -> None:
    """A page our pruning guts is written with trafilatura's own choice, and counted."""
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site_url}/misc/promo-only.html\n")
    result = crawl("pages", tmp_path, args={"urls_file": str(urls)})
    assert [r["extractor"]["method"] for r in result.records] == ["trafilatura"]
    assert result.records[0]["title"] == "Croup in children"
    assert result.stats["healthcrawl/safety_net"] == 1
    assert "1 records written to" in result.log and " (1 by the safety net); " in result.log
