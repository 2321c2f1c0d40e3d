"""Every task survives a short outage (acknowledged late, retried with backoff on database, broker,
cache and storage errors); stored files nothing references are swept; the cache survives Redis."""

import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from portal.cache import ResilientRedisCache
from portal.celery import app
from portal.services.files import orphan_files, orphan_files_purge
from tests.brokers import free_port

APPS = ("portal.", "applications.", "juries.", "funding.")


def test_every_task_of_the_portal_is_acknowledged_late_and_retried_on_transient_errors():
    app.loader.import_default_modules()
    tasks = {name: task for name, task in app.tasks.items() if name.startswith(APPS)}
    assert "applications.tasks.receipt_generate" in tasks and "portal.tasks.outbox_send_pending" in tasks
    for name, task in tasks.items():
        assert task.acks_late, name
        for error in (OperationalError, InterfaceError, BrokerError, ConnectionError, OSError):
            assert issubclass(error, tuple(task.autoretry_for)), (name, error)
        assert task.retry_backoff and task.retry_jitter and task.max_retries >= 5, name


@pytest.mark.django_db
def test_a_file_nothing_references_is_removed_after_the_grace_period(settings):
    stray = default_storage.save("receipts/tentative-echouee.pdf", ContentFile(b"%PDF"))
    assert orphan_files() == []  # younger than ORPHAN_FILES_GRACE_HOURS: may belong to a running transaction
    later = timezone.now() + timedelta(hours=settings.ORPHAN_FILES_GRACE_HOURS + 1)
    assert orphan_files_purge(now=later, dry_run=True) == [stray] and default_storage.exists(stray)
    assert orphan_files_purge(now=later) == [stray] and not default_storage.exists(stray)


def test_the_cache_answers_as_an_empty_one_while_redis_is_unreachable(settings):
    settings.REDIS_PAUSE_SECONDS = 30
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    )
    assert cache.get("clef", "défaut") == "défaut"
    started = time.monotonic()
    cache.set("clef", 1)
    assert cache.add("clef", 1) is True and cache.incr("compteur", 3) == 3 and not cache.has_key("compteur")
    assert cache.get_many(["a", "b"]) == {}
    assert time.monotonic() - started < 0.1  # paused: no more dialling after the first failure
