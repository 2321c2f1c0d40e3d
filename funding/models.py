"""Conventions, tranches, milestones, payments, indicator reports, final report and closure.

State changes go through `funding.services`; the models hold data and invariants only.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from funding.placeholders import validate_placeholders
from portal.errors import DomainError

MONEY = {"max_digits": 14, "decimal_places": 2}


def funding_file_path(instance, filename):
    # Stored under a random name: the user's file name never reaches the file system.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"funding/{instance._meta.model_name}/{uuid.uuid4().hex}.{extension}"


class ConventionTemplate(models.Model):
    """The text of a programme's conventions, versioned: a change is a new version."""

    programme = models.ForeignKey("calls.Programme", on_delete=models.CASCADE, related_name="convention_templates")
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("titre"), max_length=255, default="Convention de financement")
    body = models.TextField(
        _("clauses"), help_text=_("HTML ; variables entre doubles accolades, par exemple {{ montant }}.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("modèle de convention")
        verbose_name_plural = _("modèles de convention")
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="convention_template_unique_version"),
        ]

    def __str__(self):
        return f"{self.title} — v{self.version}"

    def clean(self):
        try:
            validate_placeholders(self.body)
        except DomainError as error:
            raise ValidationError({"body": error.message}) from error


class Convention(models.Model):
    """One version of a dossier's funding agreement; an amendment is the next version.

    Once the carrier has signed, the version is immutable: its PDF and hash are what was signed.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SENT = "sent", _("Envoyée au porteur")
        SIGNED_BY_CARRIER = "signed_by_carrier", _("Signée par le porteur")
        SIGNED_BY_OPERATOR = "signed_by_operator", _("Signée par l'opérateur")
        IN_FORCE = "in_force", _("En vigueur")
        SUPERSEDED = "superseded", _("Remplacée")

    class CarrierSignature(models.TextChoices):
        UPLOAD = "upload", _("PDF signé déposé")
        APPROVAL = "approval", _("Approbation en ligne")

    dossier = models.ForeignKey("applications.Dossier", on_delete=models.PROTECT, related_name="conventions")
    version = models.PositiveIntegerField(_("version"))
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("version amendée"),
        help_text=_("Pour un avenant : la version en vigueur qu'il modifie."),
    )
    template = models.ForeignKey(ConventionTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(_("statut"), max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True)
    amount = models.DecimalField(_("montant accordé (€)"), **MONEY, validators=[MinValueValidator(0)])
    in_force_on = models.DateField(
        _("entrée en vigueur"),
        null=True,
        blank=True,
        help_text=_("Fixée par l'équipe en préparant la convention ; vide : à la contresignature de l'opérateur."),
    )
    start_on = models.DateField(
        _("début du projet"),
        null=True,
        blank=True,
        help_text=_("Vide : le projet débute à l'entrée en vigueur de la convention."),
    )
    duration_months = models.PositiveSmallIntegerField(_("durée (mois)"), null=True, blank=True)
    pdf = models.FileField(_("convention"), upload_to=funding_file_path, blank=True, max_length=255)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    carrier_signed_at = models.DateTimeField(_("signée par le porteur le"), null=True, blank=True)
    carrier_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    carrier_signature = models.CharField(max_length=10, choices=CarrierSignature.choices, blank=True)
    signed_file = models.FileField(_("convention signée"), upload_to=funding_file_path, blank=True, max_length=255)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    operator_signed_at = models.DateTimeField(_("signée par l'opérateur le"), null=True, blank=True)
    operator_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    in_force_at = models.DateTimeField(_("en vigueur le"), null=True, blank=True)
    # Drawn by the "generate" button's form: the same post twice finds this version instead of another.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ["dossier", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "version"], name="convention_unique_version"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="convention_amount_not_negative"),
        ]

    def __str__(self):
        return f"Convention {self.dossier.reference} v{self.version}"

    @property
    def is_signed(self) -> bool:
        return self.carrier_signed_at is not None

    @property
    def is_amendment(self) -> bool:
        return self.previous_id is not None

    @property
    def audit_call_id(self) -> int:
        return self.dossier.theme.call_id

    @property
    def project_start(self):
        """The project's first day: the start staff set, else the day it entered into force; None before."""
        if self.start_on is not None:
            return self.start_on
        return timezone.localtime(self.in_force_at).date() if self.in_force_at else None

    @property
    def estimated_start(self):
        """The day dates are counted from while the project's start is not known: its start, the entry into
        force staff set, else the carrier's planned start if it is still ahead, else today."""
        today = timezone.localdate()
        if self.project_start is not None:
            return self.project_start
        if self.in_force_on is not None:
            return self.in_force_on
        return max(self.dossier.planned_start or today, today)

    @property
    def enters_into_force_text(self) -> str:
        """When the version is, or will be, in force, as the project, convention and tranche pages say it."""
        if self.status == self.Status.IN_FORCE and self.in_force_at:
            return _("En vigueur depuis le %(date)s.") % {
                "date": date_format(timezone.localtime(self.in_force_at), "d/m/Y")
            }
        if self.status == self.Status.SUPERSEDED:
            return ""
        if self.in_force_on is not None:
            return _("Entrera en vigueur le %(date)s.") % {"date": date_format(self.in_force_on, "d/m/Y")}
        return _("Entrera en vigueur à sa contresignature par l'opérateur.")


