"""Optimistic locking cannot be skipped: a save is accepted only on the exact version stored.

The attack: a colleague saved a section (version n); another member posts the same section with
a forged `base_version` above n (or none at all) and, before the fix, overwrote it. Now every
version but the stored one is a conflict: nothing is written, the stored version is shown with a
French explanation, and what the member typed stays in the form.
"""

import html

import pytest
from django.urls import reverse

from applications.services import drafting
from tests.applications.test_dossier_views import budget_data, section_url
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db

FORGED_VERSIONS = {
    "higher": {"base_version": "999999"},
    "missing": {},
    "empty": {"base_version": ""},
    "negative": {"base_version": "-1"},
    "not a number": {"base_version": "abc"},
    "Arabic-Indic digits": {"base_version": "٣"},
    "400 digits": {"base_version": "9" * 400},
}
FORGED = "Votre page ne porte pas la version enregistrée de cette partie : rien n'a été écrit."


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def colleague(member):
    return MembershipFactory(organisation=member.organisation).user


@pytest.fixture
def saved_by_alice(dossier, member):
    """Alice saved the section, the project and the budget: each part is at a version above 0."""
    dossier = drafting.dossier_save_section(
        actor=member.user, dossier=dossier, section_key="projet", base_version=0, raw_answers={"probleme": "Alice"}
    ).dossier
    dossier = drafting.dossier_update_project(
        actor=member.user,
        dossier=dossier,
        base_version=0,
        acronym="ALICE",
        title="Titre d'Alice",
        summary="",
        planned_start=None,
        duration_months=None,
    )
    client_data = budget_data("1000")
    lines = [
        {
            "label": client_data["lines-0-label"],
            "year": 2021,
            "phase": "",
            "category": "external_services",
            "source": "programme",
            "cofinancer_name": "",
            "amount": 1000,
        }
    ]
    return drafting.budget_replace(actor=member.user, dossier=dossier, lines=lines, base_version=0)


@pytest.mark.parametrize("version", FORGED_VERSIONS.values(), ids=FORGED_VERSIONS.keys())
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "autosave"])
def test_a_forged_or_missing_version_never_overwrites_a_section(client, colleague, saved_by_alice, version, htmx):
    client.force_login(colleague)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(section_url(saved_by_alice), {**version, "answers-probleme": "Bob"}, **headers)
    assert response.status_code == 200
    saved_by_alice.refresh_from_db()
    assert saved_by_alice.answers["probleme"] == "Alice"
    text = page(response)
    assert FORGED in text and "Alice" in text  # the stored version, explained in French
    if not htmx:
        assert "\nBob</textarea>" in text  # what Bob typed is still in the form


@pytest.mark.parametrize("version", FORGED_VERSIONS.values(), ids=FORGED_VERSIONS.keys())
def test_a_forged_or_missing_version_never_overwrites_the_project(client, colleague, saved_by_alice, version):
    client.force_login(colleague)
    data = {**version, "acronym": "BOB", "title": "Titre de Bob", "summary": ""}
    response = client.post(reverse("applications:project", args=[saved_by_alice.pk]), data)
    assert response.status_code == 200
    saved_by_alice.refresh_from_db()
    assert (saved_by_alice.acronym, saved_by_alice.title) == ("ALICE", "Titre d'Alice")
    text = page(response)
    assert FORGED in text and "Titre d'Alice" in text and 'value="Titre de Bob"' in text


@pytest.mark.parametrize("version", FORGED_VERSIONS.values(), ids=FORGED_VERSIONS.keys())
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "autosave"])
def test_a_forged_or_missing_version_never_overwrites_the_budget(client, colleague, saved_by_alice, version, htmx):
    client.force_login(colleague)
    data = {key: value for key, value in budget_data("777 777").items() if key != "base_version"}
    data["lines-0-label"] = "Ligne de Bob"
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(reverse("applications:budget", args=[saved_by_alice.pk]), {**data, **version}, **headers)
    assert response.status_code == 200
    assert list(saved_by_alice.budget_lines.values_list("amount", flat=True)) == [1000]
    text = page(response)
    assert FORGED in text and "Prestation 1" in text  # Alice's line, shown
    if not htmx:
        assert 'value="Ligne de Bob"' in text


def test_the_service_refuses_any_version_but_the_stored_one(member, saved_by_alice):
    current = saved_by_alice.section_versions["projet"]
    for forged in (current + 1, 999999, None, -1):
        with pytest.raises(drafting.DossierConflict) as conflict:
            drafting.dossier_save_section(
                actor=member.user,
                dossier=saved_by_alice,
                section_key="projet",
                base_version=forged,
                raw_answers={"probleme": "Écrasé"},
            )
        assert conflict.value.current_version == current and conflict.value.theirs == {
            "probleme": "Alice",
            "usagers": None,
            "partenaires": None,
            "liste_partenaires": None,
        }
    saved = drafting.dossier_save_section(
        actor=member.user, dossier=saved_by_alice, section_key="projet", base_version=current, raw_answers={}
    )
    assert saved.dossier.answers["probleme"] == "Alice"


def test_an_older_version_still_says_someone_else_saved(client, colleague, saved_by_alice):
    client.force_login(colleague)
    response = client.post(section_url(saved_by_alice), {"base_version": "0", "answers-probleme": "Bob"})
    assert "Une autre personne a enregistré cette partie pendant que vous la modifiiez." in page(response)
