"""An applicant builds a dossier, submits it, and answers the complement request of programme staff."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Dossier
from portal.models import Role
from portal.services import role_assign
from tests.applications.conftest import member, pdf_file, session, theme  # noqa: F401 (fixtures)
from tests.e2e.test_staff_call_setup import log_in
from tests.portal.factories import UserFactory
from tests.portal.upload_corpus import pdf

pytestmark = pytest.mark.django_db(transaction=True)


def open_menu(page, name: str, heading: str = "") -> None:
    """Follow the dossier's side menu to `name` (links carry progress counts after the name)."""
    page.locator("nav.fr-sidemenu").get_by_role("link", name=re.compile("^" + re.escape(name))).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading or name)


# Autosave waits for a pause in typing, then the server answers: slower than a click on a loaded machine.
AUTOSAVE_TIMEOUT = 15_000


@pytest.fixture(autouse=True)
def _patient_expectations(page):
    """Submission renders the receipt PDF in the request (Celery is eager): give pages time on a busy machine."""
    page.set_default_timeout(20_000)
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the tests that run next


def expect_autosaved(page) -> None:
    expect(page.locator("#save-status")).to_contain_text("Enregistré à", timeout=AUTOSAVE_TIMEOUT)


def budget_line(page, *, label: str, amount: str) -> None:
    page.get_by_label("Libellé (ligne 1)").fill(label)
    page.get_by_label("Année (ligne 1)").fill("2021")
    page.get_by_label("Catégorie (ligne 1)").select_option("external_services")
    page.get_by_label("Financement (ligne 1)").select_option("programme")
    amount_input = page.get_by_label("Montant (€) (ligne 1)")
    amount_input.fill(amount)
    amount_input.blur()  # "change" fires: htmx saves and re-evaluates


