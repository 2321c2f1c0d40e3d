from django.apps import AppConfig


class JuriesConfig(AppConfig):
    name = "juries"
    verbose_name = "Instruction et jurys"
