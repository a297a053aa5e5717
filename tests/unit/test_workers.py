"""`WorkerPool`: each task has a time budget from when its worker takes it; a task over it, or
whose worker dies, fails with its own skip and a new worker takes the old one's place; workers
exit with their parent (`exit_with_parent`), fork and spawn alike.

The tasks are real work in real processes: sleeping past the budget, a SIGKILL (as the OOM
killer sends), an exception.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from healthcrawl.extractors.errors import NotHTMLError
from healthcrawl.skips import PageTimeout, WorkerDied
from healthcrawl.workers import PoolBroken, WorkerPool
from tests.processes import HAS_PROC, alive, children, wait_gone

needs_proc = pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
WAIT = 30
"""Seconds a test waits for a result: a broken pool fails the test instead of hanging it."""


def task(action: str, seconds: float = 0.0) -> int:
    """The pool's test payload: sleep, then return the worker's pid, or fail as `action` says."""
    if action == "oom-kill":  # what the kernel's OOM killer sends
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "skip":
        raise NotHTMLError("page.html", "binary content (PNG)")
    if action == "bug":
        raise KeyError("a bug")
    time.sleep(seconds)
    return os.getpid()


@needs_proc
def test_a_task_over_the_budget_is_killed_and_its_worker_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="healthcrawl.workers")
    started = time.monotonic()
    with WorkerPool(task, 1, budget=0.5, start_method="fork") as pool:
        first = pool.submit("first", "sleep").result(WAIT)
        stuck = pool.submit("stuck.html", "sleep", 60)
        after = pool.submit("after", "sleep").result(WAIT)
        with pytest.raises(PageTimeout) as caught:
            stuck.result(WAIT)
        replacement = children(os.getpid())[after]
    assert time.monotonic() - started < 10  # not the task's 60 s
    assert str(caught.value) == "stuck.html: extraction took over 0.5 s (the page time budget)"
    assert caught.value.reason == "timeout"
    assert after != first and alive({first}) == set()
    assert "spawn_main" in replacement  # not forked from the pool's thread (see WorkerPool)
    assert caplog.messages == [
        f"worker {first} ran over the 0.5 s budget on stuck.html; worker {after} takes its place"
    ]


def test_the_budget_runs_from_when_a_worker_takes_the_task() -> None:
    """Three tasks of 0.4 s queue on one worker for 1.2 s: each is inside a 0.7 s budget."""
    with WorkerPool(task, 1, budget=0.7, start_method="fork") as pool:
        futures = [pool.submit(f"task {n}", "sleep", 0.4) for n in range(3)]
        assert len({future.result(WAIT) for future in futures}) == 1


def test_a_spawned_worker_starting_up_is_not_on_the_clock() -> None:
    """A spawned worker takes longer than 0.2 s to import and start; its first task does not."""
    with WorkerPool(task, 1, budget=0.2, start_method="spawn") as pool:
        assert pool.submit("first", "sleep").result(WAIT) > 0


@needs_proc
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_that_dies_fails_its_task_only_and_is_replaced(
    method: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="healthcrawl.workers")
    with WorkerPool(task, 1, budget=30, start_method=method) as pool:
        before = pool.submit("before", "sleep").result(WAIT)
        crash = pool.submit("crash.html", "oom-kill")
        queued = [pool.submit(f"page {n}", "sleep") for n in range(5)]
        with pytest.raises(WorkerDied) as caught:
            crash.result(WAIT)
        after = {future.result(WAIT) for future in queued}  # the tasks behind it all ran
    assert str(caught.value) == (
        "crash.html: the worker extracting it was killed by SIGKILL; a new worker took its place"
    )
    assert caught.value.reason == "worker_died"
    (replacement,) = after
    assert replacement != before and alive({before}) == set()
    assert caplog.messages == [
        f"worker {before} was killed by SIGKILL; worker {replacement} takes its place"
    ]


@needs_proc
def test_a_worker_ignores_ctrl_c_so_its_page_is_finished() -> None:
    """Ctrl-C reaches the whole process group; a crawl's first one finishes the pages in flight."""
    with WorkerPool(task, 1, budget=30, start_method="fork") as pool:
        worker = pool.submit("first", "sleep").result(WAIT)
        in_flight = pool.submit("in flight", "sleep", 0.5)
        time.sleep(0.1)
        os.kill(worker, signal.SIGINT)
        assert in_flight.result(WAIT) == worker


