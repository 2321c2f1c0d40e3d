from django.conf import settings
from django.core.management.base import BaseCommand

from portal.services.files import orphan_files_purge


class Command(BaseCommand):
    help = (
        "Supprime les fichiers stockés que rien ne référence (tentative échouée, export expiré) "
        "et plus anciens que le délai de grâce ; --dry-run les liste sans rien supprimer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Lister sans supprimer.")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=None,
            help=f"Délai de grâce en heures (défaut : ORPHAN_FILES_GRACE_HOURS, {settings.ORPHAN_FILES_GRACE_HOURS:g}).",
        )

    def handle(self, *args, dry_run=False, grace_hours=None, **options):
        orphans = orphan_files_purge(dry_run=dry_run, grace_hours=grace_hours)
        for name in orphans:
            self.stdout.write(name)
        verb = "à supprimer" if dry_run else "supprimé(s)"
        self.stdout.write(f"{len(orphans)} fichier(s) orphelin(s) {verb}.")
