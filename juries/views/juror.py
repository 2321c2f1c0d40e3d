"""The juror's pages. Every dossier page goes through `juror_dossier_or_404` (conflicts of interest)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from applications.models import Attachment, OpinionAttachment
from applications.selectors.instruction import snapshot_context
from applications.selectors.opinions import opinions_for_jury
from applications.views.dossier import attachment_response
from applications.views.opinions import opinion_attachment_response
from juries import scoring, selectors
from juries.forms import DeclarationForm, OpinionForm, ReopenForm, sheet_from_post
from juries.models import Assignment, Consensus, Evaluation, Hearing, JuryDossier
from juries.permissions import is_chair, require_juror
from juries.services import conflicts, evaluation
from portal.errors import DomainError
from portal.fields import count_or_none

# Dossiers per page of the juror's queue: a national jury gives a juror several hundred.
QUEUE_PAGE_SIZE = 50


@login_required
def my_queue(request):
    require_juror(request.user)
    memberships = list(selectors.juror_memberships(request.user))
    if len(memberships) == 1:
        return redirect("juries:queue", memberships[0].jury_id)
    return render(request, "juries/juror/juries.html", {"memberships": memberships})


@login_required
def queue(request, jury_id: int):
    require_juror(request.user)
    member = selectors.member_or_404(request.user, jury_id)
    page = Paginator(selectors.juror_queue(member), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    chair_page = (
        Paginator(selectors.chair_rows(member), QUEUE_PAGE_SIZE).get_page(request.GET.get("presidence"))
        if is_chair(member)
        else None
    )
    return render(
        request,
        "juries/juror/queue.html",
        {
            "member": member,
            "jury": member.jury,
            "page": page,
            "chair_page": chair_page,
        },
    )


@login_required
def declarations(request, jury_id: int):
    require_juror(request.user)
    member = selectors.member_or_404(request.user, jury_id)
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and request.POST.get("organisation"):
        _declare_organisation(request, member)
        return redirect("juries:declarations", jury_id)
    if request.method == "POST":
        dossier_id = _int(request.POST.get("dossier"))
        _, dossier, _ = selectors.juror_dossier_or_404(request.user, jury_id, dossier_id, path=request.path)
        if form.is_valid():
            try:
                conflicts.conflict_declare(
                    actor=request.user,
                    member=member,
                    dossier=dossier,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                messages.error(
                    request,
                    gettext("%(reference)s : %(reason)s") % {"reference": dossier.reference, "reason": error.message},
                )
            else:
                messages.success(
                    request,
                    gettext("Conflit déclaré : ce dossier vous est désormais masqué.")
                    if form.cleaned_data["status"] == "conflict"
                    else (
                        gettext("Déclaration enregistrée pour le dossier %(reference)s.")
                        % {"reference": dossier.reference}
                    ),
                )
        else:
            messages.error(
                request, gettext("%(reference)s : choisissez une déclaration.") % {"reference": dossier.reference}
            )
        return redirect("juries:declarations", jury_id)
    rows, blocked = selectors.declaration_rows(member)
    organisations = sorted({dossier.organisation for dossier, _ in rows}, key=lambda o: o.name)
    return render(
        request,
        "juries/juror/declarations.html",
        {
            "member": member,
            "jury": member.jury,
            "rows": rows,
            "blocked": blocked,
            "form": DeclarationForm(),
            "organisations": organisations,
        },
    )


def _declare_organisation(request, member) -> None:
    """A conflict with a whole organisation: every dossier it carries or joins leaves the member's sight."""
    rows, _ = selectors.declaration_rows(member)
    organisations = {dossier.organisation_id: dossier.organisation for dossier, _ in rows}
    organisation = organisations.get(_int(request.POST.get("organisation")))
    if organisation is None:
        raise Http404
    try:
        conflicts.conflict_declare(
            actor=request.user,
            member=member,
            organisation=organisation,
            status="conflict",
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("Conflit déclaré avec « %(organisation)s » : ses dossiers vous sont désormais masqués.")
            % {"organisation": organisation},
        )


def _int(value) -> int:
    number = count_or_none(value)
    if number is None:
        raise Http404
    return number


