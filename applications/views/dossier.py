"""The applicant's pages of one dossier. Thin: forms parse, services decide, templates show."""

from __future__ import annotations

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications import forms
from applications.evaluation import dossier_evaluation
from applications.models import Attachment, Dossier, DossierPartner
from applications.permissions import (
    ALL_PARTS,
    can_edit_part,
    editable_parts,
    open_complement_request,
)
from applications.selectors import (
    dossier_required_documents,
    dossiers_of_applicant,
    predecessor_candidates,
    project_phases_to_file,
    project_summary,
    reopened_part_labels,
)
from applications.services import attachments, drafting, exchanges, submission
from applications.workflow import (
    APPLICANT,
    APPLICANT_LABELS,
    DossierState,
    transitions_from,
)
from calls.formschema import is_visible, section_progress
from calls.models import FormStep, Session
from calls.selectors import step_of_session
from portal.errors import DomainError
from portal.exports import dataset_response
from portal.fields import count_or_none
from portal.selectors import organisations_of, user_roles
from portal.services import document_served


def applicant_dossier(request, pk: int) -> Dossier:
    """The dossier if the user belongs to its carrier; 404 otherwise (never a hint it exists)."""
    queryset = dossiers_of_applicant(request.user).select_related(
        "theme__call__programme", "session", "organisation", "form_definition"
    )
    return get_object_or_404(queryset, pk=pk)


def posted(request) -> tuple:
    """Data and files of a POST, bound even when empty (an unchecked lone checkbox posts nothing)."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def schema_of(dossier: Dossier) -> dict:
    return dossier.form_definition.schema if dossier.form_definition else {"sections": []}


def dossier_context(dossier: Dossier, current: str) -> dict:
    """What every page of a dossier shows: the state banner, the menu with progress, the time left."""
    schema = schema_of(dossier)
    progress = section_progress(schema, dossier.answers)
    parts = editable_parts(dossier)
    menu = [
        {
            "key": "overview",
            "label": _("Vue d'ensemble"),
            "url": reverse("applications:dossier_detail", args=[dossier.pk]),
        },
        {
            "key": "_projet",
            "label": _("Projet et partenaires"),
            "url": reverse("applications:project", args=[dossier.pk]),
        },
    ]
    for section in schema.get("sections", []):
        done, total = progress.get(section["key"], (0, 0))
        menu.append(
            {
                "key": section["key"],
                "label": section["title"],
                "done": done,
                "total": total,
                "url": reverse("applications:section", args=[dossier.pk, section["key"]]),
            }
        )
    menu += [
        {"key": "_budget", "label": _("Budget"), "url": reverse("applications:budget", args=[dossier.pk])},
        {"key": "documents", "label": _("Pièces"), "url": reverse("applications:documents", args=[dossier.pk])},
        {"key": "team", "label": _("Équipe"), "url": reverse("applications:team", args=[dossier.pk])},
        {"key": "messages", "label": _("Messages"), "url": reverse("applications:messages", args=[dossier.pk])},
    ]
    if dossier.state == DossierState.DRAFT:
        menu.append(
            {
                "key": "review",
                "label": _("Vérifier et déposer"),
                "url": reverse("applications:review", args=[dossier.pk]),
            }
        )
    # The documents page holds every "document:<kind>" part a complement request may reopen.
    reopened = {"documents" if part.startswith("document:") else part for part in parts or ()}
    for item in menu:
        item["current"] = item["key"] == current
        item["reopened"] = item["key"] in reopened
    complement_request = open_complement_request(dossier)
    return {
        "dossier": dossier,
        "menu": menu,
        "state_label": APPLICANT_LABELS[dossier.state],
        "is_draft": dossier.state == DossierState.DRAFT,
        "editable_everything": parts is ALL_PARTS,
        "closes_at": timezone.localtime(dossier.session.closes_at),
        "complement_request": complement_request,
        "reopened_parts": reopened_part_labels(dossier, complement_request) if complement_request else [],
    }


def _render(request, template: str, dossier: Dossier, current: str, **context):
    return render(request, template, {**dossier_context(dossier, current), **context})


def join_an_organisation_first(request):
    """Send a user without an organisation to choose one, then back here (query string included)."""
    messages.info(request, _("Rattachez-vous d'abord à votre organisation pour déposer un dossier."))
    return redirect(f"{reverse('portal:organisation_choose')}?{urlencode({'next': request.get_full_path()})}")


@login_required
def dossier_start(request, session_id: int):
    """Start a draft in an open session, for one of the user's organisations."""
    session = get_object_or_404(Session.objects.select_related("theme__call__programme"), pk=session_id)
    organisations = organisations_of(request.user)
    if not organisations.exists():
        return join_an_organisation_first(request)
    predecessors = predecessor_candidates(request.user, session=session)
    invited_only = session.theme.call.second_step_invited_only and step_of_session(session) == FormStep.DOSSIER
    form = forms.DossierStartForm(
        *posted(request),
        organisations=organisations,
        predecessors=predecessors,
        phases=project_phases_to_file(request.user, theme=session.theme),
        invited_only=invited_only,
    )
    if request.method == "POST" and form.is_valid():
        try:
            dossier = drafting.dossier_start(actor=request.user, session=session, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Brouillon %(reference)s créé. Il est enregistré au fur et à mesure ; il n'est pas encore déposé.")
                % {"reference": dossier.reference},
            )
            return redirect("applications:dossier_detail", dossier.pk)
    return render(
        request,
        "applications/dossier/start.html",
        {
            "session": session,
            "theme": session.theme,
            "form": form,
            "is_open": session.is_open(),
            "closes_at": timezone.localtime(session.closes_at),
            "interest_step": step_of_session(session) == FormStep.INTEREST,
            "not_invited": invited_only and not predecessors.exists(),
        },
    )


