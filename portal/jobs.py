"""Background file jobs: a file built by a Celery task, its progress in the cache, its download reserved.

A job is a cache entry keyed by a random id: its kind (which pages may show it), who asked, how many
items are done out of how many, its state, and the stored file once built. The dossier list's large
exports (applications/tasks_exports.py) and the archives for a control body (archives/) are jobs.
The task writes the file under `<directory>/<job id>.<fmt>` with the storage API, so that a run again
after a failure overwrites its own file; the file lives as long as its job (`job_files_referenced`).
"""

import secrets

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse

from portal.celery import TRANSIENT_ERRORS
from portal.services import task_enqueue_on_commit
from portal.services.files import file_replace

JOB_TIMEOUT = 24 * 3600  # seconds a job (and its link) stays known
# Where jobs store their files: the orphan sweep keeps a file there while its job is known.
JOB_DIRECTORIES = ("exports", "archives")


class JobState:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def job_key(job_id: str) -> str:
    return f"portal:job:{job_id}"


def job_get(job_id: str) -> dict | None:
    return cache.get(job_key(job_id))


def job_update(job_id: str, **changes) -> dict:
    job = {**(job_get(job_id) or {}), **changes}
    cache.set(job_key(job_id), job, JOB_TIMEOUT)
    return job


def job_start(*, kind: str, user, task: str, total: int, fmt: str, filename: str, **data) -> str:
    """Record a new job of `kind` for `user`, queue `task` (a dotted name, called with job_id) on commit;
    returns the job id. `data` is kept in the job for the task and the pages."""
    job_id = secrets.token_urlsafe(18)
    job_update(
        job_id,
        **data,
        kind=kind,
        user_id=user.pk,
        fmt=fmt,
        total=total,
        done=0,
        state=JobState.PENDING,
        filename=filename,
        path="",
    )
    task_enqueue_on_commit(task, job_id=job_id)
    return job_id


def job_store(job_id: str, *, directory: str, content, **changes) -> dict:
    """Store the job's file (bytes, or a django File read from its start) at its one name, and mark it done."""
    job = job_get(job_id)
    path = file_replace(f"{directory}/{job_id}.{job['fmt']}", content)
    return job_update(job_id, **changes, state=JobState.DONE, path=path)


def job_run(task, job_id: str, build) -> None:
    """Run `build(job_id)` inside the resilient `task` (bound): a failure that no retry will mend marks the
    job failed, so that its page stops waiting; the error is raised again for Celery to retry or record."""
    try:
        build(job_id)
    except Exception as error:
        if not isinstance(error, TRANSIENT_ERRORS) or task.request.retries >= task.max_retries:
            job_update(job_id, state=JobState.FAILED)
        raise


def job_of_requester(user, job_id: str, kind: str) -> dict:
    """The job if `user` asked for it and it is of `kind`; 404 otherwise (another user's job is not theirs)."""
    job = job_get(job_id)
    if job is None or job.get("user_id") != user.pk or job.get("kind") != kind:
        raise Http404
    return job


def job_page(request, job_id: str, job: dict, *, template: str, url_names: tuple[str, str], context: dict):
    """The progress page of a job, or, for htmx's polling, its status fragment alone; `url_names` name the
    page itself and the download, both taking the job id."""
    finished = job["state"] in (JobState.DONE, JobState.FAILED)
    context = {
        **context,
        "job": job,
        "is_finished": finished,
        "is_done": job["state"] == JobState.DONE,
        "is_failed": job["state"] == JobState.FAILED,
        "percent": int(100 * job["done"] / job["total"]) if job["total"] else 0,
        "status_url": reverse(url_names[0], args=[job_id]),
        "download_url": reverse(url_names[1], args=[job_id]),
    }
    if request.headers.get("HX-Request"):
        return render(request, "portal/jobs/job_status.html", context)
    return render(request, template, context)


def job_file_response(job: dict, content_type: str) -> FileResponse:
    """The built file as an attachment; 404 while it is not built (or once its file is gone)."""
    if job["state"] != JobState.DONE or not default_storage.exists(job["path"]):
        raise Http404
    return FileResponse(
        default_storage.open(job["path"], "rb"), as_attachment=True, filename=job["filename"], content_type=content_type
    )


def job_files_referenced(names: list[str]) -> set[str]:
    """The job files whose job is still known (their link works): the orphan sweep leaves them, and
    removes the others once ORPHAN_FILES_GRACE_HOURS old (settings.STORED_FILE_REFERENCES)."""
    referenced = set()
    for name in names:
        directory, _, filename = name.rpartition("/")
        if directory in JOB_DIRECTORIES and job_get(filename.split(".")[0]) is not None:
            referenced.add(name)
    return referenced