class Milestone(models.Model):
    """A milestone of a dossier: declared by the carrier with evidence, then validated or refused by staff.

    Each belongs to the convention version whose schedule defines it. The project's live milestones
    are those marked `is_current`: an amendment works on copies (`previous` → the live one), which
    become current when the amendment enters into force.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("À venir")
        DECLARED = "declared", _("Déclaré, en attente de validation")
        VALIDATED = "validated", _("Validé")
        REFUSED = "refused", _("Refusé")

    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="milestones")
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, null=True, blank=True, related_name="milestones"
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Le même jalon dans la version précédente (avenant)."),
    )
    is_current = models.BooleanField(_("jalon en cours"), default=True, db_index=True)
    template = models.ForeignKey(
        "calls.MilestoneTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.PositiveIntegerField(default=0)
    label = models.CharField(_("libellé"), max_length=255)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    deliverable = models.TextField(_("livrable attendu"), blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence_note = models.TextField(_("justification"), blank=True)
    evidence = models.FileField(_("pièce justificative"), upload_to=funding_file_path, blank=True, max_length=255)
    evidence_name = models.CharField(max_length=255, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refusal_reason = models.TextField(_("motif du refus"), blank=True)

    class Meta:
        verbose_name = _("jalon")
        verbose_name_plural = _("jalons")
        ordering = ["dossier", "order", "pk"]

    def __str__(self):
        return self.label

    @property
    def audit_call_id(self) -> int:
        return self.dossier.theme.call_id


class Tranche(models.Model):
    """A part of the grant, released once its condition is validated."""

    class Condition(models.TextChoices):
        SIGNATURE = "signature", _("À la signature")
        MILESTONE = "milestone", _("Jalon validé")
        FINAL_REPORT = "final_report", _("Rapport final validé")

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="tranches")
    order = models.PositiveIntegerField(default=0)
    label = models.CharField(_("libellé"), max_length=255)
    amount = models.DecimalField(_("montant (€)"), **MONEY, validators=[MinValueValidator(0)])
    condition = models.CharField(_("condition"), max_length=16, choices=Condition.choices)
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="tranches")
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("La même tranche dans la version précédente (avenant) : ses paiements comptent."),
    )

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["convention", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "order"], name="tranche_unique_order"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="tranche_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(condition="milestone") | Q(milestone__isnull=False),
                name="tranche_milestone_required",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def audit_call_id(self) -> int:
        return self.convention.dossier.theme.call_id


class Payment(models.Model):
    """A payment of a tranche, written once: its finance-system reference is unique within the project
    (every version of its convention), and the form's idempotency key within the portal."""

    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="payments")
    # The tranche's project, repeated so that the database holds the reference unique across amendments.
    dossier = models.ForeignKey(
        "applications.Dossier", on_delete=models.PROTECT, related_name="payments", editable=False
    )
    paid_on = models.DateField(_("date du paiement"))
    amount = models.DecimalField(_("montant (€)"), **MONEY)
    reference = models.CharField(
        _("référence"),
        max_length=100,
        help_text=_("La référence du paiement dans le système financier (mandat, virement)."),
    )
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(fields=["dossier", "reference"], name="payment_reference_unique_per_project"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.amount} €"

    def save(self, *args, **kwargs):
        if self.dossier_id is None and self.tranche_id is not None:
            self.dossier_id = Tranche.objects.values_list("convention__dossier_id", flat=True).get(pk=self.tranche_id)
        super().save(*args, **kwargs)


class IndicatorReport(models.Model):
    """The values of a theme's indicators for one period (a month or a quarter) of a dossier."""

    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="indicator_reports")
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période"))
    due_on = models.DateField(_("à rendre avant le"))
    values = models.JSONField(_("valeurs"), default=dict)
    comment = models.TextField(_("commentaire"), blank=True)
    submitted_at = models.DateTimeField(_("transmis le"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_late = models.BooleanField(_("en retard"), default=False)

    class Meta:
        verbose_name = _("rapport d'indicateurs")
        verbose_name_plural = _("rapports d'indicateurs")
        ordering = ["dossier", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "period_start"], name="indicator_report_unique_period")
        ]

    def __str__(self):
        return f"{self.dossier.reference} — {self.period_start:%m/%Y}"


class FinalReport(models.Model):
    dossier = models.OneToOneField("applications.Dossier", on_delete=models.CASCADE, related_name="final_report")
    summary = models.TextField(_("bilan du projet"))
    spent_amount = models.DecimalField(_("dépenses réalisées (€)"), **MONEY, validators=[MinValueValidator(0)])
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rapport final")
        verbose_name_plural = _("rapports finaux")

    def __str__(self):
        return f"Rapport final — {self.dossier}"


class Closure(models.Model):
    """The end of a project: what was paid and what stays unspent of the grant."""

    dossier = models.OneToOneField("applications.Dossier", on_delete=models.PROTECT, related_name="closure")
    granted_amount = models.DecimalField(**MONEY)
    paid_amount = models.DecimalField(**MONEY)
    unspent_amount = models.DecimalField(_("reliquat non versé (€)"), **MONEY)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("clôture")
        verbose_name_plural = _("clôtures")

    def __str__(self):
        return f"Clôture — {self.dossier}"


class ReminderSent(models.Model):
    """Proof that a reminder went out: at most one per person, object, kind and due date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField()
    kind = models.CharField(max_length=40)
    object_key = models.CharField(max_length=80, help_text=_("app.modèle:pk de l'objet concerné"))
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relance envoyée")
        verbose_name_plural = _("relances envoyées")
        constraints = [
            models.UniqueConstraint(fields=["email", "kind", "object_key", "due_on"], name="reminder_sent_once"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.email} ({self.object_key})"


class ReminderOptOut(models.Model):
    """A family of reminders a user chose not to receive (see `funding.reminders.REMINDER_FAMILIES`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_opt_outs")
    family = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relance refusée")
        verbose_name_plural = _("relances refusées")
        constraints = [models.UniqueConstraint(fields=["user", "family"], name="reminder_opt_out_unique")]

    def __str__(self):
        return f"{self.user} — {self.family}"
