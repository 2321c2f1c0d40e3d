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


def test_load_demo_organises_an_instructors_day(django_capture_on_commit_callbacks):
    """Two groups of France Relance fed by a theme rule and a form-answer rule, an instructor in each who sees only
    his group's dossiers, labels, a saved filter, private fields with values and a note; twice without harm."""
    from applications.models import DossierAnnotation, InstructorGroup, PrivateNote, RoutingRule, SavedFilter
    from applications.selectors import dossiers_of_staff, manages_instruction_of
    from portal.demo import demo_user

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=None)
    call_command("load_demo", stdout=None)
    groups = InstructorGroup.objects.filter(programme__calls__slug="france-relance-tne-2020")
    assert groups.count() == 2 and RoutingRule.objects.filter(group__in=groups).count() == 2
    assert RoutingRule.objects.filter(group__in=groups, theme__code="SNAP1").exists()
    assert RoutingRule.objects.filter(group__in=groups, answer_field="reutilisation").exists()
    instructor, other = demo_user("instructeur@demo.gouv.fr"), demo_user("instructeur2@demo.gouv.fr")
    mine = dossiers_of_staff(instructor).exclude(state="draft")
    assert mine.exists() and not mine.filter(pk__in=dossiers_of_staff(other)).exists()
    assert manages_instruction_of(demo_user("equipe@demo.gouv.fr"), groups.first().programme_id)
    noted = PrivateNote.objects.get()
    assert noted.dossier.instructor == instructor and noted.dossier.labels.exists()
    assert DossierAnnotation.objects.filter(dossier=noted.dossier).exists()
    assert SavedFilter.objects.filter(user=instructor).count() == 1