@login_required
def dossier_detail(request, pk: int):
    dossier = applicant_dossier(request, pk)
    evaluation = dossier_evaluation(dossier)
    blockers = submission.submission_blockers(dossier, evaluation) if dossier.state == DossierState.DRAFT else []
    return _render(
        request,
        "applications/dossier/overview.html",
        dossier,
        "overview",
        blockers=blockers,
        history=[(change, APPLICANT_LABELS[change.to_state]) for change in dossier.state_changes.all()],
        snapshots=dossier.snapshots.all(),
        evaluation=evaluation,
        can_withdraw=any(t.name == "withdraw" for t in transitions_from(dossier.state, {APPLICANT})),
    )


def section_answers(section: dict, answers: dict) -> list[tuple[dict, object]]:
    """(field, stored value) pairs of one section's visible fields, for templates/applications/dossier/partials/answers.html."""
    return [(field, answers.get(field["key"])) for field in section["fields"] if is_visible(field, answers)]


def _section_or_404(dossier: Dossier, key: str) -> dict:
    for section in schema_of(dossier).get("sections", []):
        if section["key"] == key:
            return section
    raise Http404


@login_required
def dossier_section(request, pk: int, key: str):
    """One form section; htmx autosave posts here and gets the save status back."""
    dossier = applicant_dossier(request, pk)
    section = _section_or_404(dossier, key)
    editable = can_edit_part(dossier, key)
    conflict = None
    errors: dict[str, str] = {}
    saved_at = None
    form = forms.section_form(section, initial=forms.answers_as_initial(section, dossier.answers))
    base_version = dossier.section_versions.get(key, 0)
    if request.method == "POST":
        form = forms.section_form(section, data=request.POST)
        raw = forms.raw_section_answers(section, form)
        try:
            result = drafting.dossier_save_section(
                actor=request.user,
                dossier=dossier,
                section_key=key,
                raw_answers=raw,
                base_version=count_or_none(request.POST.get("base_version")),
            )
        except drafting.DossierConflict as error:
            conflict = {
                "message": error.message,
                "theirs": section_answers(section, {**dossier.answers, **error.theirs}),
            }
            base_version = error.current_version
        except DomainError as error:
            if request.htmx:
                return render(request, "applications/dossier/partials/save_status.html", {"failure": error.message})
            messages.error(request, error.message)
            return redirect("applications:section", pk, key)
        else:
            dossier, errors, saved_at = result.dossier, result.errors, timezone.localtime(result.saved_at)
            base_version = dossier.section_versions.get(key, 0)
            for field_key, message in errors.items():
                form.add_error(field_key, message)
            if not errors and not request.htmx:
                messages.success(request, _("Section enregistrée à %(time)s.") % {"time": f"{saved_at:%H:%M}"})
                return redirect("applications:section", pk, key)
        if request.htmx:
            return render(
                request,
                "applications/dossier/partials/save_status.html",
                {
                    "errors": errors,
                    "saved_at": saved_at,
                    "conflict": conflict,
                    "base_version": base_version,
                    "form": form,
                },
            )
    return _render(
        request,
        "applications/dossier/section.html",
        dossier,
        key,
        section=section,
        form=form,
        editable=editable,
        conflict=conflict,
        base_version=base_version,
        saved_at=saved_at,
        answers=section_answers(section, dossier.answers),
    )


