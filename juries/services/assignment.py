"""Who scores which dossier: by hand, or N jurors per dossier with a balanced load."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from applications.models import Dossier
from juries.models import Assignment, Jury, JuryDossier, JuryMember
from juries.selectors import conflict_map
from juries.services.common import ensure_staff
from portal.errors import DomainError
from portal.services import audit_record, notify


@dataclass
class AutoAssignment:
    created: list[Assignment] = field(default_factory=list)
    shortfalls: dict[int, int] = field(default_factory=dict)  # dossier id → jurors missing


def assign_auto(*, actor, jury: Jury, per_dossier: int | None = None, due_at: datetime | None = None) -> AutoAssignment:
    """Top up each dossier to N jurors: never a conflicted (or flagged) member, least loaded first,
    so loads stay within one of each other; with `jury.mix_sectors`, a sector missing on the
    dossier is preferred. Existing assignments are kept; dossiers short of candidates are reported.
    """
    ensure_staff(actor, jury)
    per_dossier = per_dossier or jury.evaluations_per_dossier
    result = AutoAssignment()
    with transaction.atomic():
        members = list(JuryMember.objects.filter(jury=jury, withdrawn_at__isnull=True).order_by("pk"))
        dossier_ids = list(
            JuryDossier.objects.filter(jury=jury).order_by("dossier__reference").values_list("dossier_id", flat=True)
        )
        conflicts = conflict_map(jury, dossier_ids=dossier_ids)
        current = list(Assignment.objects.filter(member__in=members).values_list("member_id", "dossier_id"))
        load = Counter(member_id for member_id, _ in current)
        assigned: dict[int, set[int]] = {}
        for member_id, dossier_id in current:
            # A juror conflicted since (e.g. who joined the carrier) no longer counts towards the N.
            if not conflicts.is_blocked(member_id, dossier_id):
                assigned.setdefault(dossier_id, set()).add(member_id)
        sector = {m.pk: m.sector for m in members}
        for dossier_id in dossier_ids:
            already = assigned.setdefault(dossier_id, set())
            while len(already) < per_dossier:
                candidates = [m for m in members if m.pk not in already and not conflicts.is_blocked(m.pk, dossier_id)]
                if not candidates:
                    result.shortfalls[dossier_id] = per_dossier - len(already)
                    break
                present = {sector[m] for m in already}

                def preference(member, present=present):
                    missing_sector = jury.mix_sectors and member.sector not in present
                    return (load[member.pk], not missing_sector, member.pk)

                chosen = min(candidates, key=preference)
                result.created.append(
                    Assignment.objects.create(
                        member=chosen,
                        dossier_id=dossier_id,
                        due_at=due_at or jury.due_at,
                        assigned_by=actor,
                    )
                )
                already.add(chosen.pk)
                load[chosen.pk] += 1
        audit_record(
            actor=actor,
            action="juries.assign_auto",
            target=jury,
            data={
                "per_dossier": per_dossier,
                "created": len(result.created),
                "shortfalls": {str(k): v for k, v in result.shortfalls.items()},
            },
        )
        _notify_assigned(actor, jury, result.created)
    return result


def assign_manual(*, actor, member: JuryMember, dossier: Dossier, due_at: datetime | None = None) -> Assignment:
    """Assign one dossier to one member; refused when a conflict is declared or flagged."""
    jury = member.jury
    ensure_staff(actor, jury)
    if member.withdrawn_at is not None:
        raise DomainError(gettext("Ce membre s'est retiré du jury."), code="member_withdrawn")
    if not JuryDossier.objects.filter(jury=jury, dossier=dossier).exists():
        raise DomainError(gettext("Ce dossier n'est pas examiné par ce jury."), code="jury_scope")
    if conflict_map(jury, members=[member], dossier_ids=[dossier.pk]).is_blocked(member.pk, dossier.pk):
        raise DomainError(
            gettext("%(member)s a un conflit d'intérêts (déclaré ou probable) sur ce dossier.") % {"member": member},
            code="conflict",
        )
    with transaction.atomic():
        assignment, created = Assignment.objects.get_or_create(
            member=member, dossier=dossier, defaults={"due_at": due_at or jury.due_at, "assigned_by": actor}
        )
        if not created:
            raise DomainError(
                gettext("Ce dossier est déjà attribué à %(member)s.") % {"member": member}, code="assignment_duplicate"
            )
        audit_record(
            actor=actor,
            action="juries.assign_manual",
            target=jury,
            data={"member": member.user.email, "dossier": dossier.pk},
        )
        _notify_assigned(actor, jury, [assignment])
    return assignment


def _notify_assigned(actor, jury: Jury, assignments: list[Assignment]) -> None:
    counts = Counter(a.member_id for a in assignments)
    for member in JuryMember.objects.filter(pk__in=counts).select_related("user"):
        notify(
            "jury_assigned",
            actor=actor,
            recipients=[member.user],
            context={"jury": jury, "count": counts[member.pk]},
            link=f"/jurys/{jury.pk}/",
        )
