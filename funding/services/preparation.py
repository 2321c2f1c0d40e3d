"""Preparing a convention draft in the browser: its dates (entry into force, start, duration), the
project's milestones (title, expected date, deliverable) and the tranche each releases, with the
advance at signature and the balance on the final report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from funding.models import Convention, Milestone, Tranche
from funding.periods import add_months
from funding.permissions import STAFF, ensure_role
from funding.services.conventions import queue_rerender
from portal.errors import DomainError
from portal.services import audit_record
from portal.templatetags.portal_format import format_euros as money

MAX_DURATION_MONTHS = 120


@dataclass(frozen=True)
class MilestonePlan:
    """One milestone as staff typed it; `milestone_id` names a milestone of the draft that is kept."""

    label: str
    due_on: datetime.date | None
    deliverable: str = ""
    amount: Decimal = Decimal("0")  # the tranche the milestone releases; zero: it releases none
    milestone_id: int | None = None


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def project_window(convention: Convention) -> tuple[datetime.date, datetime.date, bool]:
    """(first day, last day, known): the project's span, from its start when staff set one or when it is
    in force, else counted from the estimated start (known=False)."""
    start = convention.project_start
    known = start is not None
    if start is None:
        start = convention.estimated_start
    return start, add_months(start, convention.duration_months or 0), known


def _check_dates(convention: Convention, today: datetime.date) -> None:
    duration = convention.duration_months
    if not duration or not 1 <= duration <= MAX_DURATION_MONTHS:
        raise DomainError(
            _("Indiquez la durée du projet, de 1 à %(maximum)s mois.") % {"maximum": MAX_DURATION_MONTHS},
            code="duration_required",
            field="duration_months",
        )
    if convention.in_force_on is not None and convention.in_force_on < today:
        raise DomainError(
            _(
                "L'entrée en vigueur au %(date)s est déjà passée : laissez la date vide pour une entrée en vigueur "
                "à la contresignature, ou choisissez une date à venir."
            )
            % {"date": _day(convention.in_force_on)},
            code="in_force_past",
            field="in_force_on",
        )


def _check_milestone(convention: Convention, index: int, plan: MilestonePlan) -> None:
    if not plan.label.strip():
        raise DomainError(
            _("Jalon %(number)s : indiquez son intitulé.") % {"number": index},
            code="label_required",
            field="milestones",
        )
    if plan.due_on is None:
        raise DomainError(
            _("Jalon « %(milestone)s » : indiquez sa date prévue.") % {"milestone": plan.label},
            code="due_required",
            field="milestones",
        )
    if plan.amount < 0:
        raise DomainError(
            _("Jalon « %(milestone)s » : le montant de la tranche ne peut pas être négatif.")
            % {"milestone": plan.label},
            code="invalid_amount",
            field="milestones",
        )
    first, last, known = project_window(convention)
    if first <= plan.due_on <= last:
        return
    if known:
        span = _("du %(first)s au %(last)s, soit %(months)s mois") % {
            "first": _day(first),
            "last": _day(last),
            "months": convention.duration_months,
        }
    else:
        span = _("%(months)s mois à compter du %(first)s, la convention entrant en vigueur à sa contresignature") % {
            "first": _day(first),
            "months": convention.duration_months,
        }
    raise DomainError(
        _("Jalon « %(milestone)s » : le %(date)s est hors de la durée du projet (%(span)s).")
        % {"milestone": plan.label, "date": _day(plan.due_on), "span": span},
        code="milestone_outside_project",
        field="milestones",
    )


def check_schedule_total(*, granted: Decimal, parts: list[tuple[str, Decimal]]) -> None:
    """The tranches add up to the grant exactly; otherwise say by how much, part by part."""
    total = sum((amount for _label, amount in parts), Decimal("0"))
    if total == granted:
        return
    detail = " + ".join(f"{label} {money(amount)}" for label, amount in parts if amount)
    gap = (
        _("il manque %(amount)s") % {"amount": money(granted - total)}
        if total < granted
        else _("%(amount)s de trop") % {"amount": money(total - granted)}
    )
    raise DomainError(
        _(
            "Les tranches totalisent %(total)s (%(detail)s) : elles doivent faire exactement le montant accordé, "
            "%(granted)s (%(gap)s)."
        )
        % {"total": money(total), "detail": detail or "—", "granted": money(granted), "gap": gap},
        code="schedule_not_grant",
        field="tranches",
    )


def _previous_tranches(convention: Convention) -> dict:
    """The tranches of the version in force an amendment's tranches continue (their payments count)."""
    if convention.previous_id is None:
        return {}
    previous = {}
    for tranche in convention.previous.tranches.all():
        key = tranche.milestone_id if tranche.condition == Tranche.Condition.MILESTONE else tranche.condition
        previous.setdefault(key, tranche)
    return previous


def preparation_of(convention: Convention) -> tuple[dict, list[MilestonePlan]]:
    """The draft as it stands, in the terms `convention_prepare` takes: its dates, the advance at signature
    and the balance, and its milestones each with the tranche it releases."""
    tranches = list(convention.tranches.all())

    def released(condition: str, milestone_id: int | None = None) -> Decimal:
        return sum(
            (t.amount for t in tranches if t.condition == condition and t.milestone_id == milestone_id), Decimal("0")
        )

    dates = {
        "in_force_on": convention.in_force_on,
        "start_on": convention.start_on,
        "duration_months": convention.duration_months,
        "advance": released(Tranche.Condition.SIGNATURE),
        "balance": released(Tranche.Condition.FINAL_REPORT),
    }
    plans = [
        MilestonePlan(
            label=milestone.label,
            due_on=milestone.due_on,
            deliverable=milestone.deliverable,
            amount=released(Tranche.Condition.MILESTONE, milestone.pk),
            milestone_id=milestone.pk,
        )
        for milestone in Milestone.objects.filter(convention=convention).order_by("order", "pk")
    ]
    return dates, plans


