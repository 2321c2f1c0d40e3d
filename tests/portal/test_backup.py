"""make backup / make restore: a restore into an empty database finds every dossier and file."""

import os
import sqlite3
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection

from applications.models import Attachment
from portal.backup import backup_create
from tests.applications.factories import DossierFactory


def pg_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_database_finds_every_dossier_and_file(tmp_path, services_required):
    if connection.vendor != "postgresql":
        if services_required:
            pytest.fail("SERVICES_REQUIRED=1 mais la base n'est pas PostgreSQL")
        pytest.skip("needs PostgreSQL (run by .ci/run)")
    dossiers = DossierFactory.create_batch(3)
    attachment = Attachment(
        dossier=dossiers[0],
        original_name="lettre.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        uploaded_by=dossiers[0].created_by,
    )
    attachment.file.save("lettre.pdf", ContentFile(b"%PDF-1.7"), save=True)

    backup_create(destination=tmp_path / "backup")

    restored_db = f"restore_{uuid.uuid4().hex[:8]}"
    admin_url = pg_url(connection.settings_dict["NAME"])
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{restored_db}"')
    try:
        env = {
            **os.environ,
            "DATABASE_URL": pg_url(restored_db),
            "MEDIA_ROOT": str(tmp_path / "restored-media"),
            "DEBUG": "1",
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "restore", str(tmp_path / "backup")],
            env=env,
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
        )
        assert result.returncode == 0, result.stderr
        with psycopg.connect(pg_url(restored_db)) as restored:
            references = {row[0] for row in restored.execute("SELECT reference FROM applications_dossier")}
            stored_name = restored.execute("SELECT file FROM applications_attachment").fetchone()[0]
        assert references == {d.reference for d in dossiers}
        assert (tmp_path / "restored-media" / stored_name).read_bytes() == b"%PDF-1.7"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')


@pytest.mark.django_db
def test_sqlite_backup_writes_a_database_copy_and_media(tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL path is tested above")
    DossierFactory()
    # the test database lives in memory: back up a file database instead
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {**settings.DATABASES["default"], "NAME": str(tmp_path / "db.sqlite3")},
    }
    sqlite3.connect(tmp_path / "db.sqlite3").execute("CREATE TABLE t (x)").connection.commit()
    backup_create(destination=tmp_path / "backup")
    assert (tmp_path / "backup" / "database.sqlite3").exists()
    assert (tmp_path / "backup" / "media.tar.gz").exists()


@pytest.mark.services
@pytest.mark.django_db
def test_the_media_archive_copies_a_bucket_into_another(tmp_path, settings, object_store, services_required):
    """The drill of docs/deployment.md: `make backup` reads the bucket, `make restore` fills an empty one."""
    from django.core.files.storage import default_storage

    from portal.backup import media_archive_restore, media_archive_write
    from portal.settings import object_storage
    from tests.object_storage import object_store_or_skip

    default_storage.save("dossiers/1/piece", ContentFile(b"%PDF-1.7 piece"))
    default_storage.save("receipts/accuse.pdf", ContentFile(b"%PDF-1.7 accuse"))
    assert media_archive_write(tmp_path / "media.tar.gz") == 2
    empty = object_store_or_skip(services_required)
    try:
        settings.STORAGES = {**settings.STORAGES, "default": object_storage(empty.env)}
        assert media_archive_restore(tmp_path / "media.tar.gz") == 2
        assert media_archive_restore(tmp_path / "media.tar.gz") == 2  # again: same names, nothing beside them
        assert empty.keys() == object_store.keys() == {"dossiers/1/piece", "receipts/accuse.pdf"}
        assert empty.read("dossiers/1/piece") == b"%PDF-1.7 piece"
    finally:
        empty.empty_and_remove()
