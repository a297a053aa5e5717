"""Worker processes that do not outlive the process that started them.

A SIGKILLed crawl runs no cleanup: its pool workers, blocked on a task queue whose write end
they hold themselves, would wait forever, and multiprocessing's resource tracker with them
(it exits once every holder of its pipe is gone). `exit_with_parent` as a pool's initializer
makes each worker exit within about a second of its parent's death.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess

POLL_SECONDS = 0.5
"""How often a worker compares its parent pid; the bound on how long an orphan lives."""


def exit_with_parent() -> None:
    """Pool initializer (ProcessPoolExecutor or multiprocessing.Pool, any start method): end
    this process as soon as its parent is gone, from a daemon thread, even mid-task.

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
