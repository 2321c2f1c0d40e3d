"""A visitor browses the calls, filters them, reads a call and a theme, and registers to an info session."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import Call, InfoSessionRegistration
from portal.models import OutboxMessage
from tests.calls.factories_public import CriterionFactory, InfoSessionFactory, RequiredDocumentFactory
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_call():
    now = timezone.now()
    call = CallFactory(
        title="Innovation et transformation numérique",
        programme=ProgrammeFactory(name="France Relance"),
        owner_team="DINUM",
        description="Soutenir les projets numériques des administrations.",
        selection_process="Un jury mixte classe les dossiers.",
    )
    theme = ThemeFactory(
        call=call,
        code="ITN5",
        title="Services numériques aux usagers",
        cofinancing_text="75 % du coût éligible.",
        eligibility_text="Administrations de l'État.",
    )
    SessionFactory(theme=theme, name="Vague 1", closes_at=now + timedelta(days=12), envelope=Decimal("2000000"))
    parent = CriterionFactory(call=call, label="Impact pour les usagers", definition="Nombre d'usagers concernés.")
    CriterionFactory(call=call, parent=parent, label="Mesure de la satisfaction")
    RequiredDocumentFactory(call=call, label="Budget détaillé")
    InfoSessionFactory(call=call, title="Webinaire de présentation", capacity=2, hybrid=True)
    later = CallFactory(title="Guichet ETNA")
    SessionFactory(theme__call=later, opens_at=now + timedelta(days=20), closes_at=now + timedelta(days=50))
    CallFactory(title="Appel en préparation", status=Call.Status.DRAFT)
    return call


def test_visitor_browses_and_registers(page, live_server, assert_accessible, published_call):
    page.goto(live_server.url + "/appels/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Appels à projets")
    expect(page.get_by_text("Appel en préparation")).to_have_count(0)
    assert_accessible(page)

    page.get_by_label("Période").select_option(label="Ouverts maintenant")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"periode=ouverts"))
    expect(page.get_by_role("heading", level=2, name="Guichet ETNA")).to_have_count(0)
    card = page.get_by_role("heading", level=2, name="Innovation et transformation numérique")
    expect(card).to_be_visible()
    assert_accessible(page)

    card.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Innovation et transformation numérique")
    expect(page.get_by_text("Impact pour les usagers")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="ITN5 — Services numériques aux usagers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ITN5 — Services numériques aux usagers")
    expect(page.get_by_text("Clôture dans 11 jours")).to_be_visible()
    expect(page.get_by_text("75 % du coût éligible.")).to_be_visible()
    expect(page.get_by_role("table", name="Sessions de dépôt (heure de Paris)")).to_contain_text("Vague 1")
    assert_accessible(page)

    page.get_by_role("link", name="S'inscrire à « Webinaire de présentation »").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Webinaire de présentation")
    assert_accessible(page)
    page.get_by_label("Nom et prénom").fill("Nina Agente")
    page.get_by_label("Adresse e-mail").fill("nina.agente@exemple.gouv.fr")
    page.get_by_label("Organisation").fill("Préfecture de la région Normandie")
    page.locator("label", has_text="À distance").click()  # DSFR draws the radio on its label
    page.get_by_role("button", name="Confirmer mon inscription").click()

    expect(page.get_by_role("status")).to_contain_text("Votre inscription est enregistrée")
    assert_accessible(page)
    registration = InfoSessionRegistration.objects.get(email="nina.agente@exemple.gouv.fr")
    assert registration.attendance == InfoSessionRegistration.Attendance.REMOTE
    assert OutboxMessage.objects.filter(to_email="nina.agente@exemple.gouv.fr").exists()

    page.goto(live_server.url + f"/appels/reunions/annulation/{registration.cancel_token}/")
    assert_accessible(page)
    page.get_by_role("button", name="Annuler mon inscription").click()
    expect(page.get_by_role("status")).to_contain_text("Votre inscription est annulée")
    registration.refresh_from_db()
    assert registration.cancelled_at is not None


def test_calendar_is_accessible(page, live_server, assert_accessible, published_call):
    page.goto(live_server.url + "/appels/calendrier/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendrier des appels")
    expect(page.get_by_text("Webinaire de présentation")).to_be_visible()
    assert_accessible(page)
