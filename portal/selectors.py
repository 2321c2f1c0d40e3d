"""Reads about users: what a user may see and do, decided from scoped roles only."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet

from portal.models import (
    AuditEvent,
    Membership,
    MembershipRequest,
    Organisation,
    OrganisationDomain,
    OutboxMessage,
    Role,
    RoleAssignment,
    User,
)


@dataclass(frozen=True)
class UserRoles:
    """Everything access decisions need about one user, loaded in one query or two."""

    user_id: int | None
    organisation_ids: frozenset[int] = field(default_factory=frozenset)
    referent_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    staff_programme_ids: frozenset[int] = field(default_factory=frozenset)
    juror_jury_ids: frozenset[int] = field(default_factory=frozenset)
    fund_operator_programme_ids: frozenset[int] = field(default_factory=frozenset)
    is_admin: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_applicant(self) -> bool:
        return bool(self.organisation_ids)

    @property
    def is_programme_staff(self) -> bool:
        return bool(self.staff_programme_ids)

    @property
    def is_juror(self) -> bool:
        return bool(self.juror_jury_ids)

    @property
    def is_fund_operator(self) -> bool:
        return bool(self.fund_operator_programme_ids)

    @property
    def needs_mfa(self) -> bool:
        return self.is_admin or self.is_programme_staff or self.is_juror or self.is_fund_operator

    def is_staff_of(self, programme_id: int) -> bool:
        return self.is_admin or programme_id in self.staff_programme_ids

    def is_juror_of(self, jury_id: int) -> bool:
        return jury_id in self.juror_jury_ids

    def is_fund_operator_of(self, programme_id: int) -> bool:
        return programme_id in self.fund_operator_programme_ids

    def is_member_of(self, organisation_id: int) -> bool:
        return organisation_id in self.organisation_ids

    def is_referent_of(self, organisation_id: int) -> bool:
        return organisation_id in self.referent_organisation_ids

    def decides_membership_of(self, organisation_id: int) -> bool:
        """Grants and refuses requests, removes members, declares domains: its référents and the admins."""
        return self.is_admin or self.is_referent_of(organisation_id)

    @property
    def decides_memberships(self) -> bool:
        return self.is_admin or bool(self.referent_organisation_ids)

    @property
    def reviews_organisations(self) -> bool:
        """Programme staff and admins see every organisation, its members and who created it."""
        return self.is_admin or self.is_programme_staff


ANONYMOUS_ROLES = UserRoles(user_id=None)
_CACHE_ATTRIBUTE = "_portal_roles"


def user_roles(user) -> UserRoles:
    """The scoped roles of `user`, cached on the user object for the request.

    The only place that answers "what may this user see/do"; permissions and
    selectors of every app start from it. Anonymous users get no role.
    """
    if user is None or not user.is_authenticated:
        return ANONYMOUS_ROLES
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    memberships = list(Membership.objects.filter(user=user).values_list("organisation_id", "is_referent"))
    by_role: dict[str, set[int]] = {role: set() for role in Role.values}
    for role, scope_id in RoleAssignment.objects.filter(user=user).values_list("role", "scope_id"):
        if scope_id is not None:
            by_role[role].add(scope_id)
        elif role == Role.ADMIN:
            by_role[role].add(0)
    roles = UserRoles(
        user_id=user.pk,
        organisation_ids=frozenset(organisation_id for organisation_id, _ in memberships),
        referent_organisation_ids=frozenset(organisation_id for organisation_id, referent in memberships if referent),
        staff_programme_ids=frozenset(by_role[Role.PROGRAMME_STAFF]),
        juror_jury_ids=frozenset(by_role[Role.JUROR]),
        fund_operator_programme_ids=frozenset(by_role[Role.FUND_OPERATOR]),
        is_admin=bool(by_role[Role.ADMIN]) or user.is_superuser,
    )
    setattr(user, _CACHE_ATTRIBUTE, roles)
    return roles


def forget_user_roles(user) -> None:
    """Drop the cached roles after a change of memberships or roles."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def organisations_of(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def organisation_by_siret(siret: str) -> Organisation | None:
    siret = siret.replace(" ", "")
    return Organisation.objects.filter(siret=siret).first() if siret else None


