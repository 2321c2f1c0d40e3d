"""Who may do what on a dossier's funding: carrier members, programme staff, the fund operator.

Roles come from `portal.selectors.user_roles` via the workflow's role names. A user holding
none of them on a dossier must not learn it exists (404); one who sees it but lacks the role
for an action gets "forbidden" (403).
"""

from applications.models import Dossier
from applications.services.workflow import actor_roles_on
from applications.workflow import APPLICANT, FUND_OPERATOR, STAFF
from portal.errors import DomainError

__all__ = ["APPLICANT", "FUND_OPERATOR", "STAFF", "roles_on", "ensure_role"]


def roles_on(dossier: Dossier, user) -> set[str]:
    """The funding roles `user` holds on `dossier`: a subset of {APPLICANT, STAFF, FUND_OPERATOR}."""
    if user is None or not user.is_authenticated:
        return set()
    return actor_roles_on(dossier, user)


def ensure_role(dossier: Dossier, user, *allowed: str) -> set[str]:
    """Raise DomainError ("not_found" when the user has no role on the dossier, else "forbidden")."""
    held = roles_on(dossier, user)
    if not held:
        raise DomainError("Projet introuvable.", code="not_found")
    if not held & set(allowed):
        raise DomainError("Vous n'avez pas le droit d'effectuer cette action sur ce projet.", code="forbidden")
    return held
