"""Webhooks end to end: staff register an endpoint in the back-office (secret shown once), an event posts a signed
body to a real HTTP server on 127.0.0.1, a failure is logged and retried with backoff by the sweep, given up after
the last attempt, then redelivered by hand from the back-office; the outbox survives a broker outage."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.services import webhooks
from api.signing import HEADER, signature_header, signature_verify
from api.tasks import webhook_deliveries_send
from applications.services.workflow import dossier_transition
from funding.services import followup
from portal.errors import DomainError
from portal.models import AuditEvent
from portal.services import audit_record
from tests.api.conftest import OPERATOR_SCOPES, api_client, token_for


class Receiver:
    """An HTTP server in a thread that answers the statuses it is given, in turn (the last one repeats)."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses = [204]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"refus du serveur" if status >= 400 else b"")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/portail"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def register(client, programme, url, events) -> tuple[WebhookEndpoint, str]:
    """Register through the back-office page, as staff do; returns the endpoint and the secret it showed."""
    response = client.post(
        reverse("api_staff:webhooks", args=[programme.pk]),
        {"url": url, "events": events, "description": "Système financier"},
    )
    assert response.status_code == 200, response.content
    secret = response.context["created"]["secret"]
    assert secret in response.content.decode()
    return WebhookEndpoint.objects.get(programme=programme, url=url), secret


def pay(world, key: str, reference: str, django_capture_on_commit_callbacks):
    client = api_client(token_for(world.operator, world.programme, OPERATOR_SCOPES))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/payments",
            {
                "tranche": world.tranche.pk,
                "paid_on": timezone.localdate().isoformat(),
                "amount": "500.00",
                "reference": reference,
            },
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
    assert response.status_code == 201, response.content
    return response.json()


