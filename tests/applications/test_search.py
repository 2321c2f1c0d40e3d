"""Full-text search over the deposited text: French, unaccented and stemmed on PostgreSQL, plain on SQLite."""

import pytest
from django.db import connection
from django.urls import reverse

from applications.models import DossierSearchText
from applications.search import search_text_of
from applications.selectors import staff_dossier_list
from applications.services import submission
from portal.models import Role
from portal.services import role_assign
from tests.applications.conftest import complete
from tests.applications.factories import DossierFactory
from tests.concurrency import require_postgresql
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def indexed(session, text: str, **fields):
    dossier = DossierFactory(session=session, submitted=True, **fields)
    DossierSearchText.objects.create(dossier=dossier, content=text)
    return dossier


@pytest.fixture
def staff(session):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=session.theme.call.programme)
    return user


def test_the_deposit_indexes_answers_partners_and_document_names(session, member, pdf_file, dossier, staff):
    dossier = complete(dossier, member.user, pdf_file)
    submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)
    text = DossierSearchText.objects.get(dossier=dossier).content
    assert "Trop de papier." in text and "lettre.pdf" in text and "SIMPL" in text
    assert [d.pk for d in staff_dossier_list(staff, query="papier")] == [dossier.pk]


def test_search_text_of_reads_nested_answers():
    content = {"project": {"acronym": "A", "title": "T"}, "answers": {"k": ["Un", {"x": "Deux"}], "n": 3}}
    assert search_text_of(content) == "A\nT\nUn\nDeux"


def test_staff_list_finds_a_word_of_the_answers(client, session, staff, settings):
    settings.PORTAL_ENFORCE_MFA = False
    found = indexed(session, "Une démarche de télé-procédure pour les cartes grises")
    indexed(session, "Rien à voir")
    client.force_login(staff)
    response = client.get(reverse("applications:staff_list"), {"q": "cartes grises"})
    assert [d.pk for d in response.context["rows"]] == [found.pk]


def test_french_search_is_unaccented_stemmed_and_ranked(session, staff, services_required):
    require_postgresql(services_required)
    weak = indexed(session, "Une évaluation rapide.\nSuivi des usagers.")
    strong = indexed(session, "Évaluation des politiques publiques.\nÉvaluations annuelles et évaluation finale.")
    indexed(session, "Un projet d'archivage.")
    assert connection.vendor == "postgresql"
    results = list(staff_dossier_list(staff, query="evaluations"))
    assert results == [strong, weak]
