"""Programmes, calls, themes, sessions, grids and forms configured by programme staff."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    """A funding programme (France Relance TNE, PIA, ETNA…) with its fund and envelope."""

    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=255)
    fund = models.CharField(_("fonds"), max_length=255, blank=True)
    owner_teams = models.JSONField(_("équipes porteuses"), default=list, blank=True)
    total_envelope = models.DecimalField(
        _("enveloppe totale (€)"), max_digits=14, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]

    def __str__(self):
        return self.name
