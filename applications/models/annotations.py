"""Staff's private annotations on dossiers: free notes, and structured fields configured per call.

Kept apart from `Dossier` so that nothing which serialises a dossier for its carrier (pages, personal
data export, receipts) can carry them by accident.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CallAnnotationFields(models.Model):
    """The private fields staff fill on each dossier of a call, in the form builder's field format
    (`calls.formschema`: key, label, kind, choices…); and whether the call's juries read them."""

    call = models.OneToOneField("calls.Call", on_delete=models.CASCADE, related_name="annotation_fields")
    fields = models.JSONField(_("champs privés"), default=list, blank=True)
    shown_to_jury = models.BooleanField(
        _("montrés au jury"), default=False, help_text=_("Les jurés lisent ces champs (jamais les notes).")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("champs privés d'un appel")
        verbose_name_plural = _("champs privés des appels")

    def __str__(self):
        return f"Champs privés — {self.call}"

    @property
    def schema(self) -> dict:
        """The fields as a one-section form definition, for `calls.formschema` and the section form."""
        return {"sections": [{"key": "annotations", "title": "Annotations privées", "fields": self.fields}]}


class DossierAnnotation(models.Model):
    """The values of a dossier's private fields (staff only)."""

    dossier = models.OneToOneField("applications.Dossier", on_delete=models.CASCADE, related_name="annotation")
    values = models.JSONField(_("valeurs"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("annotations privées d'un dossier")
        verbose_name_plural = _("annotations privées des dossiers")

    def __str__(self):
        return f"Annotations privées — {self.dossier}"


class PrivateNote(models.Model):
    """A note of the staff on a dossier: never shown to its carrier nor to jurors."""

    dossier = models.ForeignKey("applications.Dossier", on_delete=models.CASCADE, related_name="private_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note privée")
        verbose_name_plural = _("notes privées")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Note de {self.author} — {self.dossier}"
