"""Reads of juries scoped to the user's roles: which juries, which members, which dossiers, which grid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from applications.models import Dossier
from applications.selectors import managed_programme_ids
from applications.workflow import DossierState
from calls.models import Criterion, Session
from calls.selectors import grid_of
from juries import scoring
from juries.models import ConflictDeclaration, Jury, JuryDossier, JuryMember
from portal.selectors import user_roles

# A jury may take a dossier as soon as it is submitted; scoring waits for "under evaluation".
REVIEWABLE_STATES = (
    DossierState.SUBMITTED,
    DossierState.COMPLETE,
    DossierState.ELIGIBLE,
    DossierState.UNDER_EVALUATION,
)
# What a past round's dossiers may be in, when an earlier edition is taken into the portal.
DECIDED_STATES = (
    DossierState.SELECTED,
    DossierState.REJECTED,
    DossierState.RESUBMIT_INVITED,
    DossierState.REORIENTED,
    DossierState.RESERVE,
)


def grid_spec(jury: Jury, theme=None) -> list[scoring.GridItem]:
    """The jury's grid as GridItems: its theme's (or the given dossier theme's), else the call's."""
    theme = theme or jury.theme
    if theme is None:
        sub = Prefetch("sub_criteria", queryset=Criterion.objects.order_by("order", "code"))
        criteria = Criterion.objects.filter(call_id=jury.call_id, parent__isnull=True).prefetch_related(sub)
        return [scoring.item_of(c) for c in criteria]
    return [scoring.item_of(c) for c in grid_of(theme)]


def envelope_of(jury: Jury) -> Decimal | None:
    """The money the jury decides on: its session's envelope, else its theme's (a guichet's monthly
    session, a demonstration session, share their theme's); None across a call."""
    if jury.session_id and jury.session.envelope is not None:
        return jury.session.envelope
    if jury.session_id:
        return jury.session.theme.envelope
    if jury.theme_id:
        return jury.theme.envelope
    return None


def tie_break_of(jury: Jury) -> list[str]:
    return list(jury.theme.tie_break) if jury.theme_id and jury.theme.tie_break else []


# Scope -------------------------------------------------------------------------------------------


def staff_juries(user) -> QuerySet[Jury]:
    """Juries of the programmes whose instruction `user` manages: a jury ranks and decides dossiers of every
    instructor group, so an instructor within groups finds none (every jury page of his is a 404)."""
    managed = managed_programme_ids(user)
    queryset = Jury.objects.select_related("call", "theme", "session__theme", "programme")
    return queryset if managed is None else queryset.filter(programme_id__in=managed)


def staff_jury_or_404(user, jury_id: int) -> Jury:
    jury = staff_juries(user).filter(pk=jury_id).first()
    if jury is None:
        raise Http404
    return jury


def active_member(user, jury_id: int) -> JuryMember | None:
    if not user_roles(user).is_juror_of(jury_id):
        return None
    return (
        JuryMember.objects.select_related("jury__call", "jury__theme", "jury__session", "user")
        .filter(jury_id=jury_id, user=user, withdrawn_at__isnull=True)
        .first()
    )


def member_or_404(user, jury_id: int) -> JuryMember:
    member = active_member(user, jury_id)
    if member is None:
        raise Http404
    return member


def juror_memberships(user) -> QuerySet[JuryMember]:
    roles = user_roles(user)
    return JuryMember.objects.filter(
        user=user, jury_id__in=roles.juror_jury_ids, withdrawn_at__isnull=True
    ).select_related("jury__call", "jury__theme", "jury__session")


def scope_dossiers(jury: Jury, states=REVIEWABLE_STATES) -> QuerySet[Dossier]:
    """Dossiers of the jury's call, theme and session in `states` (by default: submitted, not yet decided)."""
    queryset = Dossier.objects.filter(theme__call_id=jury.call_id, state__in=states)
    if jury.theme_id:
        queryset = queryset.filter(theme_id=jury.theme_id)
    if jury.session_id:
        queryset = queryset.filter(session_id=jury.session_id)
    return queryset


def reorientation_targets(jury: Jury) -> QuerySet[Session]:
    """Sessions a dossier of the jury may be reoriented or invited to: those of the jury's programme
    but the jury's own, the jury's call first (another call needs the decision to say so)."""
    return (
        Session.objects.filter(theme__call__programme_id=jury.programme_id)
        .exclude(pk=jury.session_id)
        .select_related("theme__call")
        .annotate(other_call=Case(When(theme__call_id=jury.call_id, then=Value(False)), default=Value(True)))
        .order_by("other_call", "theme__call__title", "theme__order", "theme__code", "opens_at", "pk")
    )


# Jury management (staff) ------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberProgress:
    member: JuryMember
    assigned: int
    submitted: int
    conflicts: int
    pending: int


def jury_progress(jury: Jury) -> list[MemberProgress]:
    members = list(
        jury.members.select_related("user", "organisation").annotate(
            n_assigned=Count("assignments", distinct=True),
            n_submitted=Count(
                "assignments", filter=Q(assignments__evaluation__submitted_at__isnull=False), distinct=True
            ),
            n_conflicts=Count(
                "declarations", filter=Q(declarations__status=ConflictDeclaration.Status.CONFLICT), distinct=True
            ),
            n_pending=Count(
                "declarations", filter=Q(declarations__status=ConflictDeclaration.Status.PENDING), distinct=True
            ),
        )
    )
    return [MemberProgress(m, m.n_assigned, m.n_submitted, m.n_conflicts, m.n_pending) for m in members]


def jury_entries_with_progress(jury: Jury) -> QuerySet[JuryDossier]:
    """The jury's dossiers with how many members are assigned and how many submitted (one query)."""
    in_jury = Q(dossier__jury_assignments__member__jury=jury)
    return jury.jury_dossiers.select_related(
        "dossier__organisation", "dossier__theme", "dossier__rule_version"
    ).annotate(
        n_assigned=Count("dossier__jury_assignments", filter=in_jury, distinct=True),
        n_submitted=Count(
            "dossier__jury_assignments",
            distinct=True,
            filter=in_jury & Q(dossier__jury_assignments__evaluation__submitted_at__isnull=False),
        ),
    )


def declarations_of(jury: Jury) -> QuerySet[ConflictDeclaration]:
    return (
        ConflictDeclaration.objects.filter(member__jury=jury)
        .select_related("member__user", "dossier", "organisation")
        .order_by("member_id", "pk")
    )
