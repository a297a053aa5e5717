"""Workers of one crawl over a shared frontier in Redis (`-s HEALTHCRAWL_REDIS_URL`,
spiders/frontier.py): real `scrapy crawl` processes, a real redis-server on 127.0.0.1
(tests/redis_server.py), and the loopback server counting fetches per path and the requests it
answers at once.

The crawl runs over the GARD mirror (a 150-page subset of ../shared, read in place through
symlinks; skipped without it) and over sample-site pages that answer after 50 ms (always run).
"""

from __future__ import annotations

import csv
import json
import os
import pickle
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from healthcrawl.output.validate import validate
from healthcrawl.output.writer import read_records
from healthcrawl.sample_site.serve import running_server
from tests.conftest import REPO, shared_path
from tests.crawl.conftest import concurrency_peak, crawl_command, reset_counts, server_hits
from tests.redis_server import RedisServer, free_port

pytest_plugins = ("tests.redis_fixtures",)

PAGES = 150
LIMIT = 2
"""CONCURRENT_REQUESTS_PER_DOMAIN of every worker: the server must never answer more at once."""
LEASE = 3.0
"""HEALTHCRAWL_REDIS_LEASE: a killed worker's requests are queued again 2-3 s after the kill,
long after the test has read what it held."""
DELAY = 0.05
"""DOWNLOAD_DELAY, shared: at most 20 requests a second for all the workers, so the two thirds
left after the kill take long enough for the third worker to start and share them."""


@dataclass(frozen=True)
class Site:
    """What the workers crawl: `pages` give one record each; `disallowed` are robots.txt-
    forbidden URLs the spider asks for, which no worker may fetch."""

    spider: str
    args: dict[str, str]
    base: str
    pages: frozenset[str]
    disallowed: frozenset[str]
    start_robots: int
    """robots.txt requests the spider itself makes (gard starts from robots.txt)."""


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    output: Path
    stats_file: Path
    log: Path

    def stats(self) -> dict[str, object]:
        return json.loads(self.stats_file.read_text())


