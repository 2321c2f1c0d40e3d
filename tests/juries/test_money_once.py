"""Decisions and grants are written once (issue 14, item 5): a deliberation form posted twice finds its
first deliberation, the envelope counts every deliberation of the jury, a dossier is decided once per
jury (a database constraint), a promotion replayed finds its decision, and concurrent requests on
PostgreSQL never spend the envelope twice."""

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Dossier
from applications.services.workflow import dossier_transition
from applications.workflow import DossierState
from juries.models import Decision, Deliberation, JuryDossier
from juries.services import deliberation
from juries.services.deliberation import DecisionInput
from portal.errors import DomainError
from portal.models import AuditEvent
from tests.concurrency import concurrently, require_postgresql

pytestmark = pytest.mark.django_db
Kind = Decision.Kind


def selected(dossier, amount) -> DecisionInput:
    return DecisionInput(dossier.pk, Kind.SELECTED, granted_amount=Decimal(amount))


def record_form(dossiers, amount="40000", key=None) -> dict:
    form = {"action": "record", "confirm": "1", "idempotency_key": str(key or uuid.uuid4())}
    for dossier in dossiers:
        form.update({f"kind_{dossier.pk}": "selected", f"amount_{dossier.pk}": amount})
    return form


def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_the_same_deliberation_form_posted_twice_records_once(staff, jury, members, reviewed):
    """The browser's replay (back and resubmit, a double click) finds the first deliberation."""
    client, url = staff_client(staff), reverse("juries:staff_ranking", args=[jury.pk])
    form = record_form(reviewed[:2])
    first, second = client.post(url, form), client.post(url, form)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Deliberation.objects.count() == 1 and Decision.objects.count() == 2
    assert AuditEvent.objects.filter(action="juries.deliberation_record").count() == 1
    assert set(
        Dossier.objects.filter(pk__in=[d.pk for d in reviewed[:2]]).values_list("granted_amount", flat=True)
    ) == {Decimal("40000")}


def test_the_envelope_counts_what_earlier_deliberations_of_the_jury_granted(staff, jury, members, reviewed):
    deliberation.deliberation_record(actor=staff, jury=jury, decisions=[selected(reviewed[0], "60000")])
    with pytest.raises(DomainError) as refused:
        deliberation.deliberation_record(actor=staff, jury=jury, decisions=[selected(reviewed[1], "60000")])
    assert refused.value.code == "envelope_exceeded" and "dont 60" in refused.value.message
    assert Dossier.objects.get(pk=reviewed[1].pk).state == DossierState.UNDER_EVALUATION
    deliberation.deliberation_record(
        actor=staff, jury=jury, decisions=[selected(reviewed[1], "60000")], override_reason="Priorité ministérielle."
    )
    assert Deliberation.objects.count() == 2


def test_a_deliberation_key_returns_its_deliberation_and_serves_one_jury_only(staff, jury, members, reviewed):
    key = uuid.uuid4()
    first = deliberation.deliberation_record(
        actor=staff, jury=jury, decisions=[selected(reviewed[0], "1")], idempotency_key=key
    )
    again = deliberation.deliberation_record(
        actor=staff, jury=jury, decisions=[selected(reviewed[0], "1")], idempotency_key=key
    )
    assert again.pk == first.pk and Decision.objects.count() == 1


def test_a_past_deliberation_recorded_twice_is_refused(staff, jury, members, reviewed):
    Dossier.objects.filter(pk__in=[d.pk for d in reviewed]).update(state=DossierState.SELECTED)
    decisions = [selected(dossier, "1000") for dossier in reviewed]
    deliberation.deliberation_record_past(actor=staff, jury=jury, decisions=decisions, recorded_at=timezone.now())
    with pytest.raises(DomainError, match="déjà été délibéré"):
        deliberation.deliberation_record_past(actor=staff, jury=jury, decisions=decisions, recorded_at=timezone.now())
    assert Deliberation.objects.count() == 1 and Decision.objects.count() == 3


