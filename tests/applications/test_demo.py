"""`load_demo` loads every source call and a dossier in each applicant-visible state, twice without harm."""

import pytest
from django.core.management import call_command

from applications.models import Dossier, DossierSnapshot
from calls.models import Call, Session, Theme

pytestmark = pytest.mark.django_db


def test_load_demo_is_complete_and_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=None)
    call_command("load_demo", stdout=None)
    assert set(Call.objects.values_list("slug", flat=True)) == {
        "france-relance-tne-2020",
        "etna-2019",
        "pia-2016-cpt",
        "pia-2016-lit",
    }
    assert Theme.objects.filter(call__slug="france-relance-tne-2020").count() == 16
    demo_sessions = Session.objects.filter(is_demo=True)
    two_step_themes = Theme.objects.filter(call__kind="ami").count()  # also open their expression of interest
    assert demo_sessions.count() == Theme.objects.count() + two_step_themes
    assert all(session.is_open() for session in demo_sessions)
    applicant_demo = Dossier.objects.exclude(reference__startswith="ETNA-2019").exclude(
        reference__startswith="DEMO-FIN-"
    )
    states = set(applicant_demo.values_list("state", flat=True))
    assert {"draft", "submitted", "complement_requested", "withdrawn"} <= states
    assert Dossier.objects.filter(reference__startswith="ETNA-2019-L", state="selected").count() == 10
    assert Dossier.objects.filter(reference__startswith="ETNA-2019").count() == 25
    assert all(snapshot.receipt for snapshot in DossierSnapshot.objects.all())
