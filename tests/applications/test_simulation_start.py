"""A dossier started from the simulator carries the simulated budget."""

import pytest
from django.urls import reverse

from applications.models import Dossier

pytestmark = pytest.mark.django_db


def test_start_with_the_simulated_figures(client, session, member):
    client.force_login(member.user)
    query = (
        "carrier_kind=ministere&lignes-TOTAL_FORMS=1&lignes-INITIAL_FORMS=0&lignes-0-label=Prestation"
        "&lignes-0-year=2021&lignes-0-category=external_services&lignes-0-source=programme&lignes-0-amount=30000"
    )
    url = reverse("applications:dossier_start_from_simulation", args=[session.theme.pk]) + "?" + query
    page = client.get(url)
    assert "Budget repris de la simulation" in page.content.decode()
    response = client.post(
        url, {"organisation": member.organisation.pk, "acronym": "SIMU", "title": "Depuis le simulateur"}
    )
    dossier = Dossier.objects.get(acronym="SIMU")
    assert response.url == reverse("applications:budget", args=[dossier.pk])
    assert [(line.label, line.amount) for line in dossier.budget_lines.all()] == [("Prestation", 30000)]


def test_no_open_session_no_start(client, theme, member):
    client.force_login(member.user)
    assert client.get(reverse("applications:dossier_start_from_simulation", args=[theme.pk])).status_code == 404