@login_required
def dossier_project(request, pk: int):
    dossier = applicant_dossier(request, pk)
    editable = can_edit_part(dossier, drafting.PROJECT_PART)
    initial = {name: getattr(dossier, name) for name in forms.ProjectForm.base_fields}
    form = forms.ProjectForm(*posted(request), initial=initial)
    partner_form = forms.PartnerForm()
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            drafting.dossier_update_project(
                actor=request.user,
                dossier=dossier,
                base_version=count_or_none(request.POST.get("base_version")),
                **form.cleaned_data,
            )
        except drafting.DossierConflict as error:
            conflict = {"message": error.message, "theirs": error.theirs}
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Projet enregistré à %(time)s.") % {"time": f"{timezone.localtime():%H:%M}"})
            return redirect("applications:project", pk)
    return _render(
        request,
        "applications/dossier/project.html",
        dossier,
        "_projet",
        form=form,
        partner_form=partner_form,
        editable=editable,
        conflict=conflict,
        base_version=dossier.section_versions.get(drafting.PROJECT_PART, 0),
        partners=dossier.partners.select_related("organisation"),
        milestone_formset=forms.PlannedMilestoneFormSet(prefix="jalons", initial=dossier.planned_milestones or None),
        project_summary=project_summary(dossier.project) if dossier.project_id else None,
    )


