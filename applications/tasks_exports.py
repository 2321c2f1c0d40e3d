"""Large dossier exports (XLSX, ODS) built by a Celery task: a background file job (portal/jobs.py).

The job keeps the list's querystring; the task rebuilds the rows from the requester's own scope (roles
are checked again when it runs) and writes the file with the storage API; only the requester may
download it (see exports.py).
"""

import tempfile

from django.contrib.auth import get_user_model
from django.core.files import File
from django.http import QueryDict

from applications import selectors
from applications.forms_lists import StaffDossierFilterForm
from applications.resources import dossier_rows
from applications.selectors import instruction as instruction_selectors
from portal import jobs
from portal.celery import resilient_task
from portal.exports import SPREADSHEET_WRITERS

JOB_KIND = "dossier-export"
EXPORT_DIR = "exports"


def filtered_dossiers(user, params: QueryDict):
    """The staff list's rows for these GET parameters, and its filter form (to check its errors)."""
    form = StaffDossierFilterForm(
        params or None, sessions=selectors.staff_filter_scope(user), labels=instruction_selectors.labels_of(user)
    )
    return form, selectors.staff_dossier_list(user, **form.filters())


def job_start(*, user, querystring: str, fmt: str, total: int, filename: str) -> str:
    """Record a new export job and queue its task; returns the job id."""
    return jobs.job_start(
        kind=JOB_KIND,
        user=user,
        task="applications.tasks_exports.dossier_export_run",
        total=total,
        fmt=fmt,
        filename=filename,
        querystring=querystring,
    )


def job_build(job_id: str) -> dict:
    """Write the job's file, streamed row by row to a temporary file then to storage (flat memory);
    progress goes to the cache as the writer reports it."""
    job = jobs.job_get(job_id)
    if job is None or job["state"] == jobs.JobState.DONE:
        return job  # expired, or already built by an earlier delivery of the task
    user = get_user_model().objects.get(pk=job["user_id"])
    _form, dossiers = filtered_dossiers(user, QueryDict(job["querystring"]))
    jobs.job_update(job_id, state=jobs.JobState.RUNNING)
    header, rows = dossier_rows(dossiers)
    with tempfile.TemporaryFile() as file:
        written = SPREADSHEET_WRITERS[job["fmt"]](
            file, [("Dossiers", header, rows)], progress=lambda done: jobs.job_update(job_id, done=done)
        )
        file.seek(0)
        return jobs.job_store(job_id, directory=EXPORT_DIR, content=File(file), done=written, total=written)


@resilient_task(bind=True)
def dossier_export_run(self, job_id: str) -> None:
    """Build one export; a retry after an outage builds it again, a run after it is built does nothing."""
    jobs.job_run(self, job_id, job_build)
