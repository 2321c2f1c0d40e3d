"""Large dossier exports (XLSX, ODS) built by a Celery task, with their progress in the cache.

A job is a cache entry keyed by a random id: who asked, the list's querystring, the format,
how many rows are written, and the stored file once done. The task rebuilds the rows from
the requester's own scope (roles are checked again when it runs) and writes the file to
default_storage under a random name; only the requester may download it (see exports.py).
"""

import secrets
from datetime import timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.utils import timezone

from applications import selectors
from applications.forms_lists import StaffDossierFilterForm
from applications.resources import dossier_dataset
from applications.selectors import instruction as instruction_selectors
from portal.exports import spreadsheet_bytes

JOB_TIMEOUT = 24 * 3600  # seconds a job (and its link) stays known
PROGRESS_EVERY = 200  # rows between two progress updates in the cache
EXPORT_DIR = "exports"


class JobState:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _key(job_id: str) -> str:
    return f"applications:export-job:{job_id}"


def job_get(job_id: str) -> dict | None:
    return cache.get(_key(job_id))


def _job_update(job_id: str, **changes) -> dict:
    job = {**(job_get(job_id) or {}), **changes}
    cache.set(_key(job_id), job, JOB_TIMEOUT)
    return job


def filtered_dossiers(user, params: QueryDict):
    """The staff list's rows for these GET parameters, and its filter form (to check its errors)."""
    form = StaffDossierFilterForm(
        params or None, sessions=selectors.staff_filter_scope(user), labels=instruction_selectors.labels_of(user)
    )
    return form, selectors.staff_dossier_list(user, **form.filters())


def job_start(*, user, querystring: str, fmt: str, total: int, filename: str) -> str:
    """Record a new export job and queue its task; returns the job id."""
    job_id = secrets.token_urlsafe(18)
    _job_update(
        job_id,
        user_id=user.pk,
        querystring=querystring,
        fmt=fmt,
        total=total,
        done=0,
        state=JobState.PENDING,
        filename=filename,
        path="",
    )
    dossier_export_run.delay(job_id)
    return job_id


def job_build(job_id: str) -> dict:
    """Write the job's file; progress goes to the cache every PROGRESS_EVERY rows."""
    job = job_get(job_id)
    if job is None or job["state"] == JobState.DONE:
        return job  # expired, or already built by an earlier delivery of the task
    user = get_user_model().objects.get(pk=job["user_id"])
    _form, dossiers = filtered_dossiers(user, QueryDict(job["querystring"]))
    _job_update(job_id, state=JobState.RUNNING)
    dataset = dossier_dataset(dossiers, progress=lambda done: _job_update(job_id, done=done), every=PROGRESS_EVERY)
    path = default_storage.save(
        f"{EXPORT_DIR}/{job_id}.{job['fmt']}", ContentFile(spreadsheet_bytes(dataset, job["fmt"]))
    )
    return _job_update(job_id, state=JobState.DONE, done=len(dataset), total=len(dataset), path=path)


def files_purge(*, now=None) -> int:
    """Delete export files older than a job's lifetime (their links are dead); returns how many."""
    now = now or timezone.now()
    if not default_storage.exists(EXPORT_DIR):
        return 0
    removed = 0
    for name in default_storage.listdir(EXPORT_DIR)[1]:
        path = f"{EXPORT_DIR}/{name}"
        if now - default_storage.get_modified_time(path) > timedelta(seconds=JOB_TIMEOUT):
            default_storage.delete(path)
            removed += 1
    return removed


@shared_task
def export_files_purge() -> int:
    return files_purge()


@shared_task(acks_late=True)
def dossier_export_run(job_id: str) -> None:
    try:
        job_build(job_id)
    except Exception:
        _job_update(job_id, state=JobState.FAILED)
        raise
