"""With REDIS_URL, several web processes share one cache (the local Redis of the machine):
a count kept by one process is seen by another, as the portal's rate limit needs."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from django.core.cache import caches

REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS}}
    cache = caches.create_connection("default")
    try:
        cache.set("frontline:ping", 1, timeout=5)
    except Exception as exc:  # noqa: BLE001 - a missing Redis is a failure, said clearly
        pytest.fail(f"Redis at {REDIS} is needed for this test: {exc}")
    return cache


def test_a_count_is_shared_between_processes(redis_cache):
    key = f"frontline:test:{uuid.uuid4().hex}"
    redis_cache.add(key, 0, timeout=60)
    redis_cache.incr(key)
    other = subprocess.run([sys.executable, "-c", (
        f"import redis; r = redis.Redis.from_url({REDIS!r}); "
        f"keys = [k for k in r.scan_iter('*{key}')]; print(r.incr(keys[0]))")],
        capture_output=True, text=True, timeout=30, check=True)
    assert other.stdout.strip() == "2"  # the other process saw this one's count
    assert redis_cache.get(key) == 2
    redis_cache.delete(key)
