"""Webhooks: endpoints registered by programme staff, deliveries written with the event and sent after commit.

The delivery row is the promise, as for e-mails (portal.services.outbox_send_pending): it is
written in the transaction of the audited action that caused it, a task sends it once that
commits, and a periodic sweep sends what a broker outage or a failed attempt left behind, with
exponential backoff until it gives up. Delivery is at least once: receivers deduplicate on the
event id.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.credentials import webhook_secret_draw
from api.events import HANDLERS, occurrences_of
from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.signing import HEADER, signature_header
from calls.models import Programme
from portal.errors import DomainError
from portal.models import AuditEvent
from portal.selectors import user_roles
from portal.services import audit_record, task_enqueue_on_commit

logger = logging.getLogger(__name__)

SEND_TASK = "api.tasks.webhook_deliveries_send"
# While one worker sends a delivery, no other takes it; past this lease a crashed send is retried.
LEASE = timedelta(minutes=2)
RESPONSE_KEPT = 2000
TIMEOUT = (5, 10)  # seconds to connect, seconds to read


def ensure_staff(actor, programme_id: int) -> None:
    if not user_roles(actor).is_staff_of(programme_id):
        raise DomainError(_("Webhook introuvable."), code="not_found")


def endpoint_url_check(url: str) -> str:
    """HTTPS only, without credentials in the address; plain HTTP to 127.0.0.1 only where the settings allow it
    (the tests' local receiver)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    loopback_http = parts.scheme == "http" and parts.hostname == "127.0.0.1" and settings.API_WEBHOOK_ALLOW_LOOPBACK
    if parts.scheme != "https" and not loopback_http:
        raise DomainError(_("L'adresse doit commencer par https://."), code="https_required", field="url")
    if not parts.hostname:
        raise DomainError(_("L'adresse n'indique pas de serveur."), code="invalid_url", field="url")
    if parts.username or parts.password:
        raise DomainError(
            _("N'écrivez pas d'identifiant dans l'adresse : la signature authentifie les envois."),
            code="invalid_url",
            field="url",
        )
    return url


def _events_checked(events: list[str]) -> list[str]:
    events = sorted(set(events or []))
    if not events:
        raise DomainError(_("Choisissez au moins un événement."), code="events_required", field="events")
    unknown = [event for event in events if event not in WebhookEvent.values]
    if unknown:
        raise DomainError(_("Événement inconnu : %(events)s.") % {"events": ", ".join(unknown)}, "invalid_event")
    return events


def endpoint_create(
    *, actor, programme: Programme, url: str, events: list[str], description: str = "", ip_address=None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint of the programme; returns it with its signing secret, to be shown once."""
    ensure_staff(actor, programme.pk)
    url = endpoint_url_check(url)
    events = _events_checked(events)
    secret = webhook_secret_draw()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            programme=programme,
            url=url,
            events=events,
            description=description.strip()[:255],
            secret=secret,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="api.webhook_create",
            target=endpoint,
            ip_address=ip_address,
            data={"url": url, "events": events},
        )
    return endpoint, secret


def endpoint_update(
    *,
    actor,
    endpoint: WebhookEndpoint,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
    ip_address=None,
) -> WebhookEndpoint:
    """Change the address, the events or the state; the secret stays. Deliveries already written keep going
    to the address they were written for only if it is unchanged: they read the endpoint when sent."""
    ensure_staff(actor, endpoint.programme_id)
    url = endpoint_url_check(url)
    events = _events_checked(events)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = {"url": endpoint.url, "events": endpoint.events, "is_active": endpoint.is_active}
        endpoint.url, endpoint.events, endpoint.is_active = url, events, is_active
        endpoint.description = description.strip()[:255]
        endpoint.save(update_fields=["url", "events", "is_active", "description"])
        audit_record(
            actor=actor,
            action="api.webhook_update",
            target=endpoint,
            ip_address=ip_address,
            data={"before": before, "after": {"url": url, "events": events, "is_active": is_active}},
        )
    return endpoint


def delivery_redeliver(*, actor, delivery: WebhookDelivery, ip_address=None) -> WebhookDelivery:
    """Send the same event again (same body and event id) as a new delivery, whatever became of the first."""
    ensure_staff(actor, delivery.endpoint.programme_id)
    if not delivery.endpoint.is_active:
        raise DomainError(_("Ce webhook est désactivé : réactivez-le avant de relivrer."), code="inactive")
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event=delivery.event,
            event_id=delivery.event_id,
            body=delivery.body,
            redelivery_of=delivery,
            requested_by=actor,
        )
        audit_record(
            actor=actor,
            action="api.webhook_redeliver",
            target=delivery.endpoint,
            ip_address=ip_address,
            data={"delivery": delivery.pk, "redelivery": again.pk, "event": delivery.event},
        )
        task_enqueue_on_commit(SEND_TASK, delivery_ids=[again.pk])
    return again


# --- Events ------------------------------------------------------------------------------------------


def deliveries_for_audit(audit: AuditEvent) -> list[WebhookDelivery]:
    """Write the deliveries that an audited action calls for, in the caller's transaction.

    Called for every audit event: an action that is no event, or a call whose programme has no
    active endpoint, costs at most one query.
    """
    if audit.action not in HANDLERS or audit.call_id is None:
        return []
    endpoints = list(WebhookEndpoint.objects.filter(programme__calls__id=audit.call_id, is_active=True))
    if not endpoints:
        return []
    occurrences = occurrences_of(audit)
    if not occurrences:
        return []
    programme = Programme.objects.only("slug").get(calls__id=audit.call_id)
    deliveries = []
    for occurrence in occurrences:
        listeners = [endpoint for endpoint in endpoints if occurrence.event in endpoint.events]
        if not listeners:
            continue
        event_id = uuid.uuid4()
        body = json.dumps(
            {
                "id": str(event_id),
                "type": occurrence.event,
                "created_at": timezone.localtime(audit.created_at).isoformat(),
                "programme": {"id": programme.pk, "slug": programme.slug},
                "data": occurrence.data,
            },
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        deliveries += [
            WebhookDelivery.objects.create(endpoint=endpoint, event=occurrence.event, event_id=event_id, body=body)
            for endpoint in listeners
        ]
    if deliveries:
        task_enqueue_on_commit(SEND_TASK, delivery_ids=[delivery.pk for delivery in deliveries])
    return deliveries


# --- Sending -----------------------------------------------------------------------------------------


def destination_refusal(url: str) -> str | None:
    """Why the portal will not post to `url` now, in French; None when it may.

    Staff choose the address, so it must not reach the portal's own network: every address the
    host resolves to must be public, or in a network the operator allowed
    (API_WEBHOOK_ALLOWED_NETWORKS, e.g. an administration's private network).
    """
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return _("Le nom du serveur ne se résout pas.")
    allowed = [ipaddress.ip_network(network) for network in settings.API_WEBHOOK_ALLOWED_NETWORKS]
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if any(address in network for network in allowed):
            continue
        if address.is_loopback and settings.API_WEBHOOK_ALLOW_LOOPBACK:
            continue
        if not address.is_global:
            return _("L'adresse du serveur n'est pas publique : envoi refusé.")
    return None


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take a due delivery for one attempt: counted at once and leased, so no other worker sends it meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """(status code, response text, error): one HTTP attempt, redirects not followed."""
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return None, "", _("Webhook désactivé.")
    refusal = destination_refusal(endpoint.url)
    if refusal:
        return None, "", refusal
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Portail-AAP-Webhooks/1",
        HEADER: signature_header(endpoint.secret, body),
        "Portail-Event": delivery.event,
        "Portail-Event-Id": str(delivery.event_id),
        "Portail-Delivery": str(delivery.pk),
    }
    try:
        response = requests.post(endpoint.url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        return None, "", (_("Échec de la connexion : %(error)s") % {"error": type(error).__name__})
    return response.status_code, response.text[:RESPONSE_KEPT], ""


def _record(delivery: WebhookDelivery, status: int | None, text: str, error: str, duration_ms: int) -> bool:
    delivered = status is not None and 200 <= status < 300
    delivery.response_status, delivery.response_body, delivery.duration_ms = status, text, duration_ms
    if delivered:
        delivery.status, delivery.delivered_at, delivery.error = WebhookDelivery.Status.SENT, timezone.now(), ""
    else:
        delivery.error = error or _("Réponse %(status)s : seul un code 2xx vaut accusé de réception.") % {
            "status": status
        }
        if delivery.attempts >= settings.API_WEBHOOK_MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = timezone.now() + timedelta(minutes=2**delivery.attempts)
    delivery.save(
        update_fields=[
            "response_status",
            "response_body",
            "duration_ms",
            "status",
            "delivered_at",
            "error",
            "next_attempt_at",
        ]
    )
    return delivered


def deliveries_send_pending(*, delivery_ids: list[int] | None = None, limit: int = 100) -> int:
    """Send due deliveries (the given ones, or every due one); returns how many were acknowledged.

    Each is signed at the moment it is sent (a fresh timestamp); no database transaction is held
    during the HTTP call. A failure waits 2, 4, 8… minutes, and gives up after
    API_WEBHOOK_MAX_ATTEMPTS attempts; staff can then send it again by hand.
    """
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
    if delivery_ids is not None:
        due = due.filter(pk__in=delivery_ids)
    sent = 0
    for delivery_id in list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]):
        delivery = _claim(delivery_id)
        if delivery is None:
            continue
        started = time.monotonic()
        status, text, error = _post(delivery)
        sent += _record(delivery, status, text, error, int((time.monotonic() - started) * 1000))
    return sent
