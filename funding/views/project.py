"""One funded project: its convention (versions, signatures, PDFs), milestones, tranches and payments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from funding import forms, selectors
from funding.models import Convention, Milestone, Tranche
from funding.permissions import APPLICANT, FUND_OPERATOR, STAFF
from funding.services import conventions, followup
from funding.views import funding_dossier, post_done, raise_for_access, require
from juries.models import DecisionCondition
from juries.selectors import conditions_of
from juries.services.conditions import condition_lift as lift
from portal.errors import DomainError
from portal.http import client_ip
from portal.idempotency import IdempotentForm
from portal.services import document_served
from portal.uploads import CONTENT_TYPES


def sees_drafts(roles: set[str]) -> bool:
    """Drafts are internal until staff send them; the carrier sees sent versions only."""
    return bool(roles & {STAFF, FUND_OPERATOR})


def _project_context(dossier, roles) -> dict:
    convention = selectors.current_convention(dossier, with_drafts=sees_drafts(roles))
    # Payments and reports follow the version in force, even while an amendment is drafted or signed.
    applicable = selectors.convention_in_force(dossier) or convention
    tranches = selectors.tranches_with_payments(applicable) if applicable else []
    return {
        "dossier": dossier,
        "roles": roles,
        "is_carrier": APPLICANT in roles,
        "is_staff": STAFF in roles,
        "is_operator": FUND_OPERATOR in roles,
        "convention": convention,
        "applicable": applicable,
        "versions": selectors.conventions_of(dossier, with_drafts=sees_drafts(roles)),
        "tranches": tranches,
        # The carrier reads the milestones once a version is sent to it, before signing it.
        "milestones": selectors.milestones_with_tranches(applicable, tranches) if applicable else [],
        "proposed_milestones": selectors.proposed_milestones(convention, applicable),
        "conditions": conditions_of(dossier),
        "payments": selectors.payments_of(dossier),
        "next_report": selectors.next_report(dossier, applicable),
        "signature_form": forms.CarrierSignatureForm(),
        "generate_form": IdempotentForm(),
    }


@login_required
def project_detail(request, pk: int):
    dossier, roles = funding_dossier(request, pk)
    return render(request, "funding/project.html", _project_context(dossier, roles))


def _act(request, pk: int, allowed: tuple[str, ...], action, success: str):
    """Run a POST action of the project page, then come back to it with a message."""
    dossier, roles = funding_dossier(request, pk)
    require(roles, *allowed)
    try:
        action(dossier)
    except DomainError as error:
        raise_for_access(error)
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("funding:convention", dossier.pk)


def _version(dossier, version: int) -> Convention:
    return get_object_or_404(Convention, dossier=dossier, version=version)


@login_required
@require_POST
def convention_generate(request, pk: int):
    form = IdempotentForm(request.POST)

    def generate(dossier):
        if not form.is_valid():
            raise DomainError(" ".join(form.non_field_errors()), code="expired")
        conventions.convention_generate(
            actor=request.user,
            dossier=dossier,
            idempotency_key=form.cleaned_data["idempotency_key"],
            ip_address=client_ip(request),
        )

    return _act(
        request,
        pk,
        (STAFF,),
        generate,
        _("Nouvelle version de la convention générée ; le PDF est en cours de préparation."),
    )


@login_required
@require_POST
def convention_send(request, pk: int, version: int):
    return _act(
        request,
        pk,
        (STAFF,),
        lambda dossier: conventions.convention_send(
            actor=request.user, convention=_version(dossier, version), ip_address=client_ip(request)
        ),
        _("Convention envoyée au porteur pour signature."),
    )


@login_required
@require_POST
def convention_sign(request, pk: int, version: int):
    """The carrier signs: signed PDF upload, or the "approve" box."""
    dossier, roles = funding_dossier(request, pk)
    require(roles, APPLICANT)
    form = forms.CarrierSignatureForm(request.POST, request.FILES)
    if post_done(
        request,
        form,
        lambda data: conventions.convention_sign_carrier(
            actor=request.user,
            convention=_version(dossier, version),
            signed_file=data["signed_file"],
            approve=data["approve"],
            ip_address=client_ip(request),
        ),
        _("Convention signée : elle est transmise à l'opérateur pour contre-signature."),
    ):
        return redirect("funding:convention", dossier.pk)
    context = _project_context(dossier, roles)
    context["signature_form"] = form
    return render(request, "funding/project.html", context, status=400)


@login_required
@require_POST
def convention_countersign(request, pk: int, version: int):
    return _act(
        request,
        pk,
        (FUND_OPERATOR,),
        lambda dossier: conventions.convention_sign_operator(
            actor=request.user, convention=_version(dossier, version), ip_address=client_ip(request)
        ),
        _("Convention contresignée."),
    )


@login_required
def convention_download(request, pk: int, version: int, signed: bool = False):
    dossier, roles = funding_dossier(request, pk)
    convention = _version(dossier, version)
    if convention.sent_at is None and not sees_drafts(roles):
        raise Http404
    file = convention.signed_file if signed else convention.pdf
    if not file:
        raise Http404
    name = f"convention-{dossier.reference}-v{version}{'-signee' if signed else ''}.pdf"
    return document_served(
        request,
        file=file,
        target=dossier,
        document_id=convention.pk,
        kind="signed_convention" if signed else "convention",
        name=name,
    )


# --- Milestones, payments and conditions -------------------------------------------------


@login_required
def milestone_declare(request, pk: int, milestone_id: int):
    dossier, roles = funding_dossier(request, pk)
    require(roles, APPLICANT)
    milestone = get_object_or_404(Milestone, dossier=dossier, pk=milestone_id)
    form = forms.MilestoneDeclareForm(request.POST or None, request.FILES or None)
    if post_done(
        request,
        form,
        lambda data: followup.milestone_declare(
            actor=request.user,
            milestone=milestone,
            note=data["note"],
            evidence=data["evidence"],
            ip_address=client_ip(request),
        ),
        _("Jalon « %(label)s » déclaré : l'équipe du programme va l'examiner.") % {"label": milestone.label},
    ):
        return redirect("funding:convention", dossier.pk)
    return render(request, "funding/milestone_declare.html", {"dossier": dossier, "milestone": milestone, "form": form})


@login_required
def milestone_review(request, pk: int, milestone_id: int):
    dossier, roles = funding_dossier(request, pk)
    require(roles, STAFF)
    milestone = get_object_or_404(Milestone, dossier=dossier, pk=milestone_id)
    form = forms.MilestoneReviewForm(request.POST or None)
    if post_done(
        request,
        form,
        lambda data: followup.milestone_review(
            actor=request.user,
            milestone=milestone,
            accept=data["decision"] == "validate",
            reason=data["reason"],
            ip_address=client_ip(request),
        ),
        lambda data: (
            (_("Jalon « %(label)s » validé.") if data["decision"] == "validate" else _("Jalon « %(label)s » refusé."))
            % {"label": milestone.label}
        ),
    ):
        return redirect("funding:convention", dossier.pk)
    return render(request, "funding/milestone_review.html", {"dossier": dossier, "milestone": milestone, "form": form})


@login_required
def milestone_evidence(request, pk: int, milestone_id: int):
    """The evidence the carrier attached to a milestone, for every party of the project."""
    dossier, _roles = funding_dossier(request, pk)
    milestone = get_object_or_404(Milestone, dossier=dossier, pk=milestone_id)
    if not milestone.evidence:
        raise Http404
    extension = milestone.evidence.name.rsplit(".", 1)[-1].lower()
    return document_served(
        request,
        file=milestone.evidence,
        target=dossier,
        document_id=milestone.pk,
        kind="milestone_evidence",
        name=milestone.evidence_name or f"justificatif.{extension}",
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )


@login_required
def payment_record(request, pk: int, tranche_id: int):
    dossier, roles = funding_dossier(request, pk)
    require(roles, FUND_OPERATOR)
    tranche = get_object_or_404(
        Tranche.objects.select_related("convention", "milestone"), convention__dossier=dossier, pk=tranche_id
    )
    tranche.paid = followup.paid_on_tranche(tranche)
    # The amount left to pay is what is usually paid: offered, written as it would be typed.
    form = forms.PaymentForm(request.POST or None, initial={"amount": tranche.amount - tranche.paid})
    if post_done(
        request,
        form,
        lambda data: followup.payment_record(
            actor=request.user, tranche=tranche, ip_address=client_ip(request), **data
        ),
        _("Paiement enregistré."),
    ):
        return redirect("funding:convention", dossier.pk)
    return render(
        request,
        "funding/payment_form.html",
        {
            "dossier": dossier,
            "tranche": tranche,
            "form": form,
            "remaining": tranche.amount - tranche.paid,
            "blocker": followup.release_blocker(tranche),
        },
    )


@login_required
def condition_lift(request, pk: int, condition_id: int):
    """Staff lift one condition of the decision, with what lifts it and, when there is one, the file."""
    dossier, roles = funding_dossier(request, pk)
    require(roles, STAFF)
    condition = get_object_or_404(DecisionCondition, decision__dossier=dossier, pk=condition_id)
    form = forms.ConditionLiftForm(request.POST or None, request.FILES or None)
    if post_done(
        request,
        form,
        lambda data: lift(
            actor=request.user,
            condition=condition,
            note=data["note"],
            evidence=data["evidence"],
            ip_address=client_ip(request),
        ),
        _("Condition « %(condition)s » levée.") % {"condition": condition.text},
    ):
        return redirect("funding:convention", dossier.pk)
    return render(request, "funding/condition_lift.html", {"dossier": dossier, "condition": condition, "form": form})
