"""What /proc says about the processes a test started: their children, and which still run.

Linux only: tests using it skip where /proc is absent (`HAS_PROC`).
"""

from __future__ import annotations

import time
from pathlib import Path

HAS_PROC = Path("/proc/self/stat").exists()


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def children(parent: int) -> dict[int, str]:
    """The live children of `parent`: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        stat = _stat(int(entry.name)) if entry.name.isdigit() else None
        if stat is not None and stat[1] == parent:
            try:
                found[int(entry.name)] = (entry / "cmdline").read_text().replace("\0", " ")
            except OSError:
                continue
    return found


def alive(pids: set[int]) -> set[int]:
    """The pids still running (a zombie has exited and only waits to be reaped)."""
    return {pid for pid in pids if (stat := _stat(pid)) is not None and stat[0] != "Z"}


def wait_gone(pids: set[int], seconds: float) -> set[int]:
    """Wait up to `seconds` for the processes to end; those still running."""
    deadline = time.monotonic() + seconds
    while (pids := alive(pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return pids
