"""Staff pages of the whole dossier and the archives: ask for one, follow its progress, download it.

Everything answers 404 to whoever may not see the dossier or the session as staff (applicants, jurors,
another programme's staff, an instructor of another group), and a download is checked again against
the requester's scope as it is then.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from archives import selectors, services
from portal import jobs
from portal.http import client_ip


@login_required
def dossier_archive(request, pk: int):
    """The whole dossier: its PDF or its ZIP archive, built in the background."""
    dossier = selectors.archive_dossier_or_404(request.user, pk)
    if request.method == "POST":
        fmt = request.POST.get("format")
        if fmt not in services.FORMATS:
            raise Http404
        job_id = services.archive_request_dossier(
            actor=request.user, dossier=dossier, fmt=fmt, ip_address=client_ip(request)
        )
        return redirect("archives:job", job_id=job_id)
    return render(
        request,
        "archives/dossier.html",
        {
            "dossier": dossier,
            "session_dossiers": selectors.session_archive_dossiers(request.user, dossier.session).count(),
        },
    )


@login_required
def session_archive(request, session_id: int):
    """The archive of a session's dossiers, limited to those the requester may see."""
    session = selectors.archive_session_or_404(request.user, session_id)
    total = selectors.session_archive_dossiers(request.user, session).count()
    if request.method == "POST" and total:
        job_id = services.archive_request_session(
            actor=request.user, session=session, total=total, ip_address=client_ip(request)
        )
        return redirect("archives:job", job_id=job_id)
    return render(request, "archives/session.html", {"session": session, "total": total})


@login_required
def archive_job(request, job_id: str):
    """Progress of an archive; htmx polls its status until the file is ready."""
    job = jobs.job_of_requester(request.user, job_id, services.JOB_KIND)
    return jobs.job_page(
        request,
        job_id,
        job,
        template="archives/job.html",
        url_names=("archives:job", "archives:job_download"),
        context={
            "download_label": _("Télécharger le dossier complet")
            if job["fmt"] == "pdf"
            else _("Télécharger l'archive"),
            "back_url": reverse("archives:dossier", args=[job["object_id"]])
            if job["scope"] == "dossier"
            else reverse("archives:session", args=[job["object_id"]]),
        },
    )


@login_required
def archive_job_download(request, job_id: str):
    """The built file, to its requester only, while every dossier in it is still theirs to see."""
    job = jobs.job_of_requester(request.user, job_id, services.JOB_KIND)
    if job["state"] != jobs.JobState.DONE or not selectors.dossiers_still_visible(request.user, job["dossier_ids"]):
        raise Http404
    response = jobs.job_file_response(job, services.FORMATS[job["fmt"]])
    services.archive_downloaded(actor=request.user, job=job, ip_address=client_ip(request))
    return response
