"""Main navigation: each entry shows only to users who hold the role it needs."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from portal.selectors import UserRoles, membership_requests_to_decide_count


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    visible: Callable[[UserRoles], bool]
    count: Callable | None = None  # user → how many items wait there, shown beside the label


def _always(roles: UserRoles) -> bool:
    return True


def _carries_dossiers(roles: UserRoles) -> bool:
    """The applicant's entries: a member of an organisation who neither runs a programme nor pays
    grants (their organisation's membership makes them no carrier: the operator's menu stays its own)."""
    return roles.is_applicant and not (roles.is_fund_operator or roles.is_programme_staff)


NAVIGATION = [
    NavEntry(_("Appels à projets"), "calls:public_list", _always),
    NavEntry(_("Simulateur"), "simulator:index", _always),
    NavEntry(_("Lauréats"), "laureates:list", _always),
    NavEntry(_("Mes dossiers"), "applications:my_dossiers", _carries_dossiers),
    NavEntry(_("Mes projets"), "funding:my_projects", _carries_dossiers),
    NavEntry(_("Gestion des appels"), "calls_staff:list", lambda roles: roles.is_programme_staff or roles.is_admin),
    NavEntry(_("Tableau de bord"), "dashboard:index", lambda roles: roles.is_programme_staff or roles.is_admin),
    NavEntry(_("À instruire"), "applications:instruction_queue", lambda roles: roles.is_programme_staff),
    NavEntry(_("Instruction"), "applications:staff_list", lambda roles: roles.is_programme_staff or roles.is_admin),
    NavEntry(_("Jurys"), "juries:staff_list", lambda roles: roles.is_programme_staff or roles.is_admin),
    NavEntry(_("Jury"), "juries:my_queue", lambda roles: roles.is_juror),
    NavEntry(_("Conventions"), "funding:portfolio", lambda roles: roles.is_fund_operator or roles.is_programme_staff),
    NavEntry(_("Organisations"), "portal:organisation_review", lambda roles: roles.reviews_organisations),
    NavEntry(
        _("API et webhooks"),
        "api_staff:index",
        lambda roles: roles.is_programme_staff or roles.is_fund_operator or roles.is_admin,
    ),
    NavEntry(
        _("Demandes d'adhésion"),
        "portal:membership_requests",
        lambda roles: roles.decides_memberships,
        count=membership_requests_to_decide_count,
    ),
    NavEntry(_("Administration"), "admin:index", lambda roles: roles.is_admin),
]


def navigation_for(roles: UserRoles, current_path: str, user=None) -> list[dict]:
    """Entries visible to `roles`, with their waiting count for `user`; an app not installed yet has no entry."""
    entries = []
    for entry in NAVIGATION:
        if not entry.visible(roles):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        entries.append(
            {
                "label": entry.label,
                "url": url,
                "current": current_path.startswith(url) and url != "/",
                "count": entry.count(user) if entry.count is not None and user is not None else 0,
            }
        )
    return entries
