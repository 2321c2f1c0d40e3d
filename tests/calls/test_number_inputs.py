"""The simulator and the call back-office refuse hostile numbers and dates in French, never with a 500."""

import html

import pytest
from django.urls import reverse

from calls.models import RequiredDocument, Session
from calls.rules import load_rules
from tests.calls.model_factories import ThemeFactory
from tests.calls.test_staff_views import staff_client, theme  # noqa: F401 (fixtures)
from tests.portal.hostile_inputs import HOSTILE_DATES, HOSTILE_NUMBERS, HOSTILE_YEARS

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ")


def simulate(client, **params):
    lit = ThemeFactory(code="LIT", funding_rule=load_rules()["LIT"].to_dict())
    query = {
        "carrier_kind": "ministere",
        "lignes-TOTAL_FORMS": "1",
        "lignes-0-label": "Prestation",
        "lignes-0-category": "external_services",
        "lignes-0-amount": "1000",
        **params,
    }
    response = client.get(reverse("simulator:theme", args=[lit.pk]), query)
    assert response.status_code == 200
    return page(response)


@pytest.mark.parametrize(
    "params",
    [
        *({"lignes-0-year": year} for year in HOSTILE_YEARS.values()),
        *({"lignes-0-amount": amount} for amount in HOSTILE_NUMBERS.values()),
        *({"derogation_rate": rate} for rate in [*HOSTILE_NUMBERS.values(), "150", "100,001"]),
    ],
)
def test_the_simulator_refuses_hostile_numbers_in_french(client, params):
    content = simulate(client, **params)
    assert "Saisie à corriger" in content


def test_the_simulator_reads_french_numbers(client):
    content = simulate(client, **{"lignes-0-amount": "1 250 000,00", "lignes-0-year": "2026"})
    assert "Saisie à corriger" not in content


@pytest.mark.parametrize("pages", [*HOSTILE_NUMBERS.values(), "99999999999"])
def test_a_document_page_limit_that_overflows_the_database_is_refused(staff_client, theme, pages):
    url = reverse("calls_staff:document_create", args=[theme.call_id, theme.pk])
    data = {"kind": "annexe", "label": "Annexe", "formats": "pdf", "scope": "dossier", "max_pages": pages, "order": "1"}
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "max_pages" in response.context["form"].errors
    assert not RequiredDocument.objects.filter(kind="annexe").exists()


@pytest.mark.parametrize(
    "changes",
    [
        *({"opens_at": f"{day}T10:00"} for day in HOSTILE_DATES.values()),
        *({"envelope": amount} for amount in HOSTILE_NUMBERS.values()),
    ],
)
def test_a_session_with_absurd_dates_or_amounts_is_refused(staff_client, theme, changes):
    url = reverse("calls_staff:session_create", args=[theme.call_id, theme.pk])
    data = {
        "key": "s2",
        "name": "S2",
        "kind": "guichet",
        "opens_at": "2030-03-01T10:00",
        "closes_at": "2030-04-01T17:00",
    }
    response = staff_client.post(url, {**data, **changes})
    assert response.status_code == 200
    assert set(changes) <= set(response.context["form"].errors)
    assert not Session.objects.filter(key="s2").exists()
