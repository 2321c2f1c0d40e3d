"""Input is never lost: a dossier saves while the applicant types, saves before a link takes them
elsewhere, and warns when it cannot. Optimistic locking is untouched: each save posts the version
the page was given, and a save is accepted on the exact current version only."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from applications.models import Dossier
from applications.services import drafting
from tests.applications.conftest import member, session, theme  # noqa: F401 (fixtures)
from tests.e2e.test_applicant_journey import open_menu
from tests.e2e.test_staff_call_setup import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def draft(session, member):
    return drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, acronym="DEMAT", title="Dématérialiser"
    )


@pytest.fixture(autouse=True)
def _patient(page):
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def section_page(page, live_server, draft) -> None:
    page.goto(live_server.url + reverse("applications:section", args=[draft.pk, "projet"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Le projet")


def test_text_typed_then_a_menu_click_is_saved_before_the_next_page(page, live_server, draft, member):
    log_in(page, live_server, member.user.email)
    section_page(page, live_server, draft)
    # Typed, then straight to another section: no pause, no blur, no « Enregistrer ».
    page.get_by_label("Problème résolu").press_sequentially("Trop de papier au guichet.", delay=5)
    open_menu(page, "L'équipe")
    assert Dossier.objects.get(pk=draft.pk).answers["probleme"] == "Trop de papier au guichet."
    # Back on the section, the text is there; typing and pausing saves on its own.
    open_menu(page, "Le projet")
    area = page.get_by_label("Problème résolu")
    expect(area).to_have_value("Trop de papier au guichet.")
    area.press("Control+End")
    area.press_sequentially(" Et des délais.", delay=5)
    expect(page.locator("#save-status")).to_contain_text("Enregistré à")
    assert Dossier.objects.get(pk=draft.pk).answers["probleme"] == "Trop de papier au guichet. Et des délais."
    # Every save was taken on the exact version the page held: each one moved it by one.
    assert Dossier.objects.get(pk=draft.pk).section_versions["projet"] >= 2


def test_a_budget_typed_then_left_is_saved(page, live_server, draft, member):
    log_in(page, live_server, member.user.email)
    page.goto(live_server.url + reverse("applications:budget", args=[draft.pk]))
    page.get_by_label("Libellé (ligne 1)").fill("Prestation")
    page.get_by_label("Catégorie (ligne 1)").select_option("external_services")
    page.get_by_label("Financement (ligne 1)").select_option("programme")
    page.get_by_label("Montant (€) (ligne 1)").press_sequentially("12 500,50", delay=5)
    open_menu(page, "Pièces", "Pièces à fournir")
    line = Dossier.objects.get(pk=draft.pk).budget_lines.get()
    assert (line.label, str(line.amount)) == ("Prestation", "12500.50")


def test_when_the_save_fails_the_page_stays_and_says_so(page, live_server, draft, member):
    log_in(page, live_server, member.user.email)
    section_page(page, live_server, draft)
    # The server is unreachable for this section's saves.
    page.route(
        re.compile(r".*/sections/projet/$"),
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_label("Problème résolu").press_sequentially("Texte à ne pas perdre.", delay=5)
    page.locator("nav.fr-sidemenu").get_by_role("link", name=re.compile("^L'équipe")).click()
    expect(page.locator("#save-status")).to_contain_text("Non enregistré")
    expect(page.get_by_role("heading", level=1)).to_have_text("Le projet")
    expect(page.get_by_label("Problème résolu")).to_have_value("Texte à ne pas perdre.")
    # A second click asks before leaving; refused, the page and the text stay.
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("nav.fr-sidemenu").get_by_role("link", name=re.compile("^L'équipe")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le projet")
    assert dialogs and "ne sont pas enregistrées" in dialogs[0]
    assert "probleme" not in Dossier.objects.get(pk=draft.pk).answers


def test_leaving_a_form_typed_in_and_not_sent_asks_first(page, live_server, draft, member):
    log_in(page, live_server, member.user.email)
    page.goto(live_server.url + reverse("applications:project", args=[draft.pk]))
    page.get_by_label("Titre du projet").fill("Un autre titre")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.locator("nav.fr-sidemenu").get_by_role("link", name=re.compile("^Budget")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projet et partenaires")
    assert dialogs == ["beforeunload"]
