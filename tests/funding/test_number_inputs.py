"""Recording a payment refuses hostile amounts and dates in French; nothing is recorded."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from funding.models import Payment
from tests.portal.hostile_inputs import HOSTILE_DATES, HOSTILE_NUMBERS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes",
    [
        *({"amount": amount} for amount in HOSTILE_NUMBERS.values()),
        *({"paid_on": day} for day in HOSTILE_DATES.values()),
    ],
)
def test_a_payment_with_a_hostile_amount_or_date_is_refused(in_force, dossier, operator, changes):
    client = Client()
    client.force_login(operator)
    advance = in_force.tranches.get(condition="signature")
    data = {"paid_on": timezone.localdate().isoformat(), "amount": "1000", "reference": "VIR-1", **changes}
    data["idempotency_key"] = str(uuid.uuid4())  # drawn with the page
    response = client.post(reverse("funding:payment_record", args=[dossier.pk, advance.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(changes) <= set(errors) and all(
        "Saisissez" in " ".join(errors[name])
        or "trop" in " ".join(errors[name])
        or "invraisemblable" in " ".join(errors[name])
        for name in changes
    )
    assert not Payment.objects.exists()
