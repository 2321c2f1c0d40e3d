"""Who hears about a funded project: the carrier's members, the programme's staff and fund operators."""

from applications.models import Dossier
from portal.models import Role, User
from portal.selectors import users_with_role


def carrier_members(dossier: Dossier):
    return User.objects.filter(memberships__organisation_id=dossier.organisation_id, is_active=True)


def fund_operators(dossier: Dossier):
    return users_with_role(role=Role.FUND_OPERATOR, scope=dossier.theme.call.programme).filter(is_active=True)


def programme_staff(dossier: Dossier):
    return users_with_role(role=Role.PROGRAMME_STAFF, scope=dossier.theme.call.programme).filter(is_active=True)
