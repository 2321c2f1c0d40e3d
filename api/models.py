"""API tokens, webhook endpoints and the webhook deliveries' outbox.

A token acts for the person who created it, narrowed to one programme and to the scopes chosen:
its secret is shown once and only its SHA-256 is kept. A webhook endpoint's secret must stay
readable (each delivery is signed with it) and is shown once too. A delivery is a row written in
the transaction of the event that caused it, sent after commit and retried until it succeeds
or gives up, like the e-mail outbox (portal.models.OutboxMessage).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    programme = models.ForeignKey(
        "calls.Programme", on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("programme")
    )
    name = models.CharField(
        _("nom"), max_length=100, help_text=_("Le système qui l'utilise, par exemple « Finances ».")
    )
    # The public part of the token, for the lookup; the secret part is only known by its hash.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("droits"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("créé par")
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    def is_usable(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at


class WebhookEvent(models.TextChoices):
    DOSSIER_SUBMITTED = "dossier.submitted", _("Dossier déposé")
    DOSSIER_STATE_CHANGED = "dossier.state_changed", _("Changement d'état d'un dossier")
    DECISION_RECORDED = "decision.recorded", _("Décision enregistrée")
    CONVENTION_SIGNED = "convention.signed", _("Convention signée (porteur ou opérateur)")
    MILESTONE_VALIDATED = "milestone.validated", _("Jalon validé")
    PAYMENT_RECORDED = "payment.recorded", _("Paiement enregistré")


class WebhookEndpoint(models.Model):
    programme = models.ForeignKey(
        "calls.Programme", on_delete=models.CASCADE, related_name="webhook_endpoints", verbose_name=_("programme")
    )
    url = models.URLField(_("adresse"), max_length=500)
    description = models.CharField(_("description"), max_length=255, blank=True)
    events = models.JSONField(_("événements"), default=list)
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("actif"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["programme", "is_active"])]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint. A redelivery from the back-office is a new row (`redelivery_of`),
    so that every attempt's log is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        SENT = "sent", _("livré")
        FAILED = "failed", _("échec définitif")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("événement"), max_length=40, choices=WebhookEvent.choices)
    # The same for every delivery of one event (redeliveries included): receivers deduplicate on it.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    body = models.TextField(_("contenu envoyé"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(_("dernière tentative"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("code de réponse"), null=True, blank=True)
    response_body = models.TextField(_("réponse (début)"), blank=True)
    error = models.TextField(_("erreur"), blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("livré le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="redeliveries"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("livraison de webhook")
        verbose_name_plural = _("livraisons de webhook")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"
