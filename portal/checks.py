"""Deployment checks: production refuses DEBUG, the development secret key, tasks run in requests (whose
cache would stay in one process) and an object store without a bucket."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_settings_check(app_configs, **kwargs):
    errors = []
    if settings.DEBUG:
        errors.append(Error("DEBUG est activé : interdit en production.", id="portal.E001"))
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        errors.append(Error("La clé secrète de développement est utilisée : définissez SECRET_KEY.", id="portal.E002"))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        errors.append(
            Error("REDIS_URL n'est pas défini : les tâches s'exécuteraient dans les requêtes.", id="portal.E003")
        )
    if settings.STORAGE_BACKEND == "s3" and not settings.STORAGES["default"]["OPTIONS"]["bucket_name"]:
        errors.append(
            Error("STORAGE_BACKEND=s3 sans AWS_STORAGE_BUCKET_NAME : aucun compartiment où écrire.", id="portal.E004")
        )
    return errors
