"""A SIGKILLed crawl leaves no process behind: its extraction workers and multiprocessing's
resource tracker exit within seconds (healthcrawl.workers.exit_with_parent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.crawl.conftest import FAST
from tests.processes import HAS_PROC, children, wait_gone

PAGE = "/diseases/5786/amyotrophic-lateral-sclerosis"


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
def test_sigkill_leaves_no_worker_or_resource_tracker(site_url: str, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"  # many URLs of one real page keep both workers extracting
    urls.write_text("".join(f"{site_url}/_test/delay?s=0&n={n}&page={PAGE}\n" for n in range(500)))
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "scrapy", "crawl", "pages", "-a", f"urls_file={urls}"]
    settings = {**FAST, "HEALTHCRAWL_OUTPUT": str(output), "HEALTHCRAWL_EXTRACT_WORKERS": "2",
                "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}  # fmt: skip
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    crawl = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    kids: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and crawl.poll() is None:
            kids = children(crawl.pid)
            workers = [pid for pid, line in kids.items() if "spawn_main" in line]
            if len(workers) == 2 and output.exists() and output.stat().st_size:
                break  # both workers started, and records are coming out
            time.sleep(0.1)
    finally:
        crawl.kill()
        crawl.wait()
    assert sorted("resource_tracker" in line for line in kids.values()) == [False, False, True]
    left = wait_gone(set(kids), seconds=10)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert [kids[pid] for pid in left] == []
