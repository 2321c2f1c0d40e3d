"""Public laureates pages, statistics and the SCDL open-data export."""

import csv
import io
import json
from datetime import UTC, date
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.workflow import DossierState
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import CallFactory, SessionFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def laureate():
    dossier = DossierFactory(
        selected=True,
        acronym="DATAPILOTE",
        title="Piloter par la donnée",
        granted_amount=Decimal("74061.60"),
        planned_start=date(2019, 11, 1),
        duration_months=12,
    )
    dossier.organisation.siret = "13002526500013"
    dossier.organisation.save()
    return dossier


def test_laureate_published_with_what_the_rule_requires(client, laureate):
    content = client.get(reverse("laureates:list")).content.decode()
    for text in [
        "DATAPILOTE",
        "Piloter par la donnée",
        laureate.organisation.name,
        "74\u202f061,60\u202f€",
        "01/11/2019",
        "12 mois",
    ]:
        assert text in content


def test_drafts_rejected_and_draft_calls_are_not_published(client, laureate):
    DossierFactory(acronym="REFUSE", state=DossierState.REJECTED, granted_amount=Decimal("1"))
    hidden_call = ThemeFactory(call=CallFactory(status="draft"))
    DossierFactory(
        acronym="CACHE", selected=True, granted_amount=Decimal("1"), session=SessionFactory(theme=hidden_call)
    )
    content = client.get(reverse("laureates:list")).content.decode()
    assert "REFUSE" not in content and "CACHE" not in content


def test_search_and_call_page_with_statistics(client, laureate):
    DossierFactory(submitted=True, session=laureate.session)
    assert "DATAPILOTE" not in client.get(reverse("laureates:list"), {"q": "inexistant"}).content.decode()
    content = client.get(reverse("laureates:call", args=[laureate.theme.call.slug])).content.decode()
    assert "DATAPILOTE" in content
    assert ">2</p>" in content and ">1</p>" in content  # received, selected


def test_open_data_csv_and_json_follow_the_scdl_schema(client, laureate):
    response = client.get(reverse("laureates:open_data_csv"))
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["idBeneficiaire"] == "13002526500013"
    assert rows[0]["montant"] == "74061.60"
    assert rows[0]["objet"] == "DATAPILOTE — Piloter par la donnée"
    payload = json.loads(client.get(reverse("laureates:open_data_json")).content)
    assert "Licence Ouverte" in payload["licence"]
    assert payload["data"][0]["nomBeneficiaire"] == laureate.organisation.name


def test_open_data_dates_come_from_the_countersigned_convention_and_the_payments(client, laureate):
    from datetime import datetime

    from funding.models import Convention, Payment, Tranche

    convention = Convention.objects.create(
        dossier=laureate,
        version=1,
        amount=laureate.granted_amount,
        status="in_force",
        operator_signed_at=datetime(2020, 1, 15, 9, tzinfo=UTC),
    )
    tranche = Tranche.objects.create(
        convention=convention, order=1, label="Avance", amount=Decimal("30000"), condition="signature"
    )
    for day in (date(2020, 2, 1), date(2020, 9, 30)):
        Payment.objects.create(
            tranche=tranche,
            paid_on=day,
            amount=Decimal("1000"),
            reference=f"VIR-{day}",
            recorded_by=laureate.created_by,
        )
    row = json.loads(client.get(reverse("laureates:open_data_json")).content)["data"][0]
    assert row["dateConvention"] == "2020-01-15"
    assert row["datesPeriodeVersement"] == "2020-02-01_2020-09-30"
    assert row["montant"] == "74061.60"  # one row per grant, whatever the payments


def test_open_data_of_a_past_laureate_without_convention_dates_from_its_start(client, laureate):
    row = json.loads(client.get(reverse("laureates:open_data_json")).content)["data"][0]
    assert row["dateConvention"] == "2019-11-01" and row["datesPeriodeVersement"] == ""


@pytest.mark.parametrize("rows", [5, 60])
def test_laureates_page_query_count_is_flat(client, django_assert_num_queries, rows):
    session = SessionFactory()
    for _ in range(rows):
        DossierFactory(selected=True, granted_amount=Decimal("1000"), session=session)
    # count, page rows (with carrier and call in one join), programmes for the filter
    with django_assert_num_queries(3):
        client.get(reverse("laureates:list"))
