"""Derogations decided on a dossier: recorded by staff, audited, applied by the engine to that dossier."""

import datetime
import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.evaluation import dossier_evaluation
from applications.models import Derogation
from applications.services.derogations import derogation_record, derogation_withdraw
from calls.rules import load_rules
from portal.errors import DomainError
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import ProgrammeFactory, SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

DECIDED = datetime.date(2017, 3, 12)


def page(response) -> str:
    return html.unescape(response.content.decode())


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


@pytest.fixture
def lit_dossier():
    """A submitted LIT dossier (PIA: 50 % at most, the steering committee may exceed it up to the cap)."""
    theme = ThemeFactory(code="LIT", funding_rule=load_rules()["LIT"].to_dict())
    dossier = DossierFactory(
        session=SessionFactory(theme=theme), submitted=True, organisation__kind="prefecture_region"
    )
    BudgetLineFactory(dossier=dossier, amount=Decimal("400000"), year=2016, source="carrier")
    return dossier


def record(dossier, actor, **changes):
    values = {
        "rate_percent": Decimal("60"),
        "deciding_body": "le comité de pilotage du fonds",
        "decided_on": DECIDED,
        "reason": "Projet structurant pour trois départements.",
    }
    return derogation_record(actor=actor, dossier=dossier, **{**values, **changes})


def test_the_engine_applies_the_recorded_derogation_and_says_who_decided(lit_dossier):
    staff = staff_of(lit_dossier.theme.call.programme)
    assert dossier_evaluation(lit_dossier).max_programme_amount == Decimal("200000.00")  # 50 %
    record(lit_dossier, staff)
    lit_dossier.refresh_from_db()
    evaluation = dossier_evaluation(lit_dossier)
    assert evaluation.max_programme_amount == Decimal("240000.00")  # 60 %, under the 250 k€ cap
    assert any(
        "Taux dérogatoire de 60\u00a0% décidé par le comité de pilotage du fonds, le 12 mars 2017" in sentence
        for sentence in evaluation.explanation
    )
    record(lit_dossier, staff, rate_percent=Decimal("90"))  # the cap still binds
    lit_dossier.refresh_from_db()
    assert dossier_evaluation(lit_dossier).max_programme_amount == Decimal("250000.00")
    events = list(AuditEvent.objects.filter(action="dossier.derogation_record").order_by("pk"))
    assert [event.data["after"]["rate_percent"] for event in events] == ["60.00", "90.00"]
    assert events[1].data["before"]["rate_percent"] == "60.00" and events[1].call_id == lit_dossier.theme.call_id


def test_withdrawal_brings_the_normal_rate_back_and_is_audited(lit_dossier):
    staff = staff_of(lit_dossier.theme.call.programme)
    record(lit_dossier, staff)
    with pytest.raises(DomainError) as error:
        derogation_withdraw(actor=staff, dossier=lit_dossier, reason=" ")
    assert error.value.field == "reason"
    derogation_withdraw(actor=staff, dossier=lit_dossier, reason="Saisie sur le mauvais dossier.")
    lit_dossier.refresh_from_db()
    assert not Derogation.objects.exists()
    assert dossier_evaluation(lit_dossier).max_programme_amount == Decimal("200000.00")
    event = AuditEvent.objects.get(action="dossier.derogation_withdraw")
    assert event.data["reason"] == "Saisie sur le mauvais dossier." and event.data["before"]["rate_percent"] == "60.00"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"rate_percent": Decimal("50")}, "derogation_rate"),  # not above the normal rate
        ({"rate_percent": Decimal("100.01")}, "derogation_rate"),  # above the ceiling (100 %)
        ({"decided_on": timezone.localdate() + datetime.timedelta(days=1)}, "derogation_date"),
        ({"reason": ""}, "required"),
        ({"deciding_body": " "}, "required"),
    ],
)
def test_a_derogation_is_checked_against_the_rule(lit_dossier, changes, code):
    with pytest.raises(DomainError) as error:
        record(lit_dossier, staff_of(lit_dossier.theme.call.programme), **changes)
    assert error.value.code == code
    assert not Derogation.objects.exists()


def test_refused_where_the_rule_has_none_outside_the_programme_and_after_the_decision(lit_dossier):
    itn6 = ThemeFactory(code="ITN6", funding_rule=load_rules()["ITN6"].to_dict())
    other = DossierFactory(session=SessionFactory(theme=itn6), submitted=True)
    with pytest.raises(DomainError) as error:
        record(other, staff_of(itn6.call.programme))
    assert error.value.code == "derogation_not_allowed"
    with pytest.raises(DomainError) as error:
        record(lit_dossier, staff_of(ProgrammeFactory()))
    assert error.value.code == "forbidden"
    lit_dossier.state = "selected"
    lit_dossier.save()
    with pytest.raises(DomainError) as error:
        record(lit_dossier, staff_of(lit_dossier.theme.call.programme))
    assert error.value.code == "invalid_state"


def test_staff_record_it_from_the_dossier_page(client, lit_dossier):
    staff = staff_of(lit_dossier.theme.call.programme)
    client.force_login(staff)
    dossier_page = page(client.get(reverse("applications:staff_dossier", args=[lit_dossier.pk])))
    assert "Enregistrer une dérogation" in dossier_page
    url = reverse("applications:derogation_record", args=[lit_dossier.pk])
    form = page(client.get(url))
    assert 'value="le comité de pilotage du fonds"' in form  # the rule's deciding body, ready
    refused = page(
        client.post(
            url, {"rate_percent": "40", "deciding_body": "le comité", "decided_on": "2017-03-12", "reason": "x"}
        )
    )
    assert "Le taux dérogatoire doit dépasser le taux normal de 50\u00a0%." in refused
    response = client.post(
        url,
        {"rate_percent": "62,5", "deciding_body": "le comité", "decided_on": "2017-03-12", "reason": "Décision n° 4"},
    )
    assert response.status_code == 302
    assert Derogation.objects.get().rate_percent == Decimal("62.50")
    dossier_page = page(client.get(reverse("applications:staff_dossier", args=[lit_dossier.pk])))
    assert "Dérogation : taux de 62,5\u00a0% décidé par le comité le 12 mars 2017" in dossier_page
    # An applicant cannot reach it.
    client.force_login(lit_dossier.created_by)
    assert client.get(url).status_code == 403
