"""Worker processes with a time budget per task, for the crawl and the CLI alike.

ProcessPoolExecutor cannot stop a task once it runs: one page that makes extraction take
minutes holds its worker (and close_spider, or the CLI's ordered output) for as long. So each
`WorkerPool` worker is a process of our own, fed one task at a time over its own pipe; a thread
in the parent waits on all the pipes at once, until the nearest deadline. A task still running
at its deadline has its worker SIGKILLed and fails with `PageTimeout`; a worker that dies
(OOM-killed, segfault) fails its task with `WorkerDied`. Either way a new worker takes its place
and the pool goes on with the next tasks.

A SIGKILLed parent runs no cleanup: its workers, blocked reading their pipes, would wait
forever (and multiprocessing's resource tracker with them: it exits once every holder of its
pipe is gone). Every worker runs `exit_with_parent`, so it exits within about a second of its
parent's death.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from multiprocessing.util import register_after_fork
from typing import Any, Self

from healthcrawl.skips import PageTimeout, WorkerDied

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
"""How often a worker compares its parent pid; the bound on how long an orphan lives."""
PAGE_TIMEOUT = 10.0
"""Default seconds one page may take to extract. Calibrated on 679 real pages (../shared: the
17 health pages and both benchmarks): median 0.03 s, slowest 2.3 s on an idle core, so a
loaded machine keeps a normal page well inside it; a pattern gone quadratic takes minutes."""
_STOP_SECONDS = 5.0
"""How long a worker may take to exit once its pipe is closed before it is killed."""
_START_ATTEMPTS = 3
"""Workers in a row that may die while starting (an OOM kill) before the pool gives up."""
_READY = "ready"


class PoolBroken(RuntimeError):
    """No task can run: workers keep dying before they are ready (they cannot start), or the
    pool's thread failed. A bug or a broken install, not a page: every task fails with it."""


def exit_with_parent() -> None:
    """End this process as soon as its parent is gone, from a daemon thread, even mid-task.

    The parent's death shows twice: its sentinel pipe closes (which also catches a parent
    that died while this worker was still starting) and getppid() changes. Linux's
    PR_SET_PDEATHSIG is not used: it fires when the parent *thread* that spawned us ends.
    """
    threading.Thread(
        target=_exit_when_orphaned,
        args=(os.getppid(), multiprocessing.parent_process()),
        name="exit-with-parent",
        daemon=True,
    ).start()


def _exit_when_orphaned(parent_pid: int, parent: BaseProcess | None) -> None:
    sentinels = [] if parent is None else [parent.sentinel]
    while os.getppid() == parent_pid and not wait(sentinels, timeout=POLL_SECONDS):
        pass
    os._exit(1)  # no cleanup: nobody is left to take results or flush queues for


