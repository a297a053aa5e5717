"""`scrapy crawl` as a scheduled job sees it (spiders/crawl.py): exit status 0 for a crawl that
wrote records, 1 for a dead one, 2 with one stderr line for a usage error."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawl.conftest import crawl

DEAD = "healthcrawl: no record written ({} pages fetched) - exit status 1"


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: every connection is refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{bound.getsockname()[1]}"


def test_crawl_that_fetched_nothing_exits_1(refused_url: str, tmp_path: Path) -> None:
    result = crawl("gard", tmp_path, args={"base_url": refused_url}, settings={"RETRY_TIMES": "0"})
    assert result.returncode == 1
    assert result.log.count(DEAD.format(0)) == 1
    assert result.stats["healthcrawl/skipped/download_error"] == 1  # robots.txt, refused


@pytest.mark.parametrize(
    ("path", "returncode", "dead_lines"),
    [("/_test/status/404", 1, 1), ("/medlineplus/asthma.html", 0, 0)],
)
def test_crawl_that_wrote_no_record_exits_1(
    site_url: str, tmp_path: Path, path: str, returncode: int, dead_lines: int
) -> None:
    """robots.txt and the page are fetched, but the page gives no record; a good page exits 0."""
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site_url}{path}\n")
    result = crawl("pages", tmp_path, args={"urls_file": str(urls)})
    assert result.returncode == returncode
    assert result.log.count(DEAD.format(2)) == dead_lines
    assert result.log.count("no record written") == dead_lines


def test_rerun_whose_records_are_all_written_already_exits_0(site_url: str, tmp_path: Path) -> None:
    """Appending to the same output again writes nothing new, and is not a dead crawl."""
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site_url}/medlineplus/asthma.html\n")
    first = crawl("pages", tmp_path, args={"urls_file": str(urls)})
    again = crawl("pages", tmp_path, args={"urls_file": str(urls)})
    assert (first.returncode, again.returncode, again.skipped("duplicate")) == (0, 0, 1)
    assert len(again.records) == 1
    assert "no record written" not in again.log


def test_rerun_of_a_finished_job_exits_0(site_url: str, tmp_path: Path) -> None:
    """The same JOBDIR again: its written pages are not fetched again, and that is not a dead
    crawl either."""
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site_url}/medlineplus/asthma.html\n")
    job = {"JOBDIR": str(tmp_path / "job")}
    first = crawl("pages", tmp_path, args={"urls_file": str(urls)}, settings=job)
    again = crawl("pages", tmp_path, args={"urls_file": str(urls)}, settings=job)
    assert (first.returncode, again.returncode) == (0, 0)
    assert again.stats["healthcrawl/resume/already_written"] == 1
    assert again.stats.get("healthcrawl/records_written", 0) == 0
    assert "no record written" not in again.log


@pytest.mark.parametrize(
    ("spider", "args", "line"),
    [
        (
            "gard",
            {"base_url": "ftp://example.org"},
            "-a base_url='ftp://example.org': not an absolute http:// or https:// URL",
        ),
        (
            "gard",
            {"base_url": "http://127.0.0.1:99999"},
            "-a base_url='http://127.0.0.1:99999': its port is not a number from 1 to 65535",
        ),
        (
            "gard",
            {"profile": "webmd"},
            "-a profile='webmd': unknown profile; "
            "choose from gard, generic, mayoclinic, medlineplus, nhs",
        ),
        ("gard", {"bogus": "1"}, "-a bogus: unknown argument; known: base_url, profile"),
        (
            "sitemap",
            {"sitemap_url": "http://127.0.0.1:1/robots.txt", "bogus": "1"},
            "-a bogus: unknown argument; known: allow, base_url, profile, sitemap_url",
        ),
        ("sitemap", {}, "-a sitemap_url: required: the sitemap or robots.txt URL"),
        ("webmd", {}, "no such spider; known: gard, mayoclinic, pages, sitemap"),
    ],
)
def test_bad_argument_is_one_line_and_exit_2(
    tmp_path: Path, spider: str, args: dict[str, str], line: str
) -> None:
    result = crawl(spider, tmp_path, args=args)
    assert (result.returncode, result.log) == (2, f"scrapy crawl {spider}: {line}\n")
    assert (result.stats, result.output.exists()) == ({}, False)  # the crawl never started


def test_two_output_files_are_one_line_and_exit_2(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    result = crawl("gard", tmp_path, args={}, options=["-o", str(first), "-o", str(second)])
    line = f"scrapy crawl gard: one output file per crawl, got 2: ['{first}', '{second}']\n"
    assert (result.returncode, result.log) == (2, line)


def test_small_o_with_healthcrawl_output_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """crawl() sets HEALTHCRAWL_OUTPUT, which -o contradicts."""
    result = crawl("gard", tmp_path, args={}, options=["-o", str(tmp_path / "feed.jsonl")])
    line = "scrapy crawl gard: give -o/-O or HEALTHCRAWL_OUTPUT, not both\n"
    assert (result.returncode, result.log) == (2, line)


def test_unwritable_output_is_a_bootstrap_failure_exit_1(site_url: str, tmp_path: Path) -> None:
    result = crawl(
        "gard", tmp_path, args={"base_url": site_url},
        settings={"HEALTHCRAWL_OUTPUT": "/proc/healthcrawl/out.jsonl"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "output '/proc/healthcrawl/out.jsonl' is not writable" in result.log
    assert "Crawled (" not in result.log
