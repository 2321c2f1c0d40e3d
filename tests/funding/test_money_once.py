"""Money is written once (issue 14, item 5).

A payment carries the finance system's reference, unique within its project (every version of the
convention), and the idempotency key drawn with its form; a convention generation carries its form's
key too; a schedule equal to the current one writes nothing. Replayed posts return the first result;
concurrent ones on PostgreSQL write once.
"""

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from funding.models import Convention, Payment, Tranche
from funding.services import conventions, followup
from portal.errors import DomainError
from portal.models import AuditEvent
from tests.concurrency import concurrently, require_postgresql

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def payment_form(reference="VIR-2026-0042", amount="1000", key=None) -> dict:
    return {
        "paid_on": timezone.localdate().isoformat(),
        "amount": amount,
        "reference": reference,
        "idempotency_key": str(key or uuid.uuid4()),
    }


def advance_of(convention) -> Tranche:
    return convention.tranches.get(condition="signature")


def pay(operator, tranche, reference, amount="1000", key=None) -> Payment:
    return followup.payment_record(
        actor=operator,
        tranche=tranche,
        paid_on=timezone.localdate(),
        amount=Decimal(amount),
        reference=reference,
        idempotency_key=key,
    )


def test_a_payment_post_replayed_records_one_payment(in_force, dossier, operator):
    url = reverse("funding:payment_record", args=[dossier.pk, advance_of(in_force).pk])
    client, form = client_for(operator), payment_form()
    first, second = client.post(url, form), client.post(url, form)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Payment.objects.count() == 1 and followup.paid_on_tranche(advance_of(in_force)) == Decimal("1000")
    assert AuditEvent.objects.filter(action="payment.record").count() == 1


def test_a_reference_serves_once_per_project_even_across_amendments(
    in_force, dossier, staff, carrier, operator, django_capture_on_commit_callbacks
):
    pay(operator, advance_of(in_force), "VIR-7")
    with pytest.raises(DomainError) as refused:
        pay(operator, advance_of(in_force), " VIR-7 ")
    assert refused.value.code == "duplicate_reference" and refused.value.field == "reference"
    assert "La référence « VIR-7 » est déjà enregistrée pour ce projet" in refused.value.message
    with django_capture_on_commit_callbacks(execute=True):
        amendment = conventions.convention_generate(actor=staff, dossier=dossier)
    amendment.refresh_from_db()
    conventions.convention_send(actor=staff, convention=amendment)
    conventions.convention_sign_carrier(actor=carrier, convention=amendment, approve=True)
    amendment = conventions.convention_sign_operator(actor=operator, convention=amendment)
    with pytest.raises(DomainError, match="déjà enregistrée"):
        pay(operator, advance_of(amendment), "VIR-7")
    pay(operator, advance_of(amendment), "VIR-8")
    assert sorted(Payment.objects.values_list("reference", flat=True)) == ["VIR-7", "VIR-8"]


def test_the_payment_page_says_which_payment_holds_the_reference(in_force, dossier, operator):
    pay(operator, advance_of(in_force), "VIR-9")
    url = reverse("funding:payment_record", args=[dossier.pk, advance_of(in_force).pk])
    page = client_for(operator).post(url, payment_form("VIR-9")).content.decode()
    assert "est déjà enregistrée pour ce projet (paiement de 1\u202f000,00\u202f€" in page
    assert Payment.objects.count() == 1


def test_a_key_replayed_with_other_values_is_refused(in_force, operator):
    key = uuid.uuid4()
    first = pay(operator, advance_of(in_force), "VIR-1", key=key)
    assert pay(operator, advance_of(in_force), "VIR-1", key=key).pk == first.pk
    with pytest.raises(DomainError) as refused:
        pay(operator, advance_of(in_force), "VIR-1", amount="2000", key=key)
    assert refused.value.code == "key_reused"
    assert Payment.objects.count() == 1


def test_a_form_without_its_key_writes_nothing(in_force, dossier, operator):
    url = reverse("funding:payment_record", args=[dossier.pk, advance_of(in_force).pk])
    form = {**payment_form(), "idempotency_key": ""}
    assert "Ce formulaire a expiré" in client_for(operator).post(url, form).content.decode()
    assert not Payment.objects.exists()


