"""`exit_with_parent` as a pool initializer: the workers of a SIGKILLed parent exit within
seconds, with either start method the project uses (fork: the CLI; spawn: the crawl)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import HAS_PROC, children, wait_gone

PARENT = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from healthcrawl.workers import exit_with_parent

def busy(seconds):
    time.sleep(seconds)
    return os.getpid()

if __name__ == "__main__":
    context = get_context(sys.argv[1])
    pool = ProcessPoolExecutor(2, mp_context=context, initializer=exit_with_parent)
    list(pool.map(busy, [0.2, 0.2]))  # both workers are started and one has run a task
    pool.submit(busy, 60), pool.submit(busy, 60)
    print("busy", flush=True)
    time.sleep(60)
"""


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_exit_soon_after_their_parent_is_killed(tmp_path: Path, method: str) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script), method], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline() == b"busy\n"
        workers = set(children(parent.pid))
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
    assert len(workers) >= 2  # spawn adds the resource tracker
    left = wait_gone(workers, seconds=10)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == set()
