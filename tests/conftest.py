"""Fixtures shared by every test folder."""

import os
import shutil

import pytest

from tests.brokers import celery_publishing_to, free_port, start_redis, stop_redis
from tests.object_storage import object_store_or_skip

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run in-process unless a test starts a real worker (see tests/portal/test_celery.py)."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _redis_pauses_lifted():
    """A test that met a broker or cache outage must not leave the next one's process pausing Redis."""
    from portal import cache
    from portal.services import task_outbox

    yield
    task_outbox._Pause.until = cache._Pause.until = 0.0


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def services_required() -> bool:
    return os.environ.get("SERVICES_REQUIRED") == "1"


@pytest.fixture
def object_store(settings, services_required):
    """The default storage is a fresh bucket of the test object store (tests/object_storage.py) for this test."""
    from portal.settings import object_storage

    store = object_store_or_skip(services_required)
    settings.STORAGES = {**settings.STORAGES, "default": object_storage(store.env)}
    yield store
    store.empty_and_remove()


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth's rate limits live in the cache: each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_broker(services_required):
    """A redis-server of this test's own (its port), that the test may stop and start; Celery publishes to it."""
    if not shutil.which("redis-server"):
        if services_required:
            pytest.fail("SERVICES_REQUIRED=1 mais redis-server est absent")
        pytest.skip("redis-server absent (installé par .ci/run)")
    port = free_port()
    start_redis(port)
    try:
        with celery_publishing_to(f"redis://127.0.0.1:{port}/0"):
            yield port
    finally:
        stop_redis(port)


@pytest.fixture
def broker_down():
    """A broker that refuses every connection (nothing listens on its port): each publish fails at once."""
    with celery_publishing_to(f"redis://127.0.0.1:{free_port()}/0"):
        yield
