"""What the public reads of the source calls: no editorial remark meant for the team, recurring
sessions stated once, past information meetings kept, the ways of depositing read from the themes."""

import re
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from calls.demo import call_documents
from calls.interchange import call_file_import
from calls.models import Call, Theme
from tests.portal.page_text import page_text

DATA = Path(__file__).resolve().parents[2] / "calls" / "data"

# How the team wrote down a choice of its own where a source is silent (now in the seeds' comments).
EDITORIAL = re.compile(
    r"non publiée?|n'est pas publié|ne sont pas publiées|choix de démonstration|est retenue?\b|retenue? :|"
    r"retenus sur la base|rythme mensuel retenu|sont générées|proposée?s? par l'équipe|le livret ne fixe pas",
    re.IGNORECASE,
)


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("path", call_documents(), ids=lambda path: path.stem)
def test_no_editorial_remark_reaches_the_public(path):
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    remarks = [text for text in strings(document) if EDITORIAL.search(text)]
    assert remarks == []


def visible_text(response) -> str:
    assert response.status_code == 200
    return " ".join(page_text(response.content.decode()).split())


def load(name: str) -> list[Call]:
    return call_file_import(path=DATA / name)


@pytest.fixture
def france_relance(db):
    [call] = load("france_relance_2020.yaml")
    return call


def test_a_monthly_guichet_states_its_note_once(client, france_relance):
    theme = Theme.objects.get(call=france_relance, code="ITN6")
    page = client.get(reverse("calls:theme_detail", args=[france_relance.slug, theme.code]))
    text = visible_text(page)
    sessions = list(theme.sessions.all())
    note = sessions[0].note
    assert len(sessions) > 10 and {session.note for session in sessions} == {note}
    assert text.count(note) == 1
    assert f"{len(sessions)} sessions : {note}" in text
    # Every month is still listed with its dates.
    for session in sessions:
        assert session.name in text


def test_a_call_of_mostly_guichets_is_not_labelled_a_call_for_projects(client, france_relance):
    text = visible_text(client.get(reverse("calls:public_list")))
    assert "Guichet Appel à projets" in text
    call_page = visible_text(client.get(reverse("calls:call_detail", args=[france_relance.slug])))
    assert call_page.index("Guichet") < call_page.index("Appel à projets")


@pytest.mark.django_db
def test_an_expression_of_interest_theme_says_so(client):
    load("pia_2016.yaml")
    lit = Theme.objects.get(call__kind="ami")
    text = visible_text(client.get(reverse("calls:theme_detail", args=[lit.call.slug, lit.code])))
    assert "Modes de dépôt Appel à manifestation d'intérêt puis dossier" in text


@pytest.mark.django_db
def test_past_information_meetings_are_shown_as_past(client):
    [etna] = load("etna_2019.yaml")
    text = visible_text(client.get(reverse("calls:call_detail", args=[etna.slug])))
    assert "Aucune réunion d'information n'est prévue" not in text
    assert "Aucune réunion d'information à venir." in text
    assert "Réunions passées" in text
    for info_session in etna.info_sessions.all():
        assert info_session.title in text
    assert "S'inscrire" not in text
