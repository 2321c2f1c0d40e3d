import os
import secrets
import subprocess
import sys

from django.conf import settings


def check_deploy(**overrides) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items() if key not in {"DEBUG", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "portail.exemple.gouv.fr",
            "SITE_URL": "https://portail.exemple.gouv.fr",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_refuses_debug_and_the_development_key():
    result = check_deploy(DEBUG="1", SECRET_KEY="dev-only-insecure-key-never-use-in-production")
    assert result.returncode != 0
    assert "portal.E001" in result.stderr and "portal.E002" in result.stderr


def test_check_deploy_refuses_running_tasks_in_requests():
    result = check_deploy(REDIS_URL="")
    assert result.returncode != 0 and "portal.E003" in result.stderr


def test_check_deploy_refuses_an_object_store_without_a_bucket():
    result = check_deploy(STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="")
    assert result.returncode != 0 and "portal.E004" in result.stderr
