"""The text staff search in a deposited dossier, kept beside it (refreshed at each deposit)."""

from django.db import models


class DossierSearchText(models.Model):
    """Acronym, title, summary, answers, carrier, partners and document names of the deposited version.

    On PostgreSQL an expression index (migration 0008) serves the French full-text search over
    `content` (`applications.selectors.dossier_search`); SQLite searches it as plain text.
    """

    dossier = models.OneToOneField("applications.Dossier", on_delete=models.CASCADE, related_name="search_text")
    content = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Texte de recherche — {self.dossier_id}"
