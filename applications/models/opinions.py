"""Expert opinions (avis): staff ask a colleague or an outside person a question on one dossier.

Kept beside the dossier (not under juries/) because the staff dossier page, the staff list and the
instruction queue, all in applications, show them and their counts; the jury's pages, above, read the
shared ones through `applications.selectors.opinions`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OpinionRequest(models.Model):
    """One question to one expert on one dossier, with a deadline (Europe/Paris) and who may read the answer.

    The expert is bound when they accept the invitation (an outside person) or at once (a colleague);
    they read the dossier only once they have declared no interest, and only until they answer.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente de la déclaration d'intérêts")
        OPEN = "open", _("en cours")
        ANSWERED = "answered", _("avis rendu")
        DECLINED = "declined", _("décliné (intérêt déclaré)")
        CANCELLED = "cancelled", _("annulé")

    class Visibility(models.TextChoices):
        STAFF = "staff", _("équipe du programme seulement")
        JURY = "jury", _("équipe du programme et jury")

    class Position(models.TextChoices):
        FAVOURABLE = "favourable", _("favorable")
        RESERVED = "reserved", _("réservé")
        UNFAVOURABLE = "unfavourable", _("défavorable")

    WAITING = (Status.PENDING, Status.OPEN)

    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="opinion_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(_("adresse de l'expert·e"))
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="opinion_requests"
    )
    is_colleague = models.BooleanField(_("membre de l'équipe du programme"), default=False)
    token = models.CharField(max_length=64, unique=True)
    question = models.TextField(_("question posée"))
    due_at = models.DateTimeField(_("avis attendu avant le"))
    visibility = models.CharField(_("confidentialité"), max_length=8, choices=Visibility.choices)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    interest_reason = models.TextField(_("intérêt déclaré"), blank=True)
    declared_at = models.DateTimeField(_("intérêts déclarés le"), null=True, blank=True)
    answer = models.TextField(_("avis"), blank=True)
    position = models.CharField(_("position"), max_length=12, choices=Position.choices, blank=True)
    answered_at = models.DateTimeField(_("avis rendu le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    # Reminder steps already sent ("j-3", "j-1", "retard"): a step is never sent twice.
    reminders_sent = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("demande d'avis")
        verbose_name_plural = _("demandes d'avis")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="opinion_status_due_idx")]

    def __str__(self):
        return f"Avis de {self.email} — {self.dossier}"

    @property
    def audit_call_id(self) -> int:
        return self.dossier.theme.call_id

    @property
    def is_waiting(self) -> bool:
        return self.status in self.WAITING

    @property
    def is_overdue(self) -> bool:
        return self.is_waiting and self.due_at < timezone.now()

    @property
    def is_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.due_at


def opinion_attachment_path(instance, filename):
    # A random stored name: the user's file name is kept only as metadata.
    return f"applications/opinions/{instance.request_id}/{uuid.uuid4().hex}"


class OpinionAttachment(models.Model):
    """A file the expert joins to their answer, checked by `portal.uploads.validate_upload`."""

    request = models.ForeignKey(OpinionRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=opinion_attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pièce d'un avis")
        verbose_name_plural = _("pièces des avis")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name
