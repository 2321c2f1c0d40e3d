"""An applicant goes from the login page to a submitted dossier with the keyboard alone.

At each step the test asserts where focus lands: on the error summary after a full-page error
(role=alert), on the message after a full-page save, on the first new line after « Ajouter des
lignes », on the field being typed in after each htmx autosave swap (never lost to the top), and
on nothing else; a field the autosave refuses is marked aria-invalid and described by the
message. It also counts the Tab presses between the top of « Mes dossiers » and the draft.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from applications.models import Dossier
from tests.applications.conftest import dossier, member, session, theme  # noqa: F401 (fixtures)
from tests.applications.factories import DossierFactory
from tests.e2e.test_applicant_journey import AUTOSAVE_TIMEOUT
from tests.portal.factories import PASSWORD
from tests.portal.upload_corpus import pdf

pytestmark = pytest.mark.django_db(transaction=True)


def describe_focus(page) -> str:
    return page.evaluate(
        "(() => { const e = document.activeElement; return e ? `${e.tagName} #${e.id} ${(e.textContent || '').trim().slice(0, 60)}` : 'rien'; })()"
    )


def tab_to(page, locator, *, limit: int, backwards: bool = False) -> int:
    """Press Tab (or Shift+Tab) until `locator` has focus; the number of presses it took."""
    for count in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return count
    raise AssertionError(f"{locator} pas atteint en {limit} tabulations ; le focus est sur {describe_focus(page)}")


def press_and_load(page, key: str) -> None:
    """A key that sends a form with a full page load."""
    with page.expect_navigation():
        page.keyboard.press(key)


def skip_to_content(page) -> None:
    """Follow the first skip link, as a keyboard user does on a new page."""
    tab_to(page, page.get_by_role("link", name="Contenu"), limit=3)
    page.keyboard.press("Enter")


def side_menu(page, name: str):
    return page.locator("nav.fr-sidemenu").get_by_role("link", name=re.compile("^" + re.escape(name)))


def expect_focus_on(page, selector: str) -> None:
    """`selector` is the document's active element (whether or not the headless window has focus)."""
    try:
        page.wait_for_function(
            "selector => document.activeElement === document.querySelector(selector)", arg=selector, timeout=10_000
        )
    except PlaywrightTimeoutError:
        raise AssertionError(f"{page.url} : le focus est sur {describe_focus(page)}, pas sur {selector}") from None


def expect_message_focused(page, text: str) -> None:
    expect_focus_on(page, "#messages")
    expect(page.locator("#messages")).to_contain_text(text)


