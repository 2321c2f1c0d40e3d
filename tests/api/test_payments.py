"""The fund operator's system records payments through the API, once: the same Idempotency-Key replayed returns
the first payment, the key reused with other values and the reference reused are refused, both as problem+json."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funding.models import Payment
from portal.models import AuditEvent
from tests.api.conftest import OPERATOR_SCOPES, api_client, token_for

URL = "/api/v1/payments"


@pytest.fixture
def operator_client(world_p):
    return api_client(token_for(world_p.operator, world_p.programme, OPERATOR_SCOPES))


def post(client, tranche, key, **values):
    body = {
        "tranche": tranche.pk,
        "paid_on": timezone.localdate().isoformat(),
        "amount": "2500.00",
        "reference": "VIR-42",
    }
    return client.post(URL, {**body, **values}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_replayed_payment_is_recorded_once(world_p, operator_client):
    first = post(operator_client, world_p.tranche, "paiement-1")
    again = post(operator_client, world_p.tranche, "paiement-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["amount"] == "2500.00" and first.json()["reference"] == "VIR-42"
    assert Payment.objects.filter(reference="VIR-42").count() == 1
    assert AuditEvent.objects.filter(action="payment.record", data__reference="VIR-42").count() == 1
    payment = Payment.objects.get(reference="VIR-42")
    assert payment.recorded_by == world_p.operator and payment.amount == Decimal("2500.00")


def test_a_key_reused_with_other_values_is_a_conflict(world_p, operator_client):
    assert post(operator_client, world_p.tranche, "paiement-2").status_code == 201
    response = post(operator_client, world_p.tranche, "paiement-2", amount="2600.00")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "key_reused" and "clé d'idempotence" in response.json()["detail"]


def test_a_reference_serves_once_per_project(world_p, operator_client):
    assert post(operator_client, world_p.tranche, "paiement-3").status_code == 201
    response = post(operator_client, world_p.tranche, "paiement-4")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_reference"
    assert "VIR-42" in response.json()["detail"]


def test_the_same_key_in_another_programme_is_another_payment(world_p, world_q):
    p = api_client(token_for(world_p.operator, world_p.programme, OPERATOR_SCOPES))
    q = api_client(token_for(world_q.operator, world_q.programme, OPERATOR_SCOPES))
    assert post(p, world_p.tranche, "cle-commune").status_code == 201
    assert post(q, world_q.tranche, "cle-commune").status_code == 201


@pytest.mark.parametrize(
    "values, field",
    [
        ({"amount": "12,50"}, "amount"),
        ({"amount": "-3"}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"reference": ""}, "reference"),
        ({"paid_on": "15/01/2026"}, "paid_on"),
    ],
)
def test_unreadable_values_are_refused_in_french(world_p, operator_client, values, field):
    response = post(operator_client, world_p.tranche, "paiement-x", **values)
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert Payment.objects.filter(reference="VIR-42").count() == 0


def test_a_future_date_and_an_amount_above_the_tranche_are_refused_by_the_service(world_p, operator_client):
    future = post(operator_client, world_p.tranche, "k1", paid_on="2999-01-01")
    assert future.status_code == 422 and future.json()["code"] == "future_date"
    above = post(operator_client, world_p.tranche, "k2", amount="99999999.00")
    assert above.status_code == 422 and above.json()["code"] == "above_tranche"
    assert above.json()["errors"][0]["field"] == "amount"


def test_without_an_idempotency_key_nothing_is_written(world_p, operator_client):
    response = operator_client.post(
        URL,
        {
            "tranche": world_p.tranche.pk,
            "paid_on": timezone.localdate().isoformat(),
            "amount": "1.00",
            "reference": "R",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Payment.objects.filter(reference="R").exists()


def test_a_recorded_payment_reads_back(world_p, operator_client):
    created = post(operator_client, world_p.tranche, "paiement-5").json()
    listed = operator_client.get(reverse("api_v1:payment_list"), {"tranche": world_p.tranche.pk}).json()["items"]
    assert created in listed