def _readable(request, jury_id: int, dossier_id: int):
    """(member, dossier) once the juror declared no conflict; a redirect to the declarations otherwise."""
    member, dossier, may_read = selectors.juror_dossier_or_404(request.user, jury_id, dossier_id, path=request.path)
    if not may_read:
        messages.info(request, gettext("Déclarez vos intérêts sur ce dossier avant de le consulter."))
        return member, dossier, redirect(reverse("juries:declarations", args=[jury_id]) + f"#dossier-{dossier_id}")
    return member, dossier, None


def named_errors(grid, errors: dict, form) -> list[str]:
    """What a sheet must correct, named as the page names it (« C1. Pertinence », « Avis motivé »),
    never by the key the services use; errors on the form's own fields are also shown beside them."""
    leaves = {leaf.code: leaf for leaf in scoring.leaves(grid)}
    names = []
    for key, message in errors.items():
        if key in form.fields:
            form.add_error(key, message)
            names.append(str(form.fields[key].label))
        elif key in leaves:
            names.append(f"{key}. {leaves[key].label}")
    return names


def grid_rows(grid, scores: dict, errors: dict) -> list[dict]:
    """Grid items with their leaves, current values and errors, in page order."""
    rows = []
    for item in grid:
        children = item.children or (item,)
        rows.append(
            {
                "item": item,
                "leaves": [
                    {
                        "item": leaf,
                        "entry": scores.get(leaf.code) or {},
                        "error": errors.get(leaf.code),
                        "values": [scoring.plain(v) for v in leaf.scale_values()],
                    }
                    for leaf in children
                ],
            }
        )
    return rows


