"""`juries.demo` builds a whole jury cycle on the France Relance demo session, twice without harm."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from applications.models import Dossier
from juries import demo
from juries.models import ConflictDeclaration, Decision, DecisionCondition, Deliberation, Evaluation, Hearing, Jury

pytestmark = pytest.mark.django_db


def test_demo_jury_is_complete_and_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=None)
        demo.load()
    demo.load()
    jury = Jury.objects.get(name=demo.JURY_NAME)
    assert set(jury.members.values_list("user__email", flat=True)) == {"jure@demo.gouv.fr", "jure2@demo.gouv.fr"}
    assert ConflictDeclaration.objects.filter(member__jury=jury, status="conflict").count() == 1
    assert Evaluation.objects.filter(assignment__member__jury=jury, submitted_at__isnull=False).count() == 4
    deliberation = Deliberation.objects.get(jury=jury)
    assert deliberation.minutes
    assert set(Decision.objects.filter(deliberation__jury=jury).values_list("kind", flat=True)) == {
        "conditional",
        "rejected",
    }
    assert deliberation.envelope == Decimal("6000000")  # ITN6's envelope, the demo session having none of its own
    assert DecisionCondition.objects.filter(decision__deliberation=deliberation, lifted_at__isnull=True).count() == 2
    # PIA LIT in two steps: the expression of interest invited, the full dossier filed from it and heard.
    lit = dict(Dossier.objects.filter(theme__code="LIT").values_list("session__kind", "state"))
    assert lit == {"interest": "second_step_invited", "dossier": "under_evaluation"}
    invited = Decision.objects.get(kind="invited")
    assert invited.granted_amount is None
    hearing = Hearing.objects.get()
    assert hearing.dossier.predecessor == invited.dossier and hearing.status == "invited"
    states = dict(Dossier.objects.filter(jury_entries__jury=jury).values_list("acronym", "state"))
    assert states == {"LABEL-MUSEES": "selected", "ACCUEIL-NUM": "rejected", "ARCHIVES-IA": "under_evaluation"}
    etna = Jury.objects.get(name=demo.ETNA_JURY_NAME)
    assert etna.jury_dossiers.count() == 25 and not etna.jury_dossiers.filter(frozen_at__isnull=True).exists()
    past = Deliberation.objects.get(jury=etna)
    assert past.decisions.filter(kind="selected").count() == 10 and past.minutes
    assert ConflictDeclaration.objects.filter(member__jury=etna, status="conflict").count() == 1
    ranked = [row["reference"] for row in past.ranking]
    assert all(reference.startswith("ETNA-2019-L") for reference in ranked[:10])  # laureates scored highest
