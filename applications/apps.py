from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Dossiers"

    def ready(self):
        from applications import receivers  # noqa: F401  (connects to the signals of the apps below)
        from applications.workflow import TRANSITIONS
        from portal.audit_labels import register

        # Life-cycle actions are audited as "dossier.<transition>".
        register({f"dossier.{name}": f"Dossier : {transition.label}" for name, transition in TRANSITIONS.items()})
