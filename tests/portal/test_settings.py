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
        {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portail.gouv.fr", "SITE_URL": "https://portail.gouv.fr/"},
        "s.SECRET_KEY, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE, s.SITE_URL",
    )
    assert production.stdout.strip() == f"{'x' * 60} ['portail.gouv.fr'] True https://portail.gouv.fr"


def test_site_url_is_required_in_production_and_defaults_to_the_local_server_in_development():
    missing = read_settings({"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portail.gouv.fr"}, "s.SITE_URL")
    assert missing.returncode != 0
    assert "SITE_URL doit être défini" in missing.stderr
    assert read_settings({"DEBUG": "1"}, "s.SITE_URL").stdout.strip() == "http://127.0.0.1:8000"


def test_make_run_serves_and_links_to_the_same_address():
    """`make run HOST=…` gives the site address to e-mails and lets Django serve that host name."""
    result = subprocess.run(
        ["make", "-n", "run", "HOST=portail.local:8080"], capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert result.returncode == 0, result.stderr
    assert "SITE_URL=http://portail.local:8080" in result.stdout
    assert "ALLOWED_HOSTS=portail.local,127.0.0.1,localhost" in result.stdout
    assert "runserver portail.local:8080" in result.stdout


def test_test_run_uses_paris_time_and_french():
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "fr"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL absent: the broker is in memory")
def test_broker_is_redis_when_configured():
    assert app.conf.broker_url.startswith("redis://")


def test_files_stay_local_unless_an_object_store_is_configured():
    result = read_settings({"DEBUG": "1"}, "s.STORAGES['default']['BACKEND']")
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"
    bucket = {
        "DEBUG": "1",
        "AWS_STORAGE_BUCKET_NAME": "portail-pieces",
        "AWS_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud",
        "AWS_S3_REGION_NAME": "fr-par",
        "AWS_S3_ADDRESSING_STYLE": "virtual",
    }
    result = read_settings(bucket, "s.STORAGES['default']")
    assert result.returncode == 0, result.stderr
    storage = eval(result.stdout)  # noqa: S307 (the repr of a dict of strings printed by our own settings)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"], options["addressing_style"]) == (
        "portail-pieces",
        "https://s3.fr-par.scw.cloud",
        "fr-par",
        "virtual",
    )
    assert options["file_overwrite"] is False and options["default_acl"] is None
    assert "FileSystemStorage" in read_settings({**bucket, "STORAGE_BACKEND": "local"}, "s.STORAGES").stdout


def test_a_wrong_storage_backend_or_proxy_range_is_refused_at_start():
    result = read_settings({"DEBUG": "1", "STORAGE_BACKEND": "ftp"}, "1")
    assert result.returncode != 0 and "STORAGE_BACKEND" in result.stderr
    result = read_settings({"DEBUG": "1", "TRUSTED_PROXIES": "10.0.0.0/8, proxy.interne"}, "1")
    assert result.returncode != 0 and "TRUSTED_PROXIES" in result.stderr
    result = read_settings({"DEBUG": "1", "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.10"}, "s.TRUSTED_PROXIES")
    assert result.stdout.strip() == "['10.0.0.0/8', '192.0.2.10']"
