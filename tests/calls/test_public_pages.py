"""Public pages of calls: list and filters, call and theme pages, calendar."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, CallKind, RuleVersion
from calls.rules import load_rules
from portal.timing import countdown_label
from tests.calls.factories_public import (
    CriterionFactory,
    InfoSessionFactory,
    MilestoneFactory,
    RequiredDocumentFactory,
)
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def _call_with_session(*, opens_in: timedelta, closes_in: timedelta, **call_fields) -> Call:
    now = timezone.now()
    session = SessionFactory(theme__call=CallFactory(**call_fields), opens_at=now + opens_in, closes_at=now + closes_in)
    return session.theme.call


def open_call(**fields) -> Call:
    return _call_with_session(opens_in=timedelta(days=-5), closes_in=timedelta(days=10), **fields)


def upcoming_call(**fields) -> Call:
    return _call_with_session(opens_in=timedelta(days=5), closes_in=timedelta(days=30), **fields)


def past_call(**fields) -> Call:
    return _call_with_session(opens_in=timedelta(days=-60), closes_in=timedelta(days=-30), **fields)


def listed_titles(client, **params) -> set[str]:
    response = client.get("/appels/", params)
    assert response.status_code == 200
    return {call.title for call in response.context["page"]}


class TestList:
    def test_shows_published_and_closed_calls_only(self, client):
        CallFactory(title="Publié", status=Call.Status.PUBLISHED)
        CallFactory(title="Clos", status=Call.Status.CLOSED)
        CallFactory(title="Brouillon", status=Call.Status.DRAFT)
        CallFactory(title="Archivé", status=Call.Status.ARCHIVED)
        assert listed_titles(client) == {"Publié", "Clos"}

    def test_filters_by_timing_computed_from_sessions(self, client):
        open_call(title="Ouvert")
        upcoming_call(title="Bientôt")
        past_call(title="Passé")
        open_call(title="Clos par l'équipe", status=Call.Status.CLOSED)
        assert listed_titles(client, periode="ouverts") == {"Ouvert"}
        assert listed_titles(client, periode="a-venir") == {"Bientôt"}
        assert listed_titles(client, periode="clos") == {"Passé", "Clos par l'équipe"}

    def test_filters_by_programme_kind_team_and_title(self, client):
        relance = ProgrammeFactory(slug="relance", name="France Relance")
        CallFactory(title="Transformation numérique", programme=relance, owner_team="DINUM")
        CallFactory(title="Guichet ETNA", kind=CallKind.OPEN_WINDOW, owner_team="DITP")
        assert listed_titles(client, programme="relance") == {"Transformation numérique"}
        assert listed_titles(client, type="guichet") == {"Guichet ETNA"}
        assert listed_titles(client, equipe="DITP") == {"Guichet ETNA"}
        assert listed_titles(client, q="numérique") == {"Transformation numérique"}

    def test_invalid_filter_values_are_dropped_and_valid_ones_kept(self, client):
        CallFactory(title="Publié")
        CallFactory(title="Guichet", kind=CallKind.OPEN_WINDOW)
        assert listed_titles(client, programme="inconnu", periode="jamais") == {"Publié", "Guichet"}
        assert listed_titles(client, programme="inconnu", type="guichet") == {"Guichet"}

    def test_card_shows_programme_kind_themes_next_closing_and_badge(self, client):
        call = open_call(title="Appel ITN", programme=ProgrammeFactory(name="Plan de relance"))
        theme = call.themes.get()  # before the second theme: codes from a sequence ("T100" < "T99") do not sort by age
        ThemeFactory(call=call)
        closes_at = theme.sessions.get().closes_at
        SessionFactory(theme=theme, opens_at=closes_at, closes_at=closes_at + timedelta(days=30))
        html = client.get("/appels/").content.decode()
        assert "Plan de relance" in html
        assert "Appel à projets" in html
        assert "2 thèmes" in html
        assert timezone.localtime(closes_at).strftime("%H:%M") in html
        assert ">Ouvert<" in html

    def test_paginates(self, client):
        CallFactory.create_batch(25)
        first = client.get("/appels/")
        assert len(first.context["page"]) == 20
        assert "Page suivante" in first.content.decode()
        assert len(client.get("/appels/", {"page": 2}).context["page"]) == 5

    @pytest.mark.parametrize("count", [5, 200])
    def test_query_count_does_not_grow_with_calls(self, client, django_assert_num_queries, count):
        for index in range(count):
            call = CallFactory(programme=ProgrammeFactory(), owner_team=f"Équipe {index % 3}")
            SessionFactory(theme__call=call)
        # programmes + owner teams for the filters, paginator count, the page's calls with their
        # aggregates and programme (one joined query), their themes' deposit modes.
        with django_assert_num_queries(5):
            response = client.get("/appels/", {"periode": "ouverts"})
        assert response.context["page"].paginator.count == count


class TestCallPage:
    @pytest.mark.parametrize("status", [Call.Status.DRAFT, Call.Status.ARCHIVED])
    def test_hidden_calls_are_not_found(self, client, status):
        theme = ThemeFactory(call__status=status)
        assert client.get(f"/appels/{theme.call.slug}/").status_code == 404
        assert client.get(f"/appels/{theme.call.slug}/themes/{theme.code}/").status_code == 404

    def test_shows_description_themes_with_status_grid_documents_sessions_and_process(self, client):
        call = open_call(
            description="Accélérer la transformation.",
            steps=["Manifestation d'intérêt", "Dossier complet"],
            owner_team="DINUM",
            selection_process="Jury mixte public-privé.",
        )
        upcoming = ThemeFactory(call=call, code="ITN9", title="Thème futur")
        SessionFactory(
            theme=upcoming, opens_at=timezone.now() + timedelta(days=3), closes_at=timezone.now() + timedelta(days=9)
        )
        CriterionFactory(call=call, label="Impact pour l'usager")
        RequiredDocumentFactory(call=call, label="Lettre d'engagement")
        info_session = InfoSessionFactory(call=call, title="Webinaire de présentation")
        html = client.get(f"/appels/{call.slug}/").content.decode()
        for text in (
            "Accélérer la transformation.",
            "Dossier complet",
            "DINUM",
            "Jury mixte public-privé.",
            "ITN9 — Thème futur",
            "À venir",
            "Ouvert",
            "Impact pour l&#x27;usager",
            "Lettre d&#x27;engagement",
            "Webinaire de présentation",
            f"/appels/reunions/{info_session.pk}/inscription/",
        ):
            assert text in html, text

    def test_query_count_does_not_grow_with_themes(self, client):
        def queries_for(theme_count: int) -> int:
            call = CallFactory()
            for _ in range(theme_count):
                SessionFactory(theme=ThemeFactory(call=call))
            InfoSessionFactory(call=call)
            with CaptureQueriesContext(connection) as context:
                assert client.get(f"/appels/{call.slug}/").status_code == 200
            return len(context.captured_queries)

        assert queries_for(2) == queries_for(15)

    def test_past_info_sessions_are_listed_as_past_without_registration(self, client):
        call = CallFactory()
        past = InfoSessionFactory(call=call, title="Réunion passée", past=True)
        html = client.get(f"/appels/{call.slug}/").content.decode()
        past_part = html[html.index("Réunions passées") :]
        assert "Réunion passée" in past_part
        assert "Aucune réunion d'information à venir." in html
        assert reverse("calls:info_session_register", args=[past.pk]) not in html


class TestThemePage:
    def test_unknown_theme_is_not_found(self, client):
        call = CallFactory()
        assert client.get(f"/appels/{call.slug}/themes/NOPE/").status_code == 404

    def test_shows_theme_grid_with_definitions_and_sub_criteria_over_the_calls(self, client):
        theme = ThemeFactory()
        CriterionFactory(call=theme.call, label="Critère de l'appel")
        parent = CriterionFactory(
            call=None,
            theme=theme,
            label="Qualité du projet",
            definition="Méthode et calendrier.",
            threshold=Decimal("2"),
        )
        CriterionFactory(call=None, theme=theme, parent=parent, label="Réalisme du calendrier")
        html = client.get(f"/appels/{theme.call.slug}/themes/{theme.code}/").content.decode()
        assert "Qualité du projet" in html
        assert "Méthode et calendrier." in html
        assert "Réalisme du calendrier" in html
        assert "seuil minimal : 2" in html
        assert "Critère de l&#x27;appel" not in html

    def test_shows_texts_sessions_documents_phases(self, client):
        theme = ThemeFactory(
            cofinancing_text="75 % du coût éligible.",
            eligibility_text="Seuls les préfets de région.",
            commitments=["Publier le code source"],
            examples=["Un guichet unique"],
            indicators=[{"label": "Usagers servis", "frequency": "quarterly"}],
        )
        SessionFactory(theme=theme, name="Vague 1", envelope=Decimal("2500000"))
        RequiredDocumentFactory(call=theme.call, label="Budget détaillé")
        MilestoneFactory(phase__theme=theme, phase__label="Phase d'amorçage", label="Prototype")
        html = client.get(f"/appels/{theme.call.slug}/themes/{theme.code}/").content.decode()
        for text in (
            "75 % du coût éligible.",
            "Seuls les préfets de région.",
            "Publier le code source",
            "Un guichet unique",
            "Usagers servis (Trimestrielle)",
            "Vague 1",
            "2\u202f500\u202f000,00\u202f€",
            "Budget détaillé",
            "Phase d&#x27;amorçage",
            "Prototype",
            "<caption>",
        ):
            assert text in html, text

    def test_open_session_shows_deposit_button_closing_time_and_countdown(self, client):
        now = timezone.now()
        session = SessionFactory(closes_at=now + timedelta(days=3, hours=4, minutes=30))
        theme = session.theme
        html = client.get(f"/appels/{theme.call.slug}/themes/{theme.code}/").content.decode()
        assert "Déposer un dossier" in html
        assert reverse("applications:dossier_start", args=[session.pk]) in html
        assert "Clôture dans 3 jours et 4 heures" in html
        assert timezone.localtime(session.closes_at).strftime("%H:%M") + " (heure de Paris)" in html
        # No rule, no simulator: the link would be a 404.
        assert reverse("simulator:theme", args=[theme.pk]) not in html
        rule = load_rules()["ITN6"]
        RuleVersion.objects.create(theme=theme, number=1, config=rule.to_dict())
        html = client.get(f"/appels/{theme.call.slug}/themes/{theme.code}/").content.decode()
        assert reverse("simulator:theme", args=[theme.pk]) in html
        assert "dépenses des années 2021 à 2022" in html

    @pytest.mark.parametrize(
        "opens_in, closes_in, status",
        [
            (timedelta(days=2), timedelta(days=9), Call.Status.PUBLISHED),
            (timedelta(days=-9), timedelta(days=-2), Call.Status.PUBLISHED),
            (timedelta(days=-9), timedelta(days=2), Call.Status.CLOSED),
        ],
    )
    def test_no_deposit_button_unless_open(self, client, opens_in, closes_in, status):
        call = _call_with_session(opens_in=opens_in, closes_in=closes_in, status=status)
        theme = call.themes.get()
        html = client.get(f"/appels/{call.slug}/themes/{theme.code}/").content.decode()
        assert "Déposer un dossier" not in html
        assert "Clôture dans" not in html


@pytest.mark.parametrize(
    "remaining, label",
    [
        (timedelta(days=3, hours=4, minutes=59), "Clôture dans 3 jours et 4 heures"),
        (timedelta(days=1, minutes=5), "Clôture dans 1 jour et 5 minutes"),
        (timedelta(hours=2, minutes=1), "Clôture dans 2 heures et 1 minute"),
        (timedelta(seconds=30), "Clôture dans moins d'une minute"),
    ],
)
def test_countdown_label(remaining, label):
    assert countdown_label(remaining) == label


class TestCalendar:
    def test_groups_closings_and_info_sessions_by_month(self, client):
        now = timezone.now()
        session = SessionFactory(name="Vague de printemps", closes_at=now + timedelta(days=40))
        InfoSessionFactory(call=session.theme.call, title="Atelier questions", starts_at=now + timedelta(days=3))
        SessionFactory(name="Session brouillon", theme__call__status=Call.Status.DRAFT)
        SessionFactory(name="Session passée", opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))
        response = client.get("/appels/calendrier/")
        html = response.content.decode()
        assert "Vague de printemps" in html and "Atelier questions" in html
        assert "Session brouillon" not in html and "Session passée" not in html
        months = response.context["months"]
        # 37 days apart: always two different months.
        assert [[entry["kind"] for entry in month["entries"]] for month in months] == [["info"], ["closing"]]

    def test_ics_feed_lists_the_same_events(self, client):
        session = SessionFactory(name="Vague 2")
        InfoSessionFactory(call=session.theme.call, title="Webinaire")
        response = client.get("/appels/calendrier.ics")
        assert response["Content-Type"].startswith("text/calendar")
        body = response.content.decode()
        assert body.count("BEGIN:VEVENT") == 2
        assert f"UID:cloture-{session.pk}@" in body
        assert "Vague 2" in body and "Webinaire" in body
