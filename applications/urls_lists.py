"""My dossiers (applicants) and the staff's dossier list."""

urlpatterns: list = []
