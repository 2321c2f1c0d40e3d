"""Backup and restore of the whole portal: the database and the stored files.

PostgreSQL is dumped with pg_dump (custom format) and restored with pg_restore into an
empty database; SQLite is copied with its online backup API. The files go in a tar.gz, read and
written through Django's storage API: the same command backs up a local MEDIA_ROOT or an object
store's bucket (for a large bucket, its own versioning or replication is the better copy:
docs/deployment.md).
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

from portal.services.files import file_replace, stored_files

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
    media_archive_write(destination / MEDIA_ARCHIVE)
    return destination


def media_archive_write(path: Path) -> int:
    """Every stored file into a tar.gz at `path`, as media/<name>; returns how many."""
    count = 0
    with tarfile.open(path, "w:gz") as archive:
        for name in stored_files():
            with default_storage.open(name, "rb") as file:
                member = tarfile.TarInfo(f"media/{name}")
                member.size = default_storage.size(name)
                member.mtime = int(default_storage.get_modified_time(name).timestamp())
                archive.addfile(member, file)
            count += 1
    return count


def media_archive_restore(path: Path) -> int:
    """Write back every file of a media archive into the storage, under its own name; returns how many.

    A name the storage refuses (absolute, or going up with "..") stops the restore (SuspiciousFileOperation).
    """
    count = 0
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            name = member.name.removeprefix("media/")
            if not member.isfile() or name == member.name:
                continue
            file_replace(name, File(archive.extractfile(member), name=name))
            count += 1
    return count


def backup_restore(*, source: Path) -> None:
    """Restore a backup into the configured (empty) database and storage."""
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
    media_archive_restore(source / MEDIA_ARCHIVE)
