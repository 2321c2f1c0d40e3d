"""Reads about users: what a user may see and do, decided from scoped roles only."""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from portal.models import AuditEvent, Membership, Organisation, OutboxMessage, Role, RoleAssignment, User


@dataclass(frozen=True)
class UserRoles:
    """Everything access decisions need about one user, loaded in one query or two."""

    user_id: int | None
    organisation_ids: frozenset[int] = field(default_factory=frozenset)
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
    organisation_ids = frozenset(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    by_role: dict[str, set[int]] = {role: set() for role in Role.values}
    for role, scope_id in RoleAssignment.objects.filter(user=user).values_list("role", "scope_id"):
        if scope_id is not None:
            by_role[role].add(scope_id)
        elif role == Role.ADMIN:
            by_role[role].add(0)
    roles = UserRoles(
        user_id=user.pk,
        organisation_ids=organisation_ids,
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