def test_a_dossier_listed_twice_in_one_deliberation_is_refused(staff, jury, members, reviewed):
    with pytest.raises(DomainError, match="deux décisions"):
        deliberation.deliberation_record(
            actor=staff, jury=jury, decisions=[selected(reviewed[0], "1"), DecisionInput(reviewed[0].pk, Kind.RESERVE)]
        )


def test_the_database_holds_one_decision_per_dossier_and_jury(staff, jury, members, reviewed):
    first = deliberation.deliberation_record(
        actor=staff, jury=jury, decisions=[DecisionInput(reviewed[0].pk, Kind.RESERVE)]
    )
    other = Deliberation.objects.create(jury=jury, recorded_at=timezone.now(), recorded_by=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(deliberation=other, dossier=reviewed[0], kind=Kind.SELECTED, granted_amount=1)
    assert Decision.objects.get(dossier=reviewed[0]).deliberation == first


def test_a_replayed_promotion_returns_its_decision(staff, jury, members, reviewed):
    deliberation.deliberation_record(
        actor=staff, jury=jury, decisions=[selected(reviewed[0], "90000"), DecisionInput(reviewed[1].pk, Kind.RESERVE)]
    )
    dossier_transition(dossier=reviewed[0], name="withdraw", actor=reviewed[0].created_by)
    first = deliberation.reserve_promote(actor=staff, jury=jury, dossier=reviewed[1], granted_amount=Decimal("50000"))
    again = deliberation.reserve_promote(actor=staff, jury=jury, dossier=reviewed[1], granted_amount=Decimal("50000"))
    assert again.pk == first.pk
    assert AuditEvent.objects.filter(action="juries.reserve_promote").count() == 1


# --- two requests at once (PostgreSQL) ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_identical_deliberation_posts_at_once_record_one(staff, jury, members, reviewed, services_required):
    require_postgresql(services_required)
    url, form = reverse("juries:staff_ranking", args=[jury.pk]), record_form(reviewed[:2])
    clients = [staff_client(staff), staff_client(staff)]
    responses = concurrently(*[lambda client=client: client.post(url, form) for client in clients])
    assert [r.status_code for r in responses] == [302, 302], responses
    assert Deliberation.objects.count() == 1 and Decision.objects.count() == 2
    assert sum(Dossier.objects.exclude(granted_amount=None).values_list("granted_amount", flat=True)) == Decimal(
        "80000"
    )


@pytest.mark.django_db(transaction=True)
def test_two_deliberations_at_once_never_spend_the_envelope_twice(staff, jury, members, reviewed, services_required):
    """Each within the 100 000 € envelope, together above it: one is recorded, the other refused."""
    require_postgresql(services_required)
    outcomes = concurrently(
        *[
            lambda dossier=dossier: deliberation.deliberation_record(
                actor=staff, jury=jury, decisions=[selected(dossier, "60000")]
            )
            for dossier in reviewed[:2]
        ]
    )
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and refused[0].code == "envelope_exceeded", outcomes
    assert Deliberation.objects.count() == 1
    assert JuryDossier.objects.filter(jury=jury, frozen_at__isnull=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_promotions_at_once_never_spend_the_freed_money_twice(staff, jury, members, reviewed, services_required):
    require_postgresql(services_required)
    first, *reserve = reviewed
    deliberation.deliberation_record(
        actor=staff,
        jury=jury,
        decisions=[selected(first, "60000"), *[DecisionInput(d.pk, Kind.RESERVE) for d in reserve]],
    )
    outcomes = concurrently(
        *[
            lambda dossier=dossier: deliberation.reserve_promote(
                actor=staff, jury=jury, dossier=dossier, granted_amount=Decimal("30000")
            )
            for dossier in reserve
        ]
    )
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and refused[0].code == "envelope_exceeded", outcomes
    assert Dossier.objects.filter(state=DossierState.SELECTED).count() == 2
