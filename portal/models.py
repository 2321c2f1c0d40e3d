"""Users, organisations, scoped roles, notifications outbox and audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit_labels import action_label
from portal.validators import validate_siret


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person; identified by e-mail. `is_staff` only opens the Django admin."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self):
        return self.get_full_name() or self.email


class OrganisationKind(models.TextChoices):
    MINISTRY = "ministere", _("Ministère / direction d'administration centrale")
    REGIONAL_PREFECTURE = "prefecture_region", _("Préfecture de région / SGAR")
    DECONCENTRATED_SERVICE = "service_deconcentre", _("Service déconcentré")
    OPERATOR = "operateur", _("Opérateur")
    LOCAL_AUTHORITY = "collectivite", _("Collectivité territoriale")
    OTHER = "autre", _("Autre")


class Organisation(models.Model):
    name = models.CharField(_("nom"), max_length=255)
    kind = models.CharField(_("type d'organisation"), max_length=32, choices=OrganisationKind.choices)
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text=_("14 chiffres, facultatif ; vérifié par sa clé de contrôle."),
    )
    parent_ministry = models.CharField(
        _("ministère de rattachement"),
        max_length=255,
        blank=True,
        help_text=_("Sert à repérer les conflits d'intérêts au sein d'un même ministère."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    # Past dossiers whose carriers the sources do not name are grouped under one such organisation;
    # it is nobody's partner.
    is_placeholder = models.BooleanField(
        _("regroupement sans porteur connu"),
        default=False,
        help_text=_(
            "Regroupe des dossiers du passé dont le porteur n'est pas connu : jamais proposée comme partenaire."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~models.Q(siret=""), name="organisation_unique_siret"),
        ]

    def __str__(self):
        return self.name

    @property
    def siren(self) -> str:
        return self.siret[:9]


class Membership(models.Model):
    """A granted membership: it opens everything of the organisation. Only portal.services.membership
    writes one (a request granted, the creator, a proven identity, a référent's invitation)."""

    class Origin(models.TextChoices):
        CREATOR = "creator", _("a créé l'organisation")
        REQUEST = "request", _("demande accordée")
        PROCONNECT = "proconnect", _("SIRET attesté par ProConnect")
        DOMAIN = "domain", _("adresse vérifiée sur un domaine déclaré")
        INVITATION = "invitation", _("invitation d'un référent")
        LEGACY = "legacy", _("membre avant les demandes d'adhésion")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    is_referent = models.BooleanField(
        _("référent"),
        default=False,
        help_text=_("Accorde ou refuse les demandes d'adhésion, retire des membres, déclare les domaines."),
    )
    origin = models.CharField(_("origine"), max_length=16, choices=Origin.choices, default=Origin.LEGACY)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accordée par"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_organisation"),
        ]
        indexes = [models.Index(fields=["organisation", "is_referent"])]

    def __str__(self):
        return f"{self.user} — {self.organisation}"


class MembershipRequest(models.Model):
    """Someone asks to join an organisation; a référent of it or an admin decides.

    Every way in leaves one row, granted at once when identity proves it (ProConnect SIRET,
    verified address on a declared domain, a référent's invitation, the creator): the
    history of who came in, how and by whose decision outlives a later removal.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        GRANTED = "granted", _("accordée")
        REFUSED = "refused", _("refusée")
        WITHDRAWN = "withdrawn", _("retirée")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="membership_requests")
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message du demandeur"), blank=True)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        verbose_name = _("demande d'adhésion")
        verbose_name_plural = _("demandes d'adhésion")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(status="pending"),
                name="membership_request_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.user} → {self.organisation} ({self.get_status_display()})"


class OrganisationDomain(models.Model):
    """An e-mail domain that a référent declared for the organisation: a verified address on it joins
    without waiting. A domain belongs to one organisation; shared domains are refused (portal.domains)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domaine"), max_length=253, unique=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déclaré par"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("domaine déclaré")
        verbose_name_plural = _("domaines déclarés")
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class Role(models.TextChoices):
    PROGRAMME_STAFF = "programme_staff", _("Équipe du programme")
    JUROR = "juror", _("Membre de jury")
    FUND_OPERATOR = "fund_operator", _("Opérateur financier")
    ADMIN = "admin", _("Administrateur")


# Which model each role is scoped to (app_label.model); admin is global.
ROLE_SCOPES = {
    Role.PROGRAMME_STAFF: "calls.programme",
    Role.JUROR: "juries.jury",
    Role.FUND_OPERATOR: "calls.programme",
    Role.ADMIN: None,
}


class RoleAssignment(models.Model):
    """A role held by a user on one object (a programme, a jury), or globally for admins."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices)
    scope_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    scope_id = models.PositiveBigIntegerField(null=True, blank=True)
    scope = GenericForeignKey("scope_type", "scope_id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rôle attribué")
        verbose_name_plural = _("rôles attribués")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "scope_type", "scope_id"],
                condition=models.Q(scope_id__isnull=False),
                name="role_assignment_unique_scoped",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(scope_id__isnull=True),
                name="role_assignment_unique_global",
            ),
        ]
        indexes = [models.Index(fields=["role", "scope_type", "scope_id"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"


class OutboxMessage(models.Model):
    """An e-mail written in the same transaction as the change that caused it.

    A periodic task sends pending rows, so nothing is lost when Redis or the
    worker is down: the row simply waits.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec définitif")

    event = models.CharField(max_length=100)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    to_email = models.EmailField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    # Text files sent with the e-mail (an iCalendar invitation): [{"filename", "content_type", "content"}].
    attachments = models.JSONField(default=list, blank=True)
    link = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.event} → {self.to_email}"


class TaskOutbox(models.Model):
    """A Celery task asked for by a change, written in the change's transaction.

    The row is the promise that the task will run: it is published to the broker after commit,
    and deleted once the broker has it; a row left behind (broker down, process killed) is
    published by the periodic sweep (portal.services.task_outbox).
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("tâche en attente de publication")
        verbose_name_plural = _("tâches en attente de publication")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.task}({self.kwargs})"


class Heartbeat(models.Model):
    """The last sign of life of a background component, shown on the operators' health page."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("signal de vie")
        verbose_name_plural = _("signaux de vie")

    def __str__(self):
        return f"{self.name} ({self.seen_at:%Y-%m-%d %H:%M:%S})"


class AuditEvent(models.Model):
    """Append-only record of who did what, when, from where (before/after in `data`)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    call_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Appel concerné, pour l'export d'audit remis aux corps de contrôle."),
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Le journal d'audit est en ajout seul.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Le journal d'audit est en ajout seul.")

    @property
    def action_label(self) -> str:
        return action_label(self.action)
