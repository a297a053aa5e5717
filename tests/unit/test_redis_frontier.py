"""The frontier's steps in Redis (spiders/redis_frontier.py), one at a time, on a real Redis
server on 127.0.0.1 (tests/redis_server.py): queue once, lease, acknowledge, requeue a dead
worker's leases, permits, written ids, and Redis unreachable or lost."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from healthcrawl.spiders.redis_frontier import (
    Frontier,
    FrontierLost,
    FrontierUnavailable,
    shown_url,
)
from tests.redis_server import free_port, running_redis

pytest_plugins = ("tests.redis_fixtures",)


def worker(url: str, lease: float = 30.0) -> Frontier:
    frontier = Frontier(url, "test", lease)
    frontier.check()
    frontier.beat()
    return frontier


def test_a_request_is_queued_once_unless_it_asks_not_to_be_filtered(redis_url: str) -> None:
    a, b = worker(redis_url), worker(redis_url)
    assert (a.push(b"fp1", b"r1"), b.push(b"fp1", b"r1-again"), b.push(b"fp2", b"r2")) == (
        True, False, True,
    )  # fmt: skip
    assert (a.push(None, b"r1"), a.push(None, b"r1")) == (True, True)
    assert (a.queued(), a.pending()) == (4, 4)


def test_leased_requests_stay_pending_until_acknowledged(redis_url: str) -> None:
    a, b = worker(redis_url), worker(redis_url)
    for n in range(3):
        a.push(f"fp{n}".encode(), f"r{n}".encode())
    assert (a.take(), b.take()) == (b"r0", b"r1")
    assert (a.queued(), a.pending(), b.pending()) == (1, 3, 3)
    a.ack([b"r0"])
    assert (a.queued(), b.pending()) == (1, 2)
    assert b.take() == b"r2"
    assert (a.take(), b.pending()) == (None, 2)


def test_a_dead_workers_leases_go_back_to_the_head_of_the_queue(redis_url: str) -> None:
    dying, survivor = worker(redis_url, lease=0.2), worker(redis_url)
    for n in range(4):
        dying.push(f"fp{n}".encode(), f"r{n}".encode())
    assert [dying.take(), dying.take()] == [b"r0", b"r1"]
    assert dying.acquire("host", f"{dying.worker}|0", 1, 0, 60) == 0
    assert survivor.reap() == {}  # still beating
    time.sleep(0.3)
    assert survivor.reap() == {dying.worker: 2}
    assert [survivor.take() for _ in range(4)] == [b"r0", b"r1", b"r2", b"r3"]
    assert survivor.acquire("host", f"{survivor.worker}|0", 1, 0, 60) == 0  # its permit freed
    assert survivor.reap() == {}


def test_leave_hands_back_what_is_still_leased(redis_url: str) -> None:
    a, b = worker(redis_url), worker(redis_url)
    a.push(b"fp", b"r")
    assert a.take() == b"r"
    assert (a.leave(), b.take(), b.pending()) == (1, b"r", 1)


def test_permits_hold_the_limit_and_the_delay_across_workers(redis_url: str) -> None:
    a, b = worker(redis_url), worker(redis_url)
    assert a.acquire("host", "a|1", 2, 0, 60) == 0
    assert b.acquire("host", "b|1", 2, 0, 60) == 0
    assert a.acquire("host", "a|2", 2, 0, 60) == -1.0  # full, whoever asks
    assert b.acquire("other", "b|2", 2, 0, 60) == 0  # another slot
    b.release("host", "b|1")
    assert a.acquire("host", "a|2", 2, 0.5, 60) == 0
    a.release("host", "a|1")
    wait = b.acquire("host", "b|3", 2, 0.5, 60)
    assert 0 < wait <= 0.5
    time.sleep(wait)
    assert b.acquire("host", "b|3", 2, 0.5, 60) == 0


def test_a_permit_expires_after_its_hold(redis_url: str) -> None:
    a = worker(redis_url)
    assert a.acquire("host", "a|1", 1, 0, 0.1) == 0
    assert a.acquire("host", "a|2", 1, 0, 0.1) == -1.0
    time.sleep(0.15)
    assert a.acquire("host", "a|2", 1, 0, 0.1) == 0


def test_written_ids_are_shared(redis_url: str) -> None:
    a, b = worker(redis_url), worker(redis_url)
    a.mark_written(["id1", "id2"])
    assert (b.is_written("id1"), b.is_written("id3")) == (True, False)


def test_unreachable_redis_is_named_at_start() -> None:
    port = free_port()
    with pytest.raises(FrontierUnavailable) as caught:
        Frontier(f"redis://127.0.0.1:{port}/0", "test", 30.0).check()
    assert str(caught.value) == (
        f"Redis at redis://127.0.0.1:{port}/0 is unreachable "
        f"(Error 111 connecting to 127.0.0.1:{port}. Connection refused.)"
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("http://127.0.0.1:6379/0", "HEALTHCRAWL_REDIS_URL http://127.0.0.1:6379/0: Redis URL "
         "must specify one of the following schemes (redis://, rediss://, unix://)"),
        ("redis://127.0.0.1:6379/0", "HEALTHCRAWL_REDIS_LEASE must be positive, got 0.0"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_at_start(given: str, message: str) -> None:
    lease = 0.0 if given.startswith("redis") else 30.0
    with pytest.raises(FrontierUnavailable) as caught:
        Frontier(given, "test", lease)
    assert str(caught.value) == message


def test_a_password_is_never_shown() -> None:
    assert (
        shown_url("redis://user:secret@db.example:6380/2") == "redis://user:***@db.example:6380/2"
    )
    assert shown_url("redis://:secret@db.example/0") == "redis://:***@db.example/0"
    assert shown_url("redis://db.example/0") == "redis://db.example/0"


def test_redis_lost_is_said_once_and_stops_every_later_call(tmp_path: Path) -> None:
    told: list[str] = []
    with running_redis(tmp_path) as server:
        frontier = Frontier(server.url(), "test", 30.0, on_lost=told.append)
        frontier.push(b"fp", b"r")
        server.kill()
        with pytest.raises(FrontierLost) as caught:
            frontier.take()
        server.start()
        with pytest.raises(FrontierLost):
            frontier.queued()  # Redis is back, but this worker has stopped
    refused = f"Error 111 connecting to 127.0.0.1:{server.port}. Connection refused."
    expected = f"Redis at {server.url()} lost ({refused})"
    assert (str(caught.value), told) == (expected, [expected])
