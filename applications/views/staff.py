"""Staff's view of one dossier: the frozen version, the thread, and complement requests."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from applications.forms import ComplementRequestForm, MessageForm
from applications.models import Attachment, Dossier
from applications.selectors import dossiers_of_staff
from applications.services import exchanges
from applications.views.dossier import attachment_response
from portal.errors import DomainError
from portal.selectors import user_roles


def staff_dossier_or_404(request, pk: int) -> Dossier:
    roles = user_roles(request.user)
    if not (roles.is_programme_staff or roles.is_admin):
        raise PermissionDenied
    queryset = dossiers_of_staff(request.user).select_related("theme__call__programme", "session", "organisation", "form_definition")
    return get_object_or_404(queryset, pk=pk)


@login_required
def staff_dossier(request, pk: int):
    dossier = staff_dossier_or_404(request, pk)
    message_form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and message_form.is_valid():
        files = [message_form.cleaned_data["files"]] if message_form.cleaned_data.get("files") else []
        try:
            exchanges.message_post(actor=request.user, dossier=dossier, body=message_form.cleaned_data["body"], files=files)
        except DomainError as error:
            message_form.add_error(None, error.message)
        else:
            messages.success(request, "Message envoyé au porteur.")
            return redirect("applications:staff_dossier", pk)
    snapshot = dossier.snapshots.order_by("-number").first()
    schema = dossier.form_definition.schema if dossier.form_definition else {"sections": []}
    content = snapshot.content if snapshot else {}
    exchanges.messages_mark_read(actor=request.user, dossier=dossier)
    return render(request, "applications/staff/dossier.html", {
        "dossier": dossier, "snapshot": snapshot, "content": content,
        "sections": [{"section": s, "answers": [(f, content.get("answers", {}).get(f["key"])) for f in s["fields"]]} for s in schema.get("sections", [])],
        "history": dossier.state_changes.select_related("actor"),
        "thread": dossier.messages.select_related("author").prefetch_related("attachments"),
        "message_form": message_form,
        "complement_form": ComplementRequestForm(dossier=dossier),
        "attachments": dossier.attachments.filter(message__isnull=True),
    })


@login_required
def complement_request(request, pk: int):
    dossier = staff_dossier_or_404(request, pk)
    form = ComplementRequestForm(request.POST or None, dossier=dossier)
    if request.method == "POST" and form.is_valid():
        try:
            exchanges.complement_request_create(actor=request.user, dossier=dossier, points=form.points(),
                                                due_at=form.cleaned_data["due_at"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Demande de compléments envoyée au porteur.")
            return redirect("applications:staff_dossier", pk)
    return render(request, "applications/staff/complement_request.html", {"dossier": dossier, "form": form,
                  "default_due": timezone.localdate() + datetime.timedelta(days=15)})


@login_required
def staff_document_download(request, pk: int, attachment_id: int):
    dossier = staff_dossier_or_404(request, pk)
    return attachment_response(get_object_or_404(Attachment, pk=attachment_id, dossier=dossier))
