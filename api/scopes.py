"""What a token may be given: a read or write right per resource, each open to the roles that see the
same thing on the site (programme staff, the fund operator). The token's creator must hold the role
when the token is created and at every call: a token never outlives its creator's rights."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

STAFF = "staff"
FUND_OPERATOR = "fund_operator"


@dataclass(frozen=True)
class Scope:
    code: str
    label: str
    roles: frozenset[str]


SCOPES: dict[str, Scope] = {
    s.code: s
    for s in [
        Scope(
            "dossiers:read",
            _("Dossiers : lecture (réponses, budget, règle, partenaires, pièces)"),
            frozenset({STAFF}),
        ),
        Scope("evaluations:read", _("Évaluations, classements et décisions : lecture"), frozenset({STAFF})),
        Scope(
            "conventions:read",
            _("Conventions, tranches et jalons : lecture"),
            frozenset({STAFF, FUND_OPERATOR}),
        ),
        Scope("payments:read", _("Paiements : lecture"), frozenset({STAFF, FUND_OPERATOR})),
        Scope("payments:write", _("Paiements : enregistrement"), frozenset({FUND_OPERATOR})),
        Scope("reports:read", _("Rapports d'indicateurs : lecture"), frozenset({STAFF, FUND_OPERATOR})),
    ]
}


def programme_roles(roles, programme_id: int) -> frozenset[str]:
    """The roles of `roles` (portal.selectors.UserRoles) on a programme that scopes care about."""
    held = set()
    if roles.is_staff_of(programme_id):
        held.add(STAFF)
    if roles.is_fund_operator_of(programme_id):
        held.add(FUND_OPERATOR)
    return frozenset(held)


def scopes_for(roles, programme_id: int) -> list[Scope]:
    """The scopes a holder of `roles` may put on a token of the programme, in the table's order."""
    held = programme_roles(roles, programme_id)
    return [scope for scope in SCOPES.values() if scope.roles & held]
