"""Indicator reports, the final report and the closure of a project."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from applications.models import Dossier
from applications.recipients import programme_staff
from applications.services.workflow import dossier_transition
from applications.workflow import DossierState
from funding.models import Closure, FinalReport, IndicatorReport, Payment
from funding.periods import due_date, indicator_items, period_containing, reporting_frequency
from funding.permissions import APPLICANT, STAFF, ensure_role
from funding.services.conventions import convention_link
from funding.services.followup import _amount
from portal.errors import DomainError
from portal.services import audit_record, notify


def indicators_of(theme) -> list[dict]:
    """The theme's indicators with a stable key for forms: [{key, label, frequency}]."""
    return [
        {
            "key": slugify(item["label"])[:50] or f"indicateur-{index}",
            "label": item["label"],
            "frequency": item.get("frequency", ""),
        }
        for index, item in enumerate(indicator_items(theme), start=1)
    ]


def _locked_dossier(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update(of=("self",)).select_related("theme__call__programme").get(pk=dossier.pk)


def indicator_report_submit(
    *, actor, dossier: Dossier, period_day: date, values: dict, comment: str = "", ip_address: str | None = None
) -> IndicatorReport:
    """File the report of the period containing `period_day`; one per period, never for a future one.

    A report filed after its due date is kept and flagged late.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        dossier = _locked_dossier(dossier)
        ensure_role(dossier, actor, APPLICANT)
        if dossier.state != DossierState.IN_PROGRESS:
            raise DomainError(_("Les rapports se transmettent pendant la réalisation du projet."), code="invalid_state")
        frequency = reporting_frequency(dossier.theme)
        indicators = indicators_of(dossier.theme)
        if not indicators:
            raise DomainError(_("Ce thème ne prévoit pas d'indicateurs de suivi."), code="no_indicators")
        period_start, period_end = period_containing(period_day, frequency)
        if period_start > today:
            raise DomainError(
                _(
                    "La période du %(date)s n'a pas commencé : un rapport ne porte que sur une période passée ou en cours."
                )
                % {"date": period_start.strftime("%d/%m/%Y")},
                code="future_period",
                field="period",
            )
        cleaned = {}
        for indicator in indicators:
            value = str(values.get(indicator["key"], "")).strip()
            if not value:
                raise DomainError(
                    _("Renseignez l'indicateur « %(indicator)s ».") % {"indicator": indicator["label"]},
                    code="value_required",
                    field=indicator["key"],
                )
            cleaned[indicator["label"]] = value
        due_on = due_date(period_end)
        try:
            with transaction.atomic():
                report = IndicatorReport.objects.create(
                    dossier=dossier,
                    period_start=period_start,
                    period_end=period_end,
                    due_on=due_on,
                    values=cleaned,
                    comment=comment.strip(),
                    submitted_at=now,
                    submitted_by=actor,
                    is_late=today > due_on,
                )
        except IntegrityError as error:
            raise DomainError(
                _("Le rapport de la période du %(date)s a déjà été transmis.")
                % {"date": period_start.strftime("%d/%m/%Y")},
                code="already_submitted",
                field="period",
            ) from error
        audit_record(
            actor=actor,
            action="indicator_report.submit",
            target=dossier,
            ip_address=ip_address,
            data={"period": period_start.isoformat(), "late": report.is_late},
        )
        notify(
            "funding_report_submitted",
            actor=actor,
            recipients=programme_staff(dossier),
            context={"report": report, "dossier": dossier},
            link=convention_link(dossier),
        )
    return report


def final_report_submit(
    *, actor, dossier: Dossier, summary: str, spent_amount, ip_address: str | None = None
) -> FinalReport:
    """The carrier files the final report once (spent amount and a written assessment)."""
    if not (summary or "").strip():
        raise DomainError(_("Rédigez le bilan du projet."), code="summary_required", field="summary")
    spent = _amount(spent_amount, "spent_amount")
    with transaction.atomic():
        dossier = _locked_dossier(dossier)
        ensure_role(dossier, actor, APPLICANT)
        if dossier.state != DossierState.IN_PROGRESS:
            raise DomainError(_("Le rapport final se transmet pendant la réalisation du projet."), code="invalid_state")
        if FinalReport.objects.filter(dossier=dossier).exists():
            raise DomainError(_("Le rapport final a déjà été transmis."), code="already_submitted")
        report = FinalReport.objects.create(
            dossier=dossier,
            summary=summary.strip(),
            spent_amount=spent,
            submitted_at=timezone.now(),
            submitted_by=actor,
        )
        audit_record(
            actor=actor,
            action="final_report.submit",
            target=dossier,
            ip_address=ip_address,
            data={"spent_amount": str(spent)},
        )
        notify(
            "funding_report_submitted",
            actor=actor,
            recipients=programme_staff(dossier),
            context={"report": report, "dossier": dossier, "final": True},
            link=convention_link(dossier),
        )
    return report


def final_report_validate(*, actor, dossier: Dossier, ip_address: str | None = None) -> FinalReport:
    with transaction.atomic():
        dossier = _locked_dossier(dossier)
        ensure_role(dossier, actor, STAFF)
        report = FinalReport.objects.select_for_update().filter(dossier=dossier).first()
        if report is None:
            raise DomainError(_("Le rapport final n'a pas été transmis."), code="missing")
        if report.validated_at is not None:
            raise DomainError(_("Le rapport final est déjà validé."), code="already_validated")
        report.validated_at = timezone.now()
        report.validated_by = actor
        report.save(update_fields=["validated_at", "validated_by"])
        audit_record(actor=actor, action="final_report.validate", target=dossier, ip_address=ip_address)
    return report


def paid_total(dossier: Dossier) -> Decimal:
    return Payment.objects.filter(tranche__convention__dossier=dossier).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal("0")


def project_close(*, actor, dossier: Dossier, ip_address: str | None = None) -> Closure:
    """Close a project whose final report is validated, recording what stays unspent of the grant."""
    with transaction.atomic():
        dossier = _locked_dossier(dossier)
        ensure_role(dossier, actor, STAFF)
        report = FinalReport.objects.filter(dossier=dossier).first()
        if report is None or report.validated_at is None:
            raise DomainError(_("Le projet se clôt après validation du rapport final."), code="final_report_missing")
        convention = dossier.conventions.filter(status="in_force").first()
        granted = convention.amount if convention else (dossier.granted_amount or Decimal("0"))
        paid = paid_total(dossier)
        closure = Closure.objects.create(
            dossier=dossier,
            granted_amount=granted,
            paid_amount=paid,
            unspent_amount=granted - paid,
            closed_at=timezone.now(),
            closed_by=actor,
        )
        dossier_transition(dossier=dossier, name="close", actor=actor, ip_address=ip_address)
        audit_record(
            actor=actor,
            action="project.close",
            target=dossier,
            ip_address=ip_address,
            data={"granted": str(granted), "paid": str(paid), "unspent": str(granted - paid)},
        )
    return closure
