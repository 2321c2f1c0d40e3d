"""Labels a programme's staff put on dossiers, and the staff list's filters a user saved."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Label(models.Model):
    class Colour(models.TextChoices):
        # The DSFR's illustrative colours of tags (fr-tag--<colour>), readable on light and dark themes.
        GREEN = "green-emeraude", _("Vert")
        BLUE = "blue-ecume", _("Bleu")
        PURPLE = "purple-glycine", _("Violet")
        PINK = "pink-tuile", _("Rose")
        YELLOW = "yellow-tournesol", _("Jaune")
        ORANGE = "orange-terre-battue", _("Orange")
        BROWN = "brown-cafe-creme", _("Brun")

    programme = models.ForeignKey(
        "calls.Programme", on_delete=models.CASCADE, related_name="labels", verbose_name=_("programme")
    )
    name = models.CharField(_("nom"), max_length=60)
    colour = models.CharField(_("couleur"), max_length=24, choices=Colour.choices, default=Colour.BLUE)
    dossiers = models.ManyToManyField("applications.Dossier", related_name="labels", blank=True)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="label_unique_name")]

    def __str__(self):
        return self.name


class SavedFilter(models.Model):
    """A staff list query string saved under a name, for its owner only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("nom"), max_length=80)
    querystring = models.CharField(_("filtres"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("filtre enregistré")
        verbose_name_plural = _("filtres enregistrés")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")]

    def __str__(self):
        return self.name
