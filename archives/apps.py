from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = "Dossier complet et archives pour un organisme de contrôle"
