from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.backup import backup_create


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers déposés dans un dossier."

    def add_arguments(self, parser):
        parser.add_argument("--destination", default=None, help="Dossier de sortie (défaut : backups/<date>).")

    def handle(self, *args, destination=None, **options):
        target = Path(destination or f"backups/{timezone.now():%Y%m%d-%H%M%S}")
        backup_create(destination=target)
        self.stdout.write(f"Sauvegarde écrite dans {target}")
