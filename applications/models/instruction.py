"""How a programme's staff share the instruction: groups, routing rules, assignment and following."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class InstructorGroup(models.Model):
    """Staff of one programme who instruct the dossiers routed to them (a theme, a region, a ministry…).

    A member of a group sees only its dossiers, unless one of their groups is a steering group
    (`sees_all`): its members manage the programme and see every dossier. Staff of the programme
    who belong to no group are managers too.
    """

    programme = models.ForeignKey(
        "calls.Programme", on_delete=models.CASCADE, related_name="instructor_groups", verbose_name=_("programme")
    )
    name = models.CharField(_("nom"), max_length=120)
    description = models.CharField(_("périmètre"), max_length=255, blank=True)
    sees_all = models.BooleanField(
        _("pilotage du programme"),
        default=False,
        help_text=_("Ses membres pilotent le programme et voient tous ses dossiers."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("groupe d'instruction")
        verbose_name_plural = _("groupes d'instruction")
        ordering = ["programme", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="instructor_group_unique_name")]

    def __str__(self):
        return self.name


class InstructorGroupMember(models.Model):
    group = models.ForeignKey(InstructorGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instructor_group_memberships"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre d'un groupe d'instruction")
        verbose_name_plural = _("membres des groupes d'instruction")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="instructor_group_member_once")]

    def __str__(self):
        return f"{self.user} — {self.group}"


class RoutingRule(models.Model):
    """Sends a submitted dossier to a group when every criterion it sets holds.

    The programme's rules are tried in `position` order; the first that matches wins. A
    criterion left empty matches anything, but a rule sets at least one.
    """

    group = models.ForeignKey(InstructorGroup, on_delete=models.CASCADE, related_name="routing_rules")
    position = models.PositiveIntegerField(_("ordre"), default=0)
    theme = models.ForeignKey(
        "calls.Theme", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("thème")
    )
    answer_field = models.SlugField(_("champ du formulaire"), max_length=80, blank=True)
    answer_value = models.CharField(_("réponse attendue"), max_length=255, blank=True)
    amount_min = models.DecimalField(
        _("montant demandé minimal (€)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    amount_max = models.DecimalField(
        _("montant demandé maximal (€)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("règle d'orientation")
        verbose_name_plural = _("règles d'orientation")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(theme__isnull=False)
                | ~Q(answer_field="")
                | Q(amount_min__isnull=False)
                | Q(amount_max__isnull=False),
                name="routing_rule_has_a_criterion",
            ),
        ]

    def __str__(self):
        return f"{self.group} (n°{self.position})"


class DossierFollower(models.Model):
    """A staff member who follows a dossier: it appears in their queue without being assigned to them."""

    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_dossiers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suivi d'un dossier")
        verbose_name_plural = _("suivis de dossiers")
        constraints = [models.UniqueConstraint(fields=["dossier", "user"], name="dossier_followed_once")]

    def __str__(self):
        return f"{self.user} suit {self.dossier}"
