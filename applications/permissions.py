"""Who may change which part of a dossier, and when.

A draft is editable by every member of the carrier organisation while its session is open
(drafts freeze at the close). After submission only the points of an open complement
request reopen, until its due date. Parts are form section keys, "_projet", "_budget" and
"document:<kind>".
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applications.models import ComplementRequest, Dossier
from applications.workflow import DossierState
from portal.errors import DomainError
from portal.selectors import user_roles

ALL_PARTS = None  # every part is editable


def open_complement_request(dossier: Dossier, now=None) -> ComplementRequest | None:
    if dossier.state != DossierState.COMPLEMENT_REQUESTED:
        return None
    now = now or timezone.now()
    return dossier.complement_requests.filter(answered_at__isnull=True, due_at__gt=now).order_by("-created_at").first()


def complement_parts(request: ComplementRequest) -> set[str]:
    parts = set()
    for point in request.points:
        if point.get("section"):
            parts.add(point["section"])
        if point.get("document"):
            parts.add(f"document:{point['document']}")
        if point.get("budget"):
            parts.add("_budget")
        if point.get("project"):
            parts.add("_projet")
    return parts


def editable_parts(dossier: Dossier, now=None) -> set[str] | None:
    """ALL_PARTS (None) for an open draft, the reopened parts during a complement request, else an empty set."""
    now = now or timezone.now()
    if dossier.state == DossierState.DRAFT:
        return ALL_PARTS if dossier.session.is_open(now) else set()
    request = open_complement_request(dossier, now)
    return complement_parts(request) if request else set()


def can_edit_part(dossier: Dossier, part: str, now=None) -> bool:
    parts = editable_parts(dossier, now)
    return parts is ALL_PARTS or part in parts


def ensure_member(dossier: Dossier, actor) -> None:
    """Outsiders get the same answer as for a dossier that does not exist."""
    if actor is None or not user_roles(actor).is_member_of(dossier.organisation_id):
        raise DomainError(_("Dossier introuvable."), code="not_found")


def ensure_can_edit(dossier: Dossier, actor, *, part: str) -> None:
    ensure_member(dossier, actor)
    if can_edit_part(dossier, part):
        return
    if dossier.state == DossierState.DRAFT:
        closed = timezone.localtime(dossier.session.closes_at)
        raise DomainError(
            _("La session a clos le %(date)s à %(time)s : le brouillon est figé.")
            % {
                "date": date_format(closed, "j F Y"),
                "time": closed.strftime("%H:%M:%S"),
            },
            code="session_closed",
        )
    if dossier.state == DossierState.COMPLEMENT_REQUESTED:
        raise DomainError(
            _("Seuls les points de la demande de compléments peuvent être modifiés, avant sa date limite."),
            code="frozen",
        )
    raise DomainError(_("Le dossier est déposé : il ne peut plus être modifié."), code="frozen")


def require_staff(user) -> None:
    """The staff pages of dossiers: programme staff and admins; anyone else gets a 403."""
    from django.core.exceptions import PermissionDenied

    roles = user_roles(user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
