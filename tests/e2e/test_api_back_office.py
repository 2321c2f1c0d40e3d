"""Programme staff open « API et webhooks », create a token (its secret shown once), a script reads the dossiers
with it, they register a webhook, then revoke the token after confirming; every page passes axe."""

import pytest
import requests
from django.urls import reverse
from playwright.sync_api import expect

from api.models import ApiToken, WebhookEndpoint
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory
from tests.e2e.test_staff_exports import log_in
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_create_use_and_revoke_a_token_and_register_a_webhook(page, live_server, assert_accessible):
    programme = ProgrammeFactory(name="France Relance TNE")
    session = SessionFactory(theme=ThemeFactory(call=CallFactory(programme=programme)))
    dossier = DossierFactory(session=session, submitted=True, acronym="SYNCHRO")
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    log_in(page, live_server, user.email)

    page.get_by_role("link", name="API et webhooks").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API et webhooks")
    assert_accessible(page)
    page.get_by_role("link", name="Jetons d'API — France Relance TNE").click()
    page.get_by_label("Nom du jeton").fill("Statistiques")
    page.locator("main label", has_text="Dossiers : lecture").click()  # the DSFR label covers its box
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.get_by_role("status")).to_contain_text("il ne sera plus jamais affiché")
    secret = page.locator("#secret-once").input_value()
    assert secret.startswith("pap_")
    assert_accessible(page)

    answer = requests.get(
        f"{live_server.url}/api/v1/dossiers", headers={"Authorization": f"Bearer {secret}"}, timeout=20
    )
    assert answer.status_code == 200 and [item["acronym"] for item in answer.json()["items"]] == ["SYNCHRO"]
    assert answer.json()["items"][0]["id"] == dossier.pk

    page.goto(live_server.url + reverse("api_staff:webhooks", args=[programme.pk]))
    page.get_by_label("Adresse (https://…)").fill("https://finances.exemple.gouv.fr/portail")
    page.locator("main label", has_text="Paiement enregistré").click()
    page.get_by_role("button", name="Enregistrer le webhook").click()
    expect(page.get_by_role("status")).to_contain_text("secret de signature")
    assert WebhookEndpoint.objects.get().events == ["payment.recorded"]
    assert_accessible(page)

    page.goto(live_server.url + reverse("api_staff:tokens", args=[programme.pk]))
    expect(page.locator("#secret-once")).to_have_count(0)
    page.get_by_role("link", name="Révoquer Statistiques").click()
    assert_accessible(page)
    page.get_by_role("button", name="Révoquer définitivement").click()
    expect(page.get_by_role("table")).to_contain_text("révoqué")
    assert ApiToken.objects.get().revoked_at is not None
    answer = requests.get(
        f"{live_server.url}/api/v1/dossiers", headers={"Authorization": f"Bearer {secret}"}, timeout=20
    )
    assert answer.status_code == 401 and answer.headers["Content-Type"] == "application/problem+json"
