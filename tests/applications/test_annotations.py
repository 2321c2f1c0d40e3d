"""Private annotations: fields configured per call, values and notes on a dossier, staff only, exported, audited."""

import csv
import io

import pytest
from django.urls import reverse

from applications.models import DossierAnnotation
from applications.services import annotations, routing
from portal.errors import DomainError
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import ThemeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db
NOTE = "Porteur déjà financé en 2019 : vérifier le double financement."


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


@pytest.fixture
def annotated(client, settings):
    """A submitted dossier whose call has two private fields, filled and noted through the pages."""
    settings.PORTAL_ENFORCE_MFA = False
    dossier = DossierFactory(submitted=True, session__theme=ThemeFactory(code="ITN1"))
    call = dossier.theme.call
    manager = staff_of(call.programme)
    client.force_login(manager)
    url = reverse("applications:call_annotation_fields", args=[call.pk])
    client.post(url, {"action": "add", "key": "avis_technique", "label": "Avis technique", "kind": "long_text"})
    client.post(
        url,
        {"action": "add", "key": "priorite", "label": "Priorité", "kind": "choice", "choices": "Haute\nBasse"},
    )
    page = reverse("applications:dossier_annotations", args=[dossier.pk])
    client.post(page, {"action": "fields", "prive-avis_technique": "Solide mais coûteux.", "prive-priorite": "Haute"})
    client.post(page, {"action": "note", "body": NOTE})
    client.logout()
    return dossier, manager


def test_staff_configure_fill_and_note_with_audit(client, annotated):
    dossier, manager = annotated
    assert DossierAnnotation.objects.get(dossier=dossier).values == {
        "avis_technique": "Solide mais coûteux.",
        "priorite": "Haute",
    }
    client.force_login(manager)
    page = client.get(reverse("applications:dossier_annotations", args=[dossier.pk])).content.decode()
    assert NOTE in page and "Solide mais coûteux." in page
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"call.annotation_field_add", "dossier.annotations_save", "dossier.private_note_add"} <= actions
    # A value outside the field's choices is refused in French, the others are kept.
    response = client.post(
        reverse("applications:dossier_annotations", args=[dossier.pk]),
        {"action": "fields", "prive-avis_technique": "Revu.", "prive-priorite": "Urgente"},
    )
    assert "Choisissez une des valeurs proposées." in response.content.decode()
    assert DossierAnnotation.objects.get(dossier=dossier).values["avis_technique"] == "Revu."


def test_staff_export_carries_the_annotations(client, annotated):
    dossier, manager = annotated
    client.force_login(manager)
    response = client.get(reverse("applications:staff_list_export", args=["csv"]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == dossier.reference), strict=True))
    assert row["Champs privés de l'instruction"] == "Avis technique : Solide mais coûteux. ; Priorité : Haute"
    assert NOTE in row["Notes privées de l'instruction"]


def test_annotations_never_reach_the_applicant(client, annotated):
    dossier, _manager = annotated
    applicant = dossier.organisation.memberships.first().user
    client.force_login(applicant)
    for url in (
        reverse("applications:dossier_detail", args=[dossier.pk]),
        reverse("applications:my_dossiers"),
        reverse("portal:personal_data_download"),
    ):
        content = client.get(url).content.decode()
        assert NOTE not in content and "Solide mais coûteux." not in content, url
    assert client.get(reverse("applications:dossier_annotations", args=[dossier.pk])).status_code == 403


def test_annotations_are_scoped_like_the_dossier(client, annotated):
    dossier, manager = annotated
    programme = dossier.theme.call.programme
    other_group = routing.instructor_group_create(actor=manager, programme=programme, name="Autre")
    outsider = staff_of(programme)
    routing.instructor_group_member_add(actor=manager, group=other_group, user=outsider)
    client.force_login(outsider)
    assert client.get(reverse("applications:dossier_annotations", args=[dossier.pk])).status_code == 404
    with pytest.raises(DomainError):
        annotations.private_note_add(actor=outsider, dossier=dossier, body="Intrus.")
    # Only managers configure the call's fields: an instructor within a group may not.
    assert client.get(reverse("applications:call_annotation_fields", args=[dossier.theme.call_id])).status_code == 403
    client.force_login(staff_of(ThemeFactory().call.programme))
    assert client.get(reverse("applications:call_annotation_fields", args=[dossier.theme.call_id])).status_code == 404


def test_a_field_must_follow_the_form_builder_rules(annotated):
    dossier, manager = annotated
    call = dossier.theme.call
    with pytest.raises(DomainError, match="déjà utilisé"):
        annotations.call_annotation_field_add(actor=manager, call=call, key="priorite", label="Bis", kind="short_text")
    with pytest.raises(DomainError, match="au moins un choix"):
        annotations.call_annotation_field_add(actor=manager, call=call, key="niveau", label="Niveau", kind="choice")
