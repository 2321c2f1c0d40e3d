"""Programmes, calls, themes, sessions, grids and forms configured by programme staff.

A criterion, a required document or a form belongs either to a call (inherited by
all its themes) or to one theme (which then overrides the call's); `calls.selectors`
resolves the inheritance.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from calls.rules import Rule
from portal.validators import validate_siret

MONEY = {"max_digits": 14, "decimal_places": 2}


class Programme(models.Model):
    """A funding programme (France Relance TNE, PIA, ETNA…) with its fund and envelope."""

    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=255)
    fund = models.CharField(_("fonds"), max_length=255, blank=True)
    owner_teams = models.JSONField(_("équipes porteuses"), default=list, blank=True)
    total_envelope = models.DecimalField(
        _("enveloppe totale (€)"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    source = models.CharField(_("document source"), max_length=255, blank=True)
    grantor_name = models.CharField(
        _("attribuant (données ouvertes)"),
        max_length=255,
        blank=True,
        help_text=_("Nom de l'autorité qui attribue les aides, publié dans le jeu de données des subventions."),
    )
    grantor_siret = models.CharField(_("SIRET de l'attribuant"), max_length=14, blank=True, validators=[validate_siret])
    show_juror_identities = models.BooleanField(
        _("montrer l'identité des jurés aux porteurs"),
        default=False,
        help_text=_("Par défaut, les porteurs voient les avis et les notes, pas le nom des jurés."),
    )

    # What staff change after creation, and what the exchange format carries besides the slug
    # (which never changes: public addresses use it).
    EDITABLE_FIELDS = (
        "name",
        "fund",
        "owner_teams",
        "total_envelope",
        "grantor_name",
        "grantor_siret",
        "show_juror_identities",
        "source",
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CallKind(models.TextChoices):
    CALL_FOR_PROJECTS = "aap", _("Appel à projets")
    OPEN_WINDOW = "guichet", _("Guichet")
    EXPRESSION_OF_INTEREST = "ami", _("Appel à manifestation d'intérêt puis dossier")


class FormStep(models.TextChoices):
    """The step of a two-step call a form or a required document serves; one-step calls have only the dossier."""

    DOSSIER = "dossier", _("Dossier complet")
    INTEREST = "interest", _("Manifestation d'intérêt")


class TaxBasis(models.TextChoices):
    TTC = "TTC", _("TTC")
    HT = "HT", _("HT")


class Call(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")
        CLOSED = "closed", _("Clos")
        ARCHIVED = "archived", _("Archivé")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="calls", verbose_name=_("programme")
    )
    slug = models.SlugField(_("identifiant"), unique=True)
    title = models.CharField(_("titre"), max_length=255)
    kind = models.CharField(_("type"), max_length=16, choices=CallKind.choices)
    owner_team = models.CharField(_("équipe porteuse"), max_length=255, blank=True)
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(_("présentation publique"), blank=True)
    selection_process = models.TextField(_("processus de sélection"), blank=True)
    tax_basis = models.CharField(
        _("montants exprimés en"), max_length=3, choices=TaxBasis.choices, default=TaxBasis.TTC
    )
    steps = models.JSONField(
        _("étapes"), default=list, blank=True, help_text=_("Pour un AMI : manifestation d'intérêt puis dossier.")
    )
    published_on = models.DateField(_("date de publication"), null=True, blank=True)
    source = models.CharField(_("document source"), max_length=255, blank=True)
    second_step_invited_only = models.BooleanField(
        _("seconde étape réservée aux invités"),
        default=False,
        help_text=_(
            "Appel en deux étapes : seuls les porteurs invités à la seconde étape à l'issue de la manifestation "
            "d'intérêt peuvent déposer un dossier complet."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("appel")
        verbose_name_plural = _("appels")
        ordering = ["-published_on", "title"]
        indexes = [models.Index(fields=["status", "programme"])]

    def __str__(self):
        return self.title

    @property
    def is_two_step(self) -> bool:
        return self.kind == CallKind.EXPRESSION_OF_INTEREST

    @property
    def audit_call_id(self) -> int:
        return self.pk


class IndicatorFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Mensuelle")
    QUARTERLY = "quarterly", _("Trimestrielle")
    NONE = "none", _("Non définie")


class Theme(models.Model):
    """A theme of a call (ITN5, SNAP4, an ETNA axis, CPT…), with its texts and envelope; its co-financing
    rule is kept in versions (`RuleVersion`)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="themes", verbose_name=_("appel"))
    code = models.CharField(_("code"), max_length=32)
    title = models.CharField(_("titre"), max_length=255)
    summary = models.TextField(_("résumé"), blank=True)
    objectives = models.JSONField(_("objectifs"), default=list, blank=True)
    encouraged = models.JSONField(_("pratiques encouragées"), default=list, blank=True)
    eligible_expenses = models.JSONField(_("dépenses éligibles"), default=list, blank=True)
    examples = models.JSONField(_("exemples de projets"), default=list, blank=True)
    commitments = models.JSONField(_("engagements"), default=list, blank=True)
    support = models.JSONField(_("accompagnement"), default=list, blank=True)
    indicators = models.JSONField(
        _("indicateurs de suivi"), default=list, blank=True, help_text=_("Liste de {label, frequency}.")
    )
    indicators_text = models.TextField(_("indicateurs (texte)"), blank=True)
    opening_date = models.DateField(_("date d'ouverture"), null=True, blank=True)
    kinds = models.JSONField(_("modes de dépôt"), default=list, blank=True, help_text=_("aap et/ou guichet"))
    owner_team = models.CharField(_("équipe porteuse"), max_length=255, blank=True)
    cofinancing_text = models.TextField(_("règles de cofinancement (texte)"), blank=True)
    eligibility_text = models.TextField(_("éligibilité (texte)"), blank=True)
    envelope = models.DecimalField(
        _("enveloppe (€)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    envelope_text = models.CharField(_("budget envisagé (texte)"), max_length=500, blank=True)
    project_size_min = models.DecimalField(_("taille minimale du projet (€)"), **MONEY, null=True, blank=True)
    project_size_max = models.DecimalField(_("taille maximale du projet (€)"), **MONEY, null=True, blank=True)
    project_size_text = models.CharField(_("taille attendue (texte)"), max_length=500, blank=True)
    selection_process = models.TextField(_("processus de sélection"), blank=True)
    grouping_allowed = models.BooleanField(_("groupement de porteurs autorisé"), default=False)
    grid_note = models.CharField(_("note sur la grille"), max_length=500, blank=True)
    tie_break = models.JSONField(
        _("départage des ex aequo"), default=list, blank=True, help_text=_("Codes des critères, dans l'ordre.")
    )
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["call", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="theme_unique_code_per_call"),
            models.CheckConstraint(
                condition=Q(project_size_min__isnull=True)
                | Q(project_size_max__isnull=True)
                | Q(project_size_min__lte=models.F("project_size_max")),
                name="theme_size_range_ordered",
                violation_error_message=_("La taille minimale dépasse la taille maximale."),
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"


class RuleVersion(models.Model):
    """One version of a theme's co-financing and eligibility rule: the configuration the engine
    reads (calls.rules.Rule.to_dict()).

    The latest version applies to new judgements. A version that has judged a submitted dossier
    never changes again: a change then creates the next version, in force from its creation;
    each submitted dossier keeps the version it was judged on (applications.Dossier.rule_version).
    """

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="rule_versions", verbose_name=_("thème"))
    number = models.PositiveIntegerField(_("version"))
    config = models.JSONField(_("règle"), help_text=_("Données lues par le moteur de règles (calls.rules)."))
    note = models.CharField(_("motif du changement"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("en vigueur depuis le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("version de règle")
        verbose_name_plural = _("versions de règle")
        ordering = ["theme", "-number"]
        constraints = [models.UniqueConstraint(fields=["theme", "number"], name="rule_version_unique_number")]

    def __str__(self):
        return f"{self.theme.code} — règle v{self.number}"

    @cached_property
    def rule(self) -> Rule:
        """The configuration as the engine reads it (validated when it was saved)."""
        return Rule.from_dict(self.config)


class SessionKind(models.TextChoices):
    CALL_FOR_PROJECTS = "aap", _("Session d'appel à projets")
    OPEN_WINDOW = "guichet", _("Session de guichet")
    EXPRESSION_OF_INTEREST = "interest", _("Manifestation d'intérêt")
    FULL_DOSSIER = "dossier", _("Dossier complet")


class Session(models.Model):
    """A deposit window of a theme: nothing is accepted at or after `closes_at` (Europe/Paris)."""

    # What staff set in the back-office and what the exchange format carries; the key is generated at
    # creation when staff leave it out.
    EDITABLE_FIELDS = (
        "key",
        "name",
        "kind",
        "opens_at",
        "closes_at",
        "envelope",
        "project_size_min",
        "project_size_max",
        "jury_on",
        "note",
    )

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("thème"))
    key = models.SlugField(_("identifiant"), max_length=64)
    name = models.CharField(_("nom"), max_length=255)
    kind = models.CharField(_("type"), max_length=16, choices=SessionKind.choices)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    envelope = models.DecimalField(
        _("enveloppe (€)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    project_size_min = models.DecimalField(_("taille minimale (€)"), **MONEY, null=True, blank=True)
    project_size_max = models.DecimalField(_("taille maximale (€)"), **MONEY, null=True, blank=True)
    jury_on = models.DateField(_("date du jury"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(_("session de démonstration"), default=False)
    # A demonstration session of a historic theme (France Relance admits 2021–2022 expenses only)
    # admits this year's expenses instead, so that a visitor can go from simulator to submission.
    eligible_first_year = models.PositiveSmallIntegerField(
        _("dépenses admises à partir de"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    eligible_last_year = models.PositiveSmallIntegerField(
        _("dépenses admises jusqu'en"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    # Set when staff extend the close or close early (calls.services.session_life): what was announced, and why.
    closes_at_announced = models.DateTimeField(_("clôture annoncée à l'origine"), null=True, blank=True)
    close_change_reason = models.TextField(_("motif du changement de clôture"), blank=True)

    class Meta:
        verbose_name = _("session de dépôt")
        verbose_name_plural = _("sessions de dépôt")
        ordering = ["theme", "opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "key"], name="session_unique_key_per_theme"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="session_closes_after_opening",
                violation_error_message=_("La clôture doit être postérieure à l'ouverture."),
            ),
            models.CheckConstraint(
                condition=Q(eligible_first_year__isnull=True, eligible_last_year__isnull=True)
                | Q(is_demo=True, eligible_first_year__lte=models.F("eligible_last_year")),
                name="session_eligible_period_of_demo",
                violation_error_message=_(
                    "Seule une session de démonstration a sa propre période éligible, de la première à la dernière année."
                ),
            ),
        ]
        indexes = [models.Index(fields=["opens_at", "closes_at"])]

    def __str__(self):
        return f"{self.theme.code} — {self.name}"

    def is_open(self, at=None) -> bool:
        """Open from `opens_at` included to `closes_at` excluded, on the server clock."""
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at

    @property
    def eligible_years(self) -> frozenset[int]:
        """The years of expenses this (demonstration) session admits; empty when the rule's apply."""
        if self.eligible_first_year is None or self.eligible_last_year is None:
            return frozenset()
        return frozenset(range(self.eligible_first_year, self.eligible_last_year + 1))

    @property
    def envelope_shown(self) -> Decimal | None:
        """The session's own envelope, else its theme's (a guichet's monthly sessions share the theme's)."""
        return self.envelope if self.envelope is not None else self.theme.envelope

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("La clôture doit être postérieure à l'ouverture.")})


class Phase(models.Model):
    """A phase of a phased theme (SNAP3, SNAP4): each phase is a dossier of the same project."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="phases")
    key = models.SlugField(_("identifiant"), max_length=64)
    label = models.CharField(_("libellé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["theme", "order"]
        constraints = [models.UniqueConstraint(fields=["theme", "key"], name="phase_unique_key_per_theme")]

    def __str__(self):
        return self.label


class MilestoneTemplate(models.Model):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="milestones")
    key = models.SlugField(_("identifiant"), max_length=64)
    label = models.CharField(_("libellé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("jalon type")
        verbose_name_plural = _("jalons types")
        ordering = ["phase", "order"]
        constraints = [models.UniqueConstraint(fields=["phase", "key"], name="milestone_unique_key_per_phase")]

    def __str__(self):
        return self.label


def _owned_by_call_or_theme(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(call__isnull=False) & Q(theme__isnull=True)) | (Q(call__isnull=True) & Q(theme__isnull=False)),
        name=name,
        violation_error_message=_("Rattachez l'élément soit à l'appel, soit à un thème."),
    )


class Criterion(models.Model):
    """A criterion of the evaluation grid; sub-criteria point to their parent."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, null=True, blank=True, related_name="criteria")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, null=True, blank=True, related_name="criteria")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="sub_criteria")
    code = models.CharField(_("code"), max_length=32)
    label = models.CharField(_("libellé"), max_length=500)
    definition = models.TextField(_("définition / justification attendue"), blank=True)
    weight = models.DecimalField(_("pondération"), max_digits=6, decimal_places=2, default=Decimal("1"))
    scale_min = models.DecimalField(_("note minimale"), max_digits=6, decimal_places=2, default=Decimal("0"))
    scale_max = models.DecimalField(_("note maximale"), max_digits=6, decimal_places=2, default=Decimal("5"))
    step = models.DecimalField(_("pas de notation"), max_digits=4, decimal_places=2, default=Decimal("1"))
    threshold = models.DecimalField(_("seuil minimal"), max_digits=6, decimal_places=2, null=True, blank=True)
    allows_not_applicable = models.BooleanField(_("« sans objet » autorisé"), default=False)
    level_descriptions = models.JSONField(_("description des niveaux"), default=dict, blank=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["order", "code"]
        constraints = [
            _owned_by_call_or_theme("criterion_owned_by_call_or_theme"),
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="criterion_weight_not_negative",
                violation_error_message=_("La pondération ne peut pas être négative."),
            ),
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")),
                name="criterion_scale_ordered",
                violation_error_message=_("La note maximale doit dépasser la note minimale."),
            ),
            models.CheckConstraint(
                condition=Q(step__gt=0),
                name="criterion_step_positive",
                violation_error_message=_("Le pas de notation doit être positif."),
            ),
            models.CheckConstraint(
                condition=Q(threshold__isnull=True)
                | (Q(threshold__gte=models.F("scale_min")) & Q(threshold__lte=models.F("scale_max"))),
                name="criterion_threshold_in_scale",
                violation_error_message=_("Le seuil doit être compris dans l'échelle de notation."),
            ),
        ]

    def __str__(self):
        return f"{self.code}. {self.label}"


class RequiredDocument(models.Model):
    class Scope(models.TextChoices):
        DOSSIER = "dossier", _("Limite sur le total du dossier")
        FILE = "file", _("Limite par fichier")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, null=True, blank=True, related_name="required_documents")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, null=True, blank=True, related_name="required_documents")
    kind = models.SlugField(_("type de pièce"), max_length=64)
    label = models.CharField(_("libellé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    formats = models.JSONField(_("formats acceptés"), default=list, help_text=_("Extensions : pdf, odt, docx…"))
    max_size_mb = models.DecimalField(_("taille maximale (Mo)"), max_digits=6, decimal_places=2, null=True, blank=True)
    scope = models.CharField(_("portée de la limite"), max_length=10, choices=Scope.choices, default=Scope.FILE)
    mandatory = models.BooleanField(_("obligatoire"), default=True)
    max_pages = models.PositiveIntegerField(_("nombre de pages maximal"), null=True, blank=True)
    step = models.CharField(
        _("étape"),
        max_length=10,
        choices=FormStep.choices,
        default=FormStep.DOSSIER,
        help_text=_("Appel en deux étapes : la pièce est demandée à la manifestation d'intérêt ou au dossier complet."),
    )
    order = models.PositiveIntegerField(_("ordre"), default=0)

    # What staff set in the back-office and what the exchange format carries.
    EDITABLE_FIELDS = (
        "kind",
        "label",
        "description",
        "formats",
        "max_size_mb",
        "scope",
        "mandatory",
        "max_pages",
        "step",
        "order",
    )

    class Meta:
        verbose_name = _("pièce à fournir")
        verbose_name_plural = _("pièces à fournir")
        ordering = ["order", "label"]
        constraints = [_owned_by_call_or_theme("required_document_owned_by_call_or_theme")]

    def __str__(self):
        return self.label


class FormDefinition(models.Model):
    """One version of a dossier form: sections and typed fields (see calls.formschema).

    A published version is never edited; a change creates the next version, and each
    dossier keeps the version it was started on.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, null=True, blank=True, related_name="form_definitions")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, null=True, blank=True, related_name="form_definitions")
    step = models.CharField(_("étape"), max_length=10, choices=FormStep.choices, default=FormStep.DOSSIER)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    schema = models.JSONField(_("définition"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("formulaire de dossier")
        verbose_name_plural = _("formulaires de dossier")
        ordering = ["-version"]
        constraints = [
            _owned_by_call_or_theme("form_definition_owned_by_call_or_theme"),
            models.UniqueConstraint(
                fields=["call", "step", "version"],
                condition=Q(theme__isnull=True),
                name="form_version_unique_per_call_step",
            ),
            models.UniqueConstraint(
                fields=["theme", "step", "version"],
                condition=Q(call__isnull=True),
                name="form_version_unique_per_theme_step",
            ),
        ]

    def __str__(self):
        return f"{self.theme or self.call} — v{self.version}"


class InfoSession(models.Model):
    """An information meeting or workshop, with online registration."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="info_sessions", verbose_name=_("appel"))
    title = models.CharField(_("titre"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    place = models.CharField(_("lieu"), max_length=255, blank=True)
    address = models.CharField(_("adresse"), max_length=500, blank=True)
    access_conditions = models.TextField(_("conditions d'accès"), blank=True)
    remote_link = models.URLField(_("lien de participation à distance"), blank=True)
    capacity = models.PositiveIntegerField(_("capacité"), null=True, blank=True)
    registration_open = models.BooleanField(_("inscriptions ouvertes"), default=True)

    class Meta:
        verbose_name = _("réunion d'information")
        verbose_name_plural = _("réunions d'information")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="info_session_ends_after_start",
                violation_error_message=_("La fin doit être postérieure au début."),
            ),
        ]

    def __str__(self):
        return self.title


class InfoSessionRegistration(models.Model):
    class Attendance(models.TextChoices):
        IN_PERSON = "in_person", _("Sur place")
        REMOTE = "remote", _("À distance")

    info_session = models.ForeignKey(InfoSession, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("nom et prénom"), max_length=255)
    email = models.EmailField(_("adresse e-mail"))
    organisation_name = models.CharField(_("organisation"), max_length=255, blank=True)
    attendance = models.CharField(
        _("participation"), max_length=10, choices=Attendance.choices, default=Attendance.IN_PERSON
    )
    cancel_token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["info_session", "email"],
                condition=Q(cancelled_at__isnull=True),
                name="registration_unique_active_email",
            ),
        ]

    def __str__(self):
        return f"{self.name} — {self.info_session}"
