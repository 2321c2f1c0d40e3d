"""Staff build a whole call from scratch in the back-office, check it and publish it; a visitor
simulates, an applicant submits: no object prepared by code but the accounts."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Dossier
from calls.models import Call
from portal.models import Role
from portal.services import role_assign
from tests.portal.factories import PASSWORD, MembershipFactory, UserFactory
from tests.portal.upload_corpus import pdf

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


def log_out(page) -> None:
    page.get_by_role("link", name="Se déconnecter").click()
    page.locator("main form").get_by_role("button").click()


def click_label(page, text: str) -> None:
    """DSFR draws radios and checkboxes on their labels: click the label, as a person does."""
    page.locator("main label", has_text=re.compile("^" + re.escape(text))).first.click()


def paris(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(autouse=True)
def _patient_expectations(page):
    """Submission renders the receipt PDF in the request (Celery is eager): give pages time on a busy machine."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def test_staff_build_check_and_publish_a_call_a_visitor_simulates_an_applicant_submits(
    page, live_server, assert_accessible
):
    admin = UserFactory()
    role_assign(actor=None, user=admin, role=Role.ADMIN)
    staff = UserFactory(email="equipe@fonds.gouv.fr")
    applicant = MembershipFactory(organisation__kind="ministere").user
    status = page.get_by_role("status")
    heading = page.get_by_role("heading", level=1)

    # An administrator creates the programme and gives it its staff.
    log_in(page, live_server, admin.email)
    page.goto(live_server.url + reverse("calls_staff:programme_list"))
    assert_accessible(page)
    page.get_by_role("link", name="Nouveau programme").click()
    page.locator("#id_name").fill("Fonds de transformation")
    page.locator("#id_grantor_name").fill("Direction interministérielle du numérique")
    page.locator("#id_grantor_siret").fill("13002526500012")
    page.locator("#id_total_envelope").fill("2000000")
    save(page, "Créer le programme")
    expect(page.locator("#id_grantor_siret_error")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_grantor_siret").fill("13002526500013")
    save(page, "Créer le programme")
    expect(heading).to_have_text("Fonds de transformation")
    page.get_by_label("Adresse e-mail du compte").fill(staff.email)
    click_label(page, "Équipe du programme")
    page.get_by_role("button", name="Donner ce rôle").click()
    expect(status).to_contain_text("equipe@fonds.gouv.fr a désormais ce rôle sur le programme.")
    assert_accessible(page)
    log_out(page)

    # The programme's staff build the call: a call, a theme and its rule, in the form.
    log_in(page, live_server, staff.email)
    page.goto(live_server.url + reverse("calls_staff:list"))
    page.get_by_role("link", name="Nouvel appel").click()
    page.locator("#id_programme").select_option(label="Fonds de transformation")
    page.locator("#id_slug").fill("aap-innovation-2030")
    page.locator("#id_title").fill("Appel à projets Innovation 2030")
    page.locator("#id_kind").select_option("aap")
    save(page, "Créer l'appel")
    expect(heading).to_have_text("Appel à projets Innovation 2030")
    page.get_by_role("link", name="Ajouter un thème").click()
    page.locator("#id_code").fill("INNO1")
    page.locator("#id_title").fill("Services publics numériques")
    page.locator("#id_envelope").fill("1000000")
    save(page)
    expect(heading).to_have_text("INNO1 — Services publics numériques")

    page.get_by_role("link", name="Définir la règle").click()
    expect(heading).to_contain_text("Règle de cofinancement et d'éligibilité — INNO1")
    page.locator("#id_rate_percent").fill("75")
    click_label(page, "Prestations externes")
    page.locator("#id_tailles-0-minimum").fill("10 000")
    page.locator("#id_tailles-0-maximum").fill("500 000")
    preview = page.locator("#regle-apercu")
    expect(preview).to_contain_text(re.compile(r"Le programme finance 75\s%\s+du coût éligible"))
    expect(preview).to_contain_text("Taille attendue du projet (coût éligible) : de 10")
    # A trial budget beside the rule, judged as the applicant's will be.
    page.locator("#id_carrier_kind").select_option("ministere")
    page.locator("#id_lignes-0-label").fill("Prestation de développement")
    page.locator("#id_lignes-0-category").select_option("external_services")
    page.locator("#id_lignes-0-amount").fill("40000")
    page.locator("#id_lignes-0-amount").blur()
    expect(preview).to_contain_text("Budget conforme à la règle")
    expect(preview.get_by_test_id("max-amount")).to_contain_text("30")
    assert_accessible(page)
    page.locator("#id_rate_percent").fill("175")
    page.locator("#id_rate_percent").blur()
    expect(preview).to_contain_text("Le taux ne peut pas dépasser 100 %.")
    page.locator("#id_rate_percent").fill("75")
    save(page, "Enregistrer la règle")
    expect(status).to_contain_text("Règle enregistrée (version 1).")

    # The pre-publication check says what is still missing.
    page.get_by_role("link", name="Appel à projets Innovation 2030").first.click()
    expect(page.get_by_text("Avant publication : 3 points bloquent encore.")).to_be_visible()
    page.get_by_role("link", name="Voir la vérification avant publication").click()
    blockers = page.get_by_test_id("blockers")
    expect(blockers).to_contain_text("Le thème INNO1 n'a pas de formulaire de dossier (ni l'appel).")
    expect(blockers).to_contain_text("Le thème INNO1 n'a aucune session de dépôt")
    expect(blockers).to_contain_text("Le thème INNO1 n'a pas de grille d'évaluation (ni l'appel).")
    expect(page.get_by_role("button", name="Publier l'appel")).to_have_count(0)
    assert_accessible(page)

    # A session (its identifier is generated), a grid, a document and a form.
    page.goto(live_server.url + reverse("calls_staff:list"))
    page.get_by_role("link", name="Appel à projets Innovation 2030").click()
    page.get_by_role("link", name="INNO1").click()
    page.get_by_role("link", name="Ajouter une session").click()
    page.locator("#id_name").fill("Session de printemps")
    page.locator("#id_kind").select_option("aap")
    now = timezone.now()
    page.locator("#id_opens_at").fill(paris(now - timedelta(days=1)))
    page.locator("#id_closes_at").fill(paris(now + timedelta(days=30)))
    save(page)
    expect(status).to_contain_text("La session est créée.")
    expect(page.get_by_text(f"inno1-{timezone.localtime(now - timedelta(days=1)):%Y-%m}")).to_be_visible()
    for code, label, weight in [("1", "Impact pour les usagers", "2"), ("2", "Faisabilité", "1")]:
        add_criterion(page, code, label, weight)
    expect(page.get_by_text("(66,67 % du total)")).to_be_visible()
    page.get_by_role("link", name="Ajouter une pièce").click()
    page.locator("#id_kind").select_option("lettre-engagement")
    page.locator("#id_label").fill("Lettre d'engagement signée")
    click_label(page, "PDF")
    assert_accessible(page)
    save(page)
    expect(status).to_contain_text("pièce")
    page.get_by_role("link", name="Construire le formulaire").click()
    page.get_by_role("button", name="Créer le formulaire").click()
    add_section(page, "projet", "Le projet")
    page.locator("#id_field-section_key").select_option("projet")
    page.locator("#id_field-key").fill("probleme")
    page.locator("#id_field-label").fill("Problème résolu")
    page.locator("#id_field-kind").select_option("long_text")
    click_label(page, "Réponse obligatoire")
    page.get_by_role("button", name="Ajouter le champ").click()
    expect(page.get_by_role("cell", name="Problème résolu (modifier)")).to_be_visible()
    page.get_by_role("link", name="Publier la version 1").click()
    save(page, "Publier la version")
    expect(status).to_contain_text("La version 1 du formulaire est publiée.")

    # Nothing blocks any more: publish.
    page.get_by_role("link", name="Appel à projets Innovation 2030").first.click()
    page.get_by_role("link", name="Voir la vérification avant publication").click()
    expect(page.get_by_role("heading", name="Rien ne bloque la publication")).to_be_visible()
    expect(page.get_by_test_id("warnings")).to_contain_text("Aucune réunion d'information")
    assert_accessible(page)
    save(page, "Publier l'appel")
    expect(status).to_contain_text("L'appel est désormais « Publié ».")
    log_out(page)

    # A visitor finds the theme and simulates; the theme page states the rule's period.
    call = Call.objects.get(slug="aap-innovation-2030")
    page.goto(live_server.url + reverse("calls:theme_detail", args=[call.slug, "INNO1"]))
    expect(page.get_by_test_id("eligible-period")).to_have_text("non limitée par la règle du thème")
    page.get_by_role("link", name="Simuler le cofinancement de mon projet").click()
    expect(page.get_by_test_id("rule-version")).to_contain_text("version 1")
    page.locator("#id_carrier_kind").select_option("ministere")
    page.locator("#id_lignes-0-label").fill("Prestation de développement")
    page.locator("#id_lignes-0-category").select_option("external_services")
    page.locator("#id_lignes-0-amount").fill("40000")
    page.locator("#id_lignes-0-amount").blur()
    expect(page.get_by_test_id("granted-amount")).to_contain_text("30")
    expect(page.get_by_text("Budget conforme à la règle")).to_be_visible()
    assert_accessible(page)

    # An applicant submits a dossier with those figures.
    page.get_by_role("link", name="Déposer un dossier avec ces chiffres").click()
    page.locator("#id_login").fill(applicant.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.get_by_label("Acronyme du projet").fill("SIMPL")
    page.get_by_label("Titre du projet").fill("Simplifier la démarche")
    page.get_by_label("Résumé").fill("Moins de papier.")
    page.get_by_role("button", name="Créer le brouillon").click()
    expect(status).to_contain_text("ligne de budget de la simulation")
    dossier = Dossier.objects.get(acronym="SIMPL")
    page.goto(live_server.url + reverse("applications:section", args=[dossier.pk, "projet"]))
    page.get_by_label("Problème résolu").fill("Trop de papier.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(status).to_contain_text("Section enregistrée à")
    page.goto(live_server.url + reverse("applications:documents", args=[dossier.pk]))
    page.get_by_label("Ajouter un fichier : Lettre d'engagement signée").set_input_files(
        files=[{"name": "lettre.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    page.get_by_role("button", name="Envoyer").click()
    expect(status).to_contain_text("fichier « lettre.pdf » enregistré")
    page.goto(live_server.url + reverse("applications:review", args=[dossier.pk]))
    expect(page.get_by_test_id("rule-version")).to_contain_text("version 1")
    page.get_by_text("Je certifie l'exactitude").click()
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(status).to_contain_text("Dossier déposé le")
    dossier.refresh_from_db()
    assert dossier.state == "submitted" and dossier.rule_version.number == 1
    assert call.themes.get().sessions.get().key.startswith("inno1-")
