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


# Publication: what the PIA rule makes public about every laureate, and nothing more.
LAUREATE_STATES = ("selected", "convention", "in_progress", "closed")
RECEIVED_STATES_EXCLUDED = ("draft",)


def laureates(*, programme_slug: str = "", call_slug: str = "", theme_code: str = "", query: str = "") -> QuerySet[Dossier]:
    """Selected dossiers of published or closed calls, with what the public page shows."""
    queryset = (
        Dossier.objects.filter(state__in=LAUREATE_STATES, granted_amount__isnull=False,
                               theme__call__status__in=("published", "closed"))
        .select_related("organisation", "theme__call__programme")
        .only(
            "reference", "acronym", "title", "summary", "granted_amount", "planned_start", "duration_months",
            "organisation__name", "organisation__siret", "theme__code", "theme__title", "theme__call__slug",
            "theme__call__title", "theme__call__programme__slug", "theme__call__programme__name",
            "theme__call__programme__grantor_name", "theme__call__programme__grantor_siret",
            "theme__call__programme__fund",
        )
        .order_by("theme__call__title", "theme__code", "acronym")
    )
    if programme_slug:
        queryset = queryset.filter(theme__call__programme__slug=programme_slug)
    if call_slug:
        queryset = queryset.filter(theme__call__slug=call_slug)
    if theme_code:
        queryset = queryset.filter(theme__code=theme_code)
    if query:
        queryset = queryset.filter(
            Q(acronym__icontains=query) | Q(title__icontains=query) | Q(summary__icontains=query)
            | Q(organisation__name__icontains=query)
        )
    return queryset


def call_statistics(*, call) -> dict:
    """Public figures of a call: dossiers received, selected, total granted (no personal data)."""
    from django.db.models import Count, Sum

    dossiers = Dossier.objects.filter(theme__call=call).exclude(state__in=RECEIVED_STATES_EXCLUDED)
    totals = dossiers.aggregate(
        received=Count("pk"),
        selected=Count("pk", filter=Q(state__in=LAUREATE_STATES)),
        granted=Sum("granted_amount", filter=Q(state__in=LAUREATE_STATES)),
    )
    return {"received": totals["received"], "selected": totals["selected"], "granted": totals["granted"] or 0}
