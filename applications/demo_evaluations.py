"""Last step of `load_demo`: the stored evaluation of every demo dossier that has none yet (the demo
modules of every app write dossiers and budgets directly, not through the services that store it)."""

from applications.models import Dossier
from applications.services.evaluations import evaluations_refresh


def load(*, stdout) -> None:
    done = evaluations_refresh(Dossier.objects.filter(stored_evaluation__isnull=True))
    stdout.write(f"Évaluations enregistrées : {done} dossier(s).")
