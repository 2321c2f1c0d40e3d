"""Queueing Celery tasks through the database, so that a broker outage costs a request nothing.

`task_enqueue_on_commit` writes a TaskOutbox row in the caller's transaction: the task is
asked for if and only if the change commits. After the commit the row is published with a
short broker timeout and deleted; when the broker does not answer, the process stops trying
for REDIS_PAUSE_SECONDS (later requests only write their row) and the periodic sweep
`task_outbox_publish_pending` publishes what is left, every TASK_OUTBOX_SWEEP_SECONDS.

A task may therefore be published twice (the sweep after a publish whose deletion was lost):
every task is idempotent.
"""

import logging
import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.models import TaskOutbox

logger = logging.getLogger(__name__)

# Rows younger than this are left to the publish that follows their commit.
SWEEP_MIN_AGE_SECONDS = 10
SWEEP_BATCH = 100


class _Pause:
    """Until when this process leaves publishing to the sweep (monotonic clock), after a broker failure."""

    until = 0.0


def task_enqueue_on_commit(task_name: str, **kwargs) -> TaskOutbox:
    """Ask for the Celery task named `task_name` ("app.tasks.function") once the current transaction
    commits (at once outside a transaction); kwargs must be JSON (ids, lists of ids, strings).

    Services name their tasks instead of importing them, so that tasks (which call services)
    and services never import each other. Never raises for a broker outage, never waits more
    than the broker timeout (BROKER_TIMEOUT), and usually not at all.
    """
    row = TaskOutbox.objects.create(task=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: _publish_committed(row), robust=True)
    return row


def _publish_committed(row: TaskOutbox) -> None:
    if time.monotonic() < _Pause.until:
        return
    if _publish(row.task, row.kwargs):
        TaskOutbox.objects.filter(pk=row.pk).delete()


def _publish(task_name: str, kwargs: dict) -> bool:
    """Hand the task to the broker (or run it, in eager mode); False when the broker refused it."""
    module_name, _, function_name = task_name.rpartition(".")
    task = getattr(import_module(module_name), function_name)
    try:
        # retry=False: one attempt, bounded by the broker timeouts of the settings, then the outbox keeps it.
        task.apply_async(kwargs=kwargs, retry=False)
    except Exception:  # kombu and redis raise several types for an unreachable broker
        if task.app.conf.task_always_eager:  # the task itself failed in the request (make run, tests)
            logger.exception("Task %s(%s) failed; left in the task outbox", task_name, kwargs)
            return False
        _Pause.until = time.monotonic() + settings.REDIS_PAUSE_SECONDS
        logger.warning(
            "Broker unavailable: %s(%s) left in the task outbox; this process leaves publishing to the sweep for %s s",
            task_name,
            kwargs,
            settings.REDIS_PAUSE_SECONDS,
            exc_info=True,
        )
        return False
    _Pause.until = 0.0
    return True


def task_outbox_publish_pending(*, min_age_seconds: int = SWEEP_MIN_AGE_SECONDS, limit: int = 1000) -> int:
    """Publish the tasks that their commit could not (broker down, process killed), oldest first;
    returns how many. Stops at the first broker failure (the next sweep tries again). Rows are
    locked while published (SKIP LOCKED), so two sweeps never publish the same row. A row whose
    task cannot be found (renamed by a deployment) keeps its error and does not block the others.
    """
    cutoff = timezone.now() - timedelta(seconds=min_age_seconds)
    published, unknown = 0, set()
    while published < limit:
        with transaction.atomic():
            rows = list(
                TaskOutbox.objects.select_for_update(skip_locked=True)
                .filter(created_at__lte=cutoff)
                .exclude(pk__in=unknown)
                .order_by("pk")[: min(SWEEP_BATCH, limit - published)]
            )
            if not rows:
                break
            done, broker_down = [], False
            for row in rows:
                try:
                    sent = _publish(row.task, row.kwargs)
                except (ImportError, AttributeError, ValueError) as error:
                    unknown.add(row.pk)
                    row.attempts += 1
                    row.last_error = f"{type(error).__name__}: {error}"[:1000]
                    row.save(update_fields=["attempts", "last_error"])
                    logger.error("Task outbox row %s names no task: %s", row.pk, row.last_error)
                    continue
                if not sent:
                    broker_down = True
                    break
                done.append(row.pk)
            TaskOutbox.objects.filter(pk__in=done).delete()
            published += len(done)
            if broker_down:
                break
    return published
