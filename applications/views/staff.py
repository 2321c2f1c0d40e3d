"""Staff's view of one dossier: the frozen version, the thread, and complement requests."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.evaluation import derogation_of, dossier_evaluation
from applications.forms import ComplementRequestForm, DerogationForm, DerogationWithdrawForm, MessageForm
from applications.forms_instruction import DossierRoutingForm
from applications.models import Attachment, Dossier, OpinionRequest
from applications.selectors import (
    dossier_pieces,
    dossiers_of_staff,
    manages_instruction_of,
    project_summary,
    similar_project_flags,
    snapshot_budget,
)
from applications.selectors.opinions import opinions_for_staff
from applications.services import derogations, exchanges
from applications.views.dossier import (
    attachment_response,
    message_form_post,
    posted,
    schema_of,
    section_answers,
    thread_read,
)
from applications.workflow import STAFF, DossierState, transitions_from
from portal.errors import DomainError
from portal.selectors import user_roles


def staff_dossier_or_404(request, pk: int) -> Dossier:
    roles = user_roles(request.user)
    if not (roles.is_programme_staff or roles.is_admin):
        raise PermissionDenied
    queryset = dossiers_of_staff(request.user).select_related(
        "theme__call__programme", "session", "organisation", "form_definition", "instruction_group", "instructor"
    )
    return get_object_or_404(queryset, pk=pk)


@login_required
def staff_dossier(request, pk: int):
    dossier = staff_dossier_or_404(request, pk)
    message_form = MessageForm(*posted(request))
    if message_form_post(request, dossier, message_form):
        messages.success(request, _("Message envoyé au porteur."))
        return redirect("applications:staff_dossier", pk)
    snapshot = dossier.snapshots.order_by("-number").first()
    schema = schema_of(dossier)
    content = snapshot.content if snapshot else {}
    thread, unread = thread_read(request, dossier)
    evaluation = dossier_evaluation(dossier)
    return render(
        request,
        "applications/staff/dossier.html",
        {
            "dossier": dossier,
            "snapshot": snapshot,
            "content": content,
            "budget": snapshot_budget(content),
            "sections": [
                {"section": s, "answers": section_answers(s, content.get("answers", {}))}
                for s in schema.get("sections", [])
            ],
            "history": dossier.state_changes.select_related("actor"),
            "thread": thread,
            "unread": unread,
            "message_form": message_form,
            "can_request_complement": any(
                t.name == "request_complement" for t in transitions_from(dossier.state, {STAFF})
            ),
            "attachments": dossier_pieces(dossier),
            "evaluation": evaluation,
            "derogation": derogation_of(dossier),
            "can_record_derogation": bool(
                evaluation
                and evaluation.rule_version.rule.derogation_allowed
                and dossier.state in derogations.DEROGATION_STATES
            ),
            "similar_projects": similar_project_flags([dossier]).get(dossier.pk, []),
            "project": project_summary(dossier.project) if dossier.project_id else None,
            "to_instruct": dossier.state in (DossierState.SUBMITTED, DossierState.COMPLETE),
            "routing_form": DossierRoutingForm(
                dossier=dossier, initial={"group": dossier.instruction_group_id, "instructor": dossier.instructor_id}
            ),
            "manages_instruction": manages_instruction_of(request.user, dossier.theme.call.programme_id),
            "followers": [follower.user for follower in dossier.followers.select_related("user")],
            "opinions": opinions_for_staff(dossier).filter(status=OpinionRequest.Status.ANSWERED),
        },
    )


@login_required
def derogation_record(request, pk: int):
    """Record the derogation the deciding body granted on this dossier (or correct it)."""
    dossier = staff_dossier_or_404(request, pk)
    current = derogation_of(dossier)
    evaluation = dossier_evaluation(dossier)
    initial = (
        {
            "rate_percent": current.rate_percent,
            "deciding_body": current.deciding_body,
            "decided_on": current.decided_on,
            "reason": current.reason,
        }
        if current is not None
        else {"deciding_body": evaluation.rule_version.rule.derogation_authority if evaluation else ""}
    )
    form = DerogationForm(*posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            derogations.derogation_record(actor=request.user, dossier=dossier, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Dérogation enregistrée : le calcul du cofinancement en tient compte."))
            return redirect("applications:staff_dossier", pk)
    return render(
        request,
        "applications/staff/derogation.html",
        {"dossier": dossier, "form": form, "evaluation": evaluation, "current": current},
    )


@login_required
def derogation_withdraw(request, pk: int):
    dossier = staff_dossier_or_404(request, pk)
    form = DerogationWithdrawForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            derogations.derogation_withdraw(actor=request.user, dossier=dossier, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, _("Dérogation retirée : le taux normal s'applique de nouveau."))
            return redirect("applications:staff_dossier", pk)
    return render(request, "applications/staff/derogation_withdraw.html", {"dossier": dossier, "form": form})


@login_required
def complement_request(request, pk: int):
    dossier = staff_dossier_or_404(request, pk)
    # Two weeks by default, the usual delay given to carriers; staff change it at will.
    default_due = timezone.localtime().replace(second=0, microsecond=0) + datetime.timedelta(days=15)
    form = ComplementRequestForm(*posted(request), dossier=dossier, initial={"due_at": default_due})
    if request.method == "POST" and form.is_valid():
        try:
            exchanges.complement_request_create(
                actor=request.user, dossier=dossier, points=form.points(), due_at=form.cleaned_data["due_at"]
            )
        except DomainError as error:
            field = {"points": "parts"}.get(error.field, error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("Demande de compléments envoyée au porteur."))
            return redirect("applications:staff_dossier", pk)
    return render(request, "applications/staff/complement_request.html", {"dossier": dossier, "form": form})


@login_required
def staff_document_download(request, pk: int, attachment_id: int):
    dossier = staff_dossier_or_404(request, pk)
    return attachment_response(request, dossier, get_object_or_404(Attachment, pk=attachment_id, dossier=dossier))