def test_applicant_builds_submits_and_completes_a_dossier(
    page, live_server, assert_accessible, browser, session, member
):
    log_in(page, live_server, member.user.email)

    # Start a draft in the open session.
    page.goto(live_server.url + reverse("applications:dossier_start", args=[session.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nouveau dossier : ITN6")
    assert_accessible(page)
    page.get_by_label("Acronyme du projet").fill("DEMAT")
    page.get_by_label("Titre du projet").fill("Dématérialiser les demandes")
    page.get_by_label("Résumé").fill("Moins de papier pour les usagers.")
    page.get_by_role("button", name="Créer le brouillon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DEMAT — Dématérialiser les demandes")
    expect(page.get_by_text("Brouillon — non déposé.")).to_be_visible()
    assert_accessible(page)
    dossier = Dossier.objects.get(acronym="DEMAT")

    # Project, partners and team pages.
    open_menu(page, "Projet et partenaires")
    assert_accessible(page)
    open_menu(page, "Équipe")
    assert_accessible(page)

    # Sections autosave as the applicant types; the conditional field follows its condition.
    open_menu(page, "Le projet")
    assert_accessible(page)
    page.get_by_label("Problème résolu").fill("Trop de papier.")
    page.get_by_label("Problème résolu").blur()
    expect_autosaved(page)
    followers = page.get_by_label("Lesquels ?")
    expect(followers).to_be_hidden()
    # DSFR draws radios and checkboxes on their labels: click the label, as a person does.
    page.locator("main label", has_text=re.compile("^Oui$")).click()
    expect(followers).to_be_visible()
    page.locator("main label", has_text=re.compile("^Non$")).click()
    expect(followers).to_be_hidden()
    expect_autosaved(page)
    page.get_by_label("Nombre d'usagers").fill("beaucoup")
    page.get_by_label("Nombre d'usagers").blur()
    expect(page.locator("#save-status")).to_contain_text("Saisissez un nombre entier.", timeout=AUTOSAVE_TIMEOUT)
    page.get_by_label("Nombre d'usagers").fill("1200")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Section enregistrée à")
    assert_accessible(page)

    open_menu(page, "L'équipe")
    page.get_by_label("Cheffe ou chef de projet").fill("cheffe@exemple.gouv.fr")
    page.get_by_label("Cheffe ou chef de projet").blur()
    expect_autosaved(page)

    # The budget is evaluated by the theme's rule on every change.
    open_menu(page, "Budget")
    assert_accessible(page)
    budget_line(page, label="Prestation de développement", amount="150 000")
    result = page.locator("#budget-result")
    expect(result).to_contain_text("Le budget ne respecte pas la règle", timeout=AUTOSAVE_TIMEOUT)
    expect(result).to_contain_text("Taille du projet hors de la fourchette attendue")
    assert_accessible(page)
    amount = page.get_by_label("Montant (€) (ligne 1)")
    amount.fill("30 000")
    amount.blur()
    expect(result).to_contain_text("Le budget respecte la règle de cofinancement du thème.", timeout=AUTOSAVE_TIMEOUT)
    page.get_by_role("button", name="Enregistrer le budget").click()
    expect(page.get_by_role("status")).to_contain_text("Budget enregistré à")
    expect(page.get_by_label("Montant (€) (ligne 1)")).to_have_value("30 000,00")

    # The required document.
    open_menu(page, "Pièces")
    assert_accessible(page)
    page.get_by_label("Ajouter un fichier : Lettre d'engagement signée").set_input_files(
        files=[{"name": "lettre.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_contain_text("fichier « lettre.pdf » enregistré")
    expect(page.get_by_role("link", name="lettre.pdf")).to_be_visible()
    assert_accessible(page)

    # Review and submit.
    open_menu(page, "Vérifier et déposer")
    expect(page.get_by_text("Trop de papier.")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("Je certifie l'exactitude").click()
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_role("status")).to_contain_text("Dossier déposé le")
    expect(page.locator(".dossier-banner")).to_contain_text("Déposé — déposé le")
    receipt = page.get_by_role("link", name="accusé de réception (PDF)")
    expect(receipt).to_be_visible()
    assert_accessible(page)
    response = page.request.get(live_server.url + receipt.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf" and response.body().startswith(b"%PDF")

    open_menu(page, "Messages", heading="Messages avec l'équipe du programme")
    page.get_by_label("Votre message").fill("Le dossier est déposé, merci.")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_contain_text("Message envoyé.")
    expect(page.get_by_text("Le dossier est déposé, merci.")).to_be_visible()
    assert_accessible(page)

    # Programme staff ask for a complement on the first section, in their own browser.
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=session.theme.call.programme)
    staff_context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    staff_page = staff_context.new_page()
    staff_page.set_default_timeout(20_000)
    log_in(staff_page, live_server, staff.email)
    staff_page.goto(live_server.url + reverse("applications:staff_dossier", args=[dossier.pk]))
    expect(staff_page.get_by_text("Version déposée n°1")).to_be_visible()
    expect(staff_page.get_by_text("Le dossier est déposé, merci.")).to_be_visible()
    assert_accessible(staff_page)
    staff_page.get_by_role("link", name="Demander des compléments").click()
    assert_accessible(staff_page)
    staff_page.get_by_label("Ce qui est attendu").fill("Chiffrez le nombre d'usagers concernés.")
    staff_page.locator("main label", has_text=re.compile("^Le projet$")).click()
    due = timezone.localtime() + timedelta(days=15)
    staff_page.get_by_label("À rendre avant le").fill(due.strftime("%Y-%m-%dT%H:%M"))
    staff_page.get_by_role("button", name="Envoyer la demande").click()
    expect(staff_page.get_by_role("status")).to_contain_text("Demande de compléments envoyée au porteur.")
    staff_context.close()

    # The applicant sees the request, edits the reopened section only, and sends the complement.
    page.goto(live_server.url + reverse("applications:dossier_detail", args=[dossier.pk]))
    expect(page.get_by_text("Chiffrez le nombre d'usagers concernés.", exact=True)).to_be_visible()
    assert_accessible(page)
    open_menu(page, "L'équipe")
    expect(page.get_by_text("Cette section n'est pas modifiable")).to_be_visible()
    open_menu(page, "Le projet")
    page.get_by_label("Nombre d'usagers").fill("4500")
    page.get_by_label("Nombre d'usagers").blur()
    expect_autosaved(page)
    open_menu(page, "Vue d'ensemble", heading="DEMAT")
    page.get_by_role("link", name="Transmettre les compléments").click()
    assert_accessible(page)
    page.get_by_role("button", name="Transmettre les compléments").click()
    expect(page.get_by_role("status")).to_contain_text("Compléments transmis le")
    expect(page.get_by_role("link", name="accusé de réception (PDF)")).to_have_count(2)
    assert_accessible(page)
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
    assert dossier.snapshots.get(number=2).content["answers"]["usagers"] == 4500


def test_two_colleagues_editing_the_same_section_see_the_conflict(
    page, live_server, assert_accessible, browser, session, member
):
    from applications.services import drafting
    from tests.portal.factories import MembershipFactory

    dossier = drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, acronym="SIMPL", title="Simplifier"
    )
    colleague = MembershipFactory(organisation=member.organisation).user
    url = live_server.url + reverse("applications:section", args=[dossier.pk, "projet"])
    log_in(page, live_server, member.user.email)
    page.goto(url)
    other_context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    other = other_context.new_page()
    other.set_default_timeout(20_000)
    log_in(other, live_server, colleague.email)
    other.goto(url)

    page.get_by_label("Problème résolu").fill("Version d'Alice")
    page.get_by_label("Problème résolu").blur()
    expect_autosaved(page)
    other.get_by_label("Problème résolu").fill("Version de Bob")
    other.get_by_label("Problème résolu").blur()
    status = other.locator("#save-status")
    expect(status).to_contain_text("Modification simultanée", timeout=AUTOSAVE_TIMEOUT)
    expect(status).to_contain_text("Version d'Alice")
    expect(other.get_by_label("Problème résolu")).to_have_value("Version de Bob")
    assert_accessible(other)
    # Bob keeps his version knowingly: the conflict gave his page the version to overwrite.
    other.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(other.get_by_role("status")).to_contain_text("Section enregistrée à")
    other_context.close()
    dossier.refresh_from_db()
    assert dossier.answers["probleme"] == "Version de Bob"

    # Withdrawal asks for a confirmation first.
    open_menu(page, "Vue d'ensemble", heading="SIMPL")
    page.get_by_role("link", name="Retirer le dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer le dossier")
    assert_accessible(page)
    page.get_by_label("Motif du retrait (facultatif)").fill("Projet reporté.")
    page.get_by_role("button", name="Confirmer le retrait").click()
    expect(page.get_by_role("status")).to_contain_text("Le dossier est retiré.")
    expect(page.locator(".dossier-banner")).to_contain_text("Retiré par le porteur")
    assert_accessible(page)