@login_required
def score(request, jury_id: int, dossier_id: int):
    require_juror(request.user)
    member, dossier, redirect_to = _readable(request, jury_id, dossier_id)
    if redirect_to:
        return redirect_to
    assignment = Assignment.objects.filter(member=member, dossier=dossier).first()
    if assignment is None:
        raise Http404
    jury = member.jury
    grid = selectors.grid_spec(jury, dossier.theme if jury.theme_id is None else None)
    current = Evaluation.objects.filter(assignment=assignment).first()
    errors: dict[str, str] = {}
    scores = current.scores if current else {}
    form = OpinionForm(
        request.POST or None,
        initial={
            "opinion": current.opinion if current else "",
            "recommendation": current.recommendation if current else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        scores = sheet_from_post(grid, request.POST)
        try:
            current = evaluation.evaluation_save(
                actor=request.user,
                assignment=assignment,
                scores=scores,
                opinion=form.cleaned_data["opinion"],
                recommendation=form.cleaned_data["recommendation"],
            )
            if request.POST.get("action") == "submit":
                current = evaluation.evaluation_submit(actor=request.user, assignment=assignment)
        except evaluation.SheetError as error:
            errors = error.errors
        except DomainError as error:
            errors = {"general": error.message}
        if not errors and not request.htmx:
            messages.success(
                request, gettext("Évaluation transmise.") if current.is_submitted else gettext("Brouillon enregistré.")
            )
            return redirect("juries:score", jury_id, dossier_id)
    live = scoring.grid_total(grid, scoring.clean_sheet(grid, scores), pass_mark=jury.pass_mark)
    frozen = JuryDossier.objects.filter(jury=jury, dossier=dossier, frozen_at__isnull=False).exists()
    context = {
        "member": member,
        "jury": jury,
        "dossier": dossier,
        "assignment": assignment,
        "evaluation": current,
        "readonly": frozen or bool(current and current.is_submitted),
        "frozen": frozen,
        "grid_rows": grid_rows(grid, scores, errors),
        "errors": errors,
        "error_names": named_errors(grid, errors, form),
        "live": live,
        "form": form,
        "others": selectors.other_evaluations(member, dossier),
        "grid": grid,
        "opinions": opinions_for_jury(dossier),
    }
    if request.htmx:
        return render(request, "juries/partials/sheet_status.html", context)
    return render(request, "juries/juror/score.html", {**context, **snapshot_context(dossier)})


@login_required
def document(request, jury_id: int, dossier_id: int, attachment_id: int):
    require_juror(request.user)
    _, dossier, redirect_to = _readable(request, jury_id, dossier_id)
    if redirect_to:
        return redirect_to
    return attachment_response(
        request, dossier, get_object_or_404(Attachment, pk=attachment_id, dossier=dossier, message__isnull=True)
    )


@login_required
def opinion_attachment(request, jury_id: int, dossier_id: int, attachment_id: int):
    """A file of an expert's answer that staff shared with the jury."""
    require_juror(request.user)
    _, dossier, redirect_to = _readable(request, jury_id, dossier_id)
    if redirect_to:
        return redirect_to
    attachment = get_object_or_404(
        OpinionAttachment.objects.select_related("request__dossier"),
        pk=attachment_id,
        request__in=opinions_for_jury(dossier),
    )
    return opinion_attachment_response(request, attachment)


@login_required
def consensus(request, jury_id: int, dossier_id: int):
    """The chair's page: sheets side by side with dispersion, reopening, and the consensus sheet."""
    require_juror(request.user)
    member, dossier, redirect_to = _readable(request, jury_id, dossier_id)
    if not is_chair(member):
        raise Http404
    if redirect_to:
        return redirect_to
    jury = member.jury
    grid = selectors.grid_spec(jury, dossier.theme if jury.theme_id is None else None)
    existing = Consensus.objects.filter(jury=jury, dossier=dossier).first()
    scores = existing.scores if existing else {}
    errors: dict[str, str] = {}
    form = OpinionForm(
        request.POST or None,
        initial={"opinion": existing.opinion, "recommendation": existing.recommendation} if existing else None,
    )
    reopen_form = ReopenForm(request.POST if request.POST.get("action") == "reopen" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reopen":
                sheet = get_object_or_404(
                    Evaluation,
                    pk=_int(request.POST.get("evaluation")),
                    assignment__dossier=dossier,
                    assignment__member__jury=jury,
                )
                evaluation.evaluation_reopen(
                    actor=request.user, evaluation=sheet, reason=request.POST.get("reason", "")
                )
                messages.success(request, gettext("Évaluation rouverte : le juré peut la modifier."))
                return redirect("juries:consensus", jury_id, dossier_id)
            if form.is_valid():
                scores = sheet_from_post(grid, request.POST)
                evaluation.consensus_record(
                    actor=request.user,
                    jury=jury,
                    dossier=dossier,
                    scores=scores,
                    opinion=form.cleaned_data["opinion"],
                    recommendation=form.cleaned_data["recommendation"],
                )
                messages.success(request, gettext("Consensus enregistré."))
                return redirect("juries:consensus", jury_id, dossier_id)
        except evaluation.SheetError as error:
            errors = error.errors
        except DomainError as error:
            errors = {"general": error.message}
    pending = evaluation.own_sheet_pending(member, dossier)
    sheets, spread = selectors.dispersion_of(jury, dossier)
    if pending:
        sheets, spread = [], scoring.dispersion([])
    leaves = scoring.leaves(grid)
    side_by_side = [
        {
            "item": leaf,
            "cells": [(e.scores.get(leaf.code) or {}) for e in sheets],
            "dispersion": scoring.dispersion(
                [scoring.to_decimal((e.scores.get(leaf.code) or {}).get("score")) for e in sheets]
            ),
        }
        for leaf in leaves
    ]
    return render(
        request,
        "juries/juror/consensus.html",
        {
            "member": member,
            "jury": jury,
            "dossier": dossier,
            "sheets": sheets,
            "spread": spread,
            "side_by_side": side_by_side,
            "grid_rows": grid_rows(grid, scores, errors),
            "errors": errors,
            "error_names": named_errors(grid, errors, form),
            "form": form,
            "reopen_form": reopen_form,
            "consensus": existing,
            "hearing": Hearing.objects.filter(jury=jury, dossier=dossier).first(),
            "pending": pending,
            "live": scoring.grid_total(grid, scoring.clean_sheet(grid, scores), pass_mark=jury.pass_mark),
        },
    )
