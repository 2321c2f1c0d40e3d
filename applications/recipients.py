"""Who hears about a funded project: the carrier's members, the programme's staff and fund operators."""

from django.db.models import Q

from applications.models import Dossier
from portal.models import Role, User
from portal.selectors import users_with_role


def carrier_members(dossier: Dossier):
    return User.objects.filter(memberships__organisation_id=dossier.organisation_id, is_active=True)


def fund_operators(dossier: Dossier):
    return users_with_role(role=Role.FUND_OPERATOR, scope=dossier.theme.call.programme).filter(is_active=True)


def programme_staff(dossier: Dossier):
    """The programme's staff who see the dossier: its instruction managers and the members of its group
    (an instructor within other groups hears nothing of it, as `staff_sees_dossier` says)."""
    from applications.models import InstructorGroupMember

    programme_id = dossier.theme.call.programme_id
    memberships = InstructorGroupMember.objects.filter(group__programme_id=programme_id)
    within_groups = memberships.values("user_id")
    sees_it = memberships.filter(Q(group__sees_all=True) | Q(group_id=dossier.instruction_group_id)).values("user_id")
    return (
        users_with_role(role=Role.PROGRAMME_STAFF, scope=dossier.theme.call.programme)
        .filter(is_active=True)
        .exclude(Q(pk__in=within_groups) & ~Q(pk__in=sees_it))
    )
