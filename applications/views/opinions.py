"""Expert opinions: the staff's requests on a dossier, and the expert's pages (invitation, declaration,
reading the deposited version, answer). The expert reaches one dossier only, through their request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from applications.forms_opinions import InterestDeclarationForm, OpinionAnswerForm, OpinionRequestForm
from applications.models import Attachment, OpinionAttachment, OpinionRequest
from applications.selectors import manages_instruction_of
from applications.selectors.instruction import snapshot_context
from applications.selectors.opinions import expert_request_or_404, opinions_for_staff
from applications.services import opinions
from applications.views.dossier import attachment_response, posted
from applications.views.staff import staff_dossier_or_404
from portal.errors import DomainError
from portal.services import document_served


def opinion_attachment_response(request, attachment: OpinionAttachment):
    """Serve an expert's attachment after the caller's own access check; audited under the dossier."""
    return document_served(
        request,
        file=attachment.file,
        target=attachment.request.dossier,
        document_id=attachment.pk,
        kind="opinion_attachment",
        name=attachment.original_name,
        content_type=attachment.content_type,
    )


def _form_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def dossier_opinions(request, pk: int):
    """The dossier's requests and answers, and the form to ask a new expert."""
    dossier = staff_dossier_or_404(request, pk)
    form = OpinionRequestForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            opinion = opinions.opinion_request_create(actor=request.user, dossier=dossier, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Demande d'avis envoyée à %(email)s.") % {"email": opinion.email})
            return redirect("applications:dossier_opinions", dossier.pk)
    return render(
        request,
        "applications/instruction/opinions.html",
        {
            "dossier": dossier,
            "form": form,
            "opinions": opinions_for_staff(dossier),
            "manages_instruction": manages_instruction_of(request.user, dossier.theme.call.programme_id),
        },
    )


def _staff_request_or_404(request, request_id: int) -> OpinionRequest:
    opinion = get_object_or_404(OpinionRequest.objects.select_related("dossier"), pk=request_id)
    staff_dossier_or_404(request, opinion.dossier_id)
    return opinion


@login_required
def opinion_cancel(request, request_id: int):
    """Confirmation, then cancellation of a request still awaited."""
    opinion = _staff_request_or_404(request, request_id)
    if request.method == "POST":
        try:
            opinions.opinion_request_cancel(actor=request.user, request=opinion)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Demande d'avis annulée."))
        return redirect("applications:dossier_opinions", opinion.dossier_id)
    return render(
        request, "applications/instruction/opinion_cancel.html", {"opinion": opinion, "dossier": opinion.dossier}
    )


@login_required
def opinion_attachment_staff(request, request_id: int, attachment_id: int):
    opinion = _staff_request_or_404(request, request_id)
    return opinion_attachment_response(request, get_object_or_404(OpinionAttachment, pk=attachment_id, request=opinion))


@login_required
def opinion_invitation(request, token: str):
    """An outside expert accepts the invitation sent to their address (after logging in or signing up)."""
    if request.method == "POST":
        try:
            opinion = opinions.opinion_invitation_accept(actor=request.user, token=token)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("portal:dashboard")
        return redirect("applications:opinion_expert", opinion.pk)
    return render(request, "applications/opinions/invitation.html", {"token": token})


@login_required
def opinion_expert(request, request_id: int):
    """The expert's page: the declaration of interests first, then the deposited version and the answer
    form; once answered, their answer only (the dossier is no longer shown)."""
    opinion = expert_request_or_404(request.user, request_id)
    declaration = InterestDeclarationForm(request.POST if request.POST.get("action") == "declare" else None)
    answer_form = OpinionAnswerForm(*posted(request)) if request.POST.get("action") == "answer" else OpinionAnswerForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "declare" and declaration.is_valid():
                opinion = opinions.opinion_interests_declare(
                    actor=request.user, request=opinion, **declaration.cleaned_data
                )
                if opinion.status == OpinionRequest.Status.DECLINED:
                    messages.success(request, _("Intérêt déclaré : la demande est close et l'équipe en est informée."))
                    return redirect("portal:dashboard")
                messages.success(request, _("Déclaration enregistrée : vous pouvez consulter le dossier."))
                return redirect("applications:opinion_expert", opinion.pk)
            if request.POST.get("action") == "answer" and answer_form.is_valid():
                opinions.opinion_answer(
                    actor=request.user,
                    request=opinion,
                    answer=answer_form.cleaned_data["answer"],
                    position=answer_form.cleaned_data["position"],
                    files=answer_form.cleaned_data["files"],
                )
                messages.success(request, _("Avis transmis. Merci."))
                return redirect("applications:opinion_expert", opinion.pk)
        except DomainError as error:
            _form_error(declaration if request.POST.get("action") == "declare" else answer_form, error)
    context = {"opinion": opinion, "dossier": opinion.dossier, "declaration": declaration, "answer_form": answer_form}
    if opinion.status == OpinionRequest.Status.OPEN:
        context.update(snapshot_context(opinion.dossier, private_fields=False))
    return render(request, "applications/opinions/expert.html", context)


@login_required
def opinion_expert_document(request, request_id: int, attachment_id: int):
    """A piece of the dossier for its expert, while their answer is awaited."""
    opinion = expert_request_or_404(request.user, request_id)
    if opinion.status != OpinionRequest.Status.OPEN:
        raise Http404
    return attachment_response(
        request,
        opinion.dossier,
        get_object_or_404(Attachment, pk=attachment_id, dossier=opinion.dossier, message__isnull=True),
    )
