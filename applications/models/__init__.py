"""Dossiers: what administrations build, submit and exchange until the decision."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.workflow import DossierState

MONEY = {"max_digits": 14, "decimal_places": 2}


class Project(models.Model):
    """A project of one carrier under one theme, filed as successive phases (one dossier each).

    It carries the per-project cap (copied from the theme's rule when the project starts, so that a
    later change of the rule does not move the goalposts of a project under way) and the phases the
    carrier plans: label, amount asked and milestones. Its `key` is the `project_key` of its dossiers.
    """

    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="projects", verbose_name=_("porteur")
    )
    theme = models.ForeignKey("calls.Theme", on_delete=models.PROTECT, related_name="projects", verbose_name=_("thème"))
    key = models.SlugField(_("identifiant du projet"), max_length=80, unique=True)
    acronym = models.CharField(_("acronyme"), max_length=40)
    title = models.CharField(_("titre du projet"), max_length=255)
    cap = models.DecimalField(
        _("plafond par projet (€)"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("Toutes phases confondues ; repris de la règle du thème à la création du projet."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "theme"])]

    def __str__(self):
        return f"{self.acronym} — {self.title}"

    @property
    def audit_call_id(self) -> int:
        return self.theme.call_id


class ProjectPhase(models.Model):
    """A phase the carrier plans: what it asks and the milestones that end it; its dossier once filed."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("numéro"))
    label = models.CharField(_("phase"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    requested_amount = models.DecimalField(
        _("montant demandé (€)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    milestones = models.JSONField(
        _("jalons prévus"), default=list, blank=True, help_text=_("Liste de {label, month, deliverable}.")
    )
    dossier = models.OneToOneField(
        "Dossier", on_delete=models.SET_NULL, null=True, blank=True, related_name="project_phase"
    )

    class Meta:
        verbose_name = _("phase du projet")
        verbose_name_plural = _("phases du projet")
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "order"], name="project_phase_unique_order"),
            models.CheckConstraint(condition=Q(requested_amount__gte=0), name="project_phase_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.project.acronym} — phase {self.order} : {self.label}"


class Dossier(models.Model):
    """An application by a carrier organisation to one session of a theme.

    `version` increases at every saved change (optimistic locking); `section_versions`
    records the version at which each form section last changed, so that two editors
    conflict only when they touched the same section. `state` changes only through
    `applications.services.workflow.dossier_transition`.
    """

    reference = models.CharField(_("numéro de dossier"), max_length=40, unique=True)
    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("porteur")
    )
    theme = models.ForeignKey("calls.Theme", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("thème"))
    session = models.ForeignKey(
        "calls.Session", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("session")
    )
    form_definition = models.ForeignKey(
        "calls.FormDefinition", on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers"
    )
    # Set at the first submission: the version of the theme's rule the dossier is judged on from
    # then on, whatever later versions say. Empty while a draft, which follows the current one.
    rule_version = models.ForeignKey(
        "calls.RuleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("version de la règle appliquée"),
    )
    phase = models.ForeignKey("calls.Phase", on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers")
    project_key = models.SlugField(
        _("identifiant du projet"),
        max_length=80,
        blank=True,
        help_text=_("Commun aux dossiers successifs d'un même projet (phases), pour les plafonds par projet."),
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers", verbose_name=_("projet")
    )
    acronym = models.CharField(_("acronyme"), max_length=40)
    title = models.CharField(_("titre du projet"), max_length=255)
    summary = models.TextField(_("résumé"), blank=True)
    planned_start = models.DateField(_("début prévu"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("durée (mois)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    planned_milestones = models.JSONField(
        _("jalons et livrables prévus"),
        default=list,
        blank=True,
        help_text=_(
            "Déclarés par le porteur : liste de {label, month, deliverable} ; ils préremplissent la convention."
        ),
    )
    state = models.CharField(
        _("état"), max_length=24, choices=DossierState.choices, default=DossierState.DRAFT, db_index=True
    )
    answers = models.JSONField(_("réponses"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    section_versions = models.JSONField(default=dict, blank=True)
    requested_amount = models.DecimalField(_("montant demandé (€)"), **MONEY, null=True, blank=True)
    granted_amount = models.DecimalField(_("montant accordé (€)"), **MONEY, null=True, blank=True)
    predecessor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name=_("dossier précédent"),
        help_text=_("Manifestation d'intérêt d'origine, ou dossier invité à être redéposé."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("déposé le"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True)
    # Set by the routing rules at submission, or by a programme manager; None: seen by managers only.
    instruction_group = models.ForeignKey(
        "applications.InstructorGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("groupe d'instruction"),
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dossiers_to_instruct",
        verbose_name=_("instructeur ou instructrice"),
    )

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["session", "state"]),
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["theme", "state"]),
            models.Index(fields=["project_key"]),
            # The API's incremental sync reads dossiers page by page in this order (keyset pagination).
            models.Index(fields=["updated_at", "id"], name="dossier_updated_keyset"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.acronym}"

    @property
    def is_draft(self) -> bool:
        return self.state == DossierState.DRAFT

    @property
    def audit_call_id(self) -> int:
        return self.theme.call_id

    def numbered(self) -> str:
        """The readable, stable reference of a saved dossier: theme, year it was filed (its submission
        for a past dossier imported with its date, else the year it was started), sequence."""
        filed = timezone.localtime(self.submitted_at or self.created_at)
        return f"{self.theme.code}-{filed.year}-{self.pk:05d}"


class Derogation(models.Model):
    """A rate above the theme's normal one, decided on one dossier by the body its rule names
    (PIA: « le comité de pilotage du fonds »); the engine applies it to that dossier, within the caps.
    """

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="derogation")
    rate_percent = models.DecimalField(
        _("taux dérogatoire (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    deciding_body = models.CharField(_("instance qui a décidé"), max_length=255)
    decided_on = models.DateField(_("date de la décision"))
    reason = models.TextField(_("motif"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now=True)

    class Meta:
        verbose_name = _("dérogation")
        verbose_name_plural = _("dérogations")

    def __str__(self):
        return f"{self.dossier.reference} — dérogation à {self.rate_percent} %"


class DossierPartner(models.Model):
    class Role(models.TextChoices):
        CO_CARRIER = "co_carrier", _("Co-porteur (groupement)")
        PARTNER = "partner", _("Partenaire")
        COFINANCER = "cofinancer", _("Co-financeur")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="partnerships")
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices)
    commitment = models.DecimalField(_("engagement financier (€)"), **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "organisation", "role"], name="partner_unique_role"),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()}) — {self.dossier}"


class BudgetLine(models.Model):
    class Category(models.TextChoices):
        INTERNAL_STAFF = "internal_staff", _("Personnel interne (titre 2)")
        EXTERNAL_SERVICES = "external_services", _("Prestations externes")
        EQUIPMENT = "equipment", _("Équipement")
        LICENCES = "licences", _("Licences")
        OTHER = "other", _("Autre")

    class Source(models.TextChoices):
        PROGRAMME = "programme", _("Programme")
        CARRIER = "carrier", _("Porteur")
        COFINANCER = "cofinancer", _("Autre co-financeur")
        IN_KIND = "in_kind", _("Apport en nature")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="budget_lines")
    label = models.CharField(_("libellé"), max_length=255)
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    phase = models.CharField(_("phase"), max_length=64, blank=True)
    category = models.CharField(_("catégorie"), max_length=24, choices=Category.choices)
    source = models.CharField(_("financement"), max_length=16, choices=Source.choices, default=Source.CARRIER)
    cofinancer_name = models.CharField(_("co-financeur"), max_length=255, blank=True)
    amount = models.DecimalField(_("montant (€)"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    tags = models.JSONField(_("précisions"), default=list, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ligne de budget")
        verbose_name_plural = _("lignes de budget")
        ordering = ["order", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount_not_negative")]

    def __str__(self):
        return self.label


def attachment_path(instance, filename):
    # The stored name is random: the user's file name is kept only as metadata.
    return f"dossiers/{instance.dossier_id}/{uuid.uuid4().hex}"


# The kind of the files attached to messages (the dossier's own pieces carry their document's kind).
MESSAGE_ATTACHMENT_KIND = "message"


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    required_document = models.ForeignKey(
        "calls.RequiredDocument", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.SlugField(_("type de pièce"), max_length=64, blank=True)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    message = models.ForeignKey("Message", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["kind", "uploaded_at"]

    def __str__(self):
        return self.original_name


class DossierSnapshot(models.Model):
    """The immutable version of a dossier that staff and jurors read, frozen at each submission."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="snapshots")
    number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.JSONField(help_text=_("Réponses, budget, partenaires et pièces (nom, empreinte) figés."))
    digest = models.CharField(_("empreinte SHA-256"), max_length=64)
    receipt = models.FileField(_("accusé de réception"), upload_to="receipts/", blank=True, max_length=255)
    # Set by the task that tells the carrier's members after the submission's commit: a second run does nothing.
    announced_at = models.DateTimeField(_("porteur prévenu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("version déposée")
        verbose_name_plural = _("versions déposées")
        ordering = ["dossier", "-number"]
        constraints = [models.UniqueConstraint(fields=["dossier", "number"], name="snapshot_unique_number")]

    def __str__(self):
        return f"{self.dossier.reference} — dépôt n°{self.number}"


def distinct_messages(points: list[dict]) -> list[str]:
    """The texts of complement points, each once: a request that reopens several parts repeats its text per part."""
    return list(dict.fromkeys(text for point in points if (text := (point.get("message") or "").strip())))


class ComplementRequest(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="complement_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    points = models.JSONField(
        _("points à compléter"),
        default=list,
        help_text=_("Liste de {section, field, document, message} : seuls ces points sont rouverts."),
    )
    due_at = models.DateTimeField(_("à rendre avant le"))
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("demande de compléments")
        verbose_name_plural = _("demandes de compléments")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Compléments demandés — {self.dossier}"

    @property
    def messages(self) -> list[str]:
        return distinct_messages(self.points)


class Message(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at"]

    def __str__(self):
        return f"Message de {self.author} — {self.dossier}"


class MessageRead(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="message_read_once")]

    def __str__(self):
        return f"{self.user} a lu {self.message}"


class StateChange(models.Model):
    """One line of a dossier's history, written by the transition service only."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="state_changes")
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=24, choices=DossierState.choices)
    to_state = models.CharField(max_length=24, choices=DossierState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("changement d'état")
        verbose_name_plural = _("historique des états")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.dossier} : {self.get_from_state_display()} → {self.get_to_state_display()}"


class DossierInvitation(models.Model):
    """A colleague invited by e-mail to edit a dossier; accepting adds them to the carrier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Invitation de {self.email} — {self.dossier}"


# The instruction's organisation (groups, routing, assignment) lives beside the dossier: the staff's
# dossier scope (`applications.selectors.dossiers_of_staff`) depends on it.
from applications.models.annotations import CallAnnotationFields, DossierAnnotation, PrivateNote  # noqa: E402
from applications.models.evaluations import SessionStateTotal, StoredEvaluation  # noqa: E402
from applications.models.instruction import (  # noqa: E402
    DossierFollower,
    InstructorGroup,
    InstructorGroupMember,
    RoutingRule,
)
from applications.models.labels import Label, SavedFilter  # noqa: E402
from applications.models.opinions import OpinionAttachment, OpinionRequest  # noqa: E402
from applications.models.search import DossierSearchText  # noqa: E402

__all__ = [
    "MONEY",
    "Attachment",
    "BudgetLine",
    "CallAnnotationFields",
    "ComplementRequest",
    "Dossier",
    "DossierAnnotation",
    "DossierFollower",
    "DossierInvitation",
    "DossierPartner",
    "DossierSearchText",
    "DossierSnapshot",
    "InstructorGroup",
    "InstructorGroupMember",
    "Label",
    "OpinionAttachment",
    "OpinionRequest",
    "Message",
    "MessageRead",
    "PrivateNote",
    "RoutingRule",
    "SavedFilter",
    "SessionStateTotal",
    "StateChange",
    "StoredEvaluation",
    "attachment_path",
]
