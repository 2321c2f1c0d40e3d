"""The Celery application; tasks run eagerly when REDIS_URL is not set (see settings)."""

import os

from botocore.exceptions import ClientError as ObjectStoreClientError
from botocore.exceptions import ConnectionError as ObjectStoreConnectionError
from botocore.exceptions import HTTPClientError as ObjectStoreHTTPError
from celery import Celery, shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# What a short outage raises: the database (a dropped or refused connection), the broker or the
# cache (Redis), the storage (OSError from the file system; from the object store, botocore's
# connection and timeout errors, and ClientError for its 5xx and throttling answers: a wrong key or
# bucket is retried too, then fails). A task meeting one of these runs again later; any other error
# is a bug and fails the task at once (the periodic sweeps still catch up on what it left undone).
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    BrokerError,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
    ObjectStoreConnectionError,
    ObjectStoreHTTPError,
    ObjectStoreClientError,
)
# Retries wait 1, 2, 4… seconds (at random up to that, so that the tasks of one outage do not all come
# back at once), at most 10 minutes apart: ten retries cover an outage of about a quarter of an hour.
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}


def resilient_task(function=None, **options):
    """`shared_task` for every task of the portal: acknowledged after it ran (a killed worker's task is
    handed to another), retried with backoff on TRANSIENT_ERRORS. The task must be idempotent: a late
    or repeated run finds its work done and changes nothing (tests/portal/test_task_resilience.py)."""
    decorator = shared_task(**{"acks_late": True, **RETRY_OPTIONS, **options})
    return decorator(function) if function is not None else decorator
