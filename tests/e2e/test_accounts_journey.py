"""A newcomer signs up, verifies their e-mail, logs in and chooses an organisation."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import Membership, OutboxMessage
from portal.services.organisations import organisation_create
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Un-mot-de-passe-solide-42"


def test_home_page_has_no_serious_accessibility_violation(page, live_server, assert_accessible):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_sign_up_verify_log_in_and_choose_an_organisation(page, live_server, assert_accessible):
    page.goto(live_server.url)
    page.get_by_role("link", name="Créer un compte").click()
    assert_accessible(page)
    page.locator("#id_email").fill("nina.agente@exemple.gouv.fr")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Création de compte").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vérifiez votre adresse e-mail")

    body = OutboxMessage.objects.get(to_email="nina.agente@exemple.gouv.fr").body
    confirmation_path = re.search(r"(/comptes/confirm-email/[^/\s]+/)", body).group(1)
    page.goto(live_server.url + confirmation_path)
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer").click()

    # Logged in on confirmation; log out and in again to check the credentials work.
    page.get_by_role("link", name="Se déconnecter").click()
    page.locator("main form").get_by_role("button").click()
    page.get_by_role("link", name="Se connecter").click()
    page.locator("#id_login").fill("nina.agente@exemple.gouv.fr")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir mon organisation")
    assert_accessible(page)
    page.get_by_label("Nom de l'organisation").fill("Préfecture de la région Normandie")
    page.get_by_label("Type d'organisation").select_option("prefecture_region")
    page.get_by_label("SIRET (facultatif)").fill("130 025 265 00014")
    page.get_by_role("button", name="Créer l'organisation").click()
    # The summary of errors takes focus and links to the field, whose own message says why.
    summary = page.locator("main [role=alert]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="SIRET (facultatif)")).to_be_visible()
    expect(page.locator("#id_siret_error")).to_contain_text("clé de contrôle")
    expect(page.get_by_label("Nom de l'organisation")).to_have_value("Préfecture de la région Normandie")
    page.get_by_label("SIRET (facultatif)").fill("130 025 265 00013")
    page.get_by_role("button", name="Créer l'organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Préfecture de la région Normandie")
    expect(page.get_by_role("status")).to_contain_text("vous en êtes membre et référent")
    assert_accessible(page)
    assert Membership.objects.get(user__email="nina.agente@exemple.gouv.fr").is_referent


def log_in(page, live_server, email):
    page.goto(live_server.url + "/comptes/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()


def test_a_colleague_asks_to_join_and_the_referent_decides(page, live_server, assert_accessible):
    """Built through the services and the UI: the creator is référent, the colleague waits, then is granted."""
    referent = UserFactory(email="referente@normandie.gouv.fr")
    organisation = organisation_create(actor=referent, name="SGAR Normandie", kind="prefecture_region")
    UserFactory(email="colin.collegue@exemple.fr")

    log_in(page, live_server, "colin.collegue@exemple.fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir mon organisation")
    page.get_by_label("Rechercher une organisation (nom ou SIRET)").fill("Normandie")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("button", name="Demander à rejoindre").click()
    expect(page.get_by_role("status")).to_contain_text("transmise aux référents")
    expect(page.get_by_role("button", name="Retirer ma demande")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + f"/mon-espace/organisation/{organisation.pk}/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("SGAR Normandie")  # nothing of it yet
    page.goto(live_server.url + "/comptes/logout/")
    page.locator("main form").get_by_role("button").click()

    log_in(page, live_server, "referente@normandie.gouv.fr")
    page.get_by_role("link", name=re.compile("Demandes d'adhésion")).click()
    expect(page.get_by_text("colin.collegue@exemple.fr")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accorder").click()
    expect(page.get_by_role("status")).to_contain_text("est désormais membre de « SGAR Normandie »")
    page.goto(live_server.url + f"/mon-espace/organisation/{organisation.pk}/")
    expect(page.get_by_role("cell", name=re.compile("colin.collegue@exemple.fr"))).to_be_visible()
    assert_accessible(page)
    assert Membership.objects.filter(user__email="colin.collegue@exemple.fr", organisation=organisation).exists()
