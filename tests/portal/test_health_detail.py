"""The operators' health page (/sante/detail/): who may read it, what it reports, and that it still
answers when what it checks is down."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from portal import health
from portal.models import Heartbeat, OutboxMessage, Role, TaskOutbox
from portal.services import role_assign
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("portal:health_detail")
CHECKS = ["database", "broker", "worker", "beat", "task_outbox", "email_outbox", "pending_receipts"]


@pytest.fixture
def admin_client(client):
    admin = UserFactory()
    role_assign(actor=None, user=admin, role=Role.ADMIN)
    client.force_login(admin)
    return client


def test_anonymous_is_sent_to_the_login_and_a_signed_in_non_admin_is_refused(client):
    assert client.get(URL).status_code == 302
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_an_administrator_reads_every_check_in_french(admin_client):
    response = admin_client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200 and "État du service" in page
    for label in ["Base de données", "Broker (Redis)", "Worker Celery", "Planificateur (beat)", "Accusés de réception"]:
        assert label in page


def test_monitoring_reads_json_with_the_token_and_only_with_it(client, settings):
    settings.HEALTH_TOKEN = "jeton-de-supervision"
    assert client.get(URL, headers={"Authorization": "Bearer mauvais"}).status_code == 403
    response = client.get(URL, headers={"Authorization": "Bearer jeton-de-supervision"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and [check["name"] for check in body["checks"]] == CHECKS
    settings.HEALTH_TOKEN = ""
    assert client.get(URL, headers={"Authorization": "Bearer "}).status_code == 403  # no token configured


def test_backlogs_report_their_count_and_their_oldest_item(settings):
    settings.TASK_OUTBOX_SWEEP_SECONDS = 30
    TaskOutbox.objects.create(task="portal.tasks.heartbeat", created_at=timezone.now() - timedelta(minutes=10))
    TaskOutbox.objects.create(task="portal.tasks.heartbeat")
    check = health.task_outbox()
    assert check.status == health.WARNING and check.data == {"count": 2, "oldest_seconds": 600}
    assert check.value == "2 en attente, le plus ancien depuis 10 min"
    OutboxMessage.objects.create(
        event="x", to_email="a@b.fr", subject="s", body=".", status=OutboxMessage.Status.FAILED
    )
    assert "1 en échec définitif" in health.email_outbox().value


def test_worker_and_beat_are_judged_on_their_last_sign_of_life(settings, celery_eager):
    from portal.celery import app

    app.conf.task_always_eager = False  # as in production: a worker and beat are expected
    assert health.worker().status == health.ERROR  # never seen
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(seconds=30), detail="hote-1")
    assert health.worker().status == health.OK and "hote-1" in health.worker().value
    Heartbeat.objects.filter(name="worker").update(seen_at=timezone.now() - timedelta(hours=1))
    assert health.worker().status == health.ERROR
    assert health.beat().status == health.ERROR  # beat never ran anything


def test_a_failing_check_is_reported_and_the_page_still_answers(client, settings):
    settings.HEALTH_TOKEN = "t"
    with mock.patch.object(health, "database", side_effect=OperationalError("connexion refusée")):
        settings.HEALTH_CHECKS = ["portal.health.database", "portal.health.task_outbox"]
        response = client.get(URL, headers={"Authorization": "Bearer t"})
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and "connexion refusée" in body["checks"][0]["value"]
    assert body["checks"][1]["status"] == "ok"
