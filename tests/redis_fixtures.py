"""Fixtures over tests/redis_server.py, for a test module that says
`pytest_plugins = ("tests.redis_fixtures",)`: `redis_server`, one real Redis per test module,
and `redis_url`, its URL, emptied for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.redis_server import RedisServer, running_redis


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis.Redis.from_url(redis_server.url()).flushall()
    return redis_server.url()
