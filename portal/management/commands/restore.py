from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import DATABASE_FILE, backup_restore


class Command(BaseCommand):
    help = "Restaure une sauvegarde dans une base vide et le dossier des fichiers."

    def add_arguments(self, parser):
        parser.add_argument("source", help="Dossier produit par la commande backup.")

    def handle(self, *args, source, **options):
        path = Path(source)
        if not any((path / name).exists() for name in DATABASE_FILE.values()):
            raise CommandError(f"Aucune sauvegarde de base de données dans {path}.")
        backup_restore(source=path)
        self.stdout.write(f"Sauvegarde {path} restaurée.")
