"""A crawl with JOBDIR, stopped and resumed, fetches each page once (spiders/dupefilter.py).

Fetches are counted at the server: the pipeline's record-id check keeps the output right
whatever the crawl fetches, so the records alone cannot show a page fetched twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import REPO
from tests.crawl.conftest import crawl_command, read_records, reset_counts, server_hits

PAGES = 30
ONE_AT_A_TIME = {"CONCURRENT_REQUESTS": "1"}
"""A stop leaves the pending pages in Scrapy's queue, not in its downloader (which a graceful
stop lets finish)."""


def start_crawl(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as handle:
        return subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=handle, start_new_session=True
        )


def wait_for_records(output: Path, count: int, crawl: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while len(read_records(output)) < count and crawl.poll() is None:
        assert time.monotonic() < deadline, "the crawl wrote too few records in a minute"
        time.sleep(0.05)


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_killed_crawl_refetches_only_pages_not_written(site_url: str, tmp_path: Path) -> None:
    """SIGKILL half way, a torn last line as a killed writer can leave, then resume: every page
    is written once, and the resumed crawl fetches exactly the pages whose records were not
    written (the ones never fetched, and the few in flight at the kill), each once."""
    pages = [f"{site_url}/_test/page/kill-{n}?s=0.05" for n in range(PAGES)]
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(pages) + "\n")
    output = tmp_path / "out.jsonl"
    command = crawl_command(
        "pages", {"urls_file": str(urls)},
        {**ONE_AT_A_TIME, "HEALTHCRAWL_OUTPUT": str(output), "JOBDIR": str(tmp_path / "job")},
    )  # fmt: skip
    first = start_crawl(command, tmp_path / "first.log")
    wait_for_records(output, 10, first)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    written = {path_of(r["url"]) for r in read_records(output)}
    assert 10 <= len(written) < PAGES
    fetched_first = server_hits(site_url, "/_test/page/kill-")
    assert set(fetched_first.values()) == {1}
    with output.open("a") as handle:
        handle.write('{"id": "torn-by-kill", "url": "htt')
    reset_counts(site_url)

    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert second.returncode == 0, second.stderr[-2000:]
    records = [json.loads(line) for line in output.read_text().splitlines()]  # all whole
    assert Counter(r["url"] for r in records) == Counter(pages)
    not_written = {path_of(url) for url in pages} - written
    assert server_hits(site_url, "/_test/page/kill-") == dict.fromkeys(not_written, 1)
    assert f"{output}: dropped a torn last line" in second.stderr
    assert "was not closed cleanly: its request queue and seen requests are discarded" in (
        second.stderr
    )
    assert f"resuming: {len(written)} pages already written" in second.stderr


def stop_gracefully(command: list[str], output: Path, after: int, log: Path) -> int:
    """Start the crawl, SIGTERM it once `after` records are written, wait for its clean stop;
    the number of records written."""
    crawl = start_crawl(command, log)
    wait_for_records(output, after, crawl)
    crawl.send_signal(signal.SIGTERM)
    assert crawl.wait(timeout=60) == 0
    assert "(finish reason: shutdown)" in log.read_text(), log.read_text()[-2000:]
    written = len(read_records(output))
    assert after <= written < PAGES
    return written


def test_resume_after_sigterm_fetches_each_page_once(site_url: str, tmp_path: Path) -> None:
    """SIGTERM half way through a sitemap: Scrapy finishes the requests in flight and saves
    its queue; the resumed crawl takes the rest from the queue and does not fetch again what
    rediscovering the sitemap would schedule (which had it fetching pending pages twice).
    Once the job has finished, a rerun reads the sitemap again, for pages added since."""
    sitemap = f"{site_url}/_test/sitemap/term?n={PAGES}&s=0.05"
    pages = [f"{site_url}/_test/page/term-{n}?s=0.05" for n in range(PAGES)]
    output = tmp_path / "out.jsonl"
    command = crawl_command(
        "sitemap", {"sitemap_url": sitemap},
        {**ONE_AT_A_TIME, "HEALTHCRAWL_OUTPUT": str(output), "JOBDIR": str(tmp_path / "job")},
    )  # fmt: skip
    written = stop_gracefully(command, output, 8, tmp_path / "first.log")

    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert second.returncode == 0, second.stderr[-2000:]
    assert f"Resuming crawl ({PAGES - written} requests scheduled)" in second.stderr
    assert "not closed cleanly" not in second.stderr
    assert Counter(r["url"] for r in read_records(output)) == Counter(pages)
    assert server_hits(site_url, "/_test/page/term-") == {path_of(url): 1 for url in pages}
    assert server_hits(site_url, "/_test/sitemap/term") == {"/_test/sitemap/term": 1}
    subprocess.run(command, cwd=REPO, capture_output=True, timeout=60)
    assert server_hits(site_url, "/_test/sitemap/term") == {"/_test/sitemap/term": 2}
    assert server_hits(site_url, "/_test/page/term-") == {path_of(url): 1 for url in pages}


def test_resume_with_capital_o_starts_over(site_url: str, tmp_path: Path) -> None:
    """-O replaces the output, so the saved queue and seen requests of a stopped job would
    leave the pages written before the stop out of the new file: the job starts over."""
    pages = [f"{site_url}/_test/page/over-{n}?s=0.05" for n in range(PAGES)]
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(pages) + "\n")
    output = tmp_path / "out.jsonl"
    command = crawl_command(
        "pages", {"urls_file": str(urls)}, {**ONE_AT_A_TIME, "JOBDIR": str(tmp_path / "job")},
        ["-O", str(output)],
    )  # fmt: skip
    stop_gracefully(command, output, 4, tmp_path / "first.log")

    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert second.returncode == 0, second.stderr[-2000:]
    assert Counter(r["url"] for r in read_records(output)) == Counter(pages)
    assert "-O replaces the output, so the crawl starts over" in second.stderr


def test_killed_after_a_graceful_resume_still_writes_every_page(
    site_url: str, tmp_path: Path
) -> None:
    """SIGTERM, resume, SIGKILL, resume: the queue saved by the first stop no longer matches
    the disk after the first resume used it, so the kill must read as a crash (a stale
    active.json made Scrapy hand back a queue missing the pages in flight at the kill)."""
    sitemap = f"{site_url}/_test/sitemap/twice?n={PAGES}&s=0.05"
    pages = [f"{site_url}/_test/page/twice-{n}?s=0.05" for n in range(PAGES)]
    output = tmp_path / "out.jsonl"
    command = crawl_command(
        "sitemap", {"sitemap_url": sitemap},
        {**ONE_AT_A_TIME, "HEALTHCRAWL_OUTPUT": str(output), "JOBDIR": str(tmp_path / "job")},
    )  # fmt: skip
    stopped = stop_gracefully(command, output, 5, tmp_path / "first.log")
    second = start_crawl(command, tmp_path / "second.log")
    wait_for_records(output, stopped + 8, second)
    os.killpg(second.pid, signal.SIGKILL)
    second.wait()
    written = {path_of(r["url"]) for r in read_records(output)}
    assert len(written) < PAGES
    reset_counts(site_url)

    third = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert third.returncode == 0, third.stderr[-2000:]
    assert "was not closed cleanly" in third.stderr
    assert Counter(r["url"] for r in read_records(output)) == Counter(pages)
    not_written = {path_of(url) for url in pages} - written
    assert server_hits(site_url, "/_test/page/twice-") == dict.fromkeys(not_written, 1)
