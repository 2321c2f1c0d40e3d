"""Print the RGAA conformity computed from the audit grid (portal/data/rgaa_audit.yaml)."""

from django.core.management.base import BaseCommand

from portal.accessibility import current_audit, french_percent


class Command(BaseCommand):
    help = "Taux de conformité RGAA calculé depuis la grille d'audit, page par page, et non-conformités restantes."

    def handle(self, *args, **options):
        audit = current_audit()
        self.stdout.write(f"{audit.referential}, audit du {audit.audited_on:%d/%m/%Y} : {audit.level}")
        self.stdout.write(
            f"Taux de conformité : {french_percent(audit.rate)} ({len(audit.respected)} critères respectés "
            f"sur {len(audit.applicable)} applicables) ; taux moyen : {french_percent(audit.average_rate)}"
        )
        for key, page in audit.pages.items():
            self.stdout.write(f"  {french_percent(audit.page_rate(key)):>8}  {page.title} ({page.url})")
        for entry in audit.non_conformities():
            criterion = entry["criterion"]
            self.stdout.write(f"Non conforme : {criterion.number} {criterion.title}")
            for failure in entry["failures"]:
                self.stdout.write(f"  - {failure['note']} ({', '.join(failure['pages'])})")
