"""The conflict-of-interest rule: a member reads a dossier's content only when it belongs to the
jury, they declared "no conflict" on it, and no conflict stands: declared or flagged, on the
dossier or on one of its organisations, or because the member belongs (or was granted to belong)
to the carrier or a partner. Every juror page goes through `juror_dossier_or_404`, and every list,
export, ranking and assignment through `conflict_map`.

Membership is read here, when conflicts are computed, rather than copied into a declaration when
it is granted: whatever path made someone a member (a request granted, ProConnect, a declared
domain, an invitation, the admin, an import) and in whatever order (juror first or member first),
the wall is computed from the memberships themselves, so no path can forget to raise it. A granted
request outlives the membership, so leaving the organisation does not lift the conflict.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.http import Http404

from applications.models import Dossier, DossierPartner
from juries.models import ConflictDeclaration, Jury, JuryDossier, JuryMember
from juries.selectors.scope import member_or_404
from portal.models import Membership, MembershipRequest, Organisation
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


def _member_organisations(jury: Jury, members, organisation_ids) -> list[tuple[int, int]]:
    """(member, organisation) for each member of the jury who belongs or was granted to belong to one of
    `organisation_ids` (one query)."""
    if not organisation_ids:
        return []
    in_jury = JuryMember.objects.filter(jury=jury)
    if members is not None:
        in_jury = in_jury.filter(pk__in=[getattr(m, "pk", m) for m in members])
    users = in_jury.values("user_id")
    current = Membership.objects.filter(user_id__in=users, organisation_id__in=organisation_ids)
    granted = MembershipRequest.objects.filter(
        user_id__in=users, organisation_id__in=organisation_ids, status=MembershipRequest.Status.GRANTED
    )
    rows = list(
        current.order_by()
        .values_list("user_id", "organisation_id")
        .union(granted.order_by().values_list("user_id", "organisation_id"))
    )
    if not rows:
        return []
    member_of_user = dict(in_jury.filter(user_id__in={user_id for user_id, _ in rows}).values_list("user_id", "pk"))
    return [(member_of_user[user_id], organisation_id) for user_id, organisation_id in rows]


def conflict_map(jury: Jury, *, members=None, dossier_ids=None) -> ConflictMap:
    """Conflicts of the jury's members on its dossiers, in a fixed number of queries (one more when a
    member belongs to one of the dossiers' organisations)."""
    if dossier_ids is None:  # a subquery: thousands of ids never travel as query parameters
        dossier_ids = JuryDossier.objects.filter(jury=jury).values("dossier_id")
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
    for member_id, organisation_id in _member_organisations(jury, members, list(by_organisation)):
        result.blocked[member_id] |= by_organisation[organisation_id]
    return result


def conflicted_assignments(assignments) -> set[int]:
    """Ids of the assignments (with `member__jury` loaded) whose juror is now in conflict on the dossier:
    reminders and notifications about them would name a dossier the juror may not see."""
    by_jury: dict[int, list] = defaultdict(list)
    for assignment in assignments:
        by_jury[assignment.member.jury_id].append(assignment)
    blocked = set()
    for group in by_jury.values():
        conflicts = conflict_map(
            group[0].member.jury,
            members=[a.member_id for a in group],
            dossier_ids=[a.dossier_id for a in group],
        )
        blocked |= {a.pk for a in group if conflicts.is_blocked(a.member_id, a.dossier_id)}
    return blocked


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
