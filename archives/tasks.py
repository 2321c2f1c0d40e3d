"""The archives' Celery task: builds a job's PDF or ZIP from the requester's scope as it is when it runs."""

from django.contrib.auth import get_user_model

from archives import build, selectors
from portal import jobs
from portal.celery import resilient_task

ARCHIVE_DIR = "archives"


def archive_dossiers_of(user, job: dict):
    """The dossiers the job's archive holds, read again in the requester's scope (roles may have changed)."""
    if job["scope"] == "session":
        session = selectors.archive_session_or_404(user, job["object_id"])
        return selectors.session_archive_dossiers(user, session).select_related(
            "theme__call__programme", "session", "organisation", "form_definition", "rule_version"
        )
    return [selectors.archive_dossier_or_404(user, job["object_id"])]


def archive_build(job_id: str) -> dict | None:
    """Write the job's file (its one name: a run again overwrites it); progress counts dossiers.
    A job already built, or expired, is left as it is."""
    job = jobs.job_get(job_id)
    if job is None or job["state"] == jobs.JobState.DONE:
        return job
    user = get_user_model().objects.get(pk=job["user_id"])
    dossiers = list(archive_dossiers_of(user, job))
    jobs.job_update(job_id, state=jobs.JobState.RUNNING, total=len(dossiers), done=0)
    ids = [dossier.pk for dossier in dossiers]
    if job["fmt"] == "pdf":
        content = build.dossier_pdf(dossiers[0])
        return jobs.job_store(job_id, directory=ARCHIVE_DIR, content=content, done=1, dossier_ids=ids)
    build.archive_write(
        dossiers,
        store=lambda file: jobs.job_store(job_id, directory=ARCHIVE_DIR, content=file, dossier_ids=ids),
        progress=lambda done: jobs.job_update(job_id, done=done),
    )
    return jobs.job_get(job_id)


@resilient_task(bind=True)
def archive_run(self, job_id: str) -> None:
    """Build one dossier's PDF or one dossier's or session's archive; a run after it is built does nothing."""
    jobs.job_run(self, job_id, archive_build)
