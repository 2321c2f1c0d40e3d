"""Follow-up of a project in force: tranche schedule, milestones, payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications.models import Dossier
from applications.recipients import carrier_members, fund_operators, programme_staff
from applications.workflow import DossierState
from funding.models import Convention, FinalReport, Milestone, Payment, Tranche
from funding.permissions import APPLICANT, FUND_OPERATOR, STAFF, ensure_role
from funding.services.conventions import checked_upload, convention_link, queue_rerender
from funding.services.preparation import check_schedule_total
from juries.selectors import unlifted_conditions
from portal.errors import DomainError
from portal.services import audit_record, notify
from portal.services.files import stored_files_removed_on_failure
from portal.templatetags.portal_format import format_euros as money
from portal.uploads import MEGABYTE

EVIDENCE_MAX_BYTES = 20 * MEGABYTE


def _amount(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Montant illisible."), code="invalid_amount", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise DomainError(_("Le montant doit être positif."), code="invalid_amount", field=field)
    return amount


# --- Tranche schedule ---------------------------------------------------------------------


def tranche_schedule_set(
    *, actor, convention: Convention, tranches: list[dict], ip_address: str | None = None
) -> list[Tranche]:
    """Replace the schedule of a draft version; the tranches add up to the granted amount exactly.

    Each item: label, amount, condition and, for a milestone condition, a milestone of the
    dossier. The draft's PDF is rendered again with the new schedule. The convention's row is
    locked and a schedule equal to the current one writes nothing: a replayed or concurrent
    identical post leaves the tranches as the first one made them.
    """
    with transaction.atomic():
        convention = (
            Convention.objects.select_for_update(of=("self",))
            .select_related("dossier__theme__call")
            .get(pk=convention.pk)
        )
        ensure_role(convention.dossier, actor, STAFF)
        if convention.status != Convention.Status.DRAFT:
            raise DomainError(
                _("L'échéancier ne se modifie que sur une convention en brouillon : générez un avenant."),
                code="immutable",
            )
        cleaned = []
        milestone_ids = set(Milestone.objects.filter(convention=convention).values_list("pk", flat=True))
        for index, item in enumerate(tranches, start=1):
            label = (item.get("label") or "").strip()
            if not label:
                raise DomainError(
                    _("Tranche %(number)s : indiquez un libellé.") % {"number": index},
                    code="label_required",
                    field="tranches",
                )
            condition = item.get("condition")
            if condition not in Tranche.Condition.values:
                raise DomainError(
                    _("Tranche %(number)s : condition inconnue.") % {"number": index},
                    code="invalid_condition",
                    field="tranches",
                )
            milestone = item.get("milestone")
            if condition == Tranche.Condition.MILESTONE and (milestone is None or milestone.pk not in milestone_ids):
                raise DomainError(
                    _("Tranche %(number)s : choisissez un jalon du projet.") % {"number": index},
                    code="milestone_required",
                    field="tranches",
                )
            cleaned.append(
                {
                    "label": label,
                    "amount": _amount(item.get("amount"), "tranches"),
                    "condition": condition,
                    "milestone": milestone if condition == Tranche.Condition.MILESTONE else None,
                }
            )
        check_schedule_total(granted=convention.amount, parts=[(item["label"], item["amount"]) for item in cleaned])
        current = list(convention.tranches.all())
        if [_schedule_item(t) for t in current] == [_schedule_item(Tranche(**item)) for item in cleaned]:
            return current
        previous_by_order = {tranche.order: tranche.previous for tranche in current}
        convention.tranches.all().delete()
        created = [
            Tranche.objects.create(convention=convention, order=order, previous=previous_by_order.get(order), **item)
            for order, item in enumerate(cleaned, start=1)
        ]
        queue_rerender(convention)
        audit_record(
            actor=actor,
            action="convention.schedule",
            target=convention,
            ip_address=ip_address,
            data={"tranches": [{"label": t.label, "amount": str(t.amount), "condition": t.condition} for t in created]},
        )
    return created


def _schedule_item(tranche: Tranche) -> tuple:
    return (tranche.label, tranche.amount, tranche.condition, tranche.milestone_id)


# --- Milestones ---------------------------------------------------------------------------


def _locked_milestone(milestone: Milestone) -> Milestone:
    return (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("dossier__theme__call__programme", "convention")
        .get(pk=milestone.pk)
    )


def milestone_declare(
    *, actor, milestone: Milestone, note: str, evidence=None, ip_address: str | None = None
) -> Milestone:
    """The carrier declares a milestone reached, with a note and optional evidence; never twice."""
    if not (note or "").strip():
        raise DomainError(_("Décrivez ce qui a été réalisé."), code="note_required", field="note")
    upload = checked_upload(evidence, field="evidence", formats=[], max_bytes=EVIDENCE_MAX_BYTES)
    with transaction.atomic(), stored_files_removed_on_failure() as keep:
        milestone = _locked_milestone(milestone)
        ensure_role(milestone.dossier, actor, APPLICANT)
        if milestone.dossier.state == DossierState.CLOSED:
            raise DomainError(_("Le projet est clos : ses jalons ne se déclarent plus."), code="invalid_state")
        if milestone.dossier.state != DossierState.IN_PROGRESS:
            raise DomainError(in_force_text(milestone.convention, DECLARATION), code="invalid_state")
        if not milestone.is_current:
            raise DomainError(
                _("Ce jalon est celui d'un avenant qui n'est pas encore en vigueur : déclarez le jalon en cours."),
                code="invalid_state",
            )
        if milestone.status in (Milestone.Status.DECLARED, Milestone.Status.VALIDATED):
            raise DomainError(
                _("Le jalon « %(milestone)s » est déjà déclaré (%(status)s).")
                % {"milestone": milestone.label, "status": milestone.get_status_display().lower()},
                code="already_declared",
            )
        milestone.status = Milestone.Status.DECLARED
        milestone.declared_at = timezone.now()
        milestone.declared_by = actor
        milestone.evidence_note = note.strip()
        milestone.refusal_reason = ""
        if upload is not None:
            milestone.evidence.save(f"preuve.{upload.extension}", evidence, save=False)
            keep(milestone.evidence)
            milestone.evidence_name = upload.safe_name
        milestone.save()
        audit_record(
            actor=actor,
            action="milestone.declare",
            target=milestone,
            ip_address=ip_address,
            data={"label": milestone.label, "evidence": upload.sha256 if upload else ""},
        )
        notify(
            "funding_milestone_declared",
            actor=actor,
            recipients=programme_staff(milestone.dossier),
            context={"milestone": milestone, "dossier": milestone.dossier},
            link=convention_link(milestone.dossier),
        )
    return milestone


def milestone_review(
    *, actor, milestone: Milestone, accept: bool, reason: str = "", ip_address: str | None = None
) -> Milestone:
    """Staff validate a declared milestone (its tranche may then be paid) or refuse it with reasons."""
    if not accept and not reason.strip():
        raise DomainError(_("Indiquez le motif du refus."), code="reason_required", field="reason")
    with transaction.atomic():
        milestone = _locked_milestone(milestone)
        ensure_role(milestone.dossier, actor, STAFF)
        if milestone.status != Milestone.Status.DECLARED:
            raise DomainError(_("Seul un jalon déclaré peut être validé ou refusé."), code="invalid_state")
        milestone.status = Milestone.Status.VALIDATED if accept else Milestone.Status.REFUSED
        milestone.reviewed_at = timezone.now()
        milestone.reviewed_by = actor
        milestone.refusal_reason = "" if accept else reason.strip()
        milestone.save(update_fields=["status", "reviewed_at", "reviewed_by", "refusal_reason"])
        audit_record(
            actor=actor,
            action="milestone.validate" if accept else "milestone.refuse",
            target=milestone,
            ip_address=ip_address,
            data={"reason": milestone.refusal_reason},
        )
        recipients = list(carrier_members(milestone.dossier))
        if accept:
            recipients += list(fund_operators(milestone.dossier))
        notify(
            "funding_milestone_reviewed",
            actor=actor,
            recipients=recipients,
            context={"milestone": milestone, "dossier": milestone.dossier},
            link=convention_link(milestone.dossier),
        )
    return milestone


# --- Payments -----------------------------------------------------------------------------


def paid_on_tranche(tranche: Tranche) -> Decimal:
    """Payments on this tranche and on the same tranche of earlier versions (amendments)."""
    total = Decimal("0")
    seen = set()
    while tranche is not None and tranche.pk not in seen:
        seen.add(tranche.pk)
        total += tranche.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        tranche = tranche.previous
    return total


def previous_phases(dossier: Dossier):
    """Earlier phases of the same project (SNAP3/SNAP4): same project key and theme, lower phase order."""
    if not dossier.project_key or dossier.phase_id is None:
        return Dossier.objects.none()
    return Dossier.objects.filter(
        project_key=dossier.project_key,
        theme_id=dossier.theme_id,
        phase__order__lt=dossier.phase.order,
    ).exclude(pk=dossier.pk)


PAYMENT = "payment"
DECLARATION = "declaration"


def in_force_text(convention: Convention | None, action: str = PAYMENT) -> str:
    """From when a version not yet in force allows the payment (or the milestones' declaration), in French."""
    what = _("le versement") if action == PAYMENT else _("la déclaration des jalons")
    if convention is None:
        return _("La convention n'est pas encore préparée.")
    if convention.status == Convention.Status.SUPERSEDED:
        return _("Cette version de la convention a été remplacée.")
    if convention.status == Convention.Status.SIGNED_BY_OPERATOR and convention.in_force_on:
        return _("La convention entre en vigueur le %(date)s : %(what)s sera possible à partir de cette date.") % {
            "date": convention.in_force_on.strftime("%d/%m/%Y"),
            "what": what,
        }
    if convention.in_force_on and convention.in_force_on > timezone.localdate():
        return _(
            "La convention n'est pas encore en vigueur : %(what)s sera possible à partir du %(date)s, date "
            "d'entrée en vigueur fixée, une fois la convention signée par le porteur et contresignée par l'opérateur."
        ) % {"date": convention.in_force_on.strftime("%d/%m/%Y"), "what": what}
    return _(
        "La convention n'est pas encore en vigueur (%(status)s) : %(what)s sera possible dès sa contresignature "
        "par l'opérateur, après la signature du porteur."
    ) % {"status": convention.get_status_display().lower(), "what": what}


def release_blocker(tranche: Tranche) -> str | None:
    """Why the tranche cannot be paid yet, in French (and from when, when that is known); None when it can."""
    convention = tranche.convention
    if convention.status != Convention.Status.IN_FORCE:
        return in_force_text(convention)
    conditions = unlifted_conditions(convention.dossier)
    if conditions:
        return ngettext(
            "La décision est prise sous une condition qui n'est pas levée : %(conditions)s.",
            "La décision est prise sous des conditions qui ne sont pas toutes levées : %(conditions)s.",
            len(conditions),
        ) % {"conditions": " ; ".join(f"« {condition.text} »" for condition in conditions)}
    pending = Milestone.objects.filter(dossier__in=previous_phases(convention.dossier), is_current=True).exclude(
        status=Milestone.Status.VALIDATED
    )
    if pending.exists():
        return _("Le jalon de fin de la phase précédente n'est pas validé.")
    if tranche.condition == Tranche.Condition.MILESTONE:
        milestone = tranche.milestone
        if milestone.status == Milestone.Status.REFUSED:
            return _("Le jalon « %(milestone)s » a été refusé.") % {"milestone": milestone.label}
        if milestone.status != Milestone.Status.VALIDATED:
            return _("Le jalon « %(milestone)s » n'est pas encore validé.") % {"milestone": milestone.label}
    if tranche.condition == Tranche.Condition.FINAL_REPORT:
        report = FinalReport.objects.filter(dossier_id=convention.dossier_id).first()
        if report is None or report.validated_at is None:
            return _("Le rapport final n'est pas encore validé.")
    return None


def payment_record(
    *,
    actor,
    tranche: Tranche,
    paid_on: date,
    amount,
    reference: str,
    idempotency_key=None,
    ip_address: str | None = None,
) -> Payment:
    """The fund operator records a payment of a released tranche, never above what remains of it.

    Written once: the project's row is locked, so payments of one project follow one another; the
    finance system's `reference` serves once per project (every version of its convention), and
    the same `idempotency_key` returns the payment it recorded instead of a second one (database
    constraints hold both should two writers ever slip past the lock).
    """
    amount = _amount(amount, "amount")
    if amount <= 0:
        raise DomainError(_("Le montant doit être positif."), code="invalid_amount", field="amount")
    reference = " ".join((reference or "").split())
    if not reference:
        raise DomainError(_("Indiquez la référence du paiement."), code="reference_required", field="reference")
    if paid_on > timezone.localdate():
        raise DomainError(_("La date du paiement ne peut pas être dans le futur."), code="future_date", field="paid_on")
    with transaction.atomic():
        dossier_id = Tranche.objects.values_list("convention__dossier_id", flat=True).get(pk=tranche.pk)
        Dossier.objects.select_for_update(of=("self",)).get(pk=dossier_id)
        tranche = (
            Tranche.objects.select_for_update(of=("self",))
            .select_related(
                "convention__dossier__theme__call__programme",
                "convention__dossier__phase",
                "milestone",
            )
            .get(pk=tranche.pk)
        )
        dossier = tranche.convention.dossier
        ensure_role(dossier, actor, FUND_OPERATOR)
        replayed = _payment_replayed(idempotency_key, tranche, amount, reference)
        if replayed is not None:
            return replayed
        _ensure_reference_free(dossier, reference)
        blocker = release_blocker(tranche)
        if blocker:
            raise DomainError(_("Tranche non libérable : %(reason)s") % {"reason": blocker}, code="not_released")
        remaining = tranche.amount - paid_on_tranche(tranche)
        if amount > remaining:
            raise DomainError(
                _("Le paiement (%(amount)s) dépasse le reste à verser sur la tranche (%(remaining)s).")
                % {"amount": money(amount), "remaining": money(remaining)},
                code="above_tranche",
                field="amount",
            )
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    tranche=tranche,
                    dossier=dossier,
                    paid_on=paid_on,
                    amount=amount,
                    reference=reference,
                    idempotency_key=idempotency_key,
                    recorded_by=actor,
                )
        except IntegrityError:
            # The project's lock makes this unreachable but for a key forged onto another project.
            replayed = _payment_replayed(idempotency_key, tranche, amount, reference)
            if replayed is not None:
                return replayed
            _ensure_reference_free(dossier, reference)
            raise
        audit_record(
            actor=actor,
            action="payment.record",
            target=tranche,
            ip_address=ip_address,
            data={"amount": str(amount), "reference": payment.reference, "paid_on": paid_on.isoformat()},
        )
        notify(
            "funding_payment_recorded",
            actor=actor,
            recipients=carrier_members(dossier),
            context={"payment": payment, "tranche": tranche, "dossier": dossier},
            link=convention_link(dossier),
        )
    return payment


def _payment_replayed(idempotency_key, tranche: Tranche, amount: Decimal, reference: str) -> Payment | None:
    """The payment a first post of this form recorded, if any; the same key with other values is refused."""
    if idempotency_key is None:
        return None
    payment = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if payment is None:
        return None
    if (payment.tranche_id, payment.amount, payment.reference) != (tranche.pk, amount, reference):
        raise DomainError(
            _("Ce formulaire a déjà servi à enregistrer un autre paiement : rechargez la page."), code="key_reused"
        )
    return payment


def _ensure_reference_free(dossier: Dossier, reference: str) -> None:
    existing = Payment.objects.filter(dossier=dossier, reference=reference).first()
    if existing is not None:
        raise DomainError(
            _(
                "La référence « %(reference)s » est déjà enregistrée pour ce projet (paiement de %(amount)s "
                "du %(date)s) : un paiement ne s'enregistre qu'une fois."
            )
            % {"reference": reference, "amount": money(existing.amount), "date": f"{existing.paid_on:%d/%m/%Y}"},
            code="duplicate_reference",
            field="reference",
        )
