from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self):
        from portal import checks, signals  # noqa: F401  (registers checks, connects the audit receivers)