def gard_subset(folder: Path) -> tuple[Path, list[str], list[str]]:
    """A corpus folder of the first PAGES GARD pages (symlinks) whose CSV also lists five of
    them under /search/, which the mirror's robots.txt disallows: (folder, pages, disallowed)."""
    corpus = shared_path("corpus", "rarediseases")
    (folder / "pages").mkdir(parents=True)
    with open(corpus / "disease_links.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    links = []
    for row in rows:
        slug = row["link"].strip().strip("/").rsplit("/", 1)[-1]
        if (corpus / "pages" / f"{slug}.html").is_file() and len(links) < PAGES:
            (folder / "pages" / f"{slug}.html").symlink_to(corpus / "pages" / f"{slug}.html")
            links.append(row["link"].strip().strip("/"))
    forbidden = [f"search/{link}" for link in links[:5]]
    with open(folder / "disease_links.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["title", "details", "link"])
        writer.writeheader()
        writer.writerows({"title": link, "details": "", "link": link} for link in links + forbidden)
    return folder, [f"/{link}" for link in links], [f"/{link}" for link in forbidden]


@pytest.fixture(scope="module")
def gard_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    corpus, pages, disallowed = gard_subset(tmp_path_factory.mktemp("gard"))
    with running_server(REPO / "sample_site" / "site", gard_corpus=corpus) as base:
        yield Site("gard", {"base_url": base}, base, frozenset(pages), frozenset(disallowed), 1)


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The pages spider over pages answering after 50 ms, and three /private/ URLs (the sample
    site's robots.txt disallows /private/)."""
    with running_server(REPO / "sample_site" / "site") as base:
        pages = [f"/_test/page/shared-{i}" for i in range(PAGES)]
        disallowed = [f"/private/shared-{i}" for i in range(3)]
        urls = tmp_path_factory.mktemp("sample") / "urls.txt"
        urls.write_text("".join(f"{base}{path}?s=0.05\n" for path in pages + disallowed))
        args = {"urls_file": str(urls)}
        yield Site("pages", args, base, frozenset(pages), frozenset(disallowed), 0)


@pytest.fixture(params=["gard", "sample"])
def site(request: pytest.FixtureRequest) -> Site:
    return request.getfixturevalue(f"{request.param}_site")


def start_worker(
    name: str, site: Site, tmp_path: Path, settings: dict[str, str], output: Path | None = None
) -> Worker:
    """`scrapy crawl` in the background, writing NAME.jsonl (or `output`), NAME.json (stats)
    and NAME.log in tmp_path."""
    stats, log = tmp_path / f"{name}.json", tmp_path / f"{name}.log"
    output = output or tmp_path / f"{name}.jsonl"
    command = crawl_command(site.spider, site.args, {
        "HEALTHCRAWL_OUTPUT": str(output), "HEALTHCRAWL_STATS_FILE": str(stats),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(LIMIT), **settings,
    })  # fmt: skip
    with log.open("w") as handle:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=handle, start_new_session=True
        )
    return Worker(name, process, output, stats, log)


def finish(*workers: Worker, timeout: float = 120) -> None:
    """Wait for the workers; kill any still running after `timeout` seconds, and fail."""
    deadline = time.monotonic() + timeout
    try:
        for worker in workers:
            worker.process.wait(max(0.1, deadline - time.monotonic()))
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                os.killpg(worker.process.pid, signal.SIGKILL)
                worker.process.wait()


def wait_written(client: redis.Redis, key: str, count: int, worker: Worker) -> None:
    """Until the workers have written `count` records (the frontier's set of written ids)."""
    deadline = time.monotonic() + 60
    while client.scard(key) < count:
        assert worker.process.poll() is None, worker.log.read_text()[-3000:]
        assert time.monotonic() < deadline, "too few records written in a minute"
        time.sleep(0.02)


def leased_paths(client: redis.Redis, prefix: str, pid: int) -> set[str]:
    """The paths a worker (by process id) holds leased: its requests in flight."""
    keys = client.keys(f"{prefix}:leases:*:{pid}:*")  # none when it held nothing
    entries = client.lrange(keys[0], 0, -1) if keys else []
    return {urlsplit(pickle.loads(entry)["url"]).path for entry in entries}


def test_workers_share_the_crawl_and_lose_nothing_when_one_is_killed(
    site: Site, redis_url: str, tmp_path: Path
) -> None:
    """Two workers; SIGKILL one a third of the way through; a third joins. Every page is
    written exactly once across the three outputs; a page is fetched twice only if it was
    leased by the killed worker; robots.txt is fetched and obeyed by every worker; the server
    never answers more than LIMIT requests at once."""
    reset_counts(site.base)
    client = redis.Redis.from_url(redis_url)
    prefix = f"healthcrawl:{site.spider}"
    settings = {
        "HEALTHCRAWL_REDIS_URL": redis_url, "HEALTHCRAWL_REDIS_LEASE": str(LEASE),
        "DOWNLOAD_DELAY": str(DELAY),
    }  # fmt: skip
    killed, survivor = (start_worker(name, site, tmp_path, settings) for name in ("a", "b"))
    started = [killed, survivor]
    try:
        wait_written(client, f"{prefix}:written", PAGES // 3, killed)
        os.killpg(killed.process.pid, signal.SIGKILL)
        assert killed.process.wait() == -signal.SIGKILL
        in_flight = leased_paths(client, prefix, killed.process.pid)
        joiner = start_worker("c", site, tmp_path, settings)
        started.append(joiner)
    finally:
        finish(*started)
    assert (survivor.process.returncode, joiner.process.returncode) == (0, 0), (
        survivor.log.read_text()[-3000:] + joiner.log.read_text()[-3000:]
    )
    records = [r for w in (killed, survivor, joiner) for r in read_records(w.output)]
    for record in records:
        validate(record, label=record["url"])
    assert len(records) == len({r["id"] for r in records}) == PAGES
    assert {urlsplit(r["url"]).path for r in records} == site.pages

    hits = server_hits(site.base)
    assert hits.pop("/robots.txt") == 3 + site.start_robots  # each worker's, and the spider's
    assert not site.disallowed & hits.keys()
    assert site.pages <= hits.keys()
    twice = {path for path, count in hits.items() if count == 2}
    assert twice <= in_flight
    assert set(hits.values()) <= {1, 2}
    requeued = sum(w.stats().get("frontier/requeued", 0) for w in (survivor, joiner))
    assert requeued == len(in_flight) > 0
    assert concurrency_peak(site.base) <= LIMIT
    assert client.llen(f"{prefix}:queue") == 0
    assert client.smembers(f"{prefix}:workers") == set()


def test_without_the_frontier_the_limit_does_not_hold_across_workers(
    sample_site: Site, tmp_path: Path
) -> None:
    """The control: two workers without Redis, each on six pages that answer after 3 s,
    are answered more than LIMIT at a time, so the frontier's peak assertion above can fail.
    (Each worker alone would do: Scrapy 2.19's downloader, under the asyncio reactor, starts
    every request queued for a slot at once.)"""
    urls = tmp_path / "slow.txt"
    urls.write_text("".join(f"{sample_site.base}/_test/page/slow-{i}?s=3\n" for i in range(6)))
    slow = Site("pages", {"urls_file": str(urls)}, sample_site.base, frozenset(), frozenset(), 0)
    reset_counts(slow.base)
    workers = [start_worker(name, slow, tmp_path, {}) for name in ("a", "b")]
    finish(*workers)
    assert [w.process.returncode for w in workers] == [0, 0]
    assert concurrency_peak(slow.base) > LIMIT


def test_unreachable_redis_stops_the_crawl_before_any_request(
    sample_site: Site, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there
    reset_counts(sample_site.base)
    worker = start_worker("a", sample_site, tmp_path, {
        "HEALTHCRAWL_REDIS_URL": f"redis://127.0.0.1:{port}/0",
    })  # fmt: skip
    finish(worker, timeout=60)
    log = worker.log.read_text()
    assert worker.process.returncode == 1
    assert log.startswith(
        f"scrapy crawl {sample_site.spider}: Redis at redis://127.0.0.1:{port}/0 is unreachable"
        f" (Error 111 connecting to 127.0.0.1:{port}. Connection refused.)\n"
    )
    assert log.count("\n") == 1  # one line, before the crawl starts
    assert server_hits(sample_site.base) == {}
    assert not worker.output.exists()


def test_redis_lost_mid_crawl_stops_the_worker_and_a_restart_resumes(
    sample_site: Site, tmp_path: Path
) -> None:
    """Redis killed a third of the way: the worker stops with one error line and finish reason
    redis_lost; Redis back (its append-only file kept), the same command finishes the crawl.
    The output holds every page exactly once."""
    server = RedisServer(tmp_path / "redis")
    url = server.start()
    settings = {"HEALTHCRAWL_REDIS_URL": url, "HEALTHCRAWL_REDIS_LEASE": str(LEASE)}
    try:
        first = start_worker("first", sample_site, tmp_path, settings)
        wait_written(redis.Redis.from_url(url), "healthcrawl:pages:written", PAGES // 3, first)
        server.kill()
        finish(first, timeout=60)
        assert first.process.returncode == 1
        log = first.log.read_text()
        assert log.count(f"frontier: Redis at {url} lost (") == 1
        assert "(finish reason: redis_lost)" in log
        written_before = len(list(read_records(first.output)))
        assert PAGES // 3 <= written_before < PAGES

        server.start()
        again = start_worker("again", sample_site, tmp_path, settings, output=first.output)
        finish(again)
        late = start_worker("late", sample_site, tmp_path, settings)  # the crawl is over
        finish(late)
    finally:
        server.stop()
    assert again.process.returncode == 0, again.log.read_text()[-3000:]
    assert (late.process.returncode, list(read_records(late.output))) == (0, [])
    assert "the shared frontier had nothing left for this worker" in late.log.read_text()
    records = list(read_records(again.output))
    assert len(records) == len({r["id"] for r in records}) == PAGES
    assert {urlsplit(r["url"]).path for r in records} == sample_site.pages