def minutes_waited(delivery) -> int:
    """The backoff after the last attempt (counted from its answer, a few milliseconds after it started)."""
    return round((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds() / 60)


def test_a_signed_delivery_reaches_the_receiver(world_p, receiver, client, django_capture_on_commit_callbacks):
    client.force_login(world_p.staff)
    endpoint, secret = register(client, world_p.programme, receiver.url, [WebhookEvent.PAYMENT_RECORDED])
    page = client.get(reverse("api_staff:webhooks", args=[world_p.programme.pk])).content.decode()
    assert secret not in page and receiver.url in page  # shown once, in the answer to the form only

    payment = pay(world_p, "webhook-1", "VIR-WEBHOOK-1", django_capture_on_commit_callbacks)

    [request] = receiver.received
    assert request["path"] == "/portail"
    headers, body = request["headers"], request["body"]
    assert signature_verify(secret, body, headers[HEADER])
    assert not signature_verify("autre-secret", body, headers[HEADER])
    assert not signature_verify(secret, body + b" ", headers[HEADER])
    event = json.loads(body)
    assert event["type"] == headers["Portail-Event"] == "payment.recorded"
    assert event["id"] == headers["Portail-Event-Id"]
    assert event["programme"] == {"id": world_p.programme.pk, "slug": world_p.programme.slug}
    assert event["data"]["payment"]["id"] == payment["id"] and event["data"]["payment"]["amount"] == "500.00"
    assert event["data"]["payment"]["url"].endswith(f"/api/v1/payments/{payment['id']}")
    assert timezone.datetime.fromisoformat(event["created_at"]).utcoffset() is not None
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sent", 1, 204)
    assert delivery.delivered_at is not None and delivery.endpoint == endpoint


def test_a_replayed_signature_is_refused_after_five_minutes():
    header = signature_header("s", b"{}", timestamp=1_000_000)
    assert signature_verify("s", b"{}", header, now=1_000_000 + 299)
    assert not signature_verify("s", b"{}", header, now=1_000_000 + 301)
    assert not signature_verify("s", b"{}", "v1=abc")


def test_a_failure_is_retried_with_backoff_given_up_then_redelivered_by_hand(
    world_p, receiver, client, settings, time_machine, django_capture_on_commit_callbacks
):
    settings.API_WEBHOOK_MAX_ATTEMPTS = 3
    client.force_login(world_p.staff)
    _endpoint, secret = register(client, world_p.programme, receiver.url, [WebhookEvent.PAYMENT_RECORDED])
    receiver.statuses = [500, 503, 500, 200]

    pay(world_p, "webhook-2", "VIR-WEBHOOK-2", django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.response_body == "refus du serveur" and "500" in delivery.error
    assert minutes_waited(delivery) == 2

    # The periodic sweep sends nothing before it is due, then retries with a doubled wait.
    assert webhook_deliveries_send() == 0 and len(receiver.received) == 1
    time_machine.move_to(delivery.next_attempt_at + timedelta(seconds=1))
    assert webhook_deliveries_send() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 2, 503)
    assert minutes_waited(delivery) == 4
    time_machine.move_to(delivery.next_attempt_at + timedelta(seconds=1))
    assert webhook_deliveries_send() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    time_machine.move_to(delivery.next_attempt_at + timedelta(hours=1))
    assert webhook_deliveries_send() == 0 and len(receiver.received) == 3  # given up: no fourth attempt

    # The log shows it; staff send it again by hand, with the same event id, freshly signed.
    page = client.get(reverse("api_staff:webhook", args=[delivery.endpoint_id]), {"statut": "failed"})
    assert page.status_code == 200 and list(page.context["page"]) == [delivery]
    assert "refus du serveur" in client.get(reverse("api_staff:delivery", args=[delivery.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api_staff:delivery_redeliver", args=[delivery.pk]))
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("api_staff:delivery", args=[again.pk])
    assert (again.status, again.attempts, again.response_status) == ("sent", 1, 200)
    assert again.redelivery_of == delivery and again.requested_by == world_p.staff
    assert again.event_id == delivery.event_id and again.body == delivery.body
    last = receiver.received[-1]
    assert len(receiver.received) == 4 and last["headers"]["Portail-Event-Id"] == str(delivery.event_id)
    assert signature_verify(secret, last["body"], last["headers"][HEADER])
    assert AuditEvent.objects.filter(action="api.webhook_redeliver", actor=world_p.staff).count() == 1


def test_the_outbox_survives_a_broker_outage_and_an_unreachable_receiver(
    world_p, receiver, client, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    client.force_login(world_p.staff)
    register(client, world_p.programme, receiver.url, [WebhookEvent.PAYMENT_RECORDED])
    from api.tasks import webhook_deliveries_send as task

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker injoignable")

    # Tasks are published through the task outbox (portal/services/task_outbox.py) with apply_async.
    monkeypatch.setattr(task, "apply_async", broker_down)
    pay(world_p, "webhook-3", "VIR-WEBHOOK-3", django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 0) and receiver.received == []

    # The receiver is down too when the sweep first runs: a connection error is one failed attempt.
    receiver.server.shutdown()
    receiver.server.server_close()
    assert webhook_deliveries_send() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    assert delivery.error.startswith("Échec de la connexion")

    with Receiver() as back:
        WebhookEndpoint.objects.update(url=back.url)
        time_machine.move_to(delivery.next_attempt_at + timedelta(seconds=1))
        assert webhook_deliveries_send() == 1
        assert len(back.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_each_event_reaches_only_the_endpoints_that_chose_it(world_p, world_q, django_capture_on_commit_callbacks):
    """Events come from the audited actions of the services: a dossier's transition, a milestone validated,
    a deliberation, a convention signature, a payment."""
    everything, _ = webhooks.endpoint_create(
        actor=world_p.staff,
        programme=world_p.programme,
        url="https://finances.example.fr/hook",
        events=list(WebhookEvent.values),
    )
    decisions_only, _ = webhooks.endpoint_create(
        actor=world_p.staff,
        programme=world_p.programme,
        url="https://stats.example.fr/hook",
        events=[WebhookEvent.DECISION_RECORDED],
    )
    other, _ = webhooks.endpoint_create(
        actor=world_q.staff,
        programme=world_q.programme,
        url="https://q.example.fr/hook",
        events=list(WebhookEvent.values),
    )
    with django_capture_on_commit_callbacks(execute=False):  # written, not sent: the outbox is what is read
        dossier_transition(dossier=world_p.dossier, name="mark_complete", actor=world_p.staff)
        carrier = world_p.extra["carrier"]
        milestone = followup.milestone_declare(actor=carrier, milestone=world_p.milestone, note="Prototype livré")
        followup.milestone_review(actor=world_p.staff, milestone=milestone, accept=True)
        audit_record(actor=world_p.staff, action="juries.deliberation_record", target=world_p.decision.deliberation)
        audit_record(actor=world_p.operator, action="convention.sign_operator", target=world_p.convention)
    events = list(everything.deliveries.order_by("pk").values_list("event", flat=True))
    assert events == ["dossier.state_changed", "milestone.validated", "decision.recorded", "convention.signed"]
    bodies = [json.loads(body) for body in everything.deliveries.order_by("pk").values_list("body", flat=True)]
    assert bodies[0]["data"]["from_state"] == "submitted" and bodies[0]["data"]["to_state"] == "complete"
    assert bodies[1]["data"]["milestone"]["id"] == world_p.milestone.pk
    assert bodies[2]["data"]["decision"]["granted_amount"] == "30000.00"
    assert bodies[3]["data"]["convention"]["signed_by"] == "operator"
    assert list(decisions_only.deliveries.values_list("event", flat=True)) == ["decision.recorded"]
    assert not other.deliveries.exists()


def test_an_endpoint_must_be_https_and_public(world_p, settings):
    for url, code in [("http://finances.example.fr/hook", "https_required"), ("https://u:p@x.fr/", "invalid_url")]:
        with pytest.raises(DomainError) as error:
            webhooks.endpoint_create(
                actor=world_p.staff, programme=world_p.programme, url=url, events=["payment.recorded"]
            )
        assert error.value.code == code
    assert webhooks.destination_refusal("https://10.1.2.3/hook") is not None
    assert webhooks.destination_refusal("https://169.254.169.254/latest") is not None
    settings.API_WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert webhooks.destination_refusal("https://10.1.2.3/hook") is None


def test_only_the_programme_staff_register_or_redeliver(world_p, world_q):
    for actor in (world_p.operator, world_q.staff):
        with pytest.raises(DomainError):
            webhooks.endpoint_create(
                actor=actor, programme=world_p.programme, url="https://x.example.fr/", events=["payment.recorded"]
            )
