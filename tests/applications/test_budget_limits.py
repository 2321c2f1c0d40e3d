"""A budget of the formset's maximum size posts and saves; a longer one is refused in French, nothing lost.

Before the fix, 143 lines (7 fields each, over Django's DATA_UPLOAD_MAX_NUMBER_FIELDS of 1 000)
were refused with a bare 400 page, the whole table lost.
"""

import html

import pytest
from django.conf import settings
from django.urls import reverse

from applications.forms import BudgetFormSet
from tests.applications.test_dossier_views import budget_data

pytestmark = pytest.mark.django_db


def table(lines: int) -> dict:
    """The budget page as a browser posts it, every field of every line sent (deletion box included)."""
    data = budget_data(*["1 000,00"] * lines)
    data.update({f"lines-{index}-DELETE": "" for index in range(lines)})
    return data


def test_the_request_limit_is_computed_from_the_budget_form():
    form = BudgetFormSet(prefix="lines", form_kwargs={"phases": [("p1", "Phase 1")]}).empty_form
    assert len(form.fields) == settings.BUDGET_FIELDS_PER_LINE
    assert BudgetFormSet.max_num == settings.BUDGET_MAX_LINES
    assert len(table(settings.BUDGET_MAX_LINES)) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS


@pytest.mark.parametrize("lines", [143, settings.BUDGET_MAX_LINES])
def test_a_budget_of_the_maximum_size_posts_and_saves(client, dossier, member, lines):
    client.force_login(member.user)
    response = client.post(reverse("applications:budget", args=[dossier.pk]), table(lines))
    assert response.status_code == 302, response.status_code
    assert dossier.budget_lines.count() == lines


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "autosave"])
def test_a_budget_above_the_maximum_is_refused_in_french_and_every_line_is_shown_back(client, dossier, member, htmx):
    client.force_login(member.user)
    lines = settings.BUDGET_MAX_LINES + settings.BUDGET_EXTRA_LINES
    data = table(lines)
    data[f"lines-{lines - 1}-label"] = "Dernière ligne saisie"
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(reverse("applications:budget", args=[dossier.pk]), data, **headers)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"Le budget compte au plus {settings.BUDGET_MAX_LINES} lignes" in page
    assert not dossier.budget_lines.exists()
    if not htmx:
        assert 'value="Dernière ligne saisie"' in page


def test_a_request_past_the_limit_gets_a_french_page(client, dossier, member):
    client.force_login(member.user)
    response = client.post(reverse("applications:budget", args=[dossier.pk]), table(300))
    assert response.status_code == 400
    assert "trop volumineux" in response.content.decode()
    assert not dossier.budget_lines.exists()
