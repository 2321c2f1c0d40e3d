"""Recompute the stored evaluation of every dossier (see applications.services.evaluations)."""

from django.core.management.base import BaseCommand

from applications.services.evaluations import evaluations_refresh


class Command(BaseCommand):
    help = (
        "Recalcule et enregistre l'évaluation de la règle de chaque dossier (à lancer une fois après la "
        "migration qui crée les évaluations enregistrées, ou après un changement de règle)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing", action="store_true", help="Seulement les dossiers sans évaluation enregistrée."
        )

    def handle(self, *args, missing=False, **options):
        from applications.models import Dossier

        dossiers = Dossier.objects.filter(stored_evaluation__isnull=True) if missing else None
        done = evaluations_refresh(dossiers)
        self.stdout.write(f"{done} évaluation(s) enregistrée(s).")
