"""Demo calls for `load_demo`: every call of the source documents, as published, plus one
open "démo" session per theme so that a visitor can go through the applicant journey.

The source calls admit historic expenses only (France Relance: 2021–2022); a demonstration
session of such a theme admits this year's and next year's instead, so that a dossier typed
today can be submitted. Idempotent: a document whose calls are already there is skipped; the
demo sessions are moved to start today each time the command runs.
"""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.db import transaction
from django.utils import timezone

from calls.interchange import call_document_load
from calls.models import Call, Programme, Session, SessionKind, Theme
from calls.selectors import rule_of
from portal import services
from portal.demo import demo_user
from portal.models import Role

DATA_DIR = Path(__file__).parent / "data"
PARIS = ZoneInfo("Europe/Paris")
DEMO_SESSION_DAYS = 30
DEMO_SESSION_KEY = "demo"
# A two-step call also opens its first step, the expression of interest, beside the full dossier.
DEMO_INTEREST_SESSION_KEY = "demo-manifestation"


def call_documents() -> list[Path]:
    """The YAML call files of the source documents (laureate lists are read by applications.demo)."""
    return sorted(path for path in DATA_DIR.glob("*.yaml") if not path.stem.endswith("_laureates"))


def demo_session_kind(theme: Theme) -> str:
    if theme.call.is_two_step:
        return SessionKind.FULL_DOSSIER
    if theme.kinds == ["guichet"]:
        return SessionKind.OPEN_WINDOW
    return SessionKind.CALL_FOR_PROJECTS


def open_demo_sessions(*, today: datetime.date | None = None) -> int:
    """Open (or move) each theme's demo session: from today 00:00 to today + 30 days 17:00, Paris time,
    admitting this year's and next year's expenses where the theme's rule limits the years."""
    today = today or timezone.localdate()
    opens_at = datetime.datetime.combine(today, datetime.time(0, 0), tzinfo=PARIS)
    closes_at = datetime.datetime.combine(
        today + datetime.timedelta(days=DEMO_SESSION_DAYS), datetime.time(17, 0), tzinfo=PARIS
    )
    # Only published calls take deposits; the source calls are loaded as published for that reason.
    themes = Theme.objects.select_related("call").filter(call__status=Call.Status.PUBLISHED)
    for theme in themes:
        rule = rule_of(theme)
        dated = rule is not None and bool(rule.eligible_years)
        demo_sessions = [(DEMO_SESSION_KEY, "Session de démonstration", demo_session_kind(theme))]
        if theme.call.is_two_step:
            demo_sessions.append(
                (
                    DEMO_INTEREST_SESSION_KEY,
                    "Manifestation d'intérêt (démonstration)",
                    SessionKind.EXPRESSION_OF_INTEREST,
                )
            )
        for key, name, kind in demo_sessions:
            Session.objects.update_or_create(
                theme=theme,
                key=key,
                defaults={
                    "name": name,
                    "kind": kind,
                    "opens_at": opens_at,
                    "closes_at": closes_at,
                    "is_demo": True,
                    "eligible_first_year": today.year if dated else None,
                    "eligible_last_year": today.year + 1 if dated else None,
                    "note": "Session ouverte pour la démonstration du portail ; les sessions historiques restent closes.",
                },
            )
    return len(themes)


@transaction.atomic
def load(*, stdout=None) -> None:
    imported = []
    for path in call_documents():
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        slugs = [call["slug"] for call in document["calls"]]
        if Call.objects.filter(slug__in=slugs).exists():
            continue
        imported += call_document_load(data=document, actor=None)
    opened = open_demo_sessions()
    staff, operator = demo_user("equipe@demo.gouv.fr"), demo_user("operateur@demo.gouv.fr")
    for programme in Programme.objects.all():
        services.role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=programme)
        services.role_assign(actor=None, user=operator, role=Role.FUND_OPERATOR, scope=programme)
    if stdout is not None:
        stdout.write(
            f"Appels de démonstration : {len(imported)} importé(s), {opened} session(s) de démonstration ouvertes."
        )
