"""Start PostgreSQL and Redis on this machine when they are not running (bench only)."""

import os
import shutil
import subprocess
import time
from pathlib import Path

BENCH_DB = "portal_bench"
PG_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgres://portal:portal@127.0.0.1:5432/portal")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


def _ok(command: list[str]) -> bool:
    return subprocess.run(command, capture_output=True).returncode == 0


def ensure_postgres() -> None:
    if _ok(["pg_isready", "-q", "-h", "127.0.0.1"]):
        return
    versions = sorted(Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").exists() else []
    if not versions or not shutil.which("pg_ctlcluster"):
        raise SystemExit("PostgreSQL est introuvable : installez-le (voir .ci/run) avant `make bench`.")
    subprocess.run(["pg_ctlcluster", versions[-1].name, "main", "start"], check=False)
    for _ in range(30):
        if _ok(["pg_isready", "-q", "-h", "127.0.0.1"]):
            break
        time.sleep(1)
    role_exists = subprocess.run(
        ["su", "postgres", "-c", "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='portal'\""],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if role_exists != "1":
        subprocess.run(
            ["su", "postgres", "-c", "psql -c \"CREATE ROLE portal LOGIN CREATEDB PASSWORD 'portal'\""], check=True
        )
        subprocess.run(["su", "postgres", "-c", "createdb -O portal portal"], check=True)


def ensure_redis() -> None:
    if _ok(["redis-cli", "-h", "127.0.0.1", "ping"]):
        return
    if not shutil.which("redis-server"):
        raise SystemExit("Redis est introuvable : installez-le (voir .ci/run) avant `make bench`.")
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--port", "6379", "--bind", "127.0.0.1", "--save", ""], check=True
    )
    for _ in range(20):
        if _ok(["redis-cli", "-h", "127.0.0.1", "ping"]):
            return
        time.sleep(0.5)


def fresh_bench_database(name: str = BENCH_DB) -> str:
    """Drop and recreate the bench database `name`; returns its URL."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def flush_redis() -> None:
    """Empty the bench's Redis database: no task or cached export left over from a previous run."""
    db = REDIS_URL.rsplit("/", 1)[-1]
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-n", db, "flushdb"], capture_output=True, check=False)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(*, database_url: str, workdir: Path) -> dict[str, str]:
    """The production settings of README.md, on this machine: no DEBUG, a generated secret,
    PostgreSQL and Redis. Two deviations, stated in the results: plain HTTP on 127.0.0.1
    (SECURE_SSL_REDIRECT=0, no TLS proxy in front) and PORTAL_ENFORCE_MFA=0 (the staff
    sessions are created server-side, without a TOTP step)."""
    import secrets

    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECURE_SSL_REDIRECT": "0",
        "PORTAL_ENFORCE_MFA": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        "SITE_URL": "http://127.0.0.1",
    }
