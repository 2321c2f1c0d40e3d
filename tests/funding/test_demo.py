"""The funding demo: conventions in every state, a two-phase SNAP4 project, payments and reports; loads twice without harm."""

import pytest

from applications.workflow import DossierState
from calls import demo as calls_demo
from funding import demo
from funding.models import Convention, IndicatorReport, Payment, Tranche
from funding.services.followup import paid_on_tranche
from portal import demo as portal_demo

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_and_is_idempotent(django_capture_on_commit_callbacks):
    portal_demo.load()
    calls_demo.load()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    demo.load()
    conventions = Convention.objects.filter(dossier__reference__startswith=demo.PREFIX)
    statuses = set(conventions.values_list("status", flat=True))
    assert statuses == {"draft", "sent", "signed_by_carrier", "signed_by_operator", "in_force"}
    assert all(convention.pdf for convention in conventions)
    phases = conventions.filter(dossier__project_key="dossier-usager-unique")
    assert phases.count() == 2 and set(phases.values_list("dossier__state", flat=True)) == {DossierState.IN_PROGRESS}
    assert Payment.objects.exists()
    pending = [
        t
        for t in Tranche.objects.filter(convention__in=conventions, convention__status="in_force")
        if paid_on_tranche(t) < t.amount
    ]
    assert pending
    assert set(IndicatorReport.objects.values_list("is_late", flat=True)) == {True, False}
