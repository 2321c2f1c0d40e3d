from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API d'automatisation et webhooks"

    def ready(self):
        from api import receivers  # noqa: F401  (connects the webhook events to the audit trail)
