"""The applicant's budget and project refuse hostile numbers and dates in French, keeping the input."""

import html

import pytest
from django.urls import reverse

from tests.applications.test_dossier_views import budget_data
from tests.portal.hostile_inputs import HOSTILE_DATES, HOSTILE_NUMBERS, HOSTILE_YEARS

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("year", [*HOSTILE_YEARS.values(), "٣", "2 0 2 6 0"], ids=[*HOSTILE_YEARS, "digit", "spaced"])
def test_a_budget_line_year_outside_2000_2100_is_refused(client, dossier, member, year):
    client.force_login(member.user)
    data = {**budget_data("1000"), "lines-0-year": year}
    response = client.post(reverse("applications:budget", args=[dossier.pk]), data)
    assert response.status_code == 200
    assert "Ligne 1, année</a> : Saisissez" in page(response) and f'value="{year}"' in page(response)
    assert not dossier.budget_lines.exists()


@pytest.mark.parametrize("amount", HOSTILE_NUMBERS.values(), ids=HOSTILE_NUMBERS.keys())
def test_a_budget_amount_in_other_digits_or_too_long_is_refused(client, dossier, member, amount):
    client.force_login(member.user)
    response = client.post(reverse("applications:budget", args=[dossier.pk]), budget_data(amount))
    assert response.status_code == 200
    assert "Ligne 1, montant (€)</a> : " in page(response)
    assert not dossier.budget_lines.exists()


@pytest.mark.parametrize("start", HOSTILE_DATES.values(), ids=HOSTILE_DATES.keys())
def test_a_project_start_outside_2000_2100_is_refused(client, dossier, member, start):
    client.force_login(member.user)
    data = {"base_version": "0", "acronym": "SIMPL", "title": "Titre", "summary": "", "planned_start": start}
    response = client.post(reverse("applications:project", args=[dossier.pk]), data)
    assert response.status_code == 200
    assert "Saisissez" in page(response)
    dossier.refresh_from_db()
    assert dossier.planned_start is None


@pytest.mark.parametrize("count", HOSTILE_NUMBERS.values(), ids=HOSTILE_NUMBERS.keys())
def test_a_dossier_form_integer_answer_in_other_digits_is_refused(client, dossier, member, count):
    client.force_login(member.user)
    data = {"base_version": "0", "answers-probleme": "Texte", "answers-usagers": count}
    response = client.post(reverse("applications:section", args=[dossier.pk, "projet"]), data)
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert "usagers" not in dossier.answers and dossier.answers["probleme"] == "Texte"
