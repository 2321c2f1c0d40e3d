"""Who may use which jury page.

A user without the role gets a 403; a jury or dossier outside their scope is a 404. A juror
with a conflict on a dossier gets a 404 on every page of it (and the attempt is audited, see
`juries.selectors.juror_dossier_or_404`).
"""

from django.core.exceptions import PermissionDenied

from portal.selectors import user_roles


def require_juror(user) -> None:
    if not user_roles(user).is_juror:
        raise PermissionDenied


def require_staff(user) -> None:
    roles = user_roles(user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied


def is_chair(member) -> bool:
    return member.is_chair and member.withdrawn_at is None
