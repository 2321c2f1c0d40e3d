"""Backup and restore of the whole portal: the database and the uploaded files.

PostgreSQL is dumped with pg_dump (custom format) and restored with pg_restore into an
empty database; SQLite is copied with its online backup API. Media go in a tar.gz.
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection

DATABASE_FILE = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_ARCHIVE = "media.tar.gz"


def _pg_env(database: dict) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": database.get("HOST") or "127.0.0.1",
            "PGPORT": str(database.get("PORT") or 5432),
            "PGUSER": database.get("USER") or "",
            "PGPASSWORD": database.get("PASSWORD") or "",
            "PGDATABASE": database["NAME"],
        }
    )
    return env


def backup_create(*, destination: Path) -> Path:
    """Write the database dump and the media archive into `destination` (created)."""
    destination.mkdir(parents=True, exist_ok=True)
    database = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        # The PostgreSQL client on PATH (Debian's), a fixed argument list, no shell.
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--file",
                str(destination / DATABASE_FILE["postgresql"]),
            ],
            env=_pg_env(database),
            check=True,
        )
    else:
        target = sqlite3.connect(destination / DATABASE_FILE["sqlite"])
        with sqlite3.connect(database["NAME"]) as source:
            source.backup(target)
        target.close()
    with tarfile.open(destination / MEDIA_ARCHIVE, "w:gz") as archive:
        if Path(settings.MEDIA_ROOT).exists():
            archive.add(settings.MEDIA_ROOT, arcname="media")
    return destination


def backup_restore(*, source: Path) -> None:
    """Restore a backup into the configured (empty) database and MEDIA_ROOT."""
    database = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                database["NAME"],
                str(source / DATABASE_FILE["postgresql"]),
            ],
            env=_pg_env(database),
            check=True,
        )
    else:
        connection.close()
        shutil.copyfile(source / DATABASE_FILE["sqlite"], database["NAME"])
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA_ARCHIVE, "r:gz") as archive:
        members = [m for m in archive.getmembers() if m.name == "media" or m.name.startswith("media/")]
        for member in members:
            member.name = member.name.removeprefix("media").lstrip("/") or "."
        archive.extractall(media_root, members=members, filter="data")
