"""Load the demo data of every app, in dependency order; safe to run again."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand

# Each app's demo module exposes load(*, stdout); later apps build on earlier ones.
DEMO_MODULES = [
    "portal.demo",
    "calls.demo",
    "applications.demo",
    "applications.demo_instruction",
    "juries.demo",
    "funding.demo",
    "applications.demo_evaluations",  # after every app that writes dossiers
]


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent)."

    def handle(self, *args, **options):
        for module_name in DEMO_MODULES:
            import_module(module_name).load(stdout=self.stdout)
        if settings.DEBUG:
            from portal.demo import DEMO_PASSWORD, DEMO_USERS

            self.stdout.write(self.style.SUCCESS("Comptes de démonstration (mot de passe : %s) :" % DEMO_PASSWORD))
            for email, first_name, last_name, _, _ in DEMO_USERS:
                self.stdout.write(f"  {email:<28} {first_name} {last_name}")
