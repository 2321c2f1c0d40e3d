"""Conventions: templates, generation (a new version each time), rendering and signatures."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.evaluation import dossier_evaluation
from applications.models import Dossier
from applications.recipients import carrier_members, fund_operators
from applications.services.workflow import dossier_transition
from applications.workflow import DossierState
from funding.documents import convention_document_context
from funding.models import Convention, ConventionTemplate, Milestone, Tranche
from funding.permissions import APPLICANT, FUND_OPERATOR, STAFF, ensure_role
from funding.placeholders import validate_placeholders
from funding.services.milestones import milestones_carry, milestones_prefill, milestones_take_effect
from portal.errors import DomainError
from portal.pdf import render_pdf
from portal.selectors import user_roles
from portal.services import audit_record, notify, task_enqueue_on_commit
from portal.services.files import document_store, stored_files_removed_on_failure
from portal.uploads import MEGABYTE, validate_upload

SIGNED_PDF_MAX_BYTES = 20 * MEGABYTE

# Default schedule when the phase has milestones: an advance at signature, the middle
# split over the milestones, a balance on the final report.
ADVANCE_SHARE = Decimal("0.30")
BALANCE_SHARE = Decimal("0.20")

# Versions that may be replaced by a new generation (nobody has signed them yet).
REPLACEABLE = (Convention.Status.DRAFT, Convention.Status.SENT)
SIGNING = (Convention.Status.SIGNED_BY_CARRIER, Convention.Status.SIGNED_BY_OPERATOR)


def convention_link(dossier: Dossier) -> str:
    return reverse("funding:convention", args=[dossier.pk])


# --- Templates ----------------------------------------------------------------------------


@transaction.atomic
def convention_template_create(
    *,
    actor,
    programme,
    body: str,
    title: str = gettext_lazy("Convention de financement"),
) -> ConventionTemplate:
    """Save the next version of a programme's convention text; an unknown placeholder is refused by name."""
    if actor is not None and not user_roles(actor).is_staff_of(programme.pk):
        raise DomainError(_("Seule l'équipe du programme peut modifier le modèle de convention."), code="forbidden")
    validate_placeholders(body)
    if not (title or "").strip():
        raise DomainError(_("Indiquez le titre de la convention."), code="title_required", field="title")
    version = (ConventionTemplate.objects.filter(programme=programme).aggregate(last=Max("version"))["last"] or 0) + 1
    template = ConventionTemplate.objects.create(
        programme=programme, version=version, title=title.strip(), body=body, created_by=actor
    )
    audit_record(actor=actor, action="convention_template.create", target=template, data={"version": version})
    return template


def current_template(programme) -> ConventionTemplate | None:
    return ConventionTemplate.objects.filter(programme=programme).order_by("-version").first()


# --- Generation ---------------------------------------------------------------------------


def granted_amount_of(dossier: Dossier) -> Decimal:
    """The decided amount; failing that, what the rules engine grants on the budget."""
    if dossier.granted_amount is not None:
        return dossier.granted_amount
    evaluation = dossier_evaluation(dossier)
    if evaluation is None or not evaluation.granted_amount:
        raise DomainError(_("Le montant accordé n'est pas fixé : enregistrez d'abord la décision."), code="no_amount")
    return evaluation.granted_amount


