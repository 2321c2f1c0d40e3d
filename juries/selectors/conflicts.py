"""The conflict-of-interest rule: a member reads a dossier's content only when it belongs to the
jury, they declared "no conflict" on it, and no conflict (declared or flagged, on the dossier or
on one of its organisations) stands. Every juror page goes through `juror_dossier_or_404`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.http import Http404

from applications.models import Dossier, DossierPartner
from juries.models import ConflictDeclaration, Jury, JuryDossier, JuryMember
from juries.selectors.scope import member_or_404
from portal.models import Organisation
from portal.services import audit_record

BLOCKING = (ConflictDeclaration.Status.CONFLICT, ConflictDeclaration.Status.PENDING)


# Conflicts of interest ---------------------------------------------------------------------------


def _dossier_organisations(dossier_ids) -> dict[int, set[int]]:
    """Carrier and partner organisations of each dossier (two queries)."""
    organisations: dict[int, set[int]] = defaultdict(set)
    for pk, organisation_id in Dossier.objects.filter(pk__in=dossier_ids).values_list("pk", "organisation_id"):
        organisations[pk].add(organisation_id)
    for pk, organisation_id in DossierPartner.objects.filter(dossier_id__in=dossier_ids).values_list(
        "dossier_id", "organisation_id"
    ):
        organisations[pk].add(organisation_id)
    return organisations


@dataclass
class ConflictMap:
    """Who is blocked from which dossier, and who declared "no conflict", for one jury."""

    blocked: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # member → dossiers
    cleared: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # member → dossiers

    def is_blocked(self, member_id: int, dossier_id: int) -> bool:
        return dossier_id in self.blocked.get(member_id, set())

    def may_read(self, member_id: int, dossier_id: int) -> bool:
        return dossier_id in self.cleared.get(member_id, set()) and not self.is_blocked(member_id, dossier_id)


def conflict_map(jury: Jury, *, members=None, dossier_ids=None) -> ConflictMap:
    """Conflicts of the jury's members on its dossiers, in a fixed number of queries."""
    if dossier_ids is None:
        dossier_ids = list(JuryDossier.objects.filter(jury=jury).values_list("dossier_id", flat=True))
    declarations = ConflictDeclaration.objects.filter(member__jury=jury)
    if members is not None:
        declarations = declarations.filter(member__in=members)
    organisations = _dossier_organisations(dossier_ids)
    by_organisation: dict[int, set[int]] = defaultdict(set)
    for dossier_id, organisation_ids in organisations.items():
        for organisation_id in organisation_ids:
            by_organisation[organisation_id].add(dossier_id)
    result = ConflictMap()
    for member_id, dossier_id, organisation_id, status in declarations.values_list(
        "member_id", "dossier_id", "organisation_id", "status"
    ):
        targets = {dossier_id} if dossier_id else by_organisation.get(organisation_id, set())
        if status in BLOCKING:
            result.blocked[member_id] |= targets
        elif dossier_id:
            result.cleared[member_id].add(dossier_id)
    return result


def deny_conflicted(*, member: JuryMember, dossier: Dossier, path: str = "") -> None:
    """Record the attempt and answer 404: a conflicted juror must not learn the dossier exists here."""
    audit_record(
        actor=member.user,
        action="juries.conflict_access_denied",
        target=member.jury,
        data={"dossier": dossier.pk, "path": path},
    )
    raise Http404


def juror_dossier_or_404(user, jury_id: int, dossier_id: int, *, path: str = "") -> tuple[JuryMember, Dossier, bool]:
    """(member, dossier, may_read) for a juror; 404 (audited) when a conflict stands.

    may_read is False while the juror has not declared "no conflict" on the dossier: the
    caller then shows the declaration form, never the content.
    """
    member = member_or_404(user, jury_id)
    entry = (
        JuryDossier.objects.select_related("dossier__organisation", "dossier__theme", "dossier__session")
        .filter(jury_id=jury_id, dossier_id=dossier_id)
        .first()
    )
    if entry is None:
        raise Http404
    conflicts = conflict_map(member.jury, members=[member], dossier_ids=[dossier_id])
    if conflicts.is_blocked(member.pk, dossier_id):
        deny_conflicted(member=member, dossier=entry.dossier, path=path)
    return member, entry.dossier, conflicts.may_read(member.pk, dossier_id)


def likely_conflicts(member: JuryMember, dossiers) -> dict[int, str]:
    """Dossiers whose carrier, partner or co-financer shares the juror's SIREN or ministry, with why."""
    own = (
        [member.organisation]
        if member.organisation_id
        else list(Organisation.objects.filter(memberships__user_id=member.user_id))
    )
    sirens = {o.siren for o in own if o.siret}
    ministries = {o.parent_ministry.strip().lower() for o in own if o.parent_ministry.strip()}
    own_ids = {o.pk for o in own}
    if not own:
        return {}
    dossier_ids = [d.pk for d in dossiers]
    organisations = _dossier_organisations(dossier_ids)
    details = Organisation.objects.in_bulk({o for ids in organisations.values() for o in ids})
    flags = {}
    for dossier_id, organisation_ids in organisations.items():
        for organisation in (details[o] for o in organisation_ids):
            if organisation.pk in own_ids:
                flags[dossier_id] = f"Votre organisation « {organisation.name} » participe à ce dossier."
            elif organisation.siret and organisation.siren in sirens:
                flags[dossier_id] = f"« {organisation.name} » a le même SIREN que votre organisation."
            elif organisation.parent_ministry.strip().lower() in ministries:
                flags[dossier_id] = f"« {organisation.name} » relève du même ministère que votre organisation."
            if dossier_id in flags:
                break
    return flags


def declaration_rows(member: JuryMember) -> tuple[list[tuple[Dossier, ConflictDeclaration | None]], int]:
    """Dossiers of the jury the member may still see, with their declaration; and how many are in conflict."""
    entries = list(JuryDossier.objects.filter(jury=member.jury).select_related("dossier__organisation"))
    conflicts = conflict_map(member.jury, members=[member], dossier_ids=[e.dossier_id for e in entries])
    declarations = {d.dossier_id: d for d in ConflictDeclaration.objects.filter(member=member, dossier__isnull=False)}
    rows, blocked = [], 0
    for entry in entries:
        declaration = declarations.get(entry.dossier_id)
        confirmed_conflict = conflicts.is_blocked(member.pk, entry.dossier_id) and not (
            declaration and declaration.status == ConflictDeclaration.Status.PENDING
        )
        if confirmed_conflict:
            blocked += 1
            continue
        rows.append((entry.dossier, declaration))
    return rows, blocked