def test_exceptions_cross_intact_with_the_worker_traceback() -> None:
    with WorkerPool(task, 1, budget=30, start_method="fork") as pool:
        skip, bug = pool.submit("page.html", "skip"), pool.submit("page.html", "bug")
        with pytest.raises(NotHTMLError) as skipped:
            skip.result(WAIT)
        with pytest.raises(KeyError) as failed:
            bug.result(WAIT)
    assert (skipped.value.source, skipped.value.detail) == ("page.html", "binary content (PNG)")
    (note,) = failed.value.__notes__
    assert note.startswith("in worker ") and 'raise KeyError("a bug")' in note


def test_closing_with_forked_workers_is_prompt() -> None:
    """Each forked worker closes the parent ends it inherited: else the first one never reads
    EOF, and close() waits out its 5 s grace before killing it."""
    pool = WorkerPool(task, 2, budget=30, start_method="fork")
    assert pool.submit("one", "sleep").result(WAIT) > 0
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 2


@needs_proc
def test_leaving_on_an_exception_kills_busy_workers_and_cancels_the_queue() -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="caller gave up"):
        with WorkerPool(task, 1, budget=60, start_method="fork") as pool:
            worker = pool.submit("quick", "sleep").result(WAIT)
            busy = pool.submit("busy", "sleep", 60)
            queued = pool.submit("queued", "sleep")
            time.sleep(0.2)
            raise RuntimeError("caller gave up")
    assert time.monotonic() - started < 5
    assert queued.cancelled()
    with pytest.raises(CancelledError):
        busy.result(timeout=0)
    assert alive({worker}) == set()


@needs_proc
def test_a_worker_killed_while_starting_is_replaced() -> None:
    pool = WorkerPool(task, 1, budget=30, start_method="spawn")
    (starting,) = (pid for pid, line in children(os.getpid()).items() if "spawn_main" in line)
    os.kill(starting, signal.SIGKILL)  # long before it has imported anything
    with pool:
        assert pool.submit("first", "sleep").result(WAIT) != starting


def test_a_worker_that_cannot_start_breaks_the_pool_instead_of_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "doomed.py").write_text(
        "import os\n"
        "if os.environ.get('DOOMED'):\n"
        "    raise ImportError('cannot start')\n"
        "def run() -> int:\n"
        "    return 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import doomed  # type: ignore[import-not-found]

    monkeypatch.setenv("DOOMED", "1")  # the spawned worker's import of doomed fails
    pool = WorkerPool(doomed.run, 1, budget=30, start_method="spawn")
    future = pool.submit("page.html")
    with pytest.raises(PoolBroken, match="^3 workers in a row exited with status 1 starting$"):
        future.result(WAIT)
    with pytest.raises(PoolBroken):
        pool.submit("page.html")
    pool.close()


PARENT = """
import os, sys, time
from healthcrawl.workers import WorkerPool

def busy(seconds):
    time.sleep(seconds)
    return os.getpid()

if __name__ == "__main__":
    pool = WorkerPool(busy, 2, budget=600, start_method=sys.argv[1])
    first = [pool.submit("warm-up", 0.2) for _ in range(2)]
    [future.result() for future in first]  # both workers are ready
    pool.submit("long", 60), pool.submit("long", 60)
    print("busy", flush=True)
    time.sleep(60)
"""


@needs_proc
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
