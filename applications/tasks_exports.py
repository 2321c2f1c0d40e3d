"""Large dossier exports (XLSX, ODS) built by a Celery task, with their progress in the cache.

A job is a cache entry keyed by a random id: who asked, the list's querystring, the format,
how many rows are written, and the stored file once done. The task rebuilds the rows from
the requester's own scope (roles are checked again when it runs) and writes the file to
default_storage under a random name; only the requester may download it (see exports.py).
"""

import secrets
import tempfile

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files import File
from django.http import QueryDict

from applications import selectors
from applications.forms_lists import StaffDossierFilterForm
from applications.resources import dossier_rows
from applications.selectors import instruction as instruction_selectors
from portal.celery import TRANSIENT_ERRORS, resilient_task
from portal.exports import SPREADSHEET_WRITERS
from portal.services import task_enqueue_on_commit
from portal.services.files import file_replace

JOB_TIMEOUT = 24 * 3600  # seconds a job (and its link) stays known
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
    task_enqueue_on_commit("applications.tasks_exports.dossier_export_run", job_id=job_id)
    return job_id


def job_build(job_id: str) -> dict:
    """Write the job's file, streamed row by row to a temporary file then to storage (flat memory);
    progress goes to the cache every 1 000 rows."""
    job = job_get(job_id)
    if job is None or job["state"] == JobState.DONE:
        return job  # expired, or already built by an earlier delivery of the task
    user = get_user_model().objects.get(pk=job["user_id"])
    _form, dossiers = filtered_dossiers(user, QueryDict(job["querystring"]))
    _job_update(job_id, state=JobState.RUNNING)
    header, rows = dossier_rows(dossiers)
    with tempfile.TemporaryFile() as file:
        written = SPREADSHEET_WRITERS[job["fmt"]](
            file, [("Dossiers", header, rows)], progress=lambda done: _job_update(job_id, done=done)
        )
        file.seek(0)
        # One name per job: a run again after a failure overwrites its file instead of leaving one beside it.
        path = file_replace(f"{EXPORT_DIR}/{job_id}.{job['fmt']}", File(file))
    return _job_update(job_id, state=JobState.DONE, done=written, total=written, path=path)


def export_files_referenced(names: list[str]) -> set[str]:
    """The export files whose job is still known (their link works): the orphan sweep leaves them, and
    removes the others once ORPHAN_FILES_GRACE_HOURS old (settings.STORED_FILE_REFERENCES)."""
    referenced = set()
    for name in names:
        directory, _, filename = name.rpartition("/")
        if directory == EXPORT_DIR and job_get(filename.split(".")[0]) is not None:
            referenced.add(name)
    return referenced


@resilient_task(bind=True)
def dossier_export_run(self, job_id: str) -> None:
    """Build one export; a retry after an outage builds it again, a run after it is built does nothing."""
    try:
        job_build(job_id)
    except Exception as error:
        if not isinstance(error, TRANSIENT_ERRORS) or self.request.retries >= self.max_retries:
            _job_update(job_id, state=JobState.FAILED)
        raise
