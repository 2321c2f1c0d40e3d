"""Requests and downloads of archives, each one audited."""

from django.db import transaction
from django.utils import timezone

from applications.models import Dossier
from archives.build import dossier_pdf_name
from archives.selectors import file_slug
from calls.models import Session
from portal import jobs
from portal.services import audit_record

JOB_KIND = "archive"
TASK = "archives.tasks.archive_run"
FORMATS = {"pdf": "application/pdf", "zip": "application/zip"}


def archive_request_dossier(*, actor, dossier: Dossier, fmt: str, ip_address: str | None = None) -> str:
    """Queue the whole-dossier PDF (`fmt` "pdf") or the dossier's archive ("zip") for `actor`, who may see
    it (the caller read it through archives.selectors); audited; returns the job id."""
    filename = dossier_pdf_name(dossier) if fmt == "pdf" else f"archive-{file_slug(dossier.reference)}.zip"
    with transaction.atomic():
        audit_record(
            actor=actor, action="archive.requested", target=dossier, data={"format": fmt}, ip_address=ip_address
        )
        return jobs.job_start(
            kind=JOB_KIND,
            user=actor,
            task=TASK,
            total=1,
            fmt=fmt,
            filename=filename,
            scope="dossier",
            object_id=dossier.pk,
        )


def archive_request_session(*, actor, session: Session, total: int, ip_address: str | None = None) -> str:
    """Queue the archive of the session's dossiers that `actor` may see (`total` of them now: the task reads
    them again when it runs); audited under the session's call; returns the job id."""
    filename = f"archive-{file_slug(session.theme.code)}-{file_slug(session.key)}-{timezone.localdate():%Y-%m-%d}.zip"
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="archive.requested",
            target=session.theme.call,
            data={"format": "zip", "session": session.pk, "session_name": session.name, "dossiers": total},
            ip_address=ip_address,
        )
        return jobs.job_start(
            kind=JOB_KIND,
            user=actor,
            task=TASK,
            total=total,
            fmt="zip",
            filename=filename,
            scope="session",
            object_id=session.pk,
        )


def archive_downloaded(*, actor, job: dict, ip_address: str | None = None) -> None:
    """Record that `actor` downloaded a built archive: which file, which scope, which dossiers."""
    audit_record(
        actor=actor,
        action="archive.downloaded",
        target=(
            Dossier.objects.get(pk=job["object_id"])
            if job["scope"] == "dossier"
            else Session.objects.select_related("theme__call").get(pk=job["object_id"]).theme.call
        ),
        data={
            "format": job["fmt"],
            "scope": job["scope"],
            "object_id": job["object_id"],
            "filename": job["filename"],
            "dossiers": len(job["dossier_ids"]),
        },
        ip_address=ip_address,
    )