def organisation_visible_to(user, organisation_id: int) -> Organisation | None:
    """The organisation for its members, programme staff and admins; None for anyone else (a 404)."""
    roles = user_roles(user)
    if not (roles.is_member_of(organisation_id) or roles.reviews_organisations):
        return None
    return Organisation.objects.select_related("created_by").filter(pk=organisation_id).first()


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    """Members with their user, référents first."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user", "granted_by")
        .order_by("-is_referent", "user__last_name", "user__first_name", "user__email")
    )


def organisation_domains(organisation: Organisation) -> QuerySet[OrganisationDomain]:
    return OrganisationDomain.objects.filter(organisation=organisation).select_related("declared_by")


def membership_requests_to_decide(user, *, organisation_id: int | None = None) -> QuerySet[MembershipRequest]:
    """Pending requests to the organisations whose référent `user` is (every one for an admin), oldest first."""
    roles = user_roles(user)
    queryset = MembershipRequest.objects.filter(status=MembershipRequest.Status.PENDING)
    if not roles.is_admin:
        queryset = queryset.filter(organisation_id__in=roles.referent_organisation_ids)
    if organisation_id is not None:
        queryset = queryset.filter(organisation_id=organisation_id)
    return queryset.select_related("user", "organisation").order_by("created_at", "pk")


def membership_requests_to_decide_count(user) -> int:
    """For the navigation: 0 without a query for those who decide nothing."""
    if not user_roles(user).decides_memberships:
        return 0
    return membership_requests_to_decide(user).count()


def membership_request_to_decide(user, request_id: int) -> MembershipRequest | None:
    return membership_requests_to_decide(user).filter(pk=request_id).first()


def membership_requests_of(user) -> QuerySet[MembershipRequest]:
    """The user's own requests, latest first."""
    return MembershipRequest.objects.filter(user=user).select_related("organisation").order_by("-created_at", "-pk")


def membership_deciders(organisation: Organisation) -> QuerySet[User]:
    """Who hears of a new request: the organisation's active référents, else the admins."""
    referents = User.objects.filter(
        memberships__organisation=organisation, memberships__is_referent=True, is_active=True
    )
    if referents.exists():
        return referents
    return User.objects.filter(
        Q(is_superuser=True) | Q(role_assignments__role=Role.ADMIN, role_assignments__scope_id__isnull=True),
        is_active=True,
    ).distinct()


def organisations_for_review(
    *, query: str = "", kind: str = "", created_since: datetime | None = None, pending_only: bool = False
) -> QuerySet[Organisation]:
    """Organisations for programme staff and admins, newest first, with creator, members and pending requests."""
    queryset = Organisation.objects.select_related("created_by").annotate(
        n_members=Count("memberships", distinct=True),
        n_pending=Count(
            "membership_requests",
            filter=Q(membership_requests__status=MembershipRequest.Status.PENDING),
            distinct=True,
        ),
    )
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(siret__startswith=query.replace(" ", "")))
    if kind:
        queryset = queryset.filter(kind=kind)
    if created_since is not None:
        queryset = queryset.filter(created_at__gte=created_since)
    if pending_only:
        queryset = queryset.filter(n_pending__gt=0)
    members = Membership.objects.select_related("user").order_by("-is_referent", "user__email")
    return queryset.prefetch_related(Prefetch("memberships", queryset=members)).order_by("-created_at", "-pk")


def memberships_of(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def organisations_search(*, query: str = "") -> QuerySet[Organisation]:
    queryset = Organisation.objects.all()
    if query:
        queryset = queryset.filter(name__icontains=query) | queryset.filter(siret__startswith=query)
    return queryset.order_by("name")


def users_with_role(*, role: str, scope) -> QuerySet[User]:
    scope_type = ContentType.objects.get_for_model(scope) if scope is not None else None
    return User.objects.filter(
        role_assignments__role=role,
        role_assignments__scope_type=scope_type,
        role_assignments__scope_id=getattr(scope, "pk", None),
    ).distinct()


def notifications_for(user) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(recipient=user).order_by("-created_at")


def audit_events_for(target) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
