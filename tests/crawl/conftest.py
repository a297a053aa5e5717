"""Real crawls: `scrapy crawl` in a subprocess against a real HTTP server on 127.0.0.1.

The server is sample_site/serve.py (see its docstring for the routes): the bundled sample
site plus misbehaviour routes under /_test/, and, when ../shared is present, a mirror of the
1,000 real GARD pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonlines
import pytest

from healthcrawl.output.validate import validate
from healthcrawl.sample_site.serve import running_server
from tests.conftest import REPO, shared_path

FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "HEALTHCRAWL_RETRY_BACKOFF_BASE": "0.05",
    "HEALTHCRAWL_EXTRACT_WORKERS": "1",
    "HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES": "True",  # the server is on 127.0.0.1
    "LOG_LEVEL": "INFO",
}


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    with running_server(REPO / "sample_site" / "site") as url:
        yield url


@pytest.fixture(scope="session")
def slow_robots_url() -> Iterator[str]:
    """The sample site again, answering /robots.txt after a second: the crawl's first requests
    all arrive while it is being fetched."""
    with running_server(REPO / "sample_site" / "site", robots_delay=1.0) as url:
        yield url


@pytest.fixture(scope="session")
def gard_url() -> Iterator[str]:
    corpus = shared_path("corpus", "rarediseases")
    with running_server(REPO / "sample_site" / "site", gard_corpus=corpus) as url:
        yield url


@dataclass
class Crawl:
    returncode: int
    log: str
    records: list[dict[str, Any]]
    stats: dict[str, Any]
    output: Path

    def skipped(self, reason: str) -> int:
        return self.stats.get(f"healthcrawl/skipped/{reason}", 0)


def crawl(
    spider: str, tmp_path: Path, *, args: dict[str, str], settings: dict[str, str] | None = None,
    options: Sequence[str] = (), timeout: float = 120,
) -> Crawl:  # fmt: skip
    """Run `scrapy crawl` to completion (with extra command-line `options`, such as -o); every
    record written must validate."""
    output = tmp_path / "out.jsonl"
    stats_file = tmp_path / "stats.json"
    settings = {"HEALTHCRAWL_OUTPUT": str(output), "HEALTHCRAWL_STATS_FILE": str(stats_file),
                **(settings or {})}  # fmt: skip
    command = crawl_command(spider, args, settings, options)
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    records = read_records(output)
    for record in records:
        validate(record, label=record.get("url"))
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return Crawl(done.returncode, done.stderr, records, stats, output)


def crawl_command(
    spider: str, args: dict[str, str], settings: dict[str, str], options: Sequence[str] = ()
) -> list[str]:
    """`scrapy crawl SPIDER` with -a args and -s settings (over FAST), to run from REPO."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *options]
    for key, value in args.items():
        command += ["-a", f"{key}={value}"]
    for key, value in {**FAST, **settings}.items():
        command += ["-s", f"{key}={value}"]
    return command


def server_hits(base: str, prefix: str = "/") -> dict[str, int]:
    """How often the server was asked for each path starting with `prefix` (/_test/count)."""
    with urllib.request.urlopen(f"{base}/_test/count") as response:
        return {path: n for path, n in json.load(response).items() if path.startswith(prefix)}


def reset_counts(base: str) -> None:
    """Clear the server's hit counts and its concurrency peak."""
    urllib.request.urlopen(f"{base}/_test/reset-count").close()


def concurrency_peak(base: str) -> int:
    """The most requests the server has answered at once since the last reset_counts."""
    with urllib.request.urlopen(f"{base}/_test/concurrency") as response:
        return json.load(response)["peak"]


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with jsonlines.open(path) as reader:
        return list(reader)
