"""Labels, bulk actions on selected dossiers (label, assign, one message to each carrier), saved filters."""

import pytest
from django.urls import reverse

from applications.models import Label, Message, SavedFilter
from applications.services import labels
from portal.errors import DomainError
from portal.models import OutboxMessage, Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client, settings):
    settings.PORTAL_ENFORCE_MFA = False
    session = SessionFactory(theme=ThemeFactory(code="L1"))
    programme = session.theme.call.programme
    staff = UserFactory(email="instructeur@programme.gouv.fr")
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=programme)
    dossiers = DossierFactory.create_batch(3, session=session, submitted=True)
    client.force_login(staff)
    return {"programme": programme, "staff": staff, "dossiers": dossiers, "client": client}


def bulk(w, **data):
    return w["client"].post(reverse("applications:bulk_action"), data)


def test_label_a_selection_and_filter_the_list_by_it(world):
    w = world
    client = w["client"]
    client.post(
        reverse("applications:labels", args=[w["programme"].pk]), {"name": "Prioritaire", "colour": "green-emeraude"}
    )
    label = Label.objects.get(programme=w["programme"], name="Prioritaire")
    first, second, third = w["dossiers"]
    bulk(w, action="label_add", label=label.pk, dossiers=[first.pk, second.pk])
    assert set(label.dossiers.all()) == {first, second}
    response = client.get(reverse("applications:staff_list"), {"etiquette": label.pk})
    assert {d.pk for d in response.context["rows"]} == {first.pk, second.pk}
    assert "Prioritaire" in response.content.decode()
    bulk(w, action="label_remove", label=label.pk, dossiers=[second.pk])
    assert set(label.dossiers.all()) == {first}


def test_bulk_assign_and_a_foreign_dossier_refuses_the_whole_selection(world):
    w = world
    first, second, _third = w["dossiers"]
    bulk(w, action="assign", instructor=w["staff"].pk, dossiers=[first.pk, second.pk])
    assert {d.instructor_id for d in type(first).objects.filter(pk__in=[first.pk, second.pk])} == {w["staff"].pk}
    foreign = DossierFactory(submitted=True)
    with pytest.raises(DomainError, match="périmètre"):
        labels.dossiers_assign(actor=w["staff"], dossier_ids=[_third.pk, foreign.pk], instructor=w["staff"])
    _third.refresh_from_db()
    assert _third.instructor_id is None


def test_one_message_reaches_each_carrier_in_its_thread(world):
    w = world
    body = "La réunion de lancement aura lieu le 3 mars."
    response = bulk(w, action="message", body=body, dossiers=[d.pk for d in w["dossiers"]])
    assert response.status_code == 302
    for dossier in w["dossiers"]:
        assert Message.objects.filter(dossier=dossier, body=body, author=w["staff"]).exists()
        carrier = dossier.organisation.memberships.first().user
        assert OutboxMessage.objects.filter(to_email=carrier.email, event="dossier_message").exists()
    bulk(w, action="message", body=" ", dossiers=[w["dossiers"][0].pk])
    assert Message.objects.filter(dossier=w["dossiers"][0]).count() == 1


def test_saved_filters_belong_to_their_owner(world):
    w = world
    client = w["client"]
    client.post(
        reverse("applications:saved_filter_save"), {"name": "À instruire", "querystring": "statut=a_instruire&page=3"}
    )
    saved = SavedFilter.objects.get(user=w["staff"])
    assert saved.querystring == "statut=a_instruire"
    assert "?statut=a_instruire" in client.get(reverse("applications:staff_list")).content.decode()
    other = UserFactory()
    role_assign(actor=None, user=other, role=Role.PROGRAMME_STAFF, scope=w["programme"])
    client.force_login(other)
    assert client.post(reverse("applications:saved_filter_delete", args=[saved.pk])).status_code == 404
    client.force_login(w["staff"])
    client.post(reverse("applications:saved_filter_delete", args=[saved.pk]))
    assert not SavedFilter.objects.exists()
