"""Reads of dossiers, always scoped to what the user's roles allow."""

from django.db.models import Q, QuerySet

from applications.models import Dossier
from portal.selectors import user_roles


def dossiers_of_applicant(user) -> QuerySet[Dossier]:
    """Dossiers of the organisations `user` belongs to (carrier side)."""
    return Dossier.objects.filter(organisation_id__in=user_roles(user).organisation_ids)


def dossiers_of_staff(user) -> QuerySet[Dossier]:
    """Dossiers of the programmes `user` runs; every dossier for an admin. Drafts included:
    staff lists filter them out by default, but a draft is not a secret from its programme."""
    roles = user_roles(user)
    if roles.is_admin:
        return Dossier.objects.all()
    return Dossier.objects.filter(theme__call__programme_id__in=roles.staff_programme_ids)


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """Every dossier `user` may open as applicant or staff (jurors go through juries.selectors)."""
    roles = user_roles(user)
    if not roles.is_authenticated:
        return Dossier.objects.none()
    if roles.is_admin:
        return Dossier.objects.all()
    return Dossier.objects.filter(
        Q(organisation_id__in=roles.organisation_ids) | Q(theme__call__programme_id__in=roles.staff_programme_ids)
    )
