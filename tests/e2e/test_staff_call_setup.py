"""Programme staff set up a call from scratch in the back-office and publish it."""

import re

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from calls.models import Call, Criterion, FormDefinition
from portal.models import Role
from portal.services import role_assign
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + reverse("account_login"))
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def save(page, name: str = "Enregistrer") -> None:
    page.locator("main").get_by_role("button", name=name, exact=True).click()


def add_criterion(page, code: str, label: str, weight: str) -> None:
    page.get_by_role("link", name="Ajouter un critère").click()
    page.locator("#id_code").fill(code)
    page.locator("#id_label").fill(label)
    page.locator("#id_weight").fill(weight)
    save(page)
    expect(page.get_by_role("status")).to_contain_text("Le critère est ajouté.")


def add_section(page, key: str, title: str) -> None:
    page.locator("#id_section-key").fill(key)
    page.locator("#id_section-title").fill(title)
    page.get_by_role("button", name="Ajouter la section").click()
    expect(page.get_by_role("heading", name=re.compile(title))).to_be_visible()


def test_staff_create_and_publish_a_call(page, live_server, assert_accessible):
    programme = ProgrammeFactory(name="Fonds de transformation")
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    log_in(page, live_server, user.email)

    page.goto(live_server.url + reverse("calls_staff:list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gestion des appels")
    assert_accessible(page)

    # The call
    page.get_by_role("link", name="Nouvel appel").click()
    assert_accessible(page)
    page.locator("#id_programme").select_option(label="Fonds de transformation")
    page.locator("#id_slug").fill("aap-innovation-2030")
    page.locator("#id_title").fill("Appel à projets Innovation 2030")
    page.locator("#id_kind").select_option("aap")
    save(page, "Créer l'appel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Appel à projets Innovation 2030")
    assert_accessible(page)

    # A theme and a session (Paris time)
    page.get_by_role("link", name="Ajouter un thème").click()
    assert_accessible(page)
    page.locator("#id_code").fill("INNO1")
    page.locator("#id_title").fill("Services publics numériques")
    save(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("INNO1 — Services publics numériques")
    page.get_by_role("link", name="Ajouter une session").click()
    assert_accessible(page)
    page.locator("#id_key").fill("printemps-2030")
    page.locator("#id_name").fill("Session de printemps")
    page.locator("#id_kind").select_option("aap")
    page.locator("#id_opens_at").fill("2030-04-01T10:00")
    page.locator("#id_closes_at").fill("2030-03-01T10:00")
    save(page)
    expect(page.locator("#id_closes_at-error")).to_contain_text("postérieure à la date d'ouverture")
    assert_accessible(page)
    page.locator("#id_closes_at").fill("2030-05-15T17:00")
    save(page)
    expect(page.get_by_role("cell", name="15/05/2030 17:00")).to_be_visible()

    # A grid of three criteria
    for code, label, weight in [("1", "Impact pour les usagers", "3"), ("2", "Faisabilité", "2"), ("3", "Coût", "1")]:
        add_criterion(page, code, label, weight)
    assert_accessible(page)

    # A two-section form with a conditional field
    page.get_by_role("link", name="Construire le formulaire").click()
    page.get_by_role("button", name="Créer le formulaire").click()
    add_section(page, "projet", "Le projet")
    assert_accessible(page)
    page.locator("#id_field-section_key").select_option("projet")
    page.locator("#id_field-key").fill("partenaires")
    page.locator("#id_field-label").fill("Le projet a-t-il des partenaires ?")
    page.locator("#id_field-kind").select_option("yes_no")
    page.get_by_role("button", name="Ajouter le champ").click()
    add_section(page, "partenariat", "Partenariat")
    page.locator("#id_field-section_key").select_option("partenariat")
    page.locator("#id_field-key").fill("liste_partenaires")
    page.locator("#id_field-label").fill("Listez vos partenaires")
    page.locator("#id_field-kind").select_option("long_text")
    page.locator("#id_field-show_if_field").select_option("partenaires")
    page.locator("#id_field-show_if_equals").fill("oui")
    page.get_by_role("button", name="Ajouter le champ").click()
    expect(page.get_by_role("cell", name=re.compile("si partenaires"))).to_be_visible()
    assert_accessible(page)

    page.locator("main").get_by_role("link", name="Aperçu", exact=True).click()
    expect(page.get_by_text("Affiché si « partenaires » vaut « oui »")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Retour au formulaire").click()
    page.get_by_role("link", name="Publier la version 1").click()
    assert_accessible(page)
    save(page, "Publier la version")
    expect(page.get_by_role("status")).to_contain_text("La version 1 du formulaire est publiée.")

    # Publish the call, after a confirmation page
    page.get_by_role("link", name="Appel à projets Innovation 2030").first.click()
    page.locator("main").get_by_role("link", name="Publier l'appel").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publier l'appel")
    assert_accessible(page)
    save(page, "Publier l'appel")
    expect(page.get_by_role("status")).to_contain_text("L'appel est désormais « Publié ».")

    call = Call.objects.get(slug="aap-innovation-2030")
    assert call.status == Call.Status.PUBLISHED
    assert Criterion.objects.filter(theme__call=call).count() == 3
    form = FormDefinition.objects.get(theme__call=call)
    assert form.status == FormDefinition.Status.PUBLISHED and len(form.schema["sections"]) == 2

    try:
        public_list = reverse("calls:public_list")
    except NoReverseMatch:
        return  # the public pages are not there yet
    page.get_by_role("link", name="Se déconnecter").click()
    page.locator("main form").get_by_role("button").click()
    page.goto(live_server.url + public_list)
    expect(page.get_by_text("Appel à projets Innovation 2030").first).to_be_visible()
