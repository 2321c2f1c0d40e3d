"""Settings come from the environment, with defaults that need nothing installed."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from portal.celery import app


def read_settings(env: dict, expression: str) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with exactly `env` (plus PATH)."""
    clean_env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "SSL_CERT_FILE"}}
    clean_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", f"import portal.settings as s; print({expression})"],
        env=clean_env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_defaults_are_sqlite_eager_console_paris():
    result = read_settings(
        {"DEBUG": "1"},
        "s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "django.db.backends.sqlite3 True django.core.mail.backends.console.EmailBackend Europe/Paris True fr"
    )


def test_database_and_redis_urls_are_read():
    result = read_settings(
        {"DEBUG": "1", "DATABASE_URL": "postgres://u:p@db:5432/portail", "REDIS_URL": "redis://cache:6379/1"},
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql portail redis://cache:6379/1 False"


def test_smtp_when_email_host_is_set():
    result = read_settings({"DEBUG": "1", "EMAIL_HOST": "smtp.exemple.fr"}, "s.EMAIL_BACKEND, s.EMAIL_PORT")
    assert result.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend 587"


def test_secret_key_is_required_without_debug():
    result = read_settings({}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY doit être défini" in result.stderr


def test_dev_secret_key_only_with_debug():
    assert read_settings({"DEBUG": "1"}, "s.SECRET_KEY == s.DEV_SECRET_KEY").stdout.strip() == "True"
    production = read_settings(
        {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portail.gouv.fr"},
        "s.SECRET_KEY, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE",
    )
    assert production.stdout.strip() == f"{'x' * 60} ['portail.gouv.fr'] True"


def test_test_run_uses_paris_time_and_french():
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "fr"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL absent: the broker is in memory")
def test_broker_is_redis_when_configured():
    assert app.conf.broker_url.startswith("redis://")
