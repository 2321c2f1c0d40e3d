"""Declarations of interests: by the juror, per dossier or per organisation, and flags by the portal."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from applications.models import Dossier
from juries.models import ConflictDeclaration, JuryDossier, JuryMember
from juries.selectors import likely_conflicts
from portal.errors import DomainError
from portal.models import Organisation
from portal.selectors import user_roles
from portal.services import audit_record

Status = ConflictDeclaration.Status


def conflicts_flag(*, member: JuryMember, dossiers=None) -> list[ConflictDeclaration]:
    """Write a PENDING declaration on each dossier that likely conflicts (same organisation, SIREN or
    ministry), unless the member already declared on it. The juror must then confirm or deny it."""
    if dossiers is None:
        dossiers = [e.dossier for e in JuryDossier.objects.filter(jury=member.jury).select_related("dossier")]
    flags = likely_conflicts(member, dossiers)
    declared = set(
        ConflictDeclaration.objects.filter(member=member, dossier_id__in=flags).values_list("dossier_id", flat=True)
    )
    created = [
        ConflictDeclaration.objects.create(member=member, dossier_id=dossier_id, status=Status.PENDING, auto_flag=why)
        for dossier_id, why in flags.items()
        if dossier_id not in declared
    ]
    if created:
        audit_record(
            actor=None,
            action="juries.conflict_flagged",
            target=member.jury,
            data={"member": member.user.email, "dossiers": [c.dossier_id for c in created]},
        )
    return created


def _ensure_own(actor, member: JuryMember) -> None:
    if (
        member.user_id != actor.pk
        or member.withdrawn_at is not None
        or not user_roles(actor).is_juror_of(member.jury_id)
    ):
        raise DomainError(gettext("Seul le membre du jury peut déclarer ses propres intérêts."), code="forbidden")


def conflict_declare(
    *,
    actor,
    member: JuryMember,
    status: str,
    reason: str = "",
    dossier: Dossier | None = None,
    organisation: Organisation | None = None,
) -> ConflictDeclaration:
    """The juror declares "no conflict" or "conflict" on a dossier of the jury, or on an organisation.

    A conflict needs a reason, as does denying a flagged conflict. A conflict removes the
    member's unsubmitted assignments on the dossier(s), so that auto-assignment replaces them.
    """
    _ensure_own(actor, member)
    if (dossier is None) == (organisation is None):
        raise DomainError(gettext("Déclarez sur un dossier ou sur une organisation."), code="conflict_target")
    if status not in (Status.NONE, Status.CONFLICT):
        raise DomainError(
            gettext("Choisissez « aucun conflit » ou « conflit d'intérêts »."), code="conflict_status", field="status"
        )
    if dossier is not None and not JuryDossier.objects.filter(jury=member.jury, dossier=dossier).exists():
        raise DomainError(gettext("Ce dossier n'est pas examiné par ce jury."), code="jury_scope")
    lookup = {"dossier": dossier} if dossier is not None else {"organisation": organisation}
    with transaction.atomic():
        declaration = ConflictDeclaration.objects.select_for_update().filter(member=member, **lookup).first()
        if declaration is not None and declaration.status == Status.CONFLICT and status == Status.NONE:
            # Once declared, a conflict stands: lifting it would open a dossier already ruled out.
            raise DomainError(
                gettext("Un conflit déclaré ne peut pas être retiré ; adressez-vous à l'équipe du programme."),
                code="conflict_final",
            )
        flagged = declaration is not None and declaration.status == Status.PENDING
        if (status == Status.CONFLICT or flagged) and not (reason or "").strip():
            raise DomainError(
                gettext("Précisez le motif de votre déclaration."), code="reason_required", field="reason"
            )
        if declaration is None:
            declaration = ConflictDeclaration(member=member, **lookup)
        declaration.status, declaration.reason, declaration.declared_at = status, (reason or "").strip(), timezone.now()
        declaration.save()
        removed = 0
        if status == Status.CONFLICT:
            assignments = member.assignments.filter(evaluation__submitted_at__isnull=True)
            if dossier is not None:
                assignments = assignments.filter(dossier=dossier)
            else:
                assignments = assignments.filter(dossier__organisation=organisation) | assignments.filter(
                    dossier__partners__organisation=organisation
                )
            removed, _ = member.assignments.filter(pk__in=list(assignments.values_list("pk", flat=True))).delete()
        audit_record(
            actor=actor,
            action="juries.conflict_declare",
            target=member.jury,
            data={
                "dossier": dossier.pk if dossier else None,
                "organisation": organisation.pk if organisation else None,
                "status": status,
                "was_flagged": flagged,
                "assignments_removed": removed,
            },
        )
    return declaration
