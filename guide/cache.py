"""The shared cache: Django's Redis backend, where a Redis that is down is a cache miss rather than an error."""

import logging

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class ForgivingRedisCache(RedisCache):
    """The site only gets and sets rendered pages: without Redis it renders them, as a fresh process does."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except REDIS_DOWN as error:
            logger.warning("Redis cache unavailable, rendering instead: %s", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except REDIS_DOWN as error:
            logger.warning("Redis cache unavailable, not storing: %s", error)
