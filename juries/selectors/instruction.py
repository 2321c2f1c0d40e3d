"""Reads of the instruction: sessions and dossiers awaiting it, and the double-funding check."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from applications.models import Dossier
from applications.selectors import dossier_search, dossiers_of_staff, similar_text
from applications.workflow import TO_INSTRUCT
from calls.models import Session
from portal.selectors import user_roles

# Instruction ------------------------------------------------------------------------------------


def double_funding_flags(dossiers) -> dict[int, list[Dossier]]:
    """Per dossier, other dossiers of a carrier with the same SIREN and a similar title or acronym,
    in another theme, session or programme (drafts and withdrawn ones aside). Two queries."""
    dossiers = list(dossiers)
    sirens = {d.organisation.siren for d in dossiers if d.organisation.siret}
    if not sirens:
        return {}
    condition = Q()
    for siren in sirens:
        condition |= Q(organisation__siret__startswith=siren)
    candidates = list(
        Dossier.objects.filter(condition)
        .exclude(state__in=("draft", "withdrawn"))
        .select_related("organisation", "theme__call", "session")
    )
    flags: dict[int, list[Dossier]] = {}
    for dossier in dossiers:
        if not dossier.organisation.siret:
            continue
        matches = [
            other
            for other in candidates
            if other.pk != dossier.pk
            and other.organisation.siren == dossier.organisation.siren
            and (other.theme_id != dossier.theme_id or other.session_id != dossier.session_id)
            and (similar_text(other.acronym, dossier.acronym) or similar_text(other.title, dossier.title))
        ]
        if matches:
            flags[dossier.pk] = matches
    return flags


def instruction_sessions(user) -> QuerySet:
    """Sessions of the user's programmes with how many dossiers await instruction."""
    roles = user_roles(user)
    sessions = Session.objects.select_related("theme__call")
    if not roles.is_admin:
        sessions = sessions.filter(theme__call__programme_id__in=roles.staff_programme_ids)
    return (
        sessions.annotate(to_instruct=Count("dossiers", filter=Q(dossiers__state__in=TO_INSTRUCT)))
        .filter(to_instruct__gt=0)
        .order_by("theme__call__title", "theme__code", "opens_at")
    )


def instruction_queue(user, session_id: int, *, query: str = "") -> QuerySet[Dossier]:
    """Dossiers of one session awaiting instruction, for staff of its programme, oldest deposit first."""
    return dossier_search(
        dossiers_of_staff(user)
        .filter(session_id=session_id, state__in=TO_INSTRUCT)
        .select_related("organisation")
        .order_by("submitted_at", "reference"),
        query,
    )