def test_an_applicant_submits_a_dossier_with_the_keyboard_alone(page, live_server, dossier, member):
    page.set_default_timeout(20_000)
    expect.set_options(timeout=10_000)
    # Dossiers newer than the draft, which a list sorted by date alone would put first.
    for number in range(6):
        DossierFactory(organisation=member.organisation, submitted=True, acronym=f"ANCIEN{number}")

    # A login sent empty: focus goes to the summary of errors, each field tied to its message.
    page.goto(live_server.url + reverse("account_login"))
    login = page.locator("#id_login")
    tab_to(page, login, limit=20)
    press_and_load(page, "Enter")
    summary = page.locator("main [role=alert]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("champs sont à corriger")
    for field in (login, page.locator("#id_password")):
        expect(field).to_have_attribute("aria-invalid", "true")
        for target in field.get_attribute("aria-describedby").split():
            expect(page.locator(f"[id='{target}']")).to_have_count(1)
    tab_to(page, login, limit=6)
    page.keyboard.type(member.user.email)
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    press_and_load(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # « Mes dossiers »: from the skip link to the draft, the dossier waiting for its applicant comes first.
    tab_to(
        page, page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes dossiers"), limit=30
    )
    press_and_load(page, "Enter")
    skip_to_content(page)
    presses = tab_to(page, page.get_by_role("link", name=re.compile("^SIMPL")), limit=8)
    print(f"\nDu contenu de « Mes dossiers » au brouillon : {presses} tabulations.")
    press_and_load(page, "Enter")

    # A section: each autosave swap leaves focus where the applicant is typing.
    skip_to_content(page)
    tab_to(page, side_menu(page, "Le projet"), limit=20)
    press_and_load(page, "Enter")
    status = page.locator("#save-status")
    problem = page.get_by_label("Problème résolu")
    skip_to_content(page)
    tab_to(page, problem, limit=25)
    page.keyboard.type("Trop de papier.")
    page.keyboard.press("Tab")
    users = page.get_by_label("Nombre d'usagers")
    expect(users).to_be_focused()
    expect(status).to_contain_text("Enregistré à", timeout=AUTOSAVE_TIMEOUT)
    expect(users).to_be_focused()
    page.keyboard.type("beaucoup")
    page.keyboard.press("Tab")
    expect(status).to_contain_text("Saisissez un nombre entier", timeout=AUTOSAVE_TIMEOUT)
    expect(users).to_have_attribute("aria-invalid", "true")
    expect(users).to_have_attribute("aria-describedby", re.compile(r"\bsave-status\b"))
    yes = page.locator("main input[type=radio]").first
    expect(yes).to_be_focused()
    tab_to(page, users, limit=3, backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.type("1200")
    page.keyboard.press("Tab")
    expect(status).to_contain_text("Enregistré à", timeout=AUTOSAVE_TIMEOUT)
    expect(users).not_to_have_attribute("aria-invalid", "true")
    expect(yes).to_be_focused()
    page.keyboard.press("ArrowDown")  # the radio group: arrows choose « Non »
    expect(page.locator("main input[type=radio]").nth(1)).to_be_checked()
    expect(status).to_contain_text("Enregistré à", timeout=AUTOSAVE_TIMEOUT)
    tab_to(page, page.locator("main").get_by_role("button", name="Enregistrer", exact=True), limit=6)
    press_and_load(page, "Enter")
    expect_message_focused(page, "Section enregistrée à")

    tab_to(page, side_menu(page, "L'équipe"), limit=20)
    press_and_load(page, "Enter")
    skip_to_content(page)
    tab_to(page, page.get_by_label("Cheffe ou chef de projet"), limit=25)
    page.keyboard.type("cheffe@exemple.gouv.fr")
    press_and_load(page, "Enter")
    expect_message_focused(page, "Section enregistrée à")

    # The budget: « Ajouter des lignes » sends focus to the first new line, a failed save to the summary.
    tab_to(page, side_menu(page, "Budget"), limit=20)
    press_and_load(page, "Enter")
    skip_to_content(page)
    tab_to(page, page.locator("#id_lines-0-label"), limit=25)
    page.keyboard.type("Prestation de développement")
    page.keyboard.press("Tab")
    page.keyboard.type("2021")
    page.keyboard.press("Tab")
    category = page.locator("#id_lines-0-category")
    expect(category).to_be_focused()
    page.keyboard.type("Prest")  # a closed list chooses by its first letters
    expect(category).to_have_value("external_services")
    page.keyboard.press("Tab")
    page.keyboard.type("Progr")
    expect(page.locator("#id_lines-0-source")).to_have_value("programme")
    amount = page.locator("#id_lines-0-amount")
    tab_to(page, amount, limit=3)
    page.keyboard.type("30000")
    tab_to(page, page.get_by_role("button", name="Ajouter des lignes"), limit=30)
    press_and_load(page, "Enter")
    first_new = page.locator("#id_lines-1-label")
    expect(first_new).to_be_focused()
    tab_to(page, amount, limit=12, backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.type("beaucoup")
    press_and_load(page, "Enter")
    summary = page.locator("main [role=alert]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Ligne 1, montant")
    expect(amount).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"[id='{amount.get_attribute('aria-describedby').split()[-1]}']")
    expect(error).to_contain_text("Saisissez un montant")
    tab_to(page, amount, limit=15)
    page.keyboard.press("Control+A")
    page.keyboard.type("30000")
    press_and_load(page, "Enter")
    expect_message_focused(page, "Budget enregistré à")

    # The required document, then the review and the submission.
    tab_to(page, side_menu(page, "Pièces"), limit=20)
    press_and_load(page, "Enter")
    skip_to_content(page)
    tab_to(page, page.get_by_label("Ajouter un fichier : Lettre d'engagement signée"), limit=25)
    # The system's file dialog is outside the page: the file goes to the field that has focus.
    page.locator(":focus").set_input_files(
        files=[{"name": "lettre.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    tab_to(page, page.get_by_role("button", name="Envoyer"), limit=3)
    press_and_load(page, "Enter")
    expect_message_focused(page, "fichier « lettre.pdf » enregistré")

    tab_to(page, side_menu(page, "Vérifier et déposer"), limit=20)
    press_and_load(page, "Enter")
    skip_to_content(page)
    tab_to(page, page.get_by_label(re.compile("Je certifie l'exactitude")), limit=40)
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Déposer le dossier"), limit=3)
    press_and_load(page, "Enter")
    expect_message_focused(page, "Dossier déposé le")
    expect.set_options(timeout=5_000)
    assert Dossier.objects.get(acronym="SIMPL").state == "submitted"