def test_the_database_holds_a_reference_once_per_project(in_force, operator):
    pay(operator, advance_of(in_force), "VIR-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            tranche=advance_of(in_force),
            paid_on=timezone.localdate(),
            amount=1,
            reference="VIR-1",
            recorded_by=operator,
        )


def test_the_same_generate_post_twice_makes_one_version(dossier, staff):
    url, form = reverse("funding:generate", args=[dossier.pk]), {"idempotency_key": str(uuid.uuid4())}
    client = client_for(staff)
    assert [client.post(url, form).status_code for _ in range(2)] == [302, 302]
    assert Convention.objects.filter(dossier=dossier).count() == 1
    assert AuditEvent.objects.filter(action="convention.generate").count() == 1


def test_an_identical_schedule_posted_again_writes_nothing(dossier, staff):
    draft = conventions.convention_generate(actor=staff, dossier=dossier)
    rows = [
        {"label": t.label, "amount": t.amount, "condition": t.condition, "milestone": t.milestone}
        for t in draft.tranches.all()
    ]
    # A euro moved from the first tranche to the last: another schedule, still the whole grant.
    rows[0]["amount"] -= 1
    rows[-1]["amount"] += 1
    first = followup.tranche_schedule_set(actor=staff, convention=draft, tranches=rows)
    again = followup.tranche_schedule_set(actor=staff, convention=draft, tranches=rows)
    assert [t.pk for t in again] == [t.pk for t in first]
    assert AuditEvent.objects.filter(action="convention.schedule").count() == 1


def test_the_database_holds_one_tranche_per_order(dossier, staff):
    draft = conventions.convention_generate(actor=staff, dossier=dossier)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tranche.objects.create(convention=draft, order=1, label="Doublon", amount=1, condition="signature")


# --- two requests at once (PostgreSQL) ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_identical_payment_posts_at_once_record_one_payment(in_force, dossier, operator, services_required):
    """The finding: two concurrent identical posts recorded two payments."""
    require_postgresql(services_required)
    url, form = reverse("funding:payment_record", args=[dossier.pk, advance_of(in_force).pk]), payment_form()
    clients = [client_for(operator), client_for(operator)]
    responses = concurrently(*[lambda client=client: client.post(url, form) for client in clients])
    assert [r.status_code for r in responses] == [302, 302], responses
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_payments_of_one_reference_at_once_record_one(in_force, dossier, operator, services_required):
    """Two operators (two forms, two keys) type the same finance reference: one payment, one French refusal."""
    require_postgresql(services_required)
    url = reverse("funding:payment_record", args=[dossier.pk, advance_of(in_force).pk])
    posts = [(client_for(operator), payment_form("VIR-2026-0099")) for _ in range(2)]
    responses = concurrently(*[lambda client=client, form=form: client.post(url, form) for client, form in posts])
    assert sorted(r.status_code for r in responses) == [200, 302], responses
    refusal = next(r for r in responses if r.status_code == 200).content.decode()
    assert "La référence « VIR-2026-0099 » est déjà enregistrée pour ce projet" in refusal
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_generate_posts_at_once_make_one_version(dossier, staff, services_required):
    require_postgresql(services_required)
    url, form = reverse("funding:generate", args=[dossier.pk]), {"idempotency_key": str(uuid.uuid4())}
    clients = [client_for(staff), client_for(staff)]
    responses = concurrently(*[lambda client=client: client.post(url, form) for client in clients])
    assert [r.status_code for r in responses] == [302, 302], responses
    assert Convention.objects.filter(dossier=dossier).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_identical_schedules_at_once_leave_one_schedule(dossier, staff, services_required):
    require_postgresql(services_required)
    draft = conventions.convention_generate(actor=staff, dossier=dossier)
    rows = [
        {"label": "Avance", "amount": Decimal("40000"), "condition": "signature"},
        {"label": "Solde", "amount": Decimal("60000"), "condition": "final_report"},
    ]
    outcomes = concurrently(*[lambda: followup.tranche_schedule_set(actor=staff, convention=draft, tranches=rows)] * 2)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert list(draft.tranches.values_list("order", "label")) == [(1, "Avance"), (2, "Solde")]
    assert AuditEvent.objects.filter(action="convention.schedule").count() == 1
