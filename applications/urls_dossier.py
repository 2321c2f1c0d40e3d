"""One dossier: start, edit, budget, documents, team, submission, exchanges."""

urlpatterns: list = []