def convention_prepare(
    *,
    actor,
    convention: Convention,
    duration_months: int | None,
    advance: Decimal,
    balance: Decimal,
    milestones: list[MilestonePlan],
    in_force_on: datetime.date | None = None,
    start_on: datetime.date | None = None,
    ip_address: str | None = None,
) -> Convention:
    """Set a draft's dates, milestones and schedule at once, all or nothing; the PDF is rendered again.

    Refused, with the figures, when the tranches do not add up to the grant, when a milestone falls
    outside the project's duration or when a milestone already declared or validated would change.
    The draft of a first convention defines the project's milestones; an amendment's take the place
    of the current ones only when it enters into force.
    """
    today = timezone.localdate()
    with transaction.atomic():
        convention = (
            Convention.objects.select_for_update(of=("self",))
            .select_related("dossier__theme__call__programme", "previous")
            .get(pk=convention.pk)
        )
        ensure_role(convention.dossier, actor, STAFF)
        if convention.status != Convention.Status.DRAFT:
            raise DomainError(
                _("La convention n'est plus un brouillon : générez un avenant pour changer ses jalons ou ses dates."),
                code="immutable",
            )
        convention.in_force_on, convention.start_on, convention.duration_months = in_force_on, start_on, duration_months
        _check_dates(convention, today)
        own = {milestone.pk: milestone for milestone in Milestone.objects.filter(convention=convention)}
        kept = {plan.milestone_id for plan in milestones if plan.milestone_id is not None}
        if kept - set(own):
            raise DomainError(_("Un jalon ne relève pas de cette convention : rechargez la page."), code="not_found")
        for milestone in own.values():
            if milestone.status != Milestone.Status.PLANNED and milestone.pk not in kept:
                raise DomainError(
                    _("Le jalon « %(milestone)s » est %(status)s : il ne peut pas être retiré.")
                    % {"milestone": milestone.label, "status": milestone.get_status_display().lower()},
                    code="milestone_started",
                    field="milestones",
                )
        for index, plan in enumerate(milestones, start=1):
            _check_milestone(convention, index, plan)
            existing = own.get(plan.milestone_id)
            if (
                existing is not None
                and existing.status != Milestone.Status.PLANNED
                and (existing.label, existing.due_on) != (plan.label.strip(), plan.due_on)
            ):
                raise DomainError(
                    _("Le jalon « %(milestone)s » est %(status)s : son intitulé et sa date ne changent plus.")
                    % {"milestone": existing.label, "status": existing.get_status_display().lower()},
                    code="milestone_started",
                    field="milestones",
                )
        if advance < 0 or balance < 0:
            raise DomainError(_("Un montant de tranche ne peut pas être négatif."), code="invalid_amount")
        check_schedule_total(
            granted=convention.amount,
            parts=[
                (_("avance"), advance),
                *[(_("jalon « %(milestone)s »") % {"milestone": plan.label}, plan.amount) for plan in milestones],
                (_("solde"), balance),
            ],
        )
        convention.save(update_fields=["in_force_on", "start_on", "duration_months"])
        previous = _previous_tranches(convention)
        convention.tranches.all().delete()
        saved = _save_milestones(convention, own, milestones)
        items = [(_("Avance à la signature"), advance, Tranche.Condition.SIGNATURE, None)]
        items += [
            (
                _("Tranche sur jalon : %(milestone)s") % {"milestone": milestone.label},
                plan.amount,
                "milestone",
                milestone,
            )
            for plan, milestone in zip(milestones, saved, strict=True)
        ]
        items.append((_("Solde sur rapport final"), balance, Tranche.Condition.FINAL_REPORT, None))
        order = 0
        for label, amount, condition, milestone in items:
            if not amount:
                continue
            order += 1
            key = (milestone.previous_id if milestone else None) if condition == "milestone" else condition
            Tranche.objects.create(
                convention=convention,
                order=order,
                label=label[:255],
                amount=amount,
                condition=condition,
                milestone=milestone,
                previous=previous.get(key),
            )
        queue_rerender(convention)
        audit_record(
            actor=actor,
            action="convention.prepare",
            target=convention,
            ip_address=ip_address,
            data={
                "in_force_on": in_force_on.isoformat() if in_force_on else None,
                "start_on": start_on.isoformat() if start_on else None,
                "duration_months": duration_months,
                "advance": str(advance),
                "balance": str(balance),
                "milestones": [
                    {"label": plan.label, "due_on": plan.due_on.isoformat(), "amount": str(plan.amount)}
                    for plan in milestones
                ],
            },
        )
    return convention


def _save_milestones(convention: Convention, own: dict[int, Milestone], plans: list[MilestonePlan]) -> list[Milestone]:
    """Update the kept milestones, create the new ones, delete the ones left out (never started)."""
    live = convention.previous_id is None
    saved = []
    for order, plan in enumerate(plans, start=1):
        milestone = own.get(plan.milestone_id) or Milestone(
            dossier_id=convention.dossier_id, convention=convention, is_current=live
        )
        milestone.order = order
        milestone.label = plan.label.strip()[:255]
        milestone.due_on = plan.due_on
        milestone.deliverable = plan.deliverable.strip()
        milestone.save()
        saved.append(milestone)
    kept = {milestone.pk for milestone in saved}
    Milestone.objects.filter(pk__in=set(own) - kept).delete()
    return saved