def _serve(conn: Connection, function: Callable[..., Any]) -> None:
    """A worker's life: say it is ready, then run each task the pipe brings until it closes.

    SIGINT is ignored: Ctrl-C reaches the whole process group, and the parent decides what it
    stops (a crawl's first Ctrl-C finishes the pages in flight)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()
    try:
        conn.send(_READY)
        while True:
            conn.send_bytes(_reply(function, conn.recv()))
    except (EOFError, BrokenPipeError):
        return  # the pool closed our pipe: no more tasks


def _reply(function: Callable[..., Any], args: tuple[Any, ...]) -> memoryview:
    """(True, result) or (False, exception), pickled; an exception keeps its worker-side
    traceback as a note, and one that cannot be pickled arrives as a RuntimeError saying so."""
    try:
        reply: tuple[bool, Any] = (True, function(*args))
    except Exception as error:
        error.add_note(f"in worker {os.getpid()}:\n{traceback.format_exc()}")
        reply = (False, error)
    try:
        return ForkingPickler.dumps(reply)
    except Exception as error:
        return ForkingPickler.dumps((False, RuntimeError(f"unpicklable reply: {error!r}")))


@dataclass(slots=True)
class _Task:
    label: str
    """What the task is about (a URL, a path): what a timeout or a dead worker names."""
    args: tuple[Any, ...]
    future: Future


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    task: _Task | None = None
    deadline: float = math.inf


class WorkerPool:
    """`processes` workers running `function(*args)` for each `submit(label, *args)`; each task
    has `budget` seconds from when its worker receives it (startup is not counted).

    Futures settle in completion order; a caller wanting input order keeps its own queue of
    futures. `close()` (or leaving the `with` block) waits for every submitted task; leaving it
    on an exception cancels what has not run and kills the busy workers.

    With the "fork" start method only the first workers are forked, from the caller's thread:
    replacements are started by the pool's thread, and forking there could copy a lock another
    thread holds (a write to stderr, say) into a child that then never gets it; CPython refuses
    fork with ProcessPoolExecutor's max_tasks_per_child for the same reason. They are spawned.
    """

    def __init__(
        self, function: Callable[..., Any], processes: int, *, budget: float, start_method: str
    ) -> None:
        if processes < 1 or not budget > 0:
            raise ValueError(f"need processes >= 1 and budget > 0, got {processes}, {budget}")
        context = multiprocessing.get_context(start_method)
        self._function, self._budget = function, budget
        self._replacements = (
            multiprocessing.get_context("spawn") if start_method == "fork" else context
        )
        self._queue: deque[_Task] = deque()
        self._lock = threading.Lock()
        self._closing = self._cancelled = False
        self._broken: PoolBroken | None = None
        self._failed_starts = 0
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        self._workers = [self._start(context) for _ in range(processes)]
        self._thread = threading.Thread(target=self._run, name="worker-pool", daemon=True)
        self._thread.start()

    def submit(self, label: str, *args: Any) -> Future:
        """Queue `function(*args)`; its future holds the result, the function's exception,
        `PageTimeout` or `WorkerDied` (both naming `label`)."""
        future: Future = Future()
        with self._lock:
            if self._broken is not None:
                raise self._broken
            if self._closing:
                raise RuntimeError("submit() after close()")
            self._queue.append(_Task(label, args, future))
            self._wake()
        return future

    def close(self, *, cancel: bool = False) -> None:
        """Wait for every submitted task, then stop the workers. With `cancel`, tasks not yet
        started are cancelled and busy workers killed instead."""
        with self._lock:
            self._closing, self._cancelled = True, cancel
            dropped = list(self._queue) if cancel else []
            if cancel:
                self._queue.clear()
            self._wake()
        for task in dropped:
            task.future.cancel()
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.close(cancel=kind is not None)

    def _wake(self) -> None:
        """Interrupt the pool thread's wait (call with the lock held: the thread closes the
        pipe under it when it ends)."""
        if self._wake_write < 0:
            return
        try:
            os.write(self._wake_write, b"x")
        except BlockingIOError:
            pass  # the pipe is full of wake-ups already

    def _start(self, context: BaseContext) -> _Worker:
        parent_end, child_end = context.Pipe()
        # A forked child inherits every parent end open at the time, its own included: it would
        # never read EOF when the pool closes its pipe. Close them in each child.
        register_after_fork(parent_end, Connection.close)
        process = context.Process(
            target=_serve, args=(child_end, self._function), name="healthcrawl-worker", daemon=True
        )
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    # -- the pool's thread: everything below runs there ---------------------------------------

    def _run(self) -> None:
        try:
            while not self._finished():
                self._dispatch()
                self._wait()
                self._expire()
        except Exception as error:  # no caller may wait forever on a task this thread owned
            self._break(PoolBroken(f"the worker pool failed: {error!r}"))
            raise
        finally:
            self._stop_workers()
            with self._lock:
                os.close(self._wake_read)
                os.close(self._wake_write)
                self._wake_read = self._wake_write = -1

    def _finished(self) -> bool:
        with self._lock:
            if not self._closing:
                return False
            return self._cancelled or not (self._queue or any(w.task for w in self._workers))

    def _dispatch(self) -> None:
        """Give each ready, idle worker the next task that is still wanted."""
        for worker in list(self._workers):
            if worker.ready and worker.task is None and (task := self._next_task()):
                self._send(worker, task)

    def _next_task(self) -> _Task | None:
        with self._lock:
            while self._queue:
                task = self._queue.popleft()
                if task.future.set_running_or_notify_cancel():
                    return task
        return None

    def _send(self, worker: _Worker, task: _Task) -> None:
        try:
            worker.conn.send(task.args)
        except OSError:  # it died while idle: the task never ran, so it goes first again
            with self._lock:
                self._queue.appendleft(task)
            self._replace(worker, "died while idle")
            return
        worker.task, worker.deadline = task, time.monotonic() + self._budget

    def _wait(self) -> None:
        """Until a worker has something to say, a wake-up, or the nearest deadline."""
        deadline = min((w.deadline for w in self._workers), default=math.inf)
        timeout = None if deadline == math.inf else max(deadline - time.monotonic(), 0.0)
        by_conn = {w.conn: w for w in self._workers}
        for ready in wait([self._wake_read, *by_conn], timeout):
            if ready == self._wake_read:
                os.read(self._wake_read, 4096)
            else:
                self._receive(by_conn[ready])

    def _receive(self, worker: _Worker) -> None:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            self._lost(worker)
            return
        except Exception as error:  # a result that cannot be unpickled here
            message = (False, error)
        if message == _READY:
            worker.ready, self._failed_starts = True, 0
            return
        task, worker.task, worker.deadline = worker.task, None, math.inf
        assert task is not None
        ok, value = message
        _settle(task.future, value if ok else None, None if ok else value)

    def _lost(self, worker: _Worker) -> None:
        """The worker's pipe closed: it died (its task's WorkerDied), or died starting (the pool
        breaks when that happens _START_ATTEMPTS times in a row: it cannot start a worker)."""
        cause = _exit_cause(_reap(worker.process))
        if not worker.ready:
            self._failed_starts += 1
            if self._failed_starts >= _START_ATTEMPTS:
                self._break(PoolBroken(f"{_START_ATTEMPTS} workers in a row {cause} starting"))
                return
            cause += " starting"
        if worker.task is not None:
            detail = f"the worker extracting it {cause}; a new worker took its place"
            _settle(worker.task.future, None, WorkerDied(worker.task.label, detail))
        self._replace(worker, cause)

    def _expire(self) -> None:
        """Kill each worker whose task is past its deadline (unless its result just came)."""
        now = time.monotonic()
        for worker in self._workers:
            if worker.task is None or worker.deadline > now or worker.conn.poll():
                continue
            worker.process.kill()
            worker.process.join()
            detail = f"extraction took over {self._budget:g} s (the page time budget)"
            _settle(worker.task.future, None, PageTimeout(worker.task.label, detail))
            self._replace(worker, f"ran over the {self._budget:g} s budget on {worker.task.label}")

    def _replace(self, worker: _Worker, why: str) -> None:
        worker.conn.close()
        new = self._start(self._replacements)
        self._workers[self._workers.index(worker)] = new
        logger.info(
            "worker %d %s; worker %d takes its place", worker.process.pid, why, new.process.pid
        )

    def _break(self, error: PoolBroken) -> None:
        """No task can run: fail the queued and running ones, and every later submit()."""
        with self._lock:
            self._broken, self._closing, self._cancelled = error, True, True
            tasks = [*self._queue, *(w.task for w in self._workers if w.task)]
            self._queue.clear()
        for task in tasks:
            _settle(task.future, None, error)

    def _stop_workers(self) -> None:
        """Close every pipe (an idle worker then exits); kill what is busy, still starting, or
        does not exit."""
        for worker in self._workers:
            if worker.task is not None or not worker.ready:
                worker.process.kill()
            if worker.task is not None:
                _settle(worker.task.future, None, CancelledError())
            worker.conn.close()
        for worker in self._workers:
            _reap(worker.process)


def _settle(future: Future, result: Any, error: BaseException | None) -> None:
    """Set the outcome, unless the future is done already (cancelled by its caller)."""
    if future.done():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


def _reap(process: BaseProcess) -> int:
    """Wait for the process to exit (killing it if it does not soon); its exit code."""
    process.join(_STOP_SECONDS)
    if process.exitcode is None:
        process.kill()
        process.join()
    assert process.exitcode is not None
    return process.exitcode


def _exit_cause(exitcode: int) -> str:
    if exitcode >= 0:
        return f"exited with status {exitcode}"
    try:
        return f"was killed by {signal.Signals(-exitcode).name}"
    except ValueError:
        return f"was killed by signal {-exitcode}"
