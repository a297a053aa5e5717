"""What /proc says about a process tree and the machine: peak RSS and other processes' CPU.

Linux only; used by throughput.py to measure the CLI's memory and to say how busy the shared
machine was while a number was taken.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SAMPLE_SECONDS = 0.05
"""How often the process tree's RSS is sampled."""
_RSS_HELPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print(json.dumps({"returncode": done.returncode, "stderr": done.stderr[-2000:],
                  "seconds": time.perf_counter() - started,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""
"""A fresh process whose only child is the command: its RUSAGE_CHILDREN covers exactly the
command and the descendants it waited for (a Pool's workers), nothing run earlier."""


def run_with_peak_rss(command: list[str]) -> dict[str, float]:
    """Run `command` under the helper. Returns its exit code, seconds, `tree_mib` (peak of the
    VmRSS sum over the command and all its descendants, sampled) and `largest_mib` (exact peak
    RSS of its largest single process, from getrusage)."""
    helper = subprocess.Popen(
        [sys.executable, "-c", _RSS_HELPER, *command], stdout=subprocess.PIPE, text=True
    )
    peak = 0
    while helper.poll() is None:
        peak = max(peak, tree_rss_kib(helper.pid))
        time.sleep(SAMPLE_SECONDS)
    report = json.loads(helper.communicate()[0])
    return {
        "returncode": report["returncode"],
        "stderr": report["stderr"],
        "seconds": report["seconds"],
        "tree_mib": peak / 1024,
        "largest_mib": report["maxrss_kib"] / 1024,
    }


def tree_rss_kib(root: int) -> int:
    """Sum of VmRSS over `root`'s descendants, not `root` itself (the small helper)."""
    parents = _parent_pids()
    tree: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - tree
        tree |= frontier
    return sum(_vm_rss_kib(pid) for pid in tree)


def _parent_pids() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:  # the process ended meanwhile
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _vm_rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds() -> tuple[float, float]:
    """CPU-seconds so far: the whole machine busy (steal included), and this process plus
    the descendants it has waited for."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    own = os.times()
    return busy / os.sysconf("SC_CLK_TCK"), own.user + own.system + own.children_user + (
        own.children_system
    )


@contextmanager
def foreign_load(loads: dict[str, float], name: str) -> Iterator[None]:
    """Set loads[name] to the share of the machine (cores x wall time) that other processes
    used during the block. Every subprocess started in the block must be waited for by its end,
    so that its CPU time is in os.times() and not counted as foreign."""
    busy, own = cpu_seconds()
    started = time.perf_counter()
    yield
    busy_after, own_after = cpu_seconds()
    wall = time.perf_counter() - started
    foreign = (busy_after - busy) - (own_after - own)
    loads[name] = max(0.0, foreign) / (wall * (os.cpu_count() or 1))
