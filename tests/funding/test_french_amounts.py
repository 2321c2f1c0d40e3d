"""The payment form offers the amount left to pay written the French way, and takes it back as typed."""

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from funding.models import Payment

pytestmark = pytest.mark.django_db


def test_the_payment_form_offers_the_amount_left_in_french_and_reads_french_grouping(in_force, dossier, operator):
    client = Client()
    client.force_login(operator)
    advance = in_force.tranches.get(condition="signature")
    url = reverse("funding:payment_record", args=[dossier.pk, advance.pk])
    page = client.get(url).content.decode()
    shown = re.search(r'name="amount" value="([^"]*)"', page).group(1)
    assert "." not in shown and shown.endswith(",00") and " " in shown
    assert Decimal(shown.replace(" ", "").replace(",", ".")) == advance.amount
    # Grouped by ordinary, non-breaking or narrow spaces, with a decimal comma: all read.
    typed = f"{advance.amount - 1:,.2f}".replace(",", "\u202f").replace(".", ",")
    data = {"paid_on": timezone.localdate().isoformat(), "amount": typed, "reference": "VIR-1"}
    response = client.post(url, {**data, "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 302, response.content.decode()
    assert Payment.objects.get().amount == advance.amount - 1


def test_a_million_typed_the_french_way_is_read(in_force, dossier, operator, staff):
    """« 1 250 000,00 » is read as 1 250 000 (the tranche is then too small, and the page says so)."""
    client = Client()
    client.force_login(operator)
    advance = in_force.tranches.get(condition="signature")
    data = {"paid_on": timezone.localdate().isoformat(), "amount": "1 250 000,00", "reference": "VIR-2"}
    response = client.post(
        reverse("funding:payment_record", args=[dossier.pk, advance.pk]), {**data, "idempotency_key": str(uuid.uuid4())}
    )
    errors = response.context["form"].errors
    assert "amount" not in errors or "Saisissez" not in " ".join(errors["amount"])
    assert not Payment.objects.exists()
