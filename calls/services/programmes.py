"""Writes of programmes by administrators: the programme itself (name, grantor and its SIRET, total
envelope…) and who works on it (programme staff, fund operators). Keyword-only, one transaction,
audited; role changes go through `portal.services.role_assign` / `role_revoke`, audited there too.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from calls.models import Programme
from calls.services.common import assign_fields, full_clean_or_error
from portal.errors import DomainError
from portal.models import Role, User
from portal.selectors import user_roles
from portal.services import audit_record, role_assign, role_revoke

# The roles given on a programme from its page.
PROGRAMME_ROLES = (Role.PROGRAMME_STAFF, Role.FUND_OPERATOR)


def _ensure_admin(actor) -> None:
    if actor is None or not user_roles(actor).is_admin:
        raise DomainError(_("Seul un administrateur crée et modifie les programmes."), code="forbidden")


@transaction.atomic
def programme_create(*, actor, name: str, slug: str = "", **fields) -> Programme:
    """Create a programme; its identifier is made from its name when not given, and must be free."""
    _ensure_admin(actor)
    slug = slug or slugify(name)[:50]
    if not slug:
        raise DomainError(_("Nom : il est obligatoire."), code="programme_invalid", field="name")
    if Programme.objects.filter(slug=slug).exists():
        raise DomainError(
            _("L'identifiant « %(slug)s » est déjà celui d'un autre programme.") % {"slug": slug},
            code="programme_slug_taken",
            field="slug",
        )
    programme = Programme(name=name, slug=slug)
    assign_fields(programme, fields, set(Programme.EDITABLE_FIELDS))
    full_clean_or_error(programme, "programme_invalid")
    programme.save()
    audit_record(actor=actor, action="programme.create", target=programme, data={"slug": slug, "name": name})
    return programme


@transaction.atomic
def programme_update(*, actor, programme: Programme, **fields) -> Programme:
    """Change a programme's texts and figures (its identifier stays: public addresses use it)."""
    _ensure_admin(actor)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    changes = assign_fields(programme, fields, set(Programme.EDITABLE_FIELDS))
    full_clean_or_error(programme, "programme_invalid")
    programme.save()
    audit_record(actor=actor, action="programme.update", target=programme, data={"changes": changes})
    return programme


def _role(role: str) -> Role:
    if role not in PROGRAMME_ROLES:
        raise DomainError(_("Rôle inconnu pour un programme."), code="role_invalid", field="role")
    return Role(role)


@transaction.atomic
def programme_role_grant(*, actor, programme: Programme, email: str, role: str) -> User:
    """Give an existing account a role on the programme (staff or fund operator); idempotent."""
    _ensure_admin(actor)
    role = _role(role)
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise DomainError(
            _("Aucun compte n'a l'adresse « %(email)s » : la personne crée d'abord son compte sur le portail.")
            % {"email": email.strip()},
            code="user_unknown",
            field="email",
        )
    role_assign(actor=actor, user=user, role=role, scope=programme)
    return user


@transaction.atomic
def programme_role_revoke(*, actor, programme: Programme, user: User, role: str) -> None:
    """Withdraw a role on the programme; the person keeps their account and other roles."""
    _ensure_admin(actor)
    role_revoke(actor=actor, user=user, role=_role(role), scope=programme)
