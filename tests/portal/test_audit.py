import pytest
from django.urls import reverse

from portal.models import AuditEvent
from tests.portal.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_logout_and_failed_login_are_recorded(client):
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"})
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("account_logout"))
    actions = list(AuditEvent.objects.order_by("created_at", "pk").values_list("action", flat=True))
    assert actions == ["auth.login_failed", "auth.login", "auth.logout"]
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.data == {"identifier": user.email}
    assert failed.ip_address == "127.0.0.1"
    assert "mauvais" not in str(failed.data)


def test_audit_events_are_append_only():
    event = AuditEvent.objects.create(action="test")
    event.action = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_events_on_a_dossier_are_filed_under_its_call():
    from portal.services import audit_record
    from tests.applications.factories import DossierFactory

    dossier = DossierFactory()
    event = audit_record(actor=None, action="dossier.test", target=dossier)
    assert event.call_id == dossier.theme.call_id
    assert audit_record(actor=None, action="call.test", target=dossier.theme.call).call_id == dossier.theme.call_id