def _split(total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` amounts to the cent, the rounding remainder on the last one."""
    share = (total / parts).quantize(Decimal("0.01"))
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def default_schedule(dossier: Dossier, amount: Decimal, milestones: list[Milestone]) -> list[dict]:
    """Tranches from the dossier's milestones: advance, one tranche per milestone, balance."""
    if not milestones:
        advance = (amount / 2).quantize(Decimal("0.01"))
        return [
            {"label": _("Avance à la signature"), "amount": advance, "condition": Tranche.Condition.SIGNATURE},
            {
                "label": _("Solde sur rapport final"),
                "amount": amount - advance,
                "condition": Tranche.Condition.FINAL_REPORT,
            },
        ]
    advance = (amount * ADVANCE_SHARE).quantize(Decimal("0.01"))
    balance = (amount * BALANCE_SHARE).quantize(Decimal("0.01"))
    middle = _split(amount - advance - balance, len(milestones))
    return [
        {"label": _("Avance à la signature"), "amount": advance, "condition": Tranche.Condition.SIGNATURE},
        *[
            {
                "label": _("Tranche sur jalon : %(milestone)s") % {"milestone": milestone.label},
                "amount": share,
                "condition": Tranche.Condition.MILESTONE,
                "milestone": milestone,
            }
            for milestone, share in zip(milestones, middle, strict=True)
        ],
        {"label": _("Solde sur rapport final"), "amount": balance, "condition": Tranche.Condition.FINAL_REPORT},
    ]


def convention_generate(*, actor, dossier: Dossier, idempotency_key=None, ip_address: str | None = None) -> Convention:
    """Create the next version of the dossier's convention and queue its PDF.

    A selected dossier moves to "convention"; an unsigned version is superseded; once a
    version is in force the new one is an amendment (avenant) linked to it. Refused while a
    version is being signed. The PDF is rendered by `funding.tasks.convention_render`.
    The dossier's row is locked, and the same `idempotency_key` returns the version it created
    instead of generating another (a double click, a replayed post).
    """
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("theme__call__programme", "phase")
            .get(pk=dossier.pk)
        )
        ensure_role(dossier, actor, STAFF)
        if idempotency_key is not None:
            generated = Convention.objects.filter(idempotency_key=idempotency_key).first()
            if generated is not None and generated.dossier_id != dossier.pk:
                raise DomainError(
                    _("Ce formulaire a déjà servi pour un autre projet : rechargez la page."), code="key_reused"
                )
            if generated is not None:
                return generated
        if dossier.state not in (DossierState.SELECTED, DossierState.CONVENTION, DossierState.IN_PROGRESS):
            raise DomainError(
                _("Une convention ne peut être préparée que pour un dossier retenu (dossier « %(state)s »).")
                % {"state": dossier.get_state_display()},
                code="invalid_state",
            )
        latest = dossier.conventions.order_by("-version").first()
        if latest is not None and latest.status in SIGNING:
            raise DomainError(
                _("La signature de la version en cours n'est pas terminée : attendez-la avant d'en générer une autre."),
                code="signing",
            )
        amount = granted_amount_of(dossier)
        if dossier.state == DossierState.SELECTED:
            dossier = dossier_transition(dossier=dossier, name="start_convention", actor=actor, ip_address=ip_address)
        in_force = dossier.conventions.filter(status=Convention.Status.IN_FORCE).first()
        try:
            with transaction.atomic():
                convention = Convention.objects.create(
                    dossier=dossier,
                    version=(latest.version + 1) if latest else 1,
                    previous=in_force,
                    template=current_template(dossier.theme.call.programme),
                    amount=amount,
                    **_dates_carried(dossier, latest, in_force),
                    created_by=actor,
                    idempotency_key=idempotency_key,
                )
        except IntegrityError as error:
            raise DomainError(
                _("Une autre version vient d'être générée : rechargez la page."), code="conflict"
            ) from error
        if latest is not None and latest.status in REPLACEABLE:
            latest.status = Convention.Status.SUPERSEDED
            latest.save(update_fields=["status"])
        if latest is None:
            copies = {}
            milestones = milestones_prefill(dossier, convention)
        else:
            copies = milestones_carry(source=latest, target=convention, live=in_force is None)
            milestones = list(copies.values())
        if latest is not None and latest.amount == amount:
            _copy_tranches(latest, convention, copies)
        else:
            # A new amount gets a new default schedule; tranches of the version in force keep their payments.
            paid_by_order = {tranche.order: tranche for tranche in in_force.tranches.all()} if in_force else {}
            for order, item in enumerate(default_schedule(dossier, amount, milestones), start=1):
                Tranche.objects.create(convention=convention, order=order, previous=paid_by_order.get(order), **item)
        audit_record(
            actor=actor,
            action="convention.generate",
            target=convention,
            ip_address=ip_address,
            data={"version": convention.version, "amount": str(amount), "amendment": convention.is_amendment},
        )
        queue_render(convention.pk)
    return convention


def _dates_carried(dossier: Dossier, latest: Convention | None, in_force: Convention | None) -> dict:
    """The dates of a new version: those staff prepared on the version it replaces; an amendment keeps
    the project's start and enters into force at its own countersignature. The dossier's planned start
    is never taken as the project's start: staff set it, or the project starts at entry into force."""
    if in_force is not None:
        return {"start_on": in_force.project_start, "duration_months": in_force.duration_months, "in_force_on": None}
    if latest is not None:
        return {
            "start_on": latest.start_on,
            "duration_months": latest.duration_months,
            "in_force_on": latest.in_force_on,
        }
    return {"start_on": None, "duration_months": dossier.duration_months, "in_force_on": None}


def _copy_tranches(source: Convention, target: Convention, milestones: dict[int, Milestone]) -> None:
    """The schedule carries over to the next version, each milestone tranche on the milestone's copy;
    an in-force tranche's payments keep counting."""
    for tranche in source.tranches.all():
        copy = milestones.get(tranche.milestone_id)
        Tranche.objects.create(
            convention=target,
            order=tranche.order,
            label=tranche.label,
            amount=tranche.amount,
            condition=tranche.condition,
            milestone_id=copy.pk if copy is not None else tranche.milestone_id,
            previous=tranche if source.status == Convention.Status.IN_FORCE else tranche.previous,
        )


def queue_render(convention_id: int) -> None:
    """Render the version's PDF after commit; with the broker down, conventions_render_pending does it later."""
    task_enqueue_on_commit("funding.tasks.convention_render", convention_id=convention_id)


def queue_rerender(convention: Convention) -> None:
    """Forget a draft's PDF, whose text has just changed, and render it again after commit."""
    convention.pdf = ""
    convention.sha256 = ""
    convention.save(update_fields=["pdf", "sha256"])
    queue_render(convention.pk)


def convention_render(*, convention_id: int) -> Convention:
    """Render and store the PDF of a version once; a retried task finds it done and stops."""
    with transaction.atomic():
        convention = Convention.objects.select_for_update(of=("self",)).select_related("dossier").get(pk=convention_id)
        if convention.pdf or convention.status == Convention.Status.SUPERSEDED:
            return convention
        pdf = render_pdf("funding/pdf/convention.html", convention_document_context(convention))
        convention.sha256 = hashlib.sha256(pdf).hexdigest()
        convention.rendered_at = timezone.now()
        # One name per version, written under the row's lock: a failed attempt's file is overwritten, never orphaned.
        document_store(convention, "pdf", f"funding/convention/version-{convention.pk}.pdf", pdf)
        convention.save(update_fields=["pdf", "sha256", "rendered_at"])
    return convention


def conventions_render_pending() -> int:
    """Render every version still waiting for its PDF (the broker may have lost the task)."""
    pending = (
        Convention.objects.filter(pdf="").exclude(status=Convention.Status.SUPERSEDED).values_list("pk", flat=True)
    )
    count = 0
    for convention_id in list(pending):
        convention_render(convention_id=convention_id)
        count += 1
    return count


def checked_upload(uploaded_file, *, field: str, formats: list[str], max_bytes: int):
    """`validate_upload`, with its error attached to the form field; None without a file."""
    if not uploaded_file:
        return None
    try:
        return validate_upload(uploaded_file=uploaded_file, allowed_formats=formats, max_bytes=max_bytes)
    except DomainError as error:
        error.field = field
        raise


# --- Signature workflow -------------------------------------------------------------------


def _locked(convention: Convention) -> Convention:
    return (
        Convention.objects.select_for_update(of=("self",))
        .select_related("dossier__theme__call__programme", "dossier__organisation")
        .get(pk=convention.pk)
    )


def _expect(convention: Convention, status: str, action: str) -> None:
    if convention.status != status:
        raise DomainError(
            _("Action « %(action)s » impossible : la convention est « %(status)s ».")
            % {"action": action, "status": convention.get_status_display()},
            code="invalid_state",
        )


def convention_send(*, actor, convention: Convention, ip_address: str | None = None) -> Convention:
    """Send a rendered draft to the carrier for signature."""
    with transaction.atomic():
        convention = _locked(convention)
        ensure_role(convention.dossier, actor, STAFF)
        _expect(convention, Convention.Status.DRAFT, _("envoyer au porteur"))
        if not convention.pdf:
            raise DomainError(
                _("Le PDF de la convention est en cours de génération : réessayez dans un instant."),
                code="not_rendered",
            )
        convention.status = Convention.Status.SENT
        convention.sent_at = timezone.now()
        convention.sent_by = actor
        convention.save(update_fields=["status", "sent_at", "sent_by"])
        audit_record(
            actor=actor,
            action="convention.send",
            target=convention,
            ip_address=ip_address,
            data={"version": convention.version, "sha256": convention.sha256},
        )
        notify(
            "funding_convention_sent",
            actor=actor,
            recipients=carrier_members(convention.dossier),
            context={"convention": convention, "dossier": convention.dossier},
            link=convention_link(convention.dossier),
        )
    return convention


def convention_sign_carrier(
    *, actor, convention: Convention, signed_file=None, approve: bool = False, ip_address: str | None = None
) -> Convention:
    """The carrier signs: either uploads the signed PDF (checked by content) or clicks "approve"."""
    if signed_file is None and not approve:
        raise DomainError(
            _("Déposez la convention signée (PDF) ou approuvez-la en ligne."),
            code="signature_missing",
            field="signed_file",
        )
    upload = checked_upload(signed_file, field="signed_file", formats=["pdf"], max_bytes=SIGNED_PDF_MAX_BYTES)
    with transaction.atomic(), stored_files_removed_on_failure() as keep:
        convention = _locked(convention)
        ensure_role(convention.dossier, actor, APPLICANT)
        _expect(convention, Convention.Status.SENT, _("signer"))
        convention.status = Convention.Status.SIGNED_BY_CARRIER
        convention.carrier_signed_at = timezone.now()
        convention.carrier_signed_by = actor
        if upload is not None:
            convention.carrier_signature = Convention.CarrierSignature.UPLOAD
            convention.signed_sha256 = upload.sha256
            convention.signed_file.save(f"signee.{upload.extension}", signed_file, save=False)
            keep(convention.signed_file)
        else:
            convention.carrier_signature = Convention.CarrierSignature.APPROVAL
        convention.save()
        audit_record(
            actor=actor,
            action="convention.sign_carrier",
            target=convention,
            ip_address=ip_address,
            data={
                "version": convention.version,
                "kind": convention.carrier_signature,
                "sha256": convention.sha256,
                "signed_sha256": convention.signed_sha256,
            },
        )
        notify(
            "funding_convention_signed",
            actor=actor,
            recipients=fund_operators(convention.dossier),
            context={"convention": convention, "dossier": convention.dossier},
            link=convention_link(convention.dossier),
        )
    return convention


def convention_sign_operator(*, actor, convention: Convention, ip_address: str | None = None) -> Convention:
    """The fund operator countersigns; the convention enters into force at once, unless staff set a later
    date of entry into force when preparing it (the daily task brings it into force that day)."""
    with transaction.atomic():
        convention = _locked(convention)
        ensure_role(convention.dossier, actor, FUND_OPERATOR)
        _expect(convention, Convention.Status.SIGNED_BY_CARRIER, _("contresigner"))
        convention.status = Convention.Status.SIGNED_BY_OPERATOR
        convention.operator_signed_at = timezone.now()
        convention.operator_signed_by = actor
        convention.save(update_fields=["status", "operator_signed_at", "operator_signed_by"])
        audit_record(
            actor=actor,
            action="convention.sign_operator",
            target=convention,
            ip_address=ip_address,
            data={"version": convention.version},
        )
        if convention.in_force_on is None or convention.in_force_on <= timezone.localdate():
            convention = _enter_into_force(convention, actor=actor, ip_address=ip_address)
    return convention


def _enter_into_force(convention: Convention, *, actor, ip_address: str | None = None) -> Convention:
    convention.status = Convention.Status.IN_FORCE
    convention.in_force_at = timezone.now()
    convention.save(update_fields=["status", "in_force_at"])
    if convention.previous_id:
        Convention.objects.filter(pk=convention.previous_id).update(status=Convention.Status.SUPERSEDED)
    milestones_take_effect(convention)
    dossier = convention.dossier
    if dossier.state == DossierState.CONVENTION:
        dossier_transition(dossier=dossier, name="start_project", actor=actor, ip_address=ip_address)
    audit_record(
        actor=actor,
        action="convention.in_force",
        target=convention,
        ip_address=ip_address,
        data={"version": convention.version},
    )
    notify(
        "funding_convention_in_force",
        actor=actor,
        recipients=carrier_members(dossier),
        context={"convention": convention, "dossier": dossier},
        link=convention_link(dossier),
    )
    return convention


def conventions_enter_into_force(*, today=None) -> int:
    """Bring countersigned conventions into force on the date staff set (daily task); idempotent."""
    today = today or timezone.localdate()
    count = 0
    due = Convention.objects.filter(
        Q(in_force_on__lte=today) | Q(in_force_on__isnull=True), status=Convention.Status.SIGNED_BY_OPERATOR
    ).values_list("pk", flat=True)
    for convention_id in list(due):
        with transaction.atomic():
            convention = _locked(Convention(pk=convention_id))
            if convention.status == Convention.Status.SIGNED_BY_OPERATOR:
                _enter_into_force(convention, actor=None)
                count += 1
    return count
