"""Derogations: a rate above the theme's normal one, decided on one dossier by the body its rule
names and recorded by programme staff; the engine then applies it to that dossier (within the
caps). Recorded before the decision on the dossier, since the decision's amount relies on it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.evaluation import derogation_of, dossier_rule_version
from applications.models import Derogation, Dossier
from applications.services.evaluations import evaluation_store
from applications.services.workflow import ensure_staff_sees
from applications.workflow import DossierState
from calls.rules import format_percent
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record

S = DossierState
# Submitted and not yet decided: the decision's maximum amount takes the derogation into account.
DEROGATION_STATES = (S.SUBMITTED, S.COMPLEMENT_REQUESTED, S.COMPLETE, S.ELIGIBLE, S.UNDER_EVALUATION, S.DELIBERATED)


def _locked_for_staff(*, actor, dossier: Dossier) -> Dossier:
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("theme__call", "session", "organisation", "rule_version")
        .get(pk=dossier.pk)
    )
    if actor is None or not user_roles(actor).is_staff_of(locked.theme.call.programme_id):
        raise DomainError(_("Seule l'équipe du programme enregistre une dérogation."), code="forbidden")
    ensure_staff_sees(actor, locked)
    if locked.state not in DEROGATION_STATES:
        raise DomainError(
            _("Une dérogation s'enregistre entre le dépôt et la décision ; ce dossier est « %(state)s ».")
            % {"state": locked.get_state_display()},
            code="invalid_state",
        )
    return locked


def derogation_record(
    *,
    actor,
    dossier: Dossier,
    rate_percent: Decimal,
    deciding_body: str,
    decided_on: datetime.date,
    reason: str,
) -> Derogation:
    """Record (or correct) the derogation decided on `dossier`, checked against the rule version it
    is judged on: the rule must allow one, and the rate must exceed the normal rate without passing
    the rule's ceiling. Audited with the previous values."""
    with transaction.atomic():
        locked = _locked_for_staff(actor=actor, dossier=dossier)
        version = dossier_rule_version(locked)
        rule = version.rule if version is not None else None
        if rule is None or not rule.derogation_allowed:
            raise DomainError(
                _("La règle de ce thème ne prévoit pas de dérogation au taux de cofinancement."),
                code="derogation_not_allowed",
            )
        if rate_percent <= rule.rate_percent:
            raise DomainError(
                _("Le taux dérogatoire doit dépasser le taux normal de %(rate)s.")
                % {"rate": format_percent(rule.rate_percent)},
                code="derogation_rate",
                field="rate_percent",
            )
        if rate_percent > rule.derogation_ceiling():
            raise DomainError(
                _("Le taux dérogatoire ne peut pas dépasser %(ceiling)s (règle, version %(number)s).")
                % {"ceiling": format_percent(rule.derogation_ceiling()), "number": version.number},
                code="derogation_rate",
                field="rate_percent",
            )
        if decided_on > timezone.localdate():
            raise DomainError(
                _("La date de la décision ne peut pas être dans le futur."), code="derogation_date", field="decided_on"
            )
        if not deciding_body.strip():
            raise DomainError(
                _("Indiquez l'instance qui a décidé la dérogation."), code="required", field="deciding_body"
            )
        if not reason.strip():
            raise DomainError(_("Indiquez le motif de la dérogation."), code="required", field="reason")
        previous = derogation_of(locked)
        before = _described(previous) if previous is not None else {}
        derogation, _created = Derogation.objects.update_or_create(
            dossier=locked,
            defaults={
                "rate_percent": rate_percent,
                "deciding_body": deciding_body.strip(),
                "decided_on": decided_on,
                "reason": reason.strip(),
                "recorded_by": actor,
            },
        )
        evaluation_store(dossier=locked)
        audit_record(
            actor=actor,
            action="dossier.derogation_record",
            target=locked,
            data={"before": before, "after": _described(derogation), "rule_version": version.number},
        )
    return derogation


def derogation_withdraw(*, actor, dossier: Dossier, reason: str) -> None:
    """Remove a derogation recorded by mistake (the normal rate applies again); audited with it."""
    with transaction.atomic():
        locked = _locked_for_staff(actor=actor, dossier=dossier)
        derogation = derogation_of(locked)
        if derogation is None:
            raise DomainError(_("Aucune dérogation n'est enregistrée sur ce dossier."), code="invalid_state")
        if not reason.strip():
            raise DomainError(_("Indiquez pourquoi la dérogation est retirée."), code="required", field="reason")
        audit_record(
            actor=actor,
            action="dossier.derogation_withdraw",
            target=locked,
            data={"before": _described(derogation), "reason": reason.strip()},
        )
        derogation.delete()
        evaluation_store(dossier=locked)


def _described(derogation: Derogation) -> dict:
    return {
        "rate_percent": str(derogation.rate_percent.quantize(Decimal("0.01"))),
        "deciding_body": derogation.deciding_body,
        "decided_on": derogation.decided_on.isoformat(),
        "reason": derogation.reason,
    }
