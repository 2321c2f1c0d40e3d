"""Instruction reviews, juries, conflicts of interest, assignments, scores, consensus, deliberation, decisions.

Scores are stored per evaluation as JSON keyed by criterion code ({"score": "3.5", "na": false,
"comment": "…"}): the grid may change between calls, a juror's sheet must not. Totals are
computed by `juries.scoring` and cached on the row at each save so that rankings stay flat.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
SCORE = {"max_digits": 7, "decimal_places": 3}


class Jury(models.Model):
    """A jury of a call, optionally narrowed to one theme and/or one session."""

    programme = models.ForeignKey("calls.Programme", on_delete=models.PROTECT, related_name="juries")
    call = models.ForeignKey("calls.Call", on_delete=models.PROTECT, related_name="juries", verbose_name=_("appel"))
    theme = models.ForeignKey(
        "calls.Theme", on_delete=models.PROTECT, null=True, blank=True, related_name="juries", verbose_name=_("thème")
    )
    session = models.ForeignKey(
        "calls.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="juries",
        verbose_name=_("session"),
    )
    name = models.CharField(_("nom"), max_length=255)
    evaluations_per_dossier = models.PositiveSmallIntegerField(
        _("évaluations par dossier"), default=2, validators=[MinValueValidator(1)]
    )
    mix_sectors = models.BooleanField(_("mêler membres publics et privés"), default=False)
    divergence_threshold = models.DecimalField(
        _("écart d'alerte (points sur 100)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("20"),
        help_text=_("Au-delà de cet écart entre la note la plus haute et la plus basse, le dossier est signalé."),
    )
    pass_mark = models.DecimalField(
        _("note globale minimale (sur 100)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    due_at = models.DateTimeField(_("date limite des évaluations"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("jury")
        verbose_name_plural = _("jurys")
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    @property
    def audit_call_id(self) -> int:
        return self.call_id


class JuryMember(models.Model):
    class Sector(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Privé")

    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_memberships")
    organisation = models.ForeignKey(
        "portal.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation du membre"),
    )
    is_chair = models.BooleanField(_("président·e"), default=False)
    is_external = models.BooleanField(_("expert·e externe"), default=False)
    sector = models.CharField(_("secteur"), max_length=8, choices=Sector.choices, default=Sector.PUBLIC)
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre du jury")
        verbose_name_plural = _("membres du jury")
        ordering = ["-is_chair", "user__last_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["jury", "user"], name="jury_member_unique_user")]

    def __str__(self):
        return str(self.user)

    @property
    def audit_call_id(self) -> int:
        return self.jury.call_id


class JuryDossier(models.Model):
    """A dossier the jury reviews, with the rules engine's figures cached when it joined.

    The budget is frozen after submission, so caching keeps the ranking to a fixed number of
    queries; the deliberation re-checks each granted amount against the live engine.
    """

    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="jury_dossiers")
    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="jury_entries")
    requested_amount = models.DecimalField(_("montant demandé (€)"), **MONEY, null=True, blank=True)
    max_amount = models.DecimalField(_("montant maximal finançable (€)"), **MONEY, null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    frozen_at = models.DateTimeField(_("notes figées le"), null=True, blank=True)

    class Meta:
        verbose_name = _("dossier examiné")
        verbose_name_plural = _("dossiers examinés")
        ordering = ["dossier__reference"]
        constraints = [models.UniqueConstraint(fields=["jury", "dossier"], name="jury_dossier_unique")]

    def __str__(self):
        return f"{self.jury} — {self.dossier}"


class ConflictDeclaration(models.Model):
    """A member's declaration on one dossier, or on one organisation (covering all its dossiers).

    A PENDING row is a likely conflict flagged by the portal: it blocks access until confirmed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Conflit probable à confirmer")
        NONE = "none", _("Aucun conflit")
        CONFLICT = "conflict", _("Conflit d'intérêts")

    member = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="declarations")
    dossier = models.ForeignKey(
        "applications.Dossier", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("déclaration"), max_length=10, choices=Status.choices)
    reason = models.TextField(_("motif"), blank=True)
    auto_flag = models.CharField(_("signalement automatique"), max_length=255, blank=True)
    declared_at = models.DateTimeField(_("déclaré le"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("déclaration d'intérêts")
        verbose_name_plural = _("déclarations d'intérêts")
        ordering = ["member", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(dossier__isnull=False) & Q(organisation__isnull=True))
                | (Q(dossier__isnull=True) & Q(organisation__isnull=False)),
                name="conflict_on_dossier_or_organisation",
            ),
            models.UniqueConstraint(
                fields=["member", "dossier"], condition=Q(dossier__isnull=False), name="conflict_unique_dossier"
            ),
            models.UniqueConstraint(
                fields=["member", "organisation"],
                condition=Q(organisation__isnull=False),
                name="conflict_unique_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.member} — {self.get_status_display()}"


class Assignment(models.Model):
    member = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="assignments")
    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="jury_assignments")
    due_at = models.DateTimeField(_("à rendre avant le"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["dossier_id", "member_id"]
        constraints = [models.UniqueConstraint(fields=["member", "dossier"], name="assignment_unique")]

    def __str__(self):
        return f"{self.member} — {self.dossier}"


class Recommendation(models.TextChoices):
    FUND = "fund", _("Financer")
    FUND_WITH_CONDITIONS = "fund_with_conditions", _("Financer sous conditions")
    DO_NOT_FUND = "do_not_fund", _("Ne pas financer")
    HEAR = "hear", _("Auditionner le porteur")


class Evaluation(models.Model):
    """One juror's sheet on one dossier. Editable until submitted; reopened only by the chair."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="evaluation")
    scores = models.JSONField(_("notes"), default=dict, blank=True)
    opinion = models.TextField(_("avis motivé"), blank=True)
    recommendation = models.CharField(_("recommandation"), max_length=24, choices=Recommendation.choices, blank=True)
    total = models.DecimalField(_("note pondérée (sur 100)"), **SCORE, null=True, blank=True)
    fails_threshold = models.BooleanField(_("sous un seuil"), default=False)
    saved_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("transmise le"), null=True, blank=True)
    is_late = models.BooleanField(_("transmise en retard"), default=False)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(_("motif de réouverture"), blank=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")

    def __str__(self):
        return f"Évaluation — {self.assignment}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Consensus(models.Model):
    """The chair's consensus sheet on one dossier; individual evaluations are kept as they are."""

    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="consensuses")
    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="+")
    scores = models.JSONField(_("notes de consensus"), default=dict, blank=True)
    opinion = models.TextField(_("avis de consensus"), blank=True)
    recommendation = models.CharField(_("recommandation"), max_length=24, choices=Recommendation.choices, blank=True)
    total = models.DecimalField(_("note pondérée (sur 100)"), **SCORE, null=True, blank=True)
    fails_threshold = models.BooleanField(_("sous un seuil"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consensus")
        verbose_name_plural = _("consensus")
        constraints = [models.UniqueConstraint(fields=["jury", "dossier"], name="consensus_unique")]

    def __str__(self):
        return f"Consensus — {self.dossier}"


def minutes_path(instance, filename):
    return f"juries/{instance.jury_id}/pv-{instance.pk}.pdf"

    def __str__(self):
        return f"Consensus — {self.dossier}"


class Deliberation(models.Model):
    """A recorded deliberation: from then on the jury's scores on its dossiers are frozen."""

    jury = models.ForeignKey(Jury, on_delete=models.PROTECT, related_name="deliberations")
    session = models.ForeignKey("calls.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("délibéré le"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    members_present = models.ManyToManyField(
        JuryMember, blank=True, related_name="+", verbose_name=_("membres présents")
    )
    envelope = models.DecimalField(_("enveloppe (€)"), **MONEY, null=True, blank=True)
    granted_total = models.DecimalField(_("total accordé (€)"), **MONEY, default=Decimal("0"))
    override_reason = models.TextField(_("motif du dépassement de l'enveloppe"), blank=True)
    override_by = models.ForeignKey(JuryMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ranking = models.JSONField(_("classement figé"), default=list, blank=True)
    minutes = models.FileField(_("procès-verbal"), upload_to=minutes_path, blank=True, max_length=255)
    # Drawn by the deliberation form: the same form posted twice (replay, double click, two tabs)
    # finds this deliberation instead of recording a second one.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("délibération")
        verbose_name_plural = _("délibérations")
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.jury} — {self.recorded_at:%d/%m/%Y}"

    @property
    def audit_call_id(self) -> int:
        return self.jury.call_id


def letter_path(instance, filename):
    return f"juries/decisions/{instance.pk}.pdf"


class Decision(models.Model):
    class Kind(models.TextChoices):
        SELECTED = "selected", _("Retenu")
        CONDITIONAL = "conditional", _("Retenu sous conditions")
        INVITED = "invited", _("Invité à la seconde étape")
        REJECTED = "rejected", _("Non retenu")
        RESUBMIT = "resubmit", _("Invité à redéposer")
        REORIENTED = "reoriented", _("Réorienté")
        RESERVE = "reserve", _("Liste complémentaire")

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="decisions")
    # The deliberation's jury, repeated so that the database holds one decision per dossier and jury.
    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="+", editable=False)
    dossier = models.ForeignKey("applications.Dossier", on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("décision"), max_length=12, choices=Kind.choices)
    rank = models.PositiveIntegerField(_("rang"), null=True, blank=True)
    granted_amount = models.DecimalField(_("montant accordé (€)"), **MONEY, null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    reasons = models.TextField(_("motifs"), blank=True)
    target_session = models.ForeignKey(
        "calls.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session visée (réorientation ou redépôt)"),
    )
    across_calls = models.BooleanField(
        _("vers un autre appel du programme"),
        default=False,
        help_text=_("Une réorientation ou un redépôt reste dans l'appel du jury, sauf décision expresse contraire."),
    )
    letter = models.FileField(_("lettre de décision"), upload_to=letter_path, blank=True, max_length=255)

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["deliberation", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "dossier"], name="decision_unique_dossier"),
            models.UniqueConstraint(fields=["jury", "dossier"], name="decision_unique_per_jury"),
            models.CheckConstraint(
                condition=Q(granted_amount__isnull=True) | Q(granted_amount__gte=0), name="decision_amount_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.dossier}"

    def save(self, *args, **kwargs):
        if self.jury_id is None and self.deliberation_id is not None:
            self.jury_id = Deliberation.objects.values_list("jury_id", flat=True).get(pk=self.deliberation_id)
        super().save(*args, **kwargs)


# The decisions that grant money (and count against the envelope and the project's cap).
GRANTING_KINDS = (Decision.Kind.SELECTED, Decision.Kind.CONDITIONAL)


class DecisionDraft(models.Model):
    """A decision typed during the deliberation, not yet recorded: kept by the server so that a jury of
    thousands of dossiers is deliberated slice by slice, with totals over the whole jury. Recording the
    deliberation turns the drafts into `Decision`s and deletes them."""

    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="decision_drafts")
    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("décision"), max_length=12, choices=Decision.Kind.choices)
    granted_amount = models.DecimalField(_("montant accordé (€)"), **MONEY, null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    reasons = models.TextField(_("motifs"), blank=True)
    target_session = models.ForeignKey(
        "calls.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    across_calls = models.BooleanField(_("vers un autre appel du programme"), default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("décision en préparation")
        verbose_name_plural = _("décisions en préparation")
        constraints = [
            models.UniqueConstraint(fields=["jury", "dossier"], name="decision_draft_unique_per_jury"),
            models.CheckConstraint(
                condition=Q(granted_amount__isnull=True) | Q(granted_amount__gte=0),
                name="decision_draft_amount_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} (en préparation) — {self.dossier_id}"


class EligibilityReview(models.Model):
    """Staff's completeness and eligibility review: automatic results as seen, manual items ticked with reasons."""

    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", _("Recevable")
        INELIGIBLE = "ineligible", _("Irrecevable")

    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="eligibility_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completeness = models.JSONField(_("complétude"), default=list, blank=True)
    automatic = models.JSONField(_("contrôles automatiques"), default=list, blank=True)
    checklist = models.JSONField(_("contrôles manuels"), default=list, blank=True)
    outcome = models.CharField(_("issue"), max_length=12, choices=Outcome.choices)
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("examen de recevabilité")
        verbose_name_plural = _("examens de recevabilité")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_outcome_display()} — {self.dossier}"


def condition_evidence_path(instance, filename):
    # A random stored name: the user's file name is kept only as metadata.
    return f"juries/conditions/{instance.decision_id}/{uuid.uuid4().hex}"


class DecisionCondition(models.Model):
    """One condition of a decision "retenu sous conditions": lifted by staff with evidence; until every
    condition of the dossier is lifted, no tranche of its convention is paid."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="condition_items")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("condition"))
    lifted_at = models.DateTimeField(_("levée le"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence_note = models.TextField(_("justification"), blank=True)
    evidence = models.FileField(_("pièce justificative"), upload_to=condition_evidence_path, blank=True, max_length=255)
    evidence_name = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("condition d'une décision")
        verbose_name_plural = _("conditions des décisions")
        ordering = ["decision", "order", "pk"]

    def __str__(self):
        return self.text[:80]

    @property
    def is_lifted(self) -> bool:
        return self.lifted_at is not None

    @property
    def audit_call_id(self) -> int:
        return self.decision.deliberation.jury.call_id


class Hearing(models.Model):
    """The hearing of a shortlisted carrier before the jury: scheduled by staff, answered by the carrier
    (confirmed, or another slot asked), then its outcome recorded by the jury."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invitation envoyée")
        CONFIRMED = "confirmed", _("Confirmée par le porteur")
        OTHER_SLOT = "other_slot", _("Autre créneau demandé")
        HELD = "held", _("Tenue")
        CANCELLED = "cancelled", _("Annulée")

    class Outcome(models.TextChoices):
        FAVOURABLE = "favourable", _("Avis favorable")
        RESERVED = "reserved", _("Avis réservé")
        UNFAVOURABLE = "unfavourable", _("Avis défavorable")
        ABSENT = "absent", _("Porteur absent")

    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="hearings")
    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="hearings")
    starts_at = models.DateTimeField(_("date et heure"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"), default=30, validators=[MinValueValidator(5)]
    )
    place = models.CharField(_("lieu"), max_length=500, blank=True)
    video_link = models.URLField(_("lien de visioconférence"), blank=True)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.INVITED)
    # Raised at each new slot, so that calendars update the event the earlier invitation created.
    sequence = models.PositiveSmallIntegerField(default=0)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField(auto_now_add=True)
    answer_note = models.TextField(_("message du porteur"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("issue"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_notes = models.TextField(_("compte rendu"), blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("audition")
        verbose_name_plural = _("auditions")
        ordering = ["jury", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["jury", "dossier"], name="hearing_unique_per_jury_dossier"),
            models.CheckConstraint(condition=~Q(place="") | ~Q(video_link=""), name="hearing_has_place_or_link"),
        ]

    def __str__(self):
        return f"Audition — {self.dossier} ({self.starts_at:%d/%m/%Y %H:%M})"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def audit_call_id(self) -> int:
        return self.jury.call_id