@login_required
@require_POST
def planned_milestones(request, pk: int):
    """The milestones and deliverables the carrier plans: they pre-fill the convention's milestones."""
    dossier = applicant_dossier(request, pk)
    formset = forms.PlannedMilestoneFormSet(request.POST, prefix="jalons")
    if not formset.is_valid():
        messages.error(request, _("Jalons prévus : vérifiez les mois (de 1 à 120)."))
        return redirect("applications:project", pk)
    try:
        drafting.dossier_planned_milestones_set(
            actor=request.user,
            dossier=dossier,
            milestones=[row for row in formset.cleaned_data if row],
            base_version=dossier.section_versions.get(drafting.PROJECT_PART, 0),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Jalons prévus enregistrés."))
    return redirect("applications:project", pk)


@login_required
@require_POST
def partner_add(request, pk: int):
    dossier = applicant_dossier(request, pk)
    form = forms.PartnerForm(request.POST)
    if form.is_valid():
        try:
            drafting.partner_add(actor=request.user, dossier=dossier, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Partenaire ajouté."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("applications:project", pk)


@login_required
@require_POST
def partner_remove(request, pk: int, partner_id: int):
    dossier = applicant_dossier(request, pk)
    partner = get_object_or_404(DossierPartner, pk=partner_id, dossier=dossier)
    try:
        drafting.partner_remove(actor=request.user, partner=partner)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("applications:project", pk)


def _budget_formset(dossier: Dossier, data=None, extra: int = 0):
    """The table of saved lines; blank lines are extra forms, so left blank they are ignored, not required.

    A posted table is read without the saved lines as initial data: autosave may have stored
    them since the page was drawn, and the posted table replaces the budget as a whole.
    """
    phases = [(phase.key, phase.label) for phase in dossier.theme.phases.all()]
    if data is not None:
        return forms.BudgetFormSet(data=data, prefix="lines", form_kwargs={"phases": phases})
    initial = list(
        dossier.budget_lines.values("label", "year", "phase", "category", "source", "cofinancer_name", "amount")
    )
    formset = forms.BudgetFormSet(initial=initial or None, prefix="lines", form_kwargs={"phases": phases})
    formset.extra = extra or (0 if initial else 3)
    return formset


@login_required
def dossier_budget(request, pk: int):
    """The budget table; every save re-evaluates it with the theme's rule (htmx or full page)."""
    dossier = applicant_dossier(request, pk)
    editable = can_edit_part(dossier, drafting.BUDGET_PART)
    requested_lines = request.GET.get("lignes", "")
    formset = _budget_formset(dossier, extra=min(count_or_none(requested_lines) or 0, 20))
    # Lines just added: focus goes to the first of them (1-based), not to the top of the page.
    focus_line = formset.initial_form_count() + 1 if requested_lines and formset.extra else None
    conflict = None
    saved = False
    failure = ""
    if request.method == "POST":
        formset = _budget_formset(dossier, data=request.POST)
        if formset.is_valid():
            try:
                dossier = drafting.budget_replace(
                    actor=request.user,
                    dossier=dossier,
                    lines=formset.lines(),
                    base_version=count_or_none(request.POST.get("base_version")),
                )
            except drafting.DossierConflict as error:
                conflict = {"message": error.message, "lines": error.theirs["lines"]}
            except DomainError as error:
                failure = error.message
                if not request.htmx:
                    messages.error(request, failure)
            else:
                saved = True
                if "add_line" in request.POST:
                    return redirect(f"{reverse('applications:budget', args=[pk])}?lignes=3")
                if not request.htmx:
                    messages.success(
                        request, _("Budget enregistré à %(time)s.") % {"time": f"{timezone.localtime():%H:%M}"}
                    )
                    return redirect("applications:budget", pk)
                formset = _budget_formset(dossier)
    context = {
        "formset": formset,
        "editable": editable,
        "conflict": conflict,
        "failure": failure,
        "base_version": dossier.section_versions.get(drafting.BUDGET_PART, 0),
        "evaluation": dossier_evaluation(dossier),
        "has_lines": dossier.budget_lines.exists(),
        "tax_basis": dossier.theme.call.tax_basis,
        "saved_at": timezone.localtime() if saved else None,
        "focus_line": focus_line if request.method == "GET" else None,
    }
    if request.htmx:
        return render(request, "applications/dossier/partials/budget_result.html", {"dossier": dossier, **context})
    return _render(request, "applications/dossier/budget.html", dossier, "_budget", **context)


@login_required
def dossier_budget_export(request, pk: int):
    dossier = applicant_dossier(request, pk)
    headers = [
        _("Libellé"),
        _("Année"),
        _("Phase"),
        _("Catégorie"),
        _("Financement"),
        _("Co-financeur"),
        _("Montant (€ %(tax_basis)s)") % {"tax_basis": dossier.theme.call.tax_basis},
    ]
    rows = [
        [
            line.label,
            line.year or "",
            line.phase,
            line.get_category_display(),
            line.get_source_display(),
            line.cofinancer_name,
            line.amount,
        ]
        for line in dossier.budget_lines.all()
    ]
    dataset = tablib.Dataset(*rows, headers=headers, title=_("Budget"))
    return dataset_response(dataset=dataset, filename=f"budget-{dossier.reference}", fmt="xlsx")


@login_required
def dossier_documents(request, pk: int):
    dossier = applicant_dossier(request, pk)
    documents = dossier_required_documents(dossier)
    uploaded = list(dossier.attachments.filter(message__isnull=True))
    if request.method == "POST":
        document = next((d for d in documents if str(d.pk or d.kind) == request.POST.get("document")), None)
        form = forms.DocumentUploadForm(request.POST, request.FILES)
        if document is None:
            messages.error(request, _("Choisissez le type de pièce à déposer."))
        elif not form.is_valid():
            messages.error(request, _("%(document)s : choisissez un fichier à déposer.") % {"document": document.label})
        else:
            try:
                attachments.attachment_upload(
                    actor=request.user,
                    dossier=dossier,
                    required_document=document,
                    uploaded_file=form.cleaned_data["file"],
                )
            except DomainError as error:
                messages.error(
                    request,
                    _("%(document)s : fichier refusé. %(reason)s")
                    % {"document": document.label, "reason": error.message},
                )
            else:
                messages.success(
                    request,
                    _("%(document)s : fichier « %(name)s » enregistré.")
                    % {"document": document.label, "name": form.cleaned_data["file"].name},
                )
        return redirect("applications:documents", pk)
    rows = [
        {
            "document": document,
            "files": [a for a in uploaded if a.kind == document.kind],
            "editable": can_edit_part(dossier, f"document:{document.kind}"),
        }
        for document in documents
    ]
    return _render(
        request,
        "applications/dossier/documents.html",
        dossier,
        "documents",
        rows=rows,
        upload_form=forms.DocumentUploadForm(),
        used=sum(a.size for a in uploaded),
    )


@login_required
@require_POST
def document_delete(request, pk: int, attachment_id: int):
    dossier = applicant_dossier(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, dossier=dossier)
    try:
        attachments.attachment_delete(actor=request.user, attachment=attachment)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Fichier « %(name)s » supprimé.") % {"name": attachment.original_name})
    return redirect("applications:documents", pk)


def attachment_response(request, dossier: Dossier, attachment: Attachment) -> FileResponse:
    return document_served(
        request,
        file=attachment.file,
        target=dossier,
        document_id=attachment.pk,
        kind="message_attachment" if attachment.message_id else "attachment",
        name=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
def document_download(request, pk: int, attachment_id: int):
    dossier = applicant_dossier(request, pk)
    return attachment_response(request, dossier, get_object_or_404(Attachment, pk=attachment_id, dossier=dossier))


@login_required
def dossier_team(request, pk: int):
    dossier = applicant_dossier(request, pk)
    form = forms.InvitationForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            drafting.invitation_send(actor=request.user, dossier=dossier, email=form.cleaned_data["email"])
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect("applications:team", pk)
    return _render(
        request,
        "applications/dossier/team.html",
        dossier,
        "team",
        form=form,
        members=dossier.organisation.memberships.select_related("user"),
        invitations=dossier.invitations.filter(accepted_at__isnull=True),
    )


@login_required
def invitation_accept(request, token: str):
    if request.method == "POST":
        try:
            dossier = drafting.invitation_accept(actor=request.user, token=token)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("portal:dashboard")
        if not user_roles(request.user).is_member_of(dossier.organisation_id):
            messages.success(
                request,
                _(
                    "Votre demande pour rejoindre « %(organisation)s » est transmise à ses référents : vous accéderez "
                    "au dossier dès qu'elle sera accordée."
                )
                % {"organisation": dossier.organisation},
            )
            return redirect("portal:organisation_choose")
        messages.success(
            request, _("Vous pouvez maintenant compléter le dossier %(reference)s.") % {"reference": dossier.reference}
        )
        return redirect("applications:dossier_detail", dossier.pk)
    return render(request, "applications/dossier/invitation.html", {"token": token})


@login_required
def dossier_review(request, pk: int):
    """Everything on one page, the blockers, the declaration, and the submit button."""
    dossier = applicant_dossier(request, pk)
    form = forms.SubmitForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            snapshot = submission.dossier_submit(
                actor=request.user, dossier=dossier, declaration=form.cleaned_data["declaration"]
            )
        except DomainError as error:
            form.add_error("declaration" if error.field == "declaration" else None, error.message)
        else:
            submitted_at = timezone.localtime(snapshot.submitted_at)
            messages.success(
                request,
                _("Dossier déposé le %(date)s à %(time)s. L'accusé de réception vous est envoyé par e-mail.")
                % {"date": f"{submitted_at:%d/%m/%Y}", "time": f"{submitted_at:%H:%M:%S}"},
            )
            return redirect("applications:dossier_detail", pk)
    schema = schema_of(dossier)
    evaluation = dossier_evaluation(dossier)
    return _render(
        request,
        "applications/dossier/review.html",
        dossier,
        "review",
        form=form,
        blockers=submission.submission_blockers(dossier, evaluation),
        evaluation=evaluation,
        sections=[
            {"section": section, "answers": section_answers(section, dossier.answers)}
            for section in schema.get("sections", [])
        ],
        partners=dossier.partners.select_related("organisation"),
        documents=dossier.attachments.filter(message__isnull=True),
    )


@login_required
def receipt_download(request, pk: int, number: int):
    dossier = applicant_dossier(request, pk)
    snapshot = get_object_or_404(dossier.snapshots, number=number)
    if not snapshot.receipt:
        return HttpResponse(
            _("L'accusé de réception est en cours de génération : réessayez dans une minute."),
            status=503,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": "30"},
        )
    return document_served(
        request,
        file=snapshot.receipt,
        target=dossier,
        document_id=snapshot.pk,
        kind="receipt",
        name=f"accuse-reception-{dossier.reference}-{number}.pdf",
    )


def message_form_post(request, dossier: Dossier, form: forms.MessageForm) -> bool:
    """Post the message of a valid bound form (applicant or staff side); errors land on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    files = [form.cleaned_data["files"]] if form.cleaned_data.get("files") else []
    try:
        exchanges.message_post(actor=request.user, dossier=dossier, body=form.cleaned_data["body"], files=files)
    except DomainError as error:
        # Upload checks name no field: with a file attached, the file is what was refused.
        form.add_error(error.field if error.field in form.fields else ("files" if files else None), error.message)
        return False
    return True


def thread_read(request, dossier: Dossier) -> tuple[list, set[int]]:
    """The thread, and which of its messages the user had not read yet; all are marked read."""
    thread = list(dossier.messages.select_related("author").prefetch_related("attachments", "reads"))
    unread = {message.pk for message in thread if all(read.user_id != request.user.pk for read in message.reads.all())}
    exchanges.messages_mark_read(actor=request.user, dossier=dossier)
    return thread, unread


@login_required
def dossier_messages(request, pk: int):
    dossier = applicant_dossier(request, pk)
    form = forms.MessageForm(*posted(request))
    if message_form_post(request, dossier, form):
        messages.success(request, _("Message envoyé."))
        return redirect("applications:messages", pk)
    thread, unread = thread_read(request, dossier)
    return _render(
        request, "applications/dossier/messages.html", dossier, "messages", form=form, thread=thread, unread=unread
    )


@login_required
def complement_answer(request, pk: int):
    dossier = applicant_dossier(request, pk)
    if request.method == "POST":
        try:
            snapshot = exchanges.complement_answer(actor=request.user, dossier=dossier)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            submitted_at = timezone.localtime(snapshot.submitted_at)
            messages.success(
                request,
                _("Compléments transmis le %(date)s à %(time)s.")
                % {"date": f"{submitted_at:%d/%m/%Y}", "time": f"{submitted_at:%H:%M:%S}"},
            )
        return redirect("applications:dossier_detail", pk)
    return _render(request, "applications/dossier/complement_answer.html", dossier, "overview")


@login_required
def dossier_withdraw(request, pk: int):
    dossier = applicant_dossier(request, pk)
    form = forms.WithdrawForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            exchanges.dossier_withdraw(actor=request.user, dossier=dossier, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le dossier est retiré."))
            return redirect("applications:dossier_detail", pk)
    return _render(request, "applications/dossier/withdraw.html", dossier, "overview", form=form)
