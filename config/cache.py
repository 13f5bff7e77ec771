"""A Redis cache that degrades instead of failing, and the health check's view of the cache.

Everything the site keeps in its cache can be lost without losing anything a person needs: rendered page fragments
(rebuilt from the database) and rate-limit counters (config.ratelimits lets requests through while they cannot be
counted). Sessions live in the database. So when Redis cannot be reached, a read is a miss, a write is skipped and
a warning is logged once per outage, instead of every page answering 500.

After a failure the cache is left alone for `RETRY_AFTER` seconds (per process), so a Redis that hangs rather than
refusing costs one connect timeout every few seconds, not one per cache call.
"""

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class Outage:
    """When a cache server went away, shared by every thread of the process (cache objects are per thread)."""

    _lock = threading.Lock()
    _down_until = {}  # server URL → time.monotonic() before which it is not tried

    @classmethod
    def is_down(cls, server):
        return time.monotonic() < cls._down_until.get(server, 0.0)

    @classmethod
    def begin(cls, server, error):
        with cls._lock:
            first = server not in cls._down_until
            cls._down_until[server] = time.monotonic() + RETRY_AFTER
        if first:
            logger.warning(
                "Cache unreachable (%s): serving without it; retrying every %.0f s.", type(error).__name__, RETRY_AFTER
            )

    @classmethod
    def end(cls, server):
        if server in cls._down_until:
            with cls._lock:
                if cls._down_until.pop(server, None) is not None:
                    logger.warning("Cache reachable again.")

    @classmethod
    def reset(cls):
        """Forget every outage (tests start each case with the cache believed up)."""
        with cls._lock:
            cls._down_until.clear()


# Add one to each counter in KEYS and return the new values; a counter's first count starts its expiry (ARGV[1]
# seconds). One round trip for all of them, atomic (config.ratelimits counts two per POST).
COUNT_EACH = """
local counts = {}
for i, key in ipairs(KEYS) do
    counts[i] = redis.call('incr', key)
    if counts[i] == 1 then redis.call('expire', key, ARGV[1]) end
end
return counts
"""


class FailOpenRedisCacheClient(RedisCacheClient):
    """Django's Redis client, where each call that cannot reach Redis returns what an empty cache would.

    Also cheaper per call, which the answer POST feels (docs/performance.md): one redis.Redis per connection pool
    instead of a new one per call, and count_each() for the rate limits in one round trip.
    """

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # Django builds a redis.Redis (cheap to share, costly to build: ~0.1 ms) on every call. The site configures
        # one server (redis_caches), so reads and writes share its pool and one client each.
        client = self._clients.get(write)
        if client is None:
            client = self._clients[write] = super().get_client(key, write=write)
            client.count_each = client.register_script(COUNT_EACH)
        return client

    def _safely(self, call, fallback, *args):
        server = self._servers[0]
        if Outage.is_down(server):
            return fallback
        try:
            result = call(*args)
        except UNREACHABLE as error:
            Outage.begin(server, error)
            return fallback
        except RedisError as error:  # reachable but refusing (out of memory, read-only replica…): skip this call
            logger.warning("Cache error (%s): %s", type(error).__name__, error)
            return fallback
        Outage.end(server)
        return result

    def add(self, key, value, timeout):
        return self._safely(super().add, False, key, value, timeout)

    def get(self, key, default):
        return self._safely(super().get, default, key, default)

    def set(self, key, value, timeout):
        return self._safely(super().set, None, key, value, timeout)

    def touch(self, key, timeout):
        return self._safely(super().touch, False, key, timeout)

    def delete(self, key):
        return self._safely(super().delete, False, key)

    def get_many(self, keys):
        return self._safely(super().get_many, {}, keys)

    def has_key(self, key):
        return self._safely(super().has_key, False, key)

    def incr(self, key, delta):
        # None, not a number, while Redis is unreachable: what was never counted.
        return self._safely(super().incr, None, key, delta)

    def count_each(self, keys, timeout):
        def count():
            return dict(zip(keys, self.get_client(write=True).count_each(keys=keys, args=[timeout]), strict=True))

        return self._safely(count, {})

    def set_many(self, data, timeout):
        return self._safely(super().set_many, None, data, timeout)

    def delete_many(self, keys):
        return self._safely(super().delete_many, None, keys)

    def clear(self):
        return self._safely(super().clear, False)

    def ping(self):
        """Ask Redis directly, outage or not (the health check); raises when it does not answer."""
        self.get_client(write=True).ping()
        Outage.end(self._servers[0])


class FailOpenRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that never raises because Redis is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient

    def ping(self):
        self._cache.ping()

    def count_each(self, keys, timeout):
        made = {self.make_and_validate_key(key): key for key in keys}
        return {made[key]: count for key, count in self._cache.count_each(list(made), timeout).items()}


def count_each(keys, timeout, alias="default"):
    """Add one to each counter in `keys`, which expire `timeout` seconds after their first count; their new values.

    On Redis in one round trip. A counter the cache could not count is missing from the answer (Redis down: {}), so
    callers read a missing count as "let it through". Any other backend (local memory without REDIS_URL) counts
    with add and incr, as Django's cache API offers.
    """
    cache = caches[alias]
    if isinstance(cache, FailOpenRedisCache):
        return cache.count_each(keys, timeout)
    counts = {}
    for key in keys:
        if cache.add(key, 1, timeout):
            counts[key] = 1
        else:
            try:
                counts[key] = cache.incr(key)
            except ValueError:  # expired between the two calls: this is its first count again
                cache.add(key, 1, timeout)
                counts[key] = 1
    return counts


def cache_status(alias="default"):
    """ "ok" when the cache answers now, "down" when it does not (any backend; a local-memory cache is always ok)."""
    cache = caches[alias]
    try:
        if hasattr(cache, "ping"):
            cache.ping()
        else:
            cache.set("healthz", "ok", 10)
            if cache.get("healthz") != "ok":
                return "down"
    except (RedisError, OSError):
        return "down"
    return "ok"
