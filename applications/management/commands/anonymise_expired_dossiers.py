from django.core.management.base import BaseCommand

from applications.services.retention import dossiers_anonymise_expired


class Command(BaseCommand):
    help = "Anonymise les dossiers non retenus, irrecevables ou retirés après le délai de conservation."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Délai en jours (défaut : RETENTION_REJECTED_DAYS).")

    def handle(self, *args, days=None, **options):
        count = dossiers_anonymise_expired(days=days)
        self.stdout.write(f"{count} dossier(s) anonymisé(s).")
