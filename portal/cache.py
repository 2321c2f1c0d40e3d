"""The Redis cache, made so that a Redis outage (Redis is also the broker) costs a request nothing.

When Redis cannot be reached, each operation answers as an empty cache would: a read finds
nothing, a write is lost, `add` succeeds and `incr` starts again from zero. Rate limits and the
one-use guard of TOTP codes are thus lifted for the length of the outage rather than refusing
every login; an export's progress or an import's preview is lost (the pages say it expired).
After a failure the process leaves Redis alone for REDIS_PAUSE_SECONDS, so that a Redis that
does not answer at all costs one timeout (BROKER_TIMEOUT), not one per operation.
"""

import logging
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What each operation answers without Redis, from its arguments (those of RedisCacheClient's methods).
WITHOUT_REDIS = {
    "add": lambda *args: True,
    "get": lambda key, default: default,
    "set": lambda *args: None,
    "touch": lambda *args: False,
    "delete": lambda *args: False,
    "get_many": lambda *args: {},
    "has_key": lambda *args: False,
    "incr": lambda key, delta: delta,
    "set_many": lambda *args: [],
    "delete_many": lambda *args: None,
    "clear": lambda *args: False,
}


class _Pause:
    until = 0.0


def _tolerant(name: str):
    operation = getattr(RedisCacheClient, name)

    def tolerant(self, *args):
        if time.monotonic() >= _Pause.until:
            try:
                return operation(self, *args)
            except (RedisConnectionError, RedisTimeoutError):
                _Pause.until = time.monotonic() + settings.REDIS_PAUSE_SECONDS
                logger.warning("Cache unavailable: answering as an empty cache for %s s", settings.REDIS_PAUSE_SECONDS)
        return WITHOUT_REDIS[name](*args)

    tolerant.__name__ = name
    return tolerant


class ResilientRedisCacheClient(RedisCacheClient):
    """RedisCacheClient whose operations answer as WITHOUT_REDIS says when Redis cannot be reached."""


for _name in WITHOUT_REDIS:
    setattr(ResilientRedisCacheClient, _name, _tolerant(_name))


class ResilientRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache whose client survives a Redis outage (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
