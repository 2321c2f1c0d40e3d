"""Derived figures kept beside the dossiers: the engine's verdict per dossier, totals per session and state."""

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import MONEY, Dossier
from applications.workflow import DossierState


class StoredEvaluation(models.Model):
    """The rules engine's verdict on a dossier, kept so that lists and exports never replay the engine.

    Written by `applications.services.evaluations.evaluation_store` in the transaction of every
    change of what the rule reads (budget lines, co-carriers, derogation, earlier phases' grants,
    submission); `manage.py evaluations_refresh` recomputes them all (after a rule change, or to fill
    dossiers created before this table). Figures are None when the theme has no rule.
    """

    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, primary_key=True, related_name="stored_evaluation"
    )
    rule_version = models.ForeignKey(
        "calls.RuleVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    budget_total = models.DecimalField(_("coût total du budget (€)"), **MONEY, default=Decimal("0"))
    total_cost = models.DecimalField(_("coût total retenu (€)"), **MONEY, null=True, blank=True)
    eligible_cost = models.DecimalField(_("coût éligible (€)"), **MONEY, null=True, blank=True)
    max_aid = models.DecimalField(_("aide maximale selon les règles (€)"), **MONEY, null=True, blank=True)
    requested_amount = models.DecimalField(_("montant demandé retenu (€)"), **MONEY, null=True, blank=True)
    granted_amount = models.DecimalField(_("aide calculée (€)"), **MONEY, null=True, blank=True)
    granted_percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    carrier_percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    is_compliant = models.BooleanField(_("règles de cofinancement respectées"), null=True, blank=True)
    violations = models.JSONField(_("règles non respectées (codes)"), default=list, blank=True)
    computed_at = models.DateTimeField(_("calculée le"), default=timezone.now)

    class Meta:
        verbose_name = _("évaluation enregistrée")
        verbose_name_plural = _("évaluations enregistrées")

    def __str__(self):
        return f"{self.dossier_id} — {self.max_aid}"


class SessionStateTotal(models.Model):
    """Number of dossiers and sums of their amounts per session and state, kept by the database.

    Triggers on the dossier table (migration 0013_stored_evaluations_and_totals) update the row of the
    old and of the new (session, state) in the same transaction as every INSERT, UPDATE or DELETE of
    a dossier, whatever wrote it (services, imports, bulk_create, queryset.update): the dashboard and
    the list totals read a few rows per session instead of counting every dossier.
    `applications.selectors.totals_recount` gives the same figures from the dossiers themselves.
    """

    session = models.ForeignKey("calls.Session", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=24, choices=DossierState.choices)
    count = models.IntegerField(default=0)
    requested = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    granted = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "state"], name="session_state_total_unique")]

    def __str__(self):
        return f"{self.session_id} {self.state}: {self.count}"
